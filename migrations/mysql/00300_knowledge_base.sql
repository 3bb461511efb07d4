-- Knowledge base (issue 15). An article is one row per language (zh-CN, en) sharing a slug:
-- the unique key becomes (merchant, slug, language). search_kb holds each article's search
-- units (package kb: CJK bigrams and English stems), space-separated, under a full-text index:
--   * MariaDB with Mroonga (mariadb-plugin-mroonga, as for ticket search): storage-mode table,
--     TokenDelimit tokenizer (one token per unit);
--   * otherwise InnoDB with a FULLTEXT index; the store then matches units with LIKE over the
--     merchant's rows (correct, slower; MySQL 8 and MariaDB without Mroonga).
-- The store writes it in the same transaction as the article and rebuilds it when rows are
-- missing. Mroonga is not transactional: a rolled-back article can leave an index row, which
-- suggestions never show (they join kb_articles). kb_events are the buyer form's suggestion
-- events (shown, opened, submitted) for the deflection report.
-- Keep in step with ../sqlite/00300_knowledge_base.sql.

-- +goose Up
ALTER TABLE kb_articles DROP INDEX ux_kb_slug, ADD UNIQUE KEY ux_kb_slug (merchant_id, slug, language);

-- +goose StatementBegin
CREATE PROCEDURE keydesk_kb_setup()
BEGIN
  DECLARE cols TEXT DEFAULT 'article_id BIGINT UNSIGNED NOT NULL, merchant_id BIGINT UNSIGNED NOT NULL, units MEDIUMTEXT NOT NULL, PRIMARY KEY (article_id), KEY ix_search_kb_merchant (merchant_id), ';
  IF EXISTS (SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'Mroonga' AND SUPPORT IN ('YES', 'DEFAULT')) THEN
    SET @kd_ddl = CONCAT('CREATE TABLE search_kb (', cols,
      'FULLTEXT INDEX ft_search_kb (units) COMMENT ''tokenizer "TokenDelimit"''',
      ') ENGINE=Mroonga DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin');
  ELSE
    SET @kd_ddl = CONCAT('CREATE TABLE search_kb (', cols,
      'FULLTEXT INDEX ft_search_kb (units)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin');
  END IF;
  PREPARE kd_stmt FROM @kd_ddl;
  EXECUTE kd_stmt;
  DEALLOCATE PREPARE kd_stmt;
END;
-- +goose StatementEnd
CALL keydesk_kb_setup();
DROP PROCEDURE keydesk_kb_setup;

CREATE TABLE kb_events (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    session                    VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    kind                       VARCHAR(16) NOT NULL DEFAULT '',
    article_id                 BIGINT UNSIGNED NOT NULL DEFAULT 0,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY ux_kb_events (merchant_id, session, kind, article_id),
    KEY ix_kb_events_time (merchant_id, created_at),
    CONSTRAINT fk_kb_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE kb_events;
DROP TABLE search_kb;
ALTER TABLE kb_articles DROP INDEX ux_kb_slug, ADD UNIQUE KEY ux_kb_slug (merchant_id, slug);
