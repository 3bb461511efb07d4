-- Issue 17: a claim's fraud hits and signals (≈1.6 kB of JSON together, the third-largest
-- keydesk table per ticket) are stored deflated like the ticket snapshot (models.PackedJSON,
-- migration 00396); rows written before stay plain JSON and still read back. SQLite cannot
-- change a column's type in place, so the table is rebuilt (nothing references it). Down
-- restores the TEXT columns; SQL cannot inflate the deflated values, so it clears them first
-- (the score, decision and ruleset stay; a build from before could not read them).
-- Keep in step with ../mysql/00397_packed_fraud_assessments.sql.

-- +goose Up
CREATE TABLE fraud_assessments_packed (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    order_id                   INTEGER NULL,
    assessment_key             TEXT NOT NULL DEFAULT '',
    score                      INTEGER NOT NULL DEFAULT 0,
    decision                   TEXT NOT NULL DEFAULT '',
    hits                       BLOB NULL,
    signals                    BLOB NULL,
    ruleset_version            TEXT NOT NULL DEFAULT '',
    decided_by                 INTEGER NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_fraud_assessments_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_fraud_assessments_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_fraud_assessments_order FOREIGN KEY (order_id) REFERENCES orders (id)
);
INSERT INTO fraud_assessments_packed (id, merchant_id, ticket_id, order_id, assessment_key, score, decision, hits, signals, ruleset_version, decided_by, created_at)
    SELECT id, merchant_id, ticket_id, order_id, assessment_key, score, decision, hits, signals, ruleset_version, decided_by, created_at FROM fraud_assessments;
DROP TABLE fraud_assessments;
ALTER TABLE fraud_assessments_packed RENAME TO fraud_assessments;
CREATE UNIQUE INDEX idx_fraud_assessments_assessment_key ON fraud_assessments (assessment_key);
CREATE INDEX idx_fraud_assessments_merchant_id ON fraud_assessments (merchant_id);
CREATE INDEX idx_fraud_assessments_ticket_id ON fraud_assessments (ticket_id);
CREATE INDEX idx_fraud_assessments_order_id ON fraud_assessments (order_id);

-- +goose Down
UPDATE fraud_assessments SET hits = NULL WHERE hex(substr(hits, 1, 1)) = '01';
UPDATE fraud_assessments SET signals = NULL WHERE hex(substr(signals, 1, 1)) = '01';
CREATE TABLE fraud_assessments_text (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    order_id                   INTEGER NULL,
    assessment_key             TEXT NOT NULL DEFAULT '',
    score                      INTEGER NOT NULL DEFAULT 0,
    decision                   TEXT NOT NULL DEFAULT '',
    hits                       TEXT NULL,
    signals                    TEXT NULL,
    ruleset_version            TEXT NOT NULL DEFAULT '',
    decided_by                 INTEGER NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_fraud_assessments_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_fraud_assessments_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_fraud_assessments_order FOREIGN KEY (order_id) REFERENCES orders (id)
);
INSERT INTO fraud_assessments_text (id, merchant_id, ticket_id, order_id, assessment_key, score, decision, hits, signals, ruleset_version, decided_by, created_at)
    SELECT id, merchant_id, ticket_id, order_id, assessment_key, score, decision, hits, signals, ruleset_version, decided_by, created_at FROM fraud_assessments;
DROP TABLE fraud_assessments;
ALTER TABLE fraud_assessments_text RENAME TO fraud_assessments;
CREATE UNIQUE INDEX idx_fraud_assessments_assessment_key ON fraud_assessments (assessment_key);
CREATE INDEX idx_fraud_assessments_merchant_id ON fraud_assessments (merchant_id);
CREATE INDEX idx_fraud_assessments_ticket_id ON fraud_assessments (ticket_id);
CREATE INDEX idx_fraud_assessments_order_id ON fraud_assessments (order_id);
