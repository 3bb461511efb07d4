-- Ticket search, recent rows (issue 15). Writing each new subject and message into FTS5 cost
-- +20-30% on ticket creation: FTS5 writes a small segment per transaction and trigger
-- savepoint and merges them in later writes. Here the triggers write the new text into
-- search_recent, a plain table read by merchant, in the same transaction as the row, and
-- housekeeping (store.MoveSearchRecent) moves batches of it into search_entries, one
-- transaction per batch (insert into FTS5, delete from search_recent). Search reads
-- search_recent first, then FTS5, and keeps one hit per ticket. A key (rowid, computed as in
-- 00400) is in one of the two tables at a time: the triggers that change or delete text delete
-- it from both, and SQLite serialises writers, so a move never interleaves with them.
-- Keep in step with ../mysql/00440_search_recent.sql.

-- +goose Up
-- One B-tree (WITHOUT ROWID, keyed as search reads it: a merchant's rows by ticket) instead of
-- a table and an index: each new row costs one insert.
CREATE TABLE search_recent (
    merchant_id INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL,
    entry_id    INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    PRIMARY KEY (merchant_id, ticket_id, entry_id)
) WITHOUT ROWID;

DROP TRIGGER search_entries_message_ad;
DROP TRIGGER search_entries_message_ai;
DROP TRIGGER search_entries_ticket_ad;
DROP TRIGGER search_entries_ticket_au;
DROP TRIGGER search_entries_ticket_ai;

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO search_recent (merchant_id, ticket_id, entry_id, text) VALUES (new.merchant_id, new.id, new.id << 32, new.subject);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_au AFTER UPDATE OF subject ON tickets WHEN new.subject <> old.subject BEGIN
  DELETE FROM search_entries WHERE rowid = old.id << 32;
  DELETE FROM search_recent WHERE merchant_id = old.merchant_id AND ticket_id = old.id AND entry_id = old.id << 32;
  INSERT INTO search_recent (merchant_id, ticket_id, entry_id, text) VALUES (new.merchant_id, new.id, new.id << 32, new.subject);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_ad AFTER DELETE ON tickets BEGIN
  DELETE FROM search_entries WHERE rowid = old.id << 32;
  DELETE FROM search_recent WHERE merchant_id = old.merchant_id AND ticket_id = old.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_message_ai AFTER INSERT ON messages BEGIN
  INSERT INTO search_recent (merchant_id, ticket_id, entry_id, text) VALUES (new.merchant_id, new.ticket_id, (new.ticket_id << 32) + 1 + (new.id % 4294967295), new.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_message_ad AFTER DELETE ON messages BEGIN
  DELETE FROM search_entries WHERE rowid = (old.ticket_id << 32) + 1 + (old.id % 4294967295);
  DELETE FROM search_recent WHERE merchant_id = old.merchant_id AND ticket_id = old.ticket_id AND entry_id = (old.ticket_id << 32) + 1 + (old.id % 4294967295);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER search_recent_message_ad;
DROP TRIGGER search_recent_message_ai;
DROP TRIGGER search_recent_ticket_ad;
DROP TRIGGER search_recent_ticket_au;
DROP TRIGGER search_recent_ticket_ai;

INSERT INTO search_entries (rowid, text) SELECT entry_id, text FROM search_recent;
DROP TABLE search_recent;

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO search_entries (rowid, text) VALUES (new.id << 32, new.subject);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_au AFTER UPDATE OF subject ON tickets WHEN new.subject <> old.subject BEGIN
  DELETE FROM search_entries WHERE rowid = old.id << 32;
  INSERT INTO search_entries (rowid, text) VALUES (new.id << 32, new.subject);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_ad AFTER DELETE ON tickets BEGIN
  DELETE FROM search_entries WHERE rowid = old.id << 32;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_message_ai AFTER INSERT ON messages BEGIN
  INSERT INTO search_entries (rowid, text) VALUES ((new.ticket_id << 32) + 1 + (new.id % 4294967295), new.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_message_ad AFTER DELETE ON messages BEGIN
  DELETE FROM search_entries WHERE rowid = (old.ticket_id << 32) + 1 + (old.id % 4294967295);
END;
-- +goose StatementEnd
