-- Ticket search index without positions (issues 15 and 17): SQLite's 00430 rebuilds its FTS5
-- index with detail=none. Nothing to do here: Mroonga's and InnoDB's full-text indexes have no
-- such setting. The file keeps the two dialects' versions in step.
-- Keep in step with ../sqlite/00430_search_entries_no_positions.sql.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
