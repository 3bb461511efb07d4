-- Ticket search, one index row per message (issue 15). Replaces 00180's search_tickets (one
-- document per ticket, rewritten whole by a trigger on every new message: +62% on the write
-- path with Mroonga) with search_entries, one row per message (entry_id = messages.id) and one
-- per ticket subject (entry_id = -tickets.id), carrying ticket and merchant ids. Triggers only
-- insert; search groups rows per ticket and reads snippets from tickets and messages.
-- Engine as in 00180: Mroonga (bigram tokenizer, NormalizerAuto) when the server has it, MySQL 8
-- InnoDB FULLTEXT WITH PARSER ngram, else InnoDB FULLTEXT (words; store uses LIKE for CJK).
-- Mroonga is not transactional: a rolled-back message can leave an index row behind, which
-- search never shows (results join tickets).
-- Keep in step with ../sqlite/00380_search_entries.sql.

-- +goose Up
DROP TRIGGER IF EXISTS search_messages_ai;
DROP TRIGGER IF EXISTS search_tickets_ad;
DROP TRIGGER IF EXISTS search_tickets_au;
DROP TRIGGER IF EXISTS search_tickets_ai;
DROP TABLE IF EXISTS search_tickets;

-- +goose StatementBegin
CREATE PROCEDURE keydesk_search_entries_setup()
BEGIN
  DECLARE cols TEXT DEFAULT 'entry_id BIGINT NOT NULL, ticket_id BIGINT UNSIGNED NOT NULL, merchant_id BIGINT UNSIGNED NOT NULL, body MEDIUMTEXT NOT NULL, PRIMARY KEY (entry_id), KEY ix_search_entries_ticket (ticket_id), KEY ix_search_entries_merchant (merchant_id), ';
  IF EXISTS (SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'Mroonga' AND SUPPORT IN ('YES', 'DEFAULT')) THEN
    SET @kd_ddl = CONCAT('CREATE TABLE search_entries (', cols,
      'FULLTEXT INDEX ft_search_entries (body) COMMENT ''tokenizer "TokenBigramSplitSymbolAlphaDigit", normalizer "NormalizerAuto"''',
      ') ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
  ELSEIF VERSION() NOT LIKE '%MariaDB%' THEN
    SET @kd_ddl = CONCAT('CREATE TABLE search_entries (', cols,
      'FULLTEXT INDEX ft_search_entries (body) WITH PARSER ngram) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
  ELSE
    SET @kd_ddl = CONCAT('CREATE TABLE search_entries (', cols,
      'FULLTEXT INDEX ft_search_entries (body)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci');
  END IF;
  PREPARE kd_stmt FROM @kd_ddl;
  EXECUTE kd_stmt;
  DEALLOCATE PREPARE kd_stmt;
END;
-- +goose StatementEnd
CALL keydesk_search_entries_setup();
DROP PROCEDURE keydesk_search_entries_setup;

INSERT INTO search_entries (entry_id, ticket_id, merchant_id, body) SELECT -CAST(id AS SIGNED), id, merchant_id, subject FROM tickets;
INSERT INTO search_entries (entry_id, ticket_id, merchant_id, body) SELECT id, ticket_id, merchant_id, body FROM messages;

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

-- +goose Down
DROP TRIGGER search_entries_message_ad;
DROP TRIGGER search_entries_message_ai;
DROP TRIGGER search_entries_ticket_ad;
DROP TRIGGER search_entries_ticket_au;
DROP TRIGGER search_entries_ticket_ai;
DROP TABLE search_entries;
-- Back to 00180's one document per ticket.
-- +goose StatementBegin
CREATE PROCEDURE keydesk_search_tickets_restore()
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
CALL keydesk_search_tickets_restore();
DROP PROCEDURE keydesk_search_tickets_restore;

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
