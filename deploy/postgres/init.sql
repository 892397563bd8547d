-- Every service with state owns its database (BOS and ELS both have a `batches` table and an
-- outbox; identity keeps accounts and signing keys; files keeps File Service's idempotency
-- records and the files each batch has on record).
CREATE DATABASE bos;
CREATE DATABASE els;
CREATE DATABASE identity;
CREATE DATABASE files;
