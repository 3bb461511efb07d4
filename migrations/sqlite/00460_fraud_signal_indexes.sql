-- Issue 17: the fraud check's reads stay bounded as a shop's orders grow. Without these, the
-- median amounts sorted every order of the merchant (or product) of the last 180 days in a
-- temporary B-tree on every claim, and the orders linked by device or address were read along
-- merchant-wide indexes: at 50,000 orders the fraud check took 73% of the process's CPU and
-- ticket intake fell to 15/s. Each index serves its query in index order, so the LIMIT stops
-- the read; amount is in the median indexes so they never touch the table. The device and
-- address indexes gain paid_at (the link windows), replacing the two without it.
-- Keep in step with ../mysql/00460_fraud_signal_indexes.sql.

-- +goose Up
CREATE INDEX ix_orders_paid ON orders (merchant_id, paid_at, amount);
CREATE INDEX ix_orders_product_paid ON orders (product_id, paid_at, amount);
CREATE INDEX ix_orders_device_time ON orders (merchant_id, device_id, paid_at);
CREATE INDEX ix_orders_ip_time ON orders (merchant_id, buyer_ip, paid_at);
DROP INDEX ix_orders_device;
DROP INDEX ix_orders_buyer_ip;

-- +goose Down
CREATE INDEX ix_orders_buyer_ip ON orders (merchant_id, buyer_ip);
CREATE INDEX ix_orders_device ON orders (merchant_id, device_id);
DROP INDEX ix_orders_ip_time;
DROP INDEX ix_orders_device_time;
DROP INDEX ix_orders_product_paid;
DROP INDEX ix_orders_paid;
