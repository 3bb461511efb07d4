-- +goose Up
CREATE TABLE ticket_snapshots (
    ticket_id     INTEGER NOT NULL PRIMARY KEY,
    merchant_id   INTEGER NOT NULL,
    state_version INTEGER NOT NULL DEFAULT 0,
    state         TEXT,
    updated_at    DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE INDEX idx_ticket_snapshots_merchant_id ON ticket_snapshots (merchant_id);

CREATE TABLE outbound_messages (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    merchant_id INTEGER NOT NULL,
    ticket_id   INTEGER,
    channel     VARCHAR(16) NOT NULL DEFAULT '',
    to_addr     VARCHAR(254) NOT NULL DEFAULT '',
    subject     VARCHAR(300) NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    sent_at     DATETIME,
    created_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE INDEX ix_outbound_pending ON outbound_messages (merchant_id, created_at);
CREATE INDEX idx_outbound_messages_ticket_id ON outbound_messages (ticket_id);

-- +goose Down
DROP TABLE outbound_messages;
DROP TABLE ticket_snapshots;
