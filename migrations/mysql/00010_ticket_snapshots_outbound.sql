-- +goose Up
CREATE TABLE ticket_snapshots (
    ticket_id     BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    merchant_id   BIGINT UNSIGNED NOT NULL,
    state_version BIGINT NOT NULL DEFAULT 0,
    state         MEDIUMTEXT,
    updated_at    DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY idx_ticket_snapshots_merchant_id (merchant_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE outbound_messages (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    merchant_id BIGINT UNSIGNED NOT NULL,
    ticket_id   BIGINT UNSIGNED NULL,
    channel     VARCHAR(16) NOT NULL DEFAULT '',
    to_addr     VARCHAR(254) NOT NULL DEFAULT '',
    subject     VARCHAR(300) NOT NULL DEFAULT '',
    body        MEDIUMTEXT NOT NULL,
    sent_at     DATETIME(6) NULL,
    created_at  DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY ix_outbound_pending (merchant_id, created_at),
    KEY idx_outbound_messages_ticket_id (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE outbound_messages;
DROP TABLE ticket_snapshots;
