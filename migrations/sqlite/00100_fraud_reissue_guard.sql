-- Issue 12: at most N automatic replacements per order, enforced by the database
-- (auto_reissues, unique (order_id, seq)), and what each claim was about and who made it
-- (claim_contexts), so batch reports and identity links are counted honestly.
-- Keep in step with ../mysql/00100_fraud_reissue_guard.sql.

-- +goose Up
CREATE TABLE auto_reissues (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    merchant_id INTEGER NOT NULL,
    order_id    INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    ticket_id   INTEGER NOT NULL,
    status      VARCHAR(16) NOT NULL DEFAULT '',
    delivery_id INTEGER,
    created_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE UNIQUE INDEX ux_auto_reissues_order_seq ON auto_reissues (order_id, seq);
CREATE UNIQUE INDEX idx_auto_reissues_ticket_id ON auto_reissues (ticket_id);
CREATE INDEX idx_auto_reissues_merchant_id ON auto_reissues (merchant_id);

CREATE TABLE claim_contexts (
    ticket_id       INTEGER NOT NULL PRIMARY KEY,
    merchant_id     INTEGER NOT NULL,
    order_id        INTEGER,
    category        VARCHAR(24) NOT NULL DEFAULT '',
    reported_key_id INTEGER,
    batch_id        INTEGER,
    email_norm      VARCHAR(254) NOT NULL DEFAULT '',
    device_id       VARCHAR(128) NOT NULL DEFAULT '',
    ip              VARCHAR(64) NOT NULL DEFAULT '',
    ip_net          VARCHAR(64) NOT NULL DEFAULT '',
    text_flags      VARCHAR(200) NOT NULL DEFAULT '',
    claimed_at      DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    created_at      DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE INDEX ix_claim_ctx_batch ON claim_contexts (merchant_id, batch_id);
CREATE INDEX ix_claim_ctx_device ON claim_contexts (merchant_id, device_id);
CREATE INDEX ix_claim_ctx_net ON claim_contexts (merchant_id, ip_net);
CREATE INDEX ix_claim_ctx_email ON claim_contexts (merchant_id, email_norm);
CREATE INDEX idx_claim_contexts_order_id ON claim_contexts (order_id);

-- +goose Down
DROP TABLE claim_contexts;
DROP TABLE auto_reissues;
