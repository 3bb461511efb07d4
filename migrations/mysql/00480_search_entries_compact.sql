-- Issue 17: SQLite's ticket search index is rebuilt smaller (detail=none, 12 bits of rowid per
-- ticket; see ../sqlite/00480_search_entries_compact.sql). MySQL's search_entries is a table of
-- its own (Mroonga or InnoDB FULLTEXT, rows keyed by entry with ticket and merchant columns)
-- and does not change; this file keeps the two directories' versions in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
