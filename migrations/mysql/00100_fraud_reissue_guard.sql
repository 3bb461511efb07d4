-- Issue 12: at most N automatic replacements per order, enforced by the database
-- (auto_reissues, unique (order_id, seq)), and what each claim was about and who made it
-- (claim_contexts), so batch reports and identity links are counted honestly.
-- Keep in step with ../sqlite/00100_fraud_reissue_guard.sql.

-- +goose Up
CREATE TABLE auto_reissues (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    merchant_id BIGINT UNSIGNED NOT NULL,
    order_id    BIGINT UNSIGNED NOT NULL,
    seq         INT NOT NULL,
    ticket_id   BIGINT UNSIGNED NOT NULL,
    status      VARCHAR(16) NOT NULL DEFAULT '',
    delivery_id BIGINT UNSIGNED NULL,
    created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY ux_auto_reissues_order_seq (order_id, seq),
    UNIQUE KEY idx_auto_reissues_ticket_id (ticket_id),
    KEY idx_auto_reissues_merchant_id (merchant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE claim_contexts (
    ticket_id       BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    merchant_id     BIGINT UNSIGNED NOT NULL,
    order_id        BIGINT UNSIGNED NULL,
    category        VARCHAR(24) NOT NULL DEFAULT '',
    reported_key_id BIGINT UNSIGNED NULL,
    batch_id        BIGINT UNSIGNED NULL,
    email_norm      VARCHAR(254) NOT NULL DEFAULT '',
    device_id       VARCHAR(128) NOT NULL DEFAULT '',
    ip              VARCHAR(64) NOT NULL DEFAULT '',
    ip_net          VARCHAR(64) NOT NULL DEFAULT '',
    text_flags      VARCHAR(200) NOT NULL DEFAULT '',
    claimed_at      DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    created_at      DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_claim_ctx_batch (merchant_id, batch_id),
    KEY ix_claim_ctx_device (merchant_id, device_id),
    KEY ix_claim_ctx_net (merchant_id, ip_net),
    KEY ix_claim_ctx_email (merchant_id, email_norm),
    KEY idx_claim_contexts_order_id (order_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE claim_contexts;
DROP TABLE auto_reissues;
