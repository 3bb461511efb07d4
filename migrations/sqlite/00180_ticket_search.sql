-- Ticket search (issue 15). search_tickets is an FTS5 index with the trigram tokenizer (any
-- substring of three or more characters matches, Chinese included, without segmentation), one
-- document per ticket: the subject and every message (internal notes too: only staff search).
-- Triggers keep it in the same transaction as the rows it indexes. search_key_grams holds keyed
-- hashes of the visible tail of delivered card keys (never the key), for key-fragment lookups.
-- Keep in step with ../mysql/00180_ticket_search.sql.

-- +goose Up
CREATE VIRTUAL TABLE search_tickets USING fts5(subject, body, tokenize = 'trigram');

INSERT INTO search_tickets (rowid, subject, body)
SELECT t.id, t.subject,
       COALESCE((SELECT group_concat(body, char(10)) FROM (SELECT body FROM messages m WHERE m.ticket_id = t.id ORDER BY m.id)), '')
FROM tickets t;

-- +goose StatementBegin
CREATE TRIGGER search_tickets_ai AFTER INSERT ON tickets BEGIN
  INSERT INTO search_tickets (rowid, subject, body) VALUES (new.id, new.subject, '');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_tickets_au AFTER UPDATE OF subject ON tickets WHEN new.subject <> old.subject BEGIN
  UPDATE search_tickets SET subject = new.subject WHERE rowid = new.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_tickets_ad AFTER DELETE ON tickets BEGIN
  DELETE FROM search_tickets WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_messages_ai AFTER INSERT ON messages BEGIN
  UPDATE search_tickets SET body = CASE WHEN body = '' THEN new.body ELSE body || char(10) || new.body END
  WHERE rowid = new.ticket_id;
END;
-- +goose StatementEnd

CREATE TABLE search_key_grams (
    merchant_id                INTEGER NOT NULL,
    gram_hash                  TEXT NOT NULL,
    card_key_id                INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, gram_hash, card_key_id)
);
CREATE INDEX ix_search_key_grams_key ON search_key_grams (card_key_id);

-- Exact lookups by buyer contact (email, ref and order number are indexed already).
CREATE INDEX ix_tickets_contact ON tickets (merchant_id, customer_contact);
CREATE INDEX ix_orders_contact ON orders (merchant_id, buyer_contact);

-- +goose Down
DROP INDEX ix_orders_contact;
DROP INDEX ix_tickets_contact;
DROP TABLE search_key_grams;
DROP TRIGGER search_messages_ai;
DROP TRIGGER search_tickets_ad;
DROP TRIGGER search_tickets_au;
DROP TRIGGER search_tickets_ai;
DROP TABLE search_tickets;
