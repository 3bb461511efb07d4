-- Ticket search read newest first (issue 15). 00380 keyed index rows by message id (and -ticket
-- id for a subject), so a query read every match of a term, then grouped and sorted them. Here a
-- row's rowid carries its ticket: ticket_id << 32 for the subject, (ticket_id << 32) + 1 +
-- (message id mod (2^32 - 1)) for a message. FTS5 returns rowids in order, so
-- `MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT n` reads the newest tickets' rows first and
-- a page stops after the rows it needs. Rows are still only appended; contentless_delete
-- lets a deleted message or ticket, or a changed subject, drop its row (rowid computed the same
-- way). Two messages of one ticket collide only 4,294,967,295 message ids apart.
-- Keep in step with ../mysql/00400_search_entries_ticket_order.sql.

-- +goose Up
DROP TRIGGER search_entries_message_ad;
DROP TRIGGER search_entries_message_ai;
DROP TRIGGER search_entries_ticket_ad;
DROP TRIGGER search_entries_ticket_au;
DROP TRIGGER search_entries_ticket_ai;
DROP TABLE search_entries;

CREATE VIRTUAL TABLE search_entries USING fts5(text, tokenize = 'trigram', content = '', contentless_delete = 1);

INSERT INTO search_entries (rowid, text) SELECT id << 32, subject FROM tickets;
INSERT INTO search_entries (rowid, text) SELECT (ticket_id << 32) + 1 + (id % 4294967295), body FROM messages;

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

-- +goose Down
DROP TRIGGER search_entries_message_ad;
DROP TRIGGER search_entries_message_ai;
DROP TRIGGER search_entries_ticket_ad;
DROP TRIGGER search_entries_ticket_au;
DROP TRIGGER search_entries_ticket_ai;
DROP TABLE search_entries;

CREATE VIRTUAL TABLE search_entries USING fts5(text, tokenize = 'trigram', content = '', contentless_delete = 1);

INSERT INTO search_entries (rowid, text) SELECT -id, subject FROM tickets;
INSERT INTO search_entries (rowid, text) SELECT id, body FROM messages;

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO search_entries (rowid, text) VALUES (-new.id, new.subject);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_au AFTER UPDATE OF subject ON tickets WHEN new.subject <> old.subject BEGIN
  DELETE FROM search_entries WHERE rowid = -old.id;
  INSERT INTO search_entries (rowid, text) VALUES (-new.id, new.subject);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_ad AFTER DELETE ON tickets BEGIN
  DELETE FROM search_entries WHERE rowid = -old.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_message_ai AFTER INSERT ON messages BEGIN
  INSERT INTO search_entries (rowid, text) VALUES (new.id, new.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_message_ad AFTER DELETE ON messages BEGIN
  DELETE FROM search_entries WHERE rowid = old.id;
END;
-- +goose StatementEnd
