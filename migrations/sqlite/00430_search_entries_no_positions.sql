-- Ticket search index without positions (issues 15 and 17). The trigram index kept every
-- trigram's positions (detail=full) so a term of more than three characters could be matched as
-- a phrase of its trigrams. With detail=none it keeps only which rows hold a trigram: 26-32%
-- smaller on the benches' buyer texts (keydesk bench search, keydesk bench footprint). A query
-- asks for rows holding all of a term's trigrams and checks the term on the text
-- (store.trigramQuery, driverChecked), so what a search finds is unchanged. Same rowids and
-- triggers as 00400; the index is rebuilt from tickets and messages.
-- Keep in step with ../mysql/00430_search_entries_no_positions.sql.

-- +goose Up
DROP TRIGGER search_entries_message_ad;
DROP TRIGGER search_entries_message_ai;
DROP TRIGGER search_entries_ticket_ad;
DROP TRIGGER search_entries_ticket_au;
DROP TRIGGER search_entries_ticket_ai;
DROP TABLE search_entries;

CREATE VIRTUAL TABLE search_entries USING fts5(text, tokenize = 'trigram', content = '', contentless_delete = 1, detail = none);

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
