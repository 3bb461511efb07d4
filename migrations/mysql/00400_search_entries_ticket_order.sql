-- Ticket search read newest first (issue 15): search reads a term's rows by ticket, newest
-- first (`MATCH … AND merchant_id = ? AND ticket_id < ? ORDER BY ticket_id DESC LIMIT n`), and
-- stops once a page is full, instead of reading every match. This index serves the merchant
-- and ticket range of that read (SQLite's 00400 re-keys its FTS5 rows for the same reason).
-- Keep in step with ../sqlite/00400_search_entries_ticket_order.sql.

-- +goose Up
CREATE INDEX ix_search_entries_merchant_ticket ON search_entries (merchant_id, ticket_id);

-- +goose Down
DROP INDEX ix_search_entries_merchant_ticket ON search_entries;
