-- keydesk schema v1, SQLite (modernc.org/sqlite through GORM).
-- Keep in step with ../mysql/00001_schema.sql: same version numbers, tables, columns,
-- indexes and foreign keys.
--
-- Conventions (both dialects, checked by migrations/schema_test.go):
--   * One row per model in models.All(), column names as GORM derives them, index names
--     as the model tags give them (ux_* unique, ix_* composite, idx_<table>_<column>
--     GORM's default). A few extra idx_* indexes cover foreign-key columns.
--   * A model field that is a pointer is a NULL-able column (NULL = not set). Every other
--     column is NOT NULL: strings DEFAULT '', numbers and flags DEFAULT 0, created_at and
--     updated_at default to the current UTC time. Other times and JSON/body/blob columns
--     have no default: the application always writes them.
--   * Times are UTC. Money is an integer of minor units beside an ISO currency.
--   * Foreign keys model ownership: merchant -> product -> batch -> card key, order,
--     ticket -> messages, events, refunds... ON DELETE restricts, except sessions (with
--     their user) and webhook deliveries (with their endpoint), which cascade.
--     References to staff users (assignee, approver, author, actor, importer) are not
--     constrained, and neither is audit_log: the trail must outlive what it names.
--   * Opaque identifiers (hashes, tokens, idempotency/event/dedupe keys, order numbers,
--     SKUs, slugs, Casbin rules) compare byte for byte. E-mail addresses compare
--     case-insensitively.
--   * Nothing is seeded here: demo data and default policies come from code.
--
-- SQLite specifics: ids INTEGER PRIMARY KEY AUTOINCREMENT (an id is never reused: ticket
-- ids name Temporal workflows). Times are declared DATETIME, which is what makes the
-- driver hand them back as time.Time; they are stored as text in one format,
-- "2006-01-02 15:04:05.999999999+00:00" (the store's DSN sets _time_format=sqlite and
-- _timezone=UTC), so text order is time order. Foreign keys are declared here in
-- CREATE TABLE and enforced because the DSN turns PRAGMA foreign_keys on. E-mail columns
-- are COLLATE NOCASE to match MySQL's case-insensitive collation.

-- +goose Up

CREATE TABLE merchants (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                       TEXT NOT NULL DEFAULT '',
    name                       TEXT NOT NULL DEFAULT '',
    timezone                   TEXT NOT NULL DEFAULT '',
    settings                   TEXT NULL,
    integration_secret_cipher  BLOB NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE UNIQUE INDEX idx_merchants_slug ON merchants (slug);

-- merchant_id NULL marks a platform admin. Roles live in casbin_rule.
CREATE TABLE users (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NULL,
    email                      TEXT COLLATE NOCASE NOT NULL DEFAULT '',
    name                       TEXT NOT NULL DEFAULT '',
    password_hash              TEXT NOT NULL DEFAULT '',
    active                     INTEGER NOT NULL DEFAULT 0,
    failed_logins              INTEGER NOT NULL DEFAULT 0,
    locked_until               DATETIME NULL,
    last_login_at              DATETIME NULL,
    token_version              INTEGER NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_users_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE UNIQUE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_merchant_id ON users (merchant_id);

CREATE TABLE sessions (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                    INTEGER NOT NULL,
    token_hash                 TEXT NOT NULL DEFAULT '',
    expires_at                 DATETIME NOT NULL,
    revoked_at                 DATETIME NULL,
    ip                         TEXT NOT NULL DEFAULT '',
    user_agent                 TEXT NOT NULL DEFAULT '',
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX idx_sessions_token_hash ON sessions (token_hash);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);

CREATE TABLE products (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    sku                        TEXT NOT NULL DEFAULT '',
    name                       TEXT NOT NULL DEFAULT '',
    price                      INTEGER NOT NULL DEFAULT 0,
    currency                   TEXT NOT NULL DEFAULT '',
    refundable_days            INTEGER NOT NULL DEFAULT 0,
    shared_key                 INTEGER NOT NULL DEFAULT 0,
    low_stock_threshold        INTEGER NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_products_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE UNIQUE INDEX ux_products_sku ON products (merchant_id, sku);

CREATE TABLE key_batches (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    product_id                 INTEGER NOT NULL,
    label                      TEXT NOT NULL DEFAULT '',
    supplier                   TEXT NOT NULL DEFAULT '',
    source                     TEXT NOT NULL DEFAULT '',
    imported_by                INTEGER NULL,
    key_count                  INTEGER NOT NULL DEFAULT 0,
    status                     TEXT NOT NULL DEFAULT '',
    quarantined_at             DATETIME NULL,
    quarantine_reason          TEXT NOT NULL DEFAULT '',
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_key_batches_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_key_batches_product FOREIGN KEY (product_id) REFERENCES products (id)
);
CREATE INDEX idx_key_batches_merchant_id ON key_batches (merchant_id);
CREATE INDEX idx_key_batches_product_id ON key_batches (product_id);

CREATE TABLE orders (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    order_no                   TEXT NOT NULL DEFAULT '',
    product_id                 INTEGER NOT NULL,
    quantity                   INTEGER NOT NULL DEFAULT 0,
    amount                     INTEGER NOT NULL DEFAULT 0,
    currency                   TEXT NOT NULL DEFAULT '',
    buyer_email                TEXT COLLATE NOCASE NOT NULL DEFAULT '',
    buyer_contact              TEXT NOT NULL DEFAULT '',
    buyer_ip                   TEXT NOT NULL DEFAULT '',
    device_id                  TEXT NOT NULL DEFAULT '',
    paid_at                    DATETIME NOT NULL,
    payment_ref                TEXT NOT NULL DEFAULT '',
    payment_gateway            TEXT NOT NULL DEFAULT '',
    status                     TEXT NOT NULL DEFAULT '',
    refunded_amount            INTEGER NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_orders_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_orders_product FOREIGN KEY (product_id) REFERENCES products (id)
);
CREATE INDEX idx_orders_buyer_email ON orders (buyer_email);
CREATE INDEX idx_orders_product_id ON orders (product_id);
CREATE UNIQUE INDEX ux_orders_no ON orders (merchant_id, order_no);

-- The queue is served from ix_tickets_* (merchant, queue/status/assignee, SLA due time).
CREATE TABLE tickets (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ref                        TEXT NOT NULL DEFAULT '',
    order_id                   INTEGER NULL,
    category                   TEXT NOT NULL DEFAULT '',
    channel                    TEXT NOT NULL DEFAULT '',
    subject                    TEXT NOT NULL DEFAULT '',
    status                     TEXT NOT NULL DEFAULT '',
    priority                   TEXT NOT NULL DEFAULT '',
    queue                      TEXT NOT NULL DEFAULT '',
    assignee_id                INTEGER NULL,
    escalation_level           INTEGER NOT NULL DEFAULT 0,
    risk_score                 INTEGER NULL,
    risk_decision              TEXT NOT NULL DEFAULT '',
    sla_due_at                 DATETIME NULL,
    sla_state                  TEXT NOT NULL DEFAULT '',
    first_response_due_at      DATETIME NULL,
    next_response_due_at       DATETIME NULL,
    resolution_due_at          DATETIME NULL,
    first_response_at          DATETIME NULL,
    first_response_breached_at DATETIME NULL,
    next_response_breached_at  DATETIME NULL,
    resolution_breached_at     DATETIME NULL,
    escalated_at               DATETIME NULL,
    resolved_at                DATETIME NULL,
    closed_at                  DATETIME NULL,
    customer_email             TEXT COLLATE NOCASE NOT NULL DEFAULT '',
    customer_contact           TEXT NOT NULL DEFAULT '',
    customer_ip                TEXT NOT NULL DEFAULT '',
    device_id                  TEXT NOT NULL DEFAULT '',
    access_token_hash          TEXT NOT NULL DEFAULT '',
    sentiment                  TEXT NOT NULL DEFAULT '',
    language                   TEXT NOT NULL DEFAULT '',
    workflow_id                TEXT NOT NULL DEFAULT '',
    idempotency_key            TEXT NULL,
    csat_score                 INTEGER NULL,
    state_version              INTEGER NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_tickets_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_tickets_order FOREIGN KEY (order_id) REFERENCES orders (id)
);
CREATE INDEX idx_tickets_customer_email ON tickets (customer_email);
CREATE INDEX idx_tickets_order_id ON tickets (order_id);
CREATE UNIQUE INDEX idx_tickets_ref ON tickets (ref);
CREATE INDEX ix_tickets_assignee ON tickets (merchant_id, assignee_id, sla_due_at);
CREATE INDEX ix_tickets_queue ON tickets (merchant_id, queue, status, sla_due_at);
CREATE INDEX ix_tickets_status ON tickets (merchant_id, status, sla_due_at);
CREATE UNIQUE INDEX ux_tickets_idem ON tickets (merchant_id, idempotency_key);

-- ix_card_keys_alloc serves the allocation query (product, status, ORDER BY id,
-- FOR UPDATE SKIP LOCKED on MySQL). ux_card_keys_hash rejects a key imported twice.
CREATE TABLE card_keys (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    product_id                 INTEGER NOT NULL,
    batch_id                   INTEGER NOT NULL,
    secret_cipher              BLOB NOT NULL,
    secret_hash                TEXT NOT NULL DEFAULT '',
    status                     TEXT NOT NULL DEFAULT '',
    order_id                   INTEGER NULL,
    ticket_id                  INTEGER NULL,
    reserved_at                DATETIME NULL,
    delivered_at               DATETIME NULL,
    first_revealed_at          DATETIME NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_card_keys_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_card_keys_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_card_keys_batch FOREIGN KEY (batch_id) REFERENCES key_batches (id),
    CONSTRAINT fk_card_keys_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_card_keys_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
);
CREATE INDEX idx_card_keys_batch_id ON card_keys (batch_id);
CREATE INDEX idx_card_keys_merchant_id ON card_keys (merchant_id);
CREATE INDEX ix_card_keys_alloc ON card_keys (product_id, status);
CREATE UNIQUE INDEX ux_card_keys_hash ON card_keys (product_id, secret_hash);
CREATE INDEX idx_card_keys_order_id ON card_keys (order_id);
CREATE INDEX idx_card_keys_ticket_id ON card_keys (ticket_id);

-- A ticket reissues at most once (ux_deliveries_ticket, NULL ticket = initial delivery),
-- and a card key is handed out at most once (idx_deliveries_card_key_id is unique).
CREATE TABLE deliveries (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    order_id                   INTEGER NOT NULL,
    card_key_id                INTEGER NOT NULL,
    kind                       TEXT NOT NULL DEFAULT '',
    ticket_id                  INTEGER NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_deliveries_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_deliveries_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_deliveries_card_key FOREIGN KEY (card_key_id) REFERENCES card_keys (id),
    CONSTRAINT fk_deliveries_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
);
CREATE UNIQUE INDEX idx_deliveries_card_key_id ON deliveries (card_key_id);
CREATE INDEX idx_deliveries_merchant_id ON deliveries (merchant_id);
CREATE INDEX idx_deliveries_order_id ON deliveries (order_id);
CREATE UNIQUE INDEX ux_deliveries_ticket ON deliveries (ticket_id, kind);

CREATE TABLE key_events (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    order_id                   INTEGER NOT NULL,
    card_key_id                INTEGER NULL,
    kind                       TEXT NOT NULL DEFAULT '',
    ip                         TEXT NOT NULL DEFAULT '',
    user_agent                 TEXT NOT NULL DEFAULT '',
    source                     TEXT NOT NULL DEFAULT '',
    external_id                TEXT NULL,
    occurred_at                DATETIME NOT NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_key_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_key_events_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_key_events_card_key FOREIGN KEY (card_key_id) REFERENCES card_keys (id)
);
CREATE INDEX idx_key_events_card_key_id ON key_events (card_key_id);
CREATE INDEX idx_key_events_order_id ON key_events (order_id);
CREATE UNIQUE INDEX ux_key_events_ext ON key_events (merchant_id, external_id);

CREATE TABLE messages (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    author_kind                TEXT NOT NULL DEFAULT '',
    author_id                  INTEGER NULL,
    author_name                TEXT NOT NULL DEFAULT '',
    body                       TEXT NOT NULL,
    internal                   INTEGER NOT NULL DEFAULT 0,
    request_id                 TEXT NOT NULL DEFAULT '',
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_messages_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_messages_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
);
CREATE INDEX idx_messages_merchant_id ON messages (merchant_id);
CREATE INDEX idx_messages_ticket_id ON messages (ticket_id);
CREATE UNIQUE INDEX ux_messages_req ON messages (ticket_id, request_id);

CREATE TABLE attachments (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    message_id                 INTEGER NULL,
    filename                   TEXT NOT NULL DEFAULT '',
    content_type               TEXT NOT NULL DEFAULT '',
    size                       INTEGER NOT NULL DEFAULT 0,
    data                       BLOB NOT NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_attachments_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_attachments_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_attachments_message FOREIGN KEY (message_id) REFERENCES messages (id)
);
CREATE INDEX idx_attachments_merchant_id ON attachments (merchant_id);
CREATE INDEX idx_attachments_ticket_id ON attachments (ticket_id);
CREATE INDEX idx_attachments_message_id ON attachments (message_id);

CREATE TABLE ticket_events (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    event_key                  TEXT NOT NULL DEFAULT '',
    kind                       TEXT NOT NULL DEFAULT '',
    actor_kind                 TEXT NOT NULL DEFAULT '',
    actor_id                   INTEGER NULL,
    data                       TEXT NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_ticket_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_ticket_events_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
);
CREATE INDEX idx_ticket_events_merchant_id ON ticket_events (merchant_id);
CREATE UNIQUE INDEX ux_ticket_events_key ON ticket_events (ticket_id, event_key);

-- Append-only. No foreign keys on purpose (see above).
CREATE TABLE audit_log (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NULL,
    actor_id                   INTEGER NULL,
    actor_email                TEXT COLLATE NOCASE NOT NULL DEFAULT '',
    action                     TEXT NOT NULL DEFAULT '',
    target_type                TEXT NOT NULL DEFAULT '',
    target_id                  TEXT NOT NULL DEFAULT '',
    ip                         TEXT NOT NULL DEFAULT '',
    user_agent                 TEXT NOT NULL DEFAULT '',
    data                       TEXT NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
CREATE INDEX idx_audit_log_action ON audit_log (action);
CREATE INDEX idx_audit_log_actor_id ON audit_log (actor_id);
CREATE INDEX ix_audit_merchant_time ON audit_log (merchant_id, created_at);

CREATE TABLE sla_policies (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    priority                   TEXT NOT NULL DEFAULT '',
    first_response_secs        INTEGER NOT NULL DEFAULT 0,
    next_response_secs         INTEGER NOT NULL DEFAULT 0,
    resolution_secs            INTEGER NOT NULL DEFAULT 0,
    warn_fraction              REAL NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_sla_policies_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE UNIQUE INDEX ux_sla_policies ON sla_policies (merchant_id, priority);

CREATE TABLE business_calendars (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    timezone                   TEXT NOT NULL DEFAULT '',
    week                       TEXT NULL,
    holidays                   TEXT NULL,
    escalation_chain           TEXT NULL,
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_business_calendars_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE UNIQUE INDEX idx_business_calendars_merchant_id ON business_calendars (merchant_id);

CREATE TABLE notifications (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NULL,
    product_id                 INTEGER NULL,
    kind                       TEXT NOT NULL DEFAULT '',
    level                      INTEGER NOT NULL DEFAULT 0,
    recipient_role             TEXT NOT NULL DEFAULT '',
    recipient_user_id          INTEGER NULL,
    title                      TEXT NOT NULL DEFAULT '',
    body                       TEXT NOT NULL,
    dedupe_key                 TEXT NOT NULL DEFAULT '',
    read_at                    DATETIME NULL,
    resolved_at                DATETIME NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_notifications_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_notifications_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_notifications_product FOREIGN KEY (product_id) REFERENCES products (id)
);
CREATE INDEX idx_notifications_recipient_user_id ON notifications (recipient_user_id);
CREATE INDEX idx_notifications_ticket_id ON notifications (ticket_id);
CREATE INDEX ix_notifications_recent ON notifications (merchant_id, created_at);
CREATE UNIQUE INDEX ux_notifications_dedupe ON notifications (merchant_id, dedupe_key);
CREATE INDEX idx_notifications_product_id ON notifications (product_id);

CREATE TABLE refunds (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    order_id                   INTEGER NOT NULL,
    out_refund_no              TEXT NOT NULL DEFAULT '',
    amount                     INTEGER NOT NULL DEFAULT 0,
    fee                        INTEGER NOT NULL DEFAULT 0,
    currency                   TEXT NOT NULL DEFAULT '',
    reason                     TEXT NOT NULL DEFAULT '',
    status                     TEXT NOT NULL DEFAULT '',
    gateway                    TEXT NOT NULL DEFAULT '',
    gateway_refund_id          TEXT NOT NULL DEFAULT '',
    requested_by               INTEGER NULL,
    approved_by                INTEGER NULL,
    approved_at                DATETIME NULL,
    failure_reason             TEXT NOT NULL DEFAULT '',
    completed_at               DATETIME NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_refunds_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_refunds_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_refunds_order FOREIGN KEY (order_id) REFERENCES orders (id)
);
CREATE INDEX idx_refunds_merchant_id ON refunds (merchant_id);
CREATE INDEX idx_refunds_order_id ON refunds (order_id);
CREATE UNIQUE INDEX idx_refunds_out_refund_no ON refunds (out_refund_no);
CREATE INDEX idx_refunds_ticket_id ON refunds (ticket_id);

CREATE TABLE disputes (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    order_id                   INTEGER NOT NULL,
    gateway_case_id            TEXT NOT NULL DEFAULT '',
    reason                     TEXT NOT NULL DEFAULT '',
    amount                     INTEGER NOT NULL DEFAULT 0,
    currency                   TEXT NOT NULL DEFAULT '',
    evidence_due_by            DATETIME NOT NULL,
    status                     TEXT NOT NULL DEFAULT '',
    report                     TEXT NULL,
    signed_off_by              INTEGER NULL,
    signed_off_at              DATETIME NULL,
    submitted_at               DATETIME NULL,
    outcome                    TEXT NOT NULL DEFAULT '',
    outcome_at                 DATETIME NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_disputes_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_disputes_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_disputes_order FOREIGN KEY (order_id) REFERENCES orders (id)
);
CREATE INDEX idx_disputes_order_id ON disputes (order_id);
CREATE INDEX idx_disputes_ticket_id ON disputes (ticket_id);
CREATE UNIQUE INDEX ux_disputes_case ON disputes (merchant_id, gateway_case_id);

CREATE TABLE fraud_assessments (
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
CREATE UNIQUE INDEX idx_fraud_assessments_assessment_key ON fraud_assessments (assessment_key);
CREATE INDEX idx_fraud_assessments_merchant_id ON fraud_assessments (merchant_id);
CREATE INDEX idx_fraud_assessments_ticket_id ON fraud_assessments (ticket_id);
CREATE INDEX idx_fraud_assessments_order_id ON fraud_assessments (order_id);

CREATE TABLE kb_articles (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    slug                       TEXT NOT NULL DEFAULT '',
    title                      TEXT NOT NULL DEFAULT '',
    body                       TEXT NOT NULL,
    language                   TEXT NOT NULL DEFAULT '',
    tags                       TEXT NOT NULL DEFAULT '',
    published                  INTEGER NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_kb_articles_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE UNIQUE INDEX ux_kb_slug ON kb_articles (merchant_id, slug);

CREATE TABLE macros (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    name                       TEXT NOT NULL DEFAULT '',
    body                       TEXT NOT NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_macros_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE INDEX idx_macros_merchant_id ON macros (merchant_id);

CREATE TABLE csat (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    ticket_id                  INTEGER NOT NULL,
    score                      INTEGER NOT NULL DEFAULT 0,
    comment                    TEXT NOT NULL DEFAULT '',
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_csat_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_csat_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
);
CREATE INDEX idx_csat_merchant_id ON csat (merchant_id);
CREATE UNIQUE INDEX idx_csat_ticket_id ON csat (ticket_id);

CREATE TABLE webhook_endpoints (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    url                        TEXT NOT NULL DEFAULT '',
    secret_cipher              BLOB NULL,
    events                     TEXT NOT NULL DEFAULT '',
    active                     INTEGER NOT NULL DEFAULT 0,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    updated_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_webhook_endpoints_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
);
CREATE INDEX idx_webhook_endpoints_merchant_id ON webhook_endpoints (merchant_id);

CREATE TABLE webhook_deliveries (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id                INTEGER NOT NULL,
    endpoint_id                INTEGER NOT NULL,
    event_id                   TEXT NOT NULL DEFAULT '',
    event_type                 TEXT NOT NULL DEFAULT '',
    payload                    TEXT NULL,
    status                     TEXT NOT NULL DEFAULT '',
    attempts                   INTEGER NOT NULL DEFAULT 0,
    last_error                 TEXT NOT NULL DEFAULT '',
    next_attempt_at            DATETIME NULL,
    delivered_at               DATETIME NULL,
    created_at                 DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')),
    CONSTRAINT fk_webhook_deliveries_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE
);
CREATE INDEX idx_webhook_deliveries_merchant_id ON webhook_deliveries (merchant_id);
CREATE INDEX ix_webhook_due ON webhook_deliveries (status, next_attempt_at);
CREATE UNIQUE INDEX ux_webhook_deliveries ON webhook_deliveries (endpoint_id, event_id);

-- Casbin policies (written by our own adapter). Values compare byte for byte.
CREATE TABLE casbin_rule (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    ptype                      TEXT NOT NULL DEFAULT '',
    v0                         TEXT NOT NULL DEFAULT '',
    v1                         TEXT NOT NULL DEFAULT '',
    v2                         TEXT NOT NULL DEFAULT '',
    v3                         TEXT NOT NULL DEFAULT '',
    v4                         TEXT NOT NULL DEFAULT '',
    v5                         TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX ux_casbin_rule ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);

-- +goose Down
DROP TABLE IF EXISTS casbin_rule;
DROP TABLE IF EXISTS webhook_deliveries;
DROP TABLE IF EXISTS webhook_endpoints;
DROP TABLE IF EXISTS csat;
DROP TABLE IF EXISTS macros;
DROP TABLE IF EXISTS kb_articles;
DROP TABLE IF EXISTS fraud_assessments;
DROP TABLE IF EXISTS disputes;
DROP TABLE IF EXISTS refunds;
DROP TABLE IF EXISTS notifications;
DROP TABLE IF EXISTS business_calendars;
DROP TABLE IF EXISTS sla_policies;
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS ticket_events;
DROP TABLE IF EXISTS attachments;
DROP TABLE IF EXISTS messages;
DROP TABLE IF EXISTS key_events;
DROP TABLE IF EXISTS deliveries;
DROP TABLE IF EXISTS card_keys;
DROP TABLE IF EXISTS tickets;
DROP TABLE IF EXISTS orders;
DROP TABLE IF EXISTS key_batches;
DROP TABLE IF EXISTS products;
DROP TABLE IF EXISTS sessions;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS merchants;
