-- Issue 16: a message the system writes carries a stable code and its parameters, so pages
-- show it in the reader's language (the body stays the English text, the fallback).
-- Keep in step with ../mysql/00210_message_codes.sql.

-- +goose Up
ALTER TABLE messages ADD COLUMN code VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN params TEXT NULL;

-- +goose Down
ALTER TABLE messages DROP COLUMN params;
ALTER TABLE messages DROP COLUMN code;
