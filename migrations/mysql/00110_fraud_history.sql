-- Issue 12: a shop's after-sales history from before keydesk (orders, claims with their
-- outcomes, refunds, chargebacks), imported through the signed integration and counted by
-- the fraud signals by its own dates. Keep in step with ../sqlite/00110_fraud_history.sql.

-- +goose Up
CREATE TABLE history_events (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    merchant_id BIGINT UNSIGNED NOT NULL,
    external_id VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    kind        VARCHAR(16) NOT NULL DEFAULT '',
    order_no    VARCHAR(64) NOT NULL DEFAULT '',
    email_norm  VARCHAR(254) NOT NULL DEFAULT '',
    ip          VARCHAR(64) NOT NULL DEFAULT '',
    device_id   VARCHAR(128) NOT NULL DEFAULT '',
    amount      BIGINT NOT NULL DEFAULT 0,
    currency    VARCHAR(3) NOT NULL DEFAULT '',
    category    VARCHAR(24) NOT NULL DEFAULT '',
    outcome     VARCHAR(16) NOT NULL DEFAULT '',
    occurred_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY ux_history_ext (merchant_id, external_id),
    KEY ix_history_email (merchant_id, email_norm, occurred_at),
    KEY ix_history_device (merchant_id, device_id, occurred_at),
    KEY ix_history_ip (merchant_id, ip, occurred_at),
    CONSTRAINT fk_history_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE history_events;
