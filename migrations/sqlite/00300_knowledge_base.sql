-- Knowledge base (issue 15). An article is one row per language (zh-CN, en) sharing a slug:
-- the unique key becomes (merchant, slug, language). search_kb is an FTS5 index with the
-- trigram tokenizer over each article's search units (package kb: CJK bigrams and English
-- stems, each framed by "|", so "|卡密|" is a three-character phrase the trigram index
-- answers); the store writes it in the same transaction as the article (units are computed
-- in Go, so there is no trigger) and rebuilds it when rows are missing (existing articles
-- are indexed on first use). kb_events are the buyer form's suggestion events (shown,
-- opened, submitted) for the deflection report.
-- Keep in step with ../mysql/00300_knowledge_base.sql.

-- +goose Up
DROP INDEX ux_kb_slug;
CREATE UNIQUE INDEX ux_kb_slug ON kb_articles (merchant_id, slug, language);

CREATE VIRTUAL TABLE search_kb USING fts5(units, tokenize = 'trigram');

CREATE TABLE kb_events (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    session                    TEXT NOT NULL DEFAULT '',
    kind                       TEXT NOT NULL DEFAULT '',
    article_id                 INTEGER NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_kb_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE UNIQUE INDEX ux_kb_events ON kb_events (merchant_id, session, kind, article_id);
CREATE INDEX ix_kb_events_time ON kb_events (merchant_id, created_at);

-- +goose Down
DROP INDEX ix_kb_events_time;
DROP INDEX ux_kb_events;
DROP TABLE kb_events;
DROP TABLE search_kb;
DROP INDEX ux_kb_slug;
CREATE UNIQUE INDEX ux_kb_slug ON kb_articles (merchant_id, slug);
