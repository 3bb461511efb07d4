-- Issue 12: a shop's after-sales history from before keydesk (orders, claims with their
-- outcomes, refunds, chargebacks), imported through the signed integration and counted by
-- the fraud signals by its own dates. Keep in step with ../mysql/00110_fraud_history.sql.

-- +goose Up
CREATE TABLE history_events (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    merchant_id INTEGER NOT NULL,
    external_id VARCHAR(128) NOT NULL DEFAULT '',
    kind        VARCHAR(16) NOT NULL DEFAULT '',
    order_no    VARCHAR(64) NOT NULL DEFAULT '',
    email_norm  VARCHAR(254) NOT NULL DEFAULT '',
    ip          VARCHAR(64) NOT NULL DEFAULT '',
    device_id   VARCHAR(128) NOT NULL DEFAULT '',
    amount      INTEGER NOT NULL DEFAULT 0,
    currency    VARCHAR(3) NOT NULL DEFAULT '',
    category    VARCHAR(24) NOT NULL DEFAULT '',
    outcome     VARCHAR(16) NOT NULL DEFAULT '',
    occurred_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    created_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_history_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE UNIQUE INDEX ux_history_ext ON history_events (merchant_id, external_id);
CREATE INDEX ix_history_email ON history_events (merchant_id, email_norm, occurred_at);
CREATE INDEX ix_history_device ON history_events (merchant_id, device_id, occurred_at);
CREATE INDEX ix_history_ip ON history_events (merchant_id, ip, occurred_at);

-- +goose Down
DROP TABLE history_events;
