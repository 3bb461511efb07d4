-- Indexes for the reissue path (issue 4): the fraud-signal look-ups of AssessKeyClaim
-- (claims by the same email / IP / device in a time window, orders by the same email,
-- chargebacks by IP or device) and the per-batch invalid-report count. Keep in step with
-- ../sqlite/00030_inventory_fraud_indexes.sql.

-- +goose Up
CREATE INDEX ix_tickets_claim_email ON tickets (merchant_id, customer_email, created_at);
CREATE INDEX ix_tickets_claim_ip ON tickets (merchant_id, customer_ip, created_at);
CREATE INDEX ix_tickets_claim_device ON tickets (merchant_id, device_id, created_at);
CREATE INDEX ix_orders_buyer_time ON orders (merchant_id, buyer_email, paid_at);
CREATE INDEX ix_orders_buyer_ip ON orders (merchant_id, buyer_ip);
CREATE INDEX ix_orders_device ON orders (merchant_id, device_id);
CREATE INDEX ix_card_keys_batch_status ON card_keys (batch_id, status);
CREATE INDEX ix_key_events_order_kind ON key_events (order_id, kind, occurred_at);

-- +goose Down
DROP INDEX ix_key_events_order_kind ON key_events;
DROP INDEX ix_card_keys_batch_status ON card_keys;
DROP INDEX ix_orders_device ON orders;
DROP INDEX ix_orders_buyer_ip ON orders;
DROP INDEX ix_orders_buyer_time ON orders;
DROP INDEX ix_tickets_claim_device ON tickets;
DROP INDEX ix_tickets_claim_ip ON tickets;
DROP INDEX ix_tickets_claim_email ON tickets;
