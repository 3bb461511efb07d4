-- Submissions kept for a manual check: the buyer's order number and e-mail / contact proved no
-- order, and the buyer asked the shop to check by hand (a mistyped e-mail at checkout, someone
-- writing for the buyer). An agent accepts one, which opens a ticket on the order, or rejects
-- it with a reason. The index serves the agent's list (a shop's open checks, oldest first) and
-- the per-e-mail cap on open checks.
-- Keep in step with ../mysql/00490_manual_checks.sql.

-- +goose Up
CREATE TABLE manual_checks (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    merchant_id INTEGER NOT NULL,
    status      VARCHAR(16) NOT NULL DEFAULT 'open',
    order_no    VARCHAR(64) NOT NULL DEFAULT '',
    email       VARCHAR(254) NOT NULL DEFAULT '' COLLATE NOCASE,
    contact     VARCHAR(200) NOT NULL DEFAULT '',
    category    VARCHAR(24) NOT NULL DEFAULT '',
    subject     VARCHAR(300) NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    language    VARCHAR(8) NOT NULL DEFAULT '',
    ip          VARCHAR(64) NOT NULL DEFAULT '',
    user_agent  VARCHAR(300) NOT NULL DEFAULT '',
    device_id   VARCHAR(128) NOT NULL DEFAULT '',
    ticket_id   INTEGER,
    handled_by  INTEGER,
    handled_at  DATETIME,
    reason      VARCHAR(500) NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE INDEX ix_manual_checks_status ON manual_checks (merchant_id, status, created_at);

-- +goose Down
DROP TABLE manual_checks;
