-- Issue 13: order numbers in the shop's own formats. The formats are learned from a sample of
-- the merchant's newest orders, read by (merchant_id, id) newest first with a LIMIT (an index
-- range read; ux_orders_no orders a merchant's rows by number, not by age). A ticket keeps the
-- order its text names when that is another order of the same merchant than the form's
-- (suggested_order_id). No foreign key and no index: the column is advisory, only read with
-- its ticket, and the API reads the order again by merchant and id before showing it.
-- Keep in step with ../mysql/00420_order_formats.sql.

-- +goose Up
CREATE INDEX ix_orders_recent ON orders (merchant_id, id);
ALTER TABLE tickets ADD COLUMN suggested_order_id INTEGER NULL;

-- +goose Down
ALTER TABLE tickets DROP COLUMN suggested_order_id;
DROP INDEX ix_orders_recent;
