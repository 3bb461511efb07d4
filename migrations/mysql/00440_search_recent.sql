-- Ticket search, recent rows (issue 15). A Mroonga row cost ≈0.06 ms on the server, +20-30% on
-- ticket creation. Here the triggers write the new text into search_recent, an InnoDB table
-- read by merchant, in the same transaction as the row, and housekeeping
-- (store.MoveSearchRecent) moves batches of it into search_entries: per batch one
-- transaction locks its rows (FOR UPDATE SKIP LOCKED, so two processes take different rows),
-- REPLACEs them into search_entries (idempotent: Mroonga is not transactional, so a batch that
-- rolled back may have left its rows there) and deletes them. Search reads search_recent
-- first, then search_entries, and keeps one hit per ticket: a row a move commits between the
-- two reads is in Mroonga before the move commits. Triggers that change or delete text touch
-- search_recent first (waiting for a move that holds the row), then search_entries, so a row
-- moved meanwhile is deleted too. Rolled-back messages no longer leave index rows.
-- Keep in step with ../sqlite/00440_search_recent.sql.

-- +goose Up
-- Keyed as search reads it (a merchant's rows by ticket): one B-tree, no secondary index.
CREATE TABLE search_recent (
    entry_id    BIGINT          NOT NULL,
    ticket_id   BIGINT UNSIGNED NOT NULL,
    merchant_id BIGINT UNSIGNED NOT NULL,
    body        MEDIUMTEXT      NOT NULL,
    PRIMARY KEY (merchant_id, ticket_id, entry_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

DROP TRIGGER search_entries_message_ad;
DROP TRIGGER search_entries_message_ai;
DROP TRIGGER search_entries_ticket_ad;
DROP TRIGGER search_entries_ticket_au;
DROP TRIGGER search_entries_ticket_ai;

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_ai AFTER INSERT ON tickets FOR EACH ROW
  INSERT INTO search_recent (entry_id, ticket_id, merchant_id, body) VALUES (-CAST(NEW.id AS SIGNED), NEW.id, NEW.merchant_id, NEW.subject);
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_au AFTER UPDATE ON tickets FOR EACH ROW
BEGIN
  IF NEW.subject <> OLD.subject THEN
    INSERT INTO search_recent (entry_id, ticket_id, merchant_id, body) VALUES (-CAST(NEW.id AS SIGNED), NEW.id, NEW.merchant_id, NEW.subject)
      ON DUPLICATE KEY UPDATE body = NEW.subject;
    DELETE FROM search_entries WHERE entry_id = -CAST(NEW.id AS SIGNED);
  END IF;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_ticket_ad AFTER DELETE ON tickets FOR EACH ROW
BEGIN
  DELETE FROM search_recent WHERE merchant_id = OLD.merchant_id AND ticket_id = OLD.id;
  DELETE FROM search_entries WHERE ticket_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_message_ai AFTER INSERT ON messages FOR EACH ROW
  INSERT INTO search_recent (entry_id, ticket_id, merchant_id, body) VALUES (NEW.id, NEW.ticket_id, NEW.merchant_id, NEW.body);
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_recent_message_ad AFTER DELETE ON messages FOR EACH ROW
BEGIN
  DELETE FROM search_recent WHERE merchant_id = OLD.merchant_id AND ticket_id = OLD.ticket_id AND entry_id = OLD.id;
  DELETE FROM search_entries WHERE entry_id = OLD.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER search_recent_message_ad;
DROP TRIGGER search_recent_message_ai;
DROP TRIGGER search_recent_ticket_ad;
DROP TRIGGER search_recent_ticket_au;
DROP TRIGGER search_recent_ticket_ai;

REPLACE INTO search_entries (entry_id, ticket_id, merchant_id, body) SELECT entry_id, ticket_id, merchant_id, body FROM search_recent;
DROP TABLE search_recent;

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_ai AFTER INSERT ON tickets FOR EACH ROW
  INSERT INTO search_entries (entry_id, ticket_id, merchant_id, body) VALUES (-CAST(NEW.id AS SIGNED), NEW.id, NEW.merchant_id, NEW.subject);
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_au AFTER UPDATE ON tickets FOR EACH ROW
BEGIN
  IF NEW.subject <> OLD.subject THEN
    UPDATE search_entries SET body = NEW.subject WHERE entry_id = -CAST(NEW.id AS SIGNED);
  END IF;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_ticket_ad AFTER DELETE ON tickets FOR EACH ROW
  DELETE FROM search_entries WHERE ticket_id = OLD.id;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_message_ai AFTER INSERT ON messages FOR EACH ROW
  INSERT INTO search_entries (entry_id, ticket_id, merchant_id, body) VALUES (NEW.id, NEW.ticket_id, NEW.merchant_id, NEW.body);
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_entries_message_ad AFTER DELETE ON messages FOR EACH ROW
  DELETE FROM search_entries WHERE entry_id = OLD.id;
-- +goose StatementEnd
