-- Issue 12: a replacement claimed from a device and network the buyer never used goes to the
-- order's contact (a private pickup link), not onto the claimant's status page; the claim's
-- user agent is kept as a signal. Keep in step with ../sqlite/00330_step_up_delivery.sql.

-- +goose Up
ALTER TABLE deliveries
    ADD COLUMN sent_to VARCHAR(254) NOT NULL DEFAULT '',
    ADD COLUMN pickup_hash VARCHAR(64) COLLATE utf8mb4_bin NULL,
    ADD COLUMN pickup_expires_at DATETIME(6) NULL,
    ADD UNIQUE INDEX ux_deliveries_pickup (pickup_hash);
ALTER TABLE tickets ADD COLUMN customer_user_agent VARCHAR(300) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tickets DROP COLUMN customer_user_agent;
ALTER TABLE deliveries
    DROP INDEX ux_deliveries_pickup,
    DROP COLUMN pickup_expires_at,
    DROP COLUMN pickup_hash,
    DROP COLUMN sent_to;
