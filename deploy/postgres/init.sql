-- Every service with state owns its database (BOS and ELS both have a `batches` table and an
-- outbox; identity keeps accounts and signing keys).
CREATE DATABASE bos;
CREATE DATABASE els;
CREATE DATABASE identity;
