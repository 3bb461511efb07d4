-- Issue 16: a message the system writes carries a stable code and its parameters, so pages
-- show it in the reader's language (the body stays the English text, the fallback).
-- Keep in step with ../sqlite/00210_message_codes.sql.

-- +goose Up
ALTER TABLE messages
    ADD COLUMN code VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    ADD COLUMN params LONGTEXT NULL;

-- +goose Down
ALTER TABLE messages
    DROP COLUMN params,
    DROP COLUMN code;
