-- Ticket search index write path (issue 15): SQLite's 00410 sets FTS5's merge policy. Nothing
-- to do here: Mroonga and InnoDB FULLTEXT have no such setting (dropping the merchant_id index
-- that (merchant_id, ticket_id) covers was measured at about 5% of a Mroonga row insert, not
-- worth the table copy it takes). The file keeps the two dialects' versions in step.
-- Keep in step with ../sqlite/00410_search_entries_automerge.sql.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
