-- Ticket search (issue 15). search_tickets holds one document per ticket (subject and every
-- message, internal notes too: only staff search) under a full-text index that handles CJK:
--   * MariaDB with the Mroonga engine (Debian: mariadb-plugin-mroonga): storage-mode table, bigram
--     tokenizer over CJK, letters and digits, NormalizerAuto (case and width folding);
--   * MySQL 8: InnoDB FULLTEXT WITH PARSER ngram (ngram_token_size=2, the default);
--   * MariaDB without Mroonga: plain InnoDB FULLTEXT (words only; store falls back to LIKE for CJK).
-- The engine is chosen here once; store.SearchEngine reports which one a database has.
-- Triggers keep the index next to the rows it indexes. Mroonga is not transactional: a rolled-back
-- ticket can leave an index row behind, which search never shows (results join tickets).
-- search_key_grams: keyed hashes of delivered card keys' visible tails (never the key).
-- Keep in step with ../sqlite/00180_ticket_search.sql.

-- +goose Up
-- +goose StatementBegin
CREATE PROCEDURE keydesk_search_setup()
BEGIN
  DECLARE cols TEXT DEFAULT 'ticket_id BIGINT UNSIGNED NOT NULL, merchant_id BIGINT UNSIGNED NOT NULL, subject TEXT NOT NULL, body LONGTEXT NOT NULL, PRIMARY KEY (ticket_id), KEY ix_search_tickets_merchant (merchant_id), ';
  IF EXISTS (SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'Mroonga' AND SUPPORT IN ('YES', 'DEFAULT')) THEN
    SET @kd_ddl = CONCAT('CREATE TABLE search_tickets (', cols,
      'FULLTEXT INDEX ft_search_tickets (subject, body) COMMENT ''tokenizer "TokenBigramSplitSymbolAlphaDigit", normalizer "NormalizerAuto"''',
      ') ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
  ELSEIF VERSION() NOT LIKE '%MariaDB%' THEN
    SET @kd_ddl = CONCAT('CREATE TABLE search_tickets (', cols,
      'FULLTEXT INDEX ft_search_tickets (subject, body) WITH PARSER ngram) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
  ELSE
    SET @kd_ddl = CONCAT('CREATE TABLE search_tickets (', cols,
      'FULLTEXT INDEX ft_search_tickets (subject, body)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
  END IF;
  PREPARE kd_stmt FROM @kd_ddl;
  EXECUTE kd_stmt;
  DEALLOCATE PREPARE kd_stmt;
END;
-- +goose StatementEnd
CALL keydesk_search_setup();
DROP PROCEDURE keydesk_search_setup;

INSERT INTO search_tickets (ticket_id, merchant_id, subject, body)
SELECT t.id, t.merchant_id, t.subject,
       COALESCE((SELECT GROUP_CONCAT(m.body ORDER BY m.id SEPARATOR '\n') FROM messages m WHERE m.ticket_id = t.id), '')
FROM tickets t;

-- +goose StatementBegin
CREATE TRIGGER search_tickets_ai AFTER INSERT ON tickets FOR EACH ROW
  INSERT INTO search_tickets (ticket_id, merchant_id, subject, body) VALUES (NEW.id, NEW.merchant_id, NEW.subject, '');
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_tickets_au AFTER UPDATE ON tickets FOR EACH ROW
BEGIN
  IF NEW.subject <> OLD.subject THEN
    UPDATE search_tickets SET subject = NEW.subject WHERE ticket_id = NEW.id;
  END IF;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_tickets_ad AFTER DELETE ON tickets FOR EACH ROW
  DELETE FROM search_tickets WHERE ticket_id = OLD.id;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_messages_ai AFTER INSERT ON messages FOR EACH ROW
  UPDATE search_tickets SET body = IF(body = '', NEW.body, CONCAT(body, '\n', NEW.body)) WHERE ticket_id = NEW.ticket_id;
-- +goose StatementEnd

CREATE TABLE search_key_grams (
    merchant_id                BIGINT UNSIGNED NOT NULL,
    gram_hash                  VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
    card_key_id                BIGINT UNSIGNED NOT NULL,
    PRIMARY KEY (merchant_id, gram_hash, card_key_id),
    KEY ix_search_key_grams_key (card_key_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Exact lookups by buyer contact (email, ref and order number are indexed already).
CREATE INDEX ix_tickets_contact ON tickets (merchant_id, customer_contact);
CREATE INDEX ix_orders_contact ON orders (merchant_id, buyer_contact);

-- +goose Down
DROP INDEX ix_orders_contact ON orders;
DROP INDEX ix_tickets_contact ON tickets;
DROP TABLE search_key_grams;
DROP TRIGGER search_messages_ai;
DROP TRIGGER search_tickets_ad;
DROP TRIGGER search_tickets_au;
DROP TRIGGER search_tickets_ai;
DROP TABLE search_tickets;
