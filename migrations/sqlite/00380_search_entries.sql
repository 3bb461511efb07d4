-- Ticket search, one index row per message (issue 15). Replaces 00180's search_tickets (one
-- document per ticket, rewritten whole by a trigger on every new message: +54% on the write
-- path) with search_entries, a contentless FTS5 trigram index that triggers only append to:
-- rowid = messages.id for a message, rowid = -tickets.id for a ticket's subject. Nothing is
-- rewritten when a message arrives; search groups the rows per ticket and reads snippets from
-- tickets and messages (the index stores no copy of the text). contentless_delete lets a
-- deleted message or ticket, or a changed subject, drop its row.
-- Keep in step with ../mysql/00380_search_entries.sql.

-- +goose Up
DROP TRIGGER search_messages_ai;
DROP TRIGGER search_tickets_ad;
DROP TRIGGER search_tickets_au;
DROP TRIGGER search_tickets_ai;
DROP TABLE search_tickets;

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

-- +goose Down
DROP TRIGGER search_entries_message_ad;
DROP TRIGGER search_entries_message_ai;
DROP TRIGGER search_entries_ticket_ad;
DROP TRIGGER search_entries_ticket_au;
DROP TRIGGER search_entries_ticket_ai;
DROP TABLE search_entries;

CREATE VIRTUAL TABLE search_tickets USING fts5(subject, body, tokenize = 'trigram');
INSERT INTO search_tickets (rowid, subject, body)
SELECT t.id, t.subject,
       COALESCE((SELECT group_concat(body, char(10)) FROM (SELECT body FROM messages m WHERE m.ticket_id = t.id ORDER BY m.id)), '')
FROM tickets t;
-- +goose StatementBegin
CREATE TRIGGER search_tickets_ai AFTER INSERT ON tickets BEGIN INSERT INTO search_tickets (rowid, subject, body) VALUES (new.id, new.subject, ''); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_tickets_au AFTER UPDATE OF subject ON tickets WHEN new.subject <> old.subject BEGIN UPDATE search_tickets SET subject = new.subject WHERE rowid = new.id; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_tickets_ad AFTER DELETE ON tickets BEGIN DELETE FROM search_tickets WHERE rowid = old.id; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER search_messages_ai AFTER INSERT ON messages BEGIN UPDATE search_tickets SET body = CASE WHEN body = '' THEN new.body ELSE body || char(10) || new.body END WHERE rowid = new.ticket_id; END;
-- +goose StatementEnd
