-- A smaller ticket search index (issue 17). search_entries (00400) took about 2.9 kB a ticket,
-- the largest thing keydesk kept per ticket, for about 0.5 kB of text:
--   - detail=full stored every trigram's positions, which only a phrase query reads. Here
--     detail=none records only which rows hold a trigram; search asks for the trigrams that
--     tile a term (`"red" AND "eem" AND "med"` for redeemed) and checks the term itself in each
--     candidate's subject and messages, as it always did for a query's other terms
--     (store/search.go).
--   - rowid = ticket id << 32 made every step between two tickets' rows a 5-byte varint in each
--     trigram's row list. Here rowid = (ticket id << 12) + slot: slot 0 for the subject,
--     1 + (message id mod (2^32-1)) mod 4095 for a message, so the step is 2 bytes. Rows
--     still sort by ticket, newest last, for `rowid < before << 12 ORDER BY rowid DESC`.
--     Two messages of one ticket 4,095 ids apart share a rowid: FTS5 keeps both texts under it
--     (search answers tickets, so both still find theirs); deleting one would drop the other's
--     entry from the index, and the product deletes no message (RebuildTicketSearch restores).
-- search_recent keeps its entry ids (00440); the move into the index derives the rowid from
-- them (store.moveSearchBatch). The index is rebuilt here from the rows, so nothing waits in
-- search_recent afterwards. Measured (`keydesk bench footprint`, 1,000 tickets): 2.82 MB → 0.56 MB;
-- `keydesk bench search` at 100,000 tickets: 857 → 337 KiB per 1,000, queries as fast or faster.
-- MySQL's index (Mroonga) is unchanged; ../mysql/00480_search_entries_compact.sql keeps the
-- version numbers in step.

-- +goose Up
DROP TRIGGER search_recent_message_ad;
DROP TRIGGER search_recent_ticket_ad;
DROP TRIGGER search_recent_ticket_au;
DROP TABLE search_entries;

CREATE VIRTUAL TABLE search_entries USING fts5(text, tokenize = 'trigram', content = '', contentless_delete = 1, detail = none);

DELETE FROM search_recent;
INSERT INTO search_entries (rowid, text) SELECT id << 12, subject FROM tickets ORDER BY id;
INSERT INTO search_entries (rowid, text)
SELECT (ticket_id << 12) + 1 + ((id % 4294967295) % 4095), body FROM messages ORDER BY ticket_id, id;
INSERT INTO search_entries (search_entries) VALUES ('optimize');

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_au AFTER UPDATE OF subject ON tickets WHEN new.subject <> old.subject BEGIN
  DELETE FROM search_entries WHERE rowid = old.id << 12;
  DELETE FROM search_recent WHERE merchant_id = old.merchant_id AND ticket_id = old.id AND entry_id = old.id << 32;
  INSERT INTO search_recent (merchant_id, ticket_id, entry_id, text) VALUES (new.merchant_id, new.id, new.id << 32, new.subject);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_ad AFTER DELETE ON tickets BEGIN
  DELETE FROM search_entries WHERE rowid = old.id << 12;
  DELETE FROM search_recent WHERE merchant_id = old.merchant_id AND ticket_id = old.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_message_ad AFTER DELETE ON messages BEGIN
  DELETE FROM search_entries WHERE rowid = (old.ticket_id << 12) + 1 + ((old.id % 4294967295) % 4095);
  DELETE FROM search_recent WHERE merchant_id = old.merchant_id AND ticket_id = old.ticket_id AND entry_id = (old.ticket_id << 32) + 1 + (old.id % 4294967295);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER search_recent_message_ad;
DROP TRIGGER search_recent_ticket_ad;
DROP TRIGGER search_recent_ticket_au;
DROP TABLE search_entries;

CREATE VIRTUAL TABLE search_entries USING fts5(text, tokenize = 'trigram', content = '', contentless_delete = 1);

DELETE FROM search_recent;
INSERT INTO search_entries (rowid, text) SELECT id << 32, subject FROM tickets;
INSERT INTO search_entries (rowid, text) SELECT (ticket_id << 32) + 1 + (id % 4294967295), body FROM messages;

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
CREATE TRIGGER search_recent_message_ad AFTER DELETE ON messages BEGIN
  DELETE FROM search_entries WHERE rowid = (old.ticket_id << 32) + 1 + (old.id % 4294967295);
  DELETE FROM search_recent WHERE merchant_id = old.merchant_id AND ticket_id = old.ticket_id AND entry_id = (old.ticket_id << 32) + 1 + (old.id % 4294967295);
END;
-- +goose StatementEnd
