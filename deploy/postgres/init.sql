-- BOS and ELS own separate databases (both have a `batches` table and an outbox).
CREATE DATABASE bos;
CREATE DATABASE els;
