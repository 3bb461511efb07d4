-- keydesk schema v1, MySQL 8 / MariaDB 10.11 (InnoDB, utf8mb4).
-- Keep in step with ../sqlite/00001_schema.sql: same version numbers, tables, columns,
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
-- MySQL specifics: ids BIGINT UNSIGNED AUTO_INCREMENT, times DATETIME(6) (the store's
-- DSN pins the session time_zone to +00:00), JSON documents LONGTEXT, bodies MEDIUMTEXT,
-- ciphertext VARBINARY/BLOB, attachments LONGBLOB. Tables default to utf8mb4_unicode_ci,
-- opaque identifiers are utf8mb4_bin. Index keys stay under InnoDB's 3072-byte limit
-- (4 bytes a character: casbin_rule's unique key is 8+3*128+3*64 characters = 2336 bytes).

-- +goose Up

CREATE TABLE merchants (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    slug                       VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    name                       VARCHAR(200) NOT NULL DEFAULT '',
    timezone                   VARCHAR(64) NOT NULL DEFAULT '',
    settings                   LONGTEXT NULL,
    integration_secret_cipher  VARBINARY(512) NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_merchants_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- merchant_id NULL marks a platform admin. Roles live in casbin_rule.
CREATE TABLE users (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NULL,
    email                      VARCHAR(254) NOT NULL DEFAULT '',
    name                       VARCHAR(200) NOT NULL DEFAULT '',
    password_hash              VARCHAR(100) NOT NULL DEFAULT '',
    active                     BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins              INT NOT NULL DEFAULT 0,
    locked_until               DATETIME(6) NULL,
    last_login_at              DATETIME(6) NULL,
    token_version              INT NOT NULL DEFAULT 0,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_users_email (email),
    KEY idx_users_merchant_id (merchant_id),
    CONSTRAINT fk_users_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id                    BIGINT UNSIGNED NOT NULL,
    token_hash                 VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    expires_at                 DATETIME(6) NOT NULL,
    revoked_at                 DATETIME(6) NULL,
    ip                         VARCHAR(64) NOT NULL DEFAULT '',
    user_agent                 VARCHAR(300) NOT NULL DEFAULT '',
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_sessions_token_hash (token_hash),
    KEY idx_sessions_user_id (user_id),
    CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE products (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    sku                        VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    name                       VARCHAR(200) NOT NULL DEFAULT '',
    price                      BIGINT NOT NULL DEFAULT 0,
    currency                   VARCHAR(3) NOT NULL DEFAULT '',
    refundable_days            INT NOT NULL DEFAULT 0,
    shared_key                 BOOLEAN NOT NULL DEFAULT FALSE,
    low_stock_threshold        INT NOT NULL DEFAULT 0,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY ux_products_sku (merchant_id, sku),
    CONSTRAINT fk_products_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE key_batches (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    product_id                 BIGINT UNSIGNED NOT NULL,
    label                      VARCHAR(200) NOT NULL DEFAULT '',
    supplier                   VARCHAR(200) NOT NULL DEFAULT '',
    source                     VARCHAR(32) NOT NULL DEFAULT '',
    imported_by                BIGINT UNSIGNED NULL,
    key_count                  INT NOT NULL DEFAULT 0,
    status                     VARCHAR(16) NOT NULL DEFAULT '',
    quarantined_at             DATETIME(6) NULL,
    quarantine_reason          VARCHAR(500) NOT NULL DEFAULT '',
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_key_batches_merchant_id (merchant_id),
    KEY idx_key_batches_product_id (product_id),
    CONSTRAINT fk_key_batches_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_key_batches_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE orders (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    order_no                   VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    product_id                 BIGINT UNSIGNED NOT NULL,
    quantity                   INT NOT NULL DEFAULT 0,
    amount                     BIGINT NOT NULL DEFAULT 0,
    currency                   VARCHAR(3) NOT NULL DEFAULT '',
    buyer_email                VARCHAR(254) NOT NULL DEFAULT '',
    buyer_contact              VARCHAR(200) NOT NULL DEFAULT '',
    buyer_ip                   VARCHAR(64) NOT NULL DEFAULT '',
    device_id                  VARCHAR(128) NOT NULL DEFAULT '',
    paid_at                    DATETIME(6) NOT NULL,
    payment_ref                VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    payment_gateway            VARCHAR(32) NOT NULL DEFAULT '',
    status                     VARCHAR(24) NOT NULL DEFAULT '',
    refunded_amount            BIGINT NOT NULL DEFAULT 0,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_orders_buyer_email (buyer_email),
    KEY idx_orders_product_id (product_id),
    UNIQUE KEY ux_orders_no (merchant_id, order_no),
    CONSTRAINT fk_orders_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_orders_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The queue is served from ix_tickets_* (merchant, queue/status/assignee, SLA due time).
CREATE TABLE tickets (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ref                        VARCHAR(32) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    order_id                   BIGINT UNSIGNED NULL,
    category                   VARCHAR(24) NOT NULL DEFAULT '',
    channel                    VARCHAR(16) NOT NULL DEFAULT '',
    subject                    VARCHAR(300) NOT NULL DEFAULT '',
    status                     VARCHAR(24) NOT NULL DEFAULT '',
    priority                   VARCHAR(16) NOT NULL DEFAULT '',
    queue                      VARCHAR(32) NOT NULL DEFAULT '',
    assignee_id                BIGINT UNSIGNED NULL,
    escalation_level           INT NOT NULL DEFAULT 0,
    risk_score                 INT NULL,
    risk_decision              VARCHAR(16) NOT NULL DEFAULT '',
    sla_due_at                 DATETIME(6) NULL,
    sla_state                  VARCHAR(16) NOT NULL DEFAULT '',
    first_response_due_at      DATETIME(6) NULL,
    next_response_due_at       DATETIME(6) NULL,
    resolution_due_at          DATETIME(6) NULL,
    first_response_at          DATETIME(6) NULL,
    first_response_breached_at DATETIME(6) NULL,
    next_response_breached_at  DATETIME(6) NULL,
    resolution_breached_at     DATETIME(6) NULL,
    escalated_at               DATETIME(6) NULL,
    resolved_at                DATETIME(6) NULL,
    closed_at                  DATETIME(6) NULL,
    customer_email             VARCHAR(254) NOT NULL DEFAULT '',
    customer_contact           VARCHAR(200) NOT NULL DEFAULT '',
    customer_ip                VARCHAR(64) NOT NULL DEFAULT '',
    device_id                  VARCHAR(128) NOT NULL DEFAULT '',
    access_token_hash          VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    sentiment                  VARCHAR(16) NOT NULL DEFAULT '',
    language                   VARCHAR(8) NOT NULL DEFAULT '',
    workflow_id                VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    idempotency_key            VARCHAR(128) COLLATE utf8mb4_bin NULL,
    csat_score                 INT NULL,
    state_version              BIGINT NOT NULL DEFAULT 0,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_tickets_customer_email (customer_email),
    KEY idx_tickets_order_id (order_id),
    UNIQUE KEY idx_tickets_ref (ref),
    KEY ix_tickets_assignee (merchant_id, assignee_id, sla_due_at),
    KEY ix_tickets_queue (merchant_id, queue, status, sla_due_at),
    KEY ix_tickets_status (merchant_id, status, sla_due_at),
    UNIQUE KEY ux_tickets_idem (merchant_id, idempotency_key),
    CONSTRAINT fk_tickets_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_tickets_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- ix_card_keys_alloc serves the allocation query (product, status, ORDER BY id,
-- FOR UPDATE SKIP LOCKED on MySQL). ux_card_keys_hash rejects a key imported twice.
CREATE TABLE card_keys (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    product_id                 BIGINT UNSIGNED NOT NULL,
    batch_id                   BIGINT UNSIGNED NOT NULL,
    secret_cipher              BLOB NOT NULL,
    secret_hash                VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    status                     VARCHAR(24) NOT NULL DEFAULT '',
    order_id                   BIGINT UNSIGNED NULL,
    ticket_id                  BIGINT UNSIGNED NULL,
    reserved_at                DATETIME(6) NULL,
    delivered_at               DATETIME(6) NULL,
    first_revealed_at          DATETIME(6) NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_card_keys_batch_id (batch_id),
    KEY idx_card_keys_merchant_id (merchant_id),
    KEY ix_card_keys_alloc (product_id, status),
    UNIQUE KEY ux_card_keys_hash (product_id, secret_hash),
    KEY idx_card_keys_order_id (order_id),
    KEY idx_card_keys_ticket_id (ticket_id),
    CONSTRAINT fk_card_keys_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_card_keys_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_card_keys_batch FOREIGN KEY (batch_id) REFERENCES key_batches (id),
    CONSTRAINT fk_card_keys_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_card_keys_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A ticket reissues at most once (ux_deliveries_ticket, NULL ticket = initial delivery),
-- and a card key is handed out at most once (idx_deliveries_card_key_id is unique).
CREATE TABLE deliveries (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    order_id                   BIGINT UNSIGNED NOT NULL,
    card_key_id                BIGINT UNSIGNED NOT NULL,
    kind                       VARCHAR(16) NOT NULL DEFAULT '',
    ticket_id                  BIGINT UNSIGNED NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_deliveries_card_key_id (card_key_id),
    KEY idx_deliveries_merchant_id (merchant_id),
    KEY idx_deliveries_order_id (order_id),
    UNIQUE KEY ux_deliveries_ticket (ticket_id, kind),
    CONSTRAINT fk_deliveries_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_deliveries_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_deliveries_card_key FOREIGN KEY (card_key_id) REFERENCES card_keys (id),
    CONSTRAINT fk_deliveries_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE key_events (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    order_id                   BIGINT UNSIGNED NOT NULL,
    card_key_id                BIGINT UNSIGNED NULL,
    kind                       VARCHAR(16) NOT NULL DEFAULT '',
    ip                         VARCHAR(64) NOT NULL DEFAULT '',
    user_agent                 VARCHAR(300) NOT NULL DEFAULT '',
    source                     VARCHAR(16) NOT NULL DEFAULT '',
    external_id                VARCHAR(128) COLLATE utf8mb4_bin NULL,
    occurred_at                DATETIME(6) NOT NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_key_events_card_key_id (card_key_id),
    KEY idx_key_events_order_id (order_id),
    UNIQUE KEY ux_key_events_ext (merchant_id, external_id),
    CONSTRAINT fk_key_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_key_events_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_key_events_card_key FOREIGN KEY (card_key_id) REFERENCES card_keys (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE messages (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    author_kind                VARCHAR(16) NOT NULL DEFAULT '',
    author_id                  BIGINT UNSIGNED NULL,
    author_name                VARCHAR(200) NOT NULL DEFAULT '',
    body                       MEDIUMTEXT NOT NULL,
    internal                   BOOLEAN NOT NULL DEFAULT FALSE,
    request_id                 VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_messages_merchant_id (merchant_id),
    KEY idx_messages_ticket_id (ticket_id),
    UNIQUE KEY ux_messages_req (ticket_id, request_id),
    CONSTRAINT fk_messages_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_messages_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE attachments (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    message_id                 BIGINT UNSIGNED NULL,
    filename                   VARCHAR(200) NOT NULL DEFAULT '',
    content_type               VARCHAR(100) NOT NULL DEFAULT '',
    size                       BIGINT NOT NULL DEFAULT 0,
    data                       LONGBLOB NOT NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_attachments_merchant_id (merchant_id),
    KEY idx_attachments_ticket_id (ticket_id),
    KEY idx_attachments_message_id (message_id),
    CONSTRAINT fk_attachments_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_attachments_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_attachments_message FOREIGN KEY (message_id) REFERENCES messages (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE ticket_events (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    event_key                  VARCHAR(96) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    kind                       VARCHAR(48) NOT NULL DEFAULT '',
    actor_kind                 VARCHAR(16) NOT NULL DEFAULT '',
    actor_id                   BIGINT UNSIGNED NULL,
    data                       LONGTEXT NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_ticket_events_merchant_id (merchant_id),
    UNIQUE KEY ux_ticket_events_key (ticket_id, event_key),
    CONSTRAINT fk_ticket_events_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_ticket_events_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Append-only. No foreign keys on purpose (see above).
CREATE TABLE audit_log (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NULL,
    actor_id                   BIGINT UNSIGNED NULL,
    actor_email                VARCHAR(254) NOT NULL DEFAULT '',
    action                     VARCHAR(64) NOT NULL DEFAULT '',
    target_type                VARCHAR(32) NOT NULL DEFAULT '',
    target_id                  VARCHAR(64) NOT NULL DEFAULT '',
    ip                         VARCHAR(64) NOT NULL DEFAULT '',
    user_agent                 VARCHAR(300) NOT NULL DEFAULT '',
    data                       LONGTEXT NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_audit_log_action (action),
    KEY idx_audit_log_actor_id (actor_id),
    KEY ix_audit_merchant_time (merchant_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sla_policies (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    priority                   VARCHAR(16) NOT NULL DEFAULT '',
    first_response_secs        BIGINT NOT NULL DEFAULT 0,
    next_response_secs         BIGINT NOT NULL DEFAULT 0,
    resolution_secs            BIGINT NOT NULL DEFAULT 0,
    warn_fraction              DOUBLE NOT NULL DEFAULT 0,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY ux_sla_policies (merchant_id, priority),
    CONSTRAINT fk_sla_policies_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE business_calendars (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    timezone                   VARCHAR(64) NOT NULL DEFAULT '',
    week                       LONGTEXT NULL,
    holidays                   LONGTEXT NULL,
    escalation_chain           LONGTEXT NULL,
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_business_calendars_merchant_id (merchant_id),
    CONSTRAINT fk_business_calendars_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notifications (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NULL,
    product_id                 BIGINT UNSIGNED NULL,
    kind                       VARCHAR(24) NOT NULL DEFAULT '',
    level                      INT NOT NULL DEFAULT 0,
    recipient_role             VARCHAR(32) NOT NULL DEFAULT '',
    recipient_user_id          BIGINT UNSIGNED NULL,
    title                      VARCHAR(300) NOT NULL DEFAULT '',
    body                       MEDIUMTEXT NOT NULL,
    dedupe_key                 VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    read_at                    DATETIME(6) NULL,
    resolved_at                DATETIME(6) NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_notifications_recipient_user_id (recipient_user_id),
    KEY idx_notifications_ticket_id (ticket_id),
    KEY ix_notifications_recent (merchant_id, created_at),
    UNIQUE KEY ux_notifications_dedupe (merchant_id, dedupe_key),
    KEY idx_notifications_product_id (product_id),
    CONSTRAINT fk_notifications_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_notifications_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_notifications_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE refunds (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    order_id                   BIGINT UNSIGNED NOT NULL,
    out_refund_no              VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    amount                     BIGINT NOT NULL DEFAULT 0,
    fee                        BIGINT NOT NULL DEFAULT 0,
    currency                   VARCHAR(3) NOT NULL DEFAULT '',
    reason                     VARCHAR(500) NOT NULL DEFAULT '',
    status                     VARCHAR(24) NOT NULL DEFAULT '',
    gateway                    VARCHAR(32) NOT NULL DEFAULT '',
    gateway_refund_id          VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    requested_by               BIGINT UNSIGNED NULL,
    approved_by                BIGINT UNSIGNED NULL,
    approved_at                DATETIME(6) NULL,
    failure_reason             VARCHAR(500) NOT NULL DEFAULT '',
    completed_at               DATETIME(6) NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_refunds_merchant_id (merchant_id),
    KEY idx_refunds_order_id (order_id),
    UNIQUE KEY idx_refunds_out_refund_no (out_refund_no),
    KEY idx_refunds_ticket_id (ticket_id),
    CONSTRAINT fk_refunds_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_refunds_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_refunds_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE disputes (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    order_id                   BIGINT UNSIGNED NOT NULL,
    gateway_case_id            VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    reason                     VARCHAR(500) NOT NULL DEFAULT '',
    amount                     BIGINT NOT NULL DEFAULT 0,
    currency                   VARCHAR(3) NOT NULL DEFAULT '',
    evidence_due_by            DATETIME(6) NOT NULL,
    status                     VARCHAR(24) NOT NULL DEFAULT '',
    report                     LONGTEXT NULL,
    signed_off_by              BIGINT UNSIGNED NULL,
    signed_off_at              DATETIME(6) NULL,
    submitted_at               DATETIME(6) NULL,
    outcome                    VARCHAR(16) NOT NULL DEFAULT '',
    outcome_at                 DATETIME(6) NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_disputes_order_id (order_id),
    KEY idx_disputes_ticket_id (ticket_id),
    UNIQUE KEY ux_disputes_case (merchant_id, gateway_case_id),
    CONSTRAINT fk_disputes_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_disputes_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_disputes_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE fraud_assessments (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    order_id                   BIGINT UNSIGNED NULL,
    assessment_key             VARCHAR(96) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    score                      INT NOT NULL DEFAULT 0,
    decision                   VARCHAR(16) NOT NULL DEFAULT '',
    hits                       LONGTEXT NULL,
    signals                    LONGTEXT NULL,
    ruleset_version            VARCHAR(32) NOT NULL DEFAULT '',
    decided_by                 BIGINT UNSIGNED NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY idx_fraud_assessments_assessment_key (assessment_key),
    KEY idx_fraud_assessments_merchant_id (merchant_id),
    KEY idx_fraud_assessments_ticket_id (ticket_id),
    KEY idx_fraud_assessments_order_id (order_id),
    CONSTRAINT fk_fraud_assessments_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_fraud_assessments_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id),
    CONSTRAINT fk_fraud_assessments_order FOREIGN KEY (order_id) REFERENCES orders (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE kb_articles (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    slug                       VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    title                      VARCHAR(300) NOT NULL DEFAULT '',
    body                       MEDIUMTEXT NOT NULL,
    language                   VARCHAR(8) NOT NULL DEFAULT '',
    tags                       VARCHAR(300) NOT NULL DEFAULT '',
    published                  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    UNIQUE KEY ux_kb_slug (merchant_id, slug),
    CONSTRAINT fk_kb_articles_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE macros (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    name                       VARCHAR(200) NOT NULL DEFAULT '',
    body                       MEDIUMTEXT NOT NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_macros_merchant_id (merchant_id),
    CONSTRAINT fk_macros_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE csat (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    ticket_id                  BIGINT UNSIGNED NOT NULL,
    score                      INT NOT NULL DEFAULT 0,
    comment                    VARCHAR(1000) NOT NULL DEFAULT '',
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_csat_merchant_id (merchant_id),
    UNIQUE KEY idx_csat_ticket_id (ticket_id),
    CONSTRAINT fk_csat_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_csat_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_endpoints (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    url                        VARCHAR(500) NOT NULL DEFAULT '',
    secret_cipher              VARBINARY(512) NULL,
    events                     VARCHAR(500) NOT NULL DEFAULT '',
    active                     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_webhook_endpoints_merchant_id (merchant_id),
    CONSTRAINT fk_webhook_endpoints_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE webhook_deliveries (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    merchant_id                BIGINT UNSIGNED NOT NULL,
    endpoint_id                BIGINT UNSIGNED NOT NULL,
    event_id                   VARCHAR(96) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    event_type                 VARCHAR(48) NOT NULL DEFAULT '',
    payload                    LONGTEXT NULL,
    status                     VARCHAR(16) NOT NULL DEFAULT '',
    attempts                   INT NOT NULL DEFAULT 0,
    last_error                 VARCHAR(500) NOT NULL DEFAULT '',
    next_attempt_at            DATETIME(6) NULL,
    delivered_at               DATETIME(6) NULL,
    created_at                 DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY idx_webhook_deliveries_merchant_id (merchant_id),
    KEY ix_webhook_due (status, next_attempt_at),
    UNIQUE KEY ux_webhook_deliveries (endpoint_id, event_id),
    CONSTRAINT fk_webhook_deliveries_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
    CONSTRAINT fk_webhook_deliveries_endpoint FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Casbin policies (written by our own adapter). Values compare byte for byte.
CREATE TABLE casbin_rule (
    id                         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    ptype                      VARCHAR(8) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    v0                         VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    v1                         VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    v2                         VARCHAR(128) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    v3                         VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    v4                         VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    v5                         VARCHAR(64) COLLATE utf8mb4_bin NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    UNIQUE KEY ux_casbin_rule (ptype, v0, v1, v2, v3, v4, v5)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

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
