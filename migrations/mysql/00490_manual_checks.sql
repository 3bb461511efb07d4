-- Submissions kept for a manual check: the buyer's order number and e-mail / contact proved no
-- order, and the buyer asked the shop to check by hand (a mistyped e-mail at checkout, someone
-- writing for the buyer). An agent accepts one, which opens a ticket on the order, or rejects
-- it with a reason. The index serves the agent's list (a shop's open checks, oldest first) and
-- the per-e-mail cap on open checks.
-- Keep in step with ../sqlite/00490_manual_checks.sql.

-- +goose Up
CREATE TABLE manual_checks (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    merchant_id BIGINT UNSIGNED NOT NULL,
    status      VARCHAR(16) NOT NULL DEFAULT 'open',
    order_no    VARCHAR(64) NOT NULL DEFAULT '',
    email       VARCHAR(254) NOT NULL DEFAULT '',
    contact     VARCHAR(200) NOT NULL DEFAULT '',
    category    VARCHAR(24) NOT NULL DEFAULT '',
    subject     VARCHAR(300) NOT NULL DEFAULT '',
    description MEDIUMTEXT NOT NULL,
    language    VARCHAR(8) NOT NULL DEFAULT '',
    ip          VARCHAR(64) NOT NULL DEFAULT '',
    user_agent  VARCHAR(300) NOT NULL DEFAULT '',
    device_id   VARCHAR(128) NOT NULL DEFAULT '',
    ticket_id   BIGINT UNSIGNED NULL,
    handled_by  BIGINT UNSIGNED NULL,
    handled_at  DATETIME(6) NULL,
    reason      VARCHAR(500) NOT NULL DEFAULT '',
    created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_manual_checks_status (merchant_id, status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE manual_checks;
