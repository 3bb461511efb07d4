-- Ticket search index write path (issue 15). Each transaction that writes search_entries adds a
-- small FTS5 segment, and by default (automerge 4, crisismerge 16) FTS5 then does merge work
-- inside that same transaction: on ticket creation the merging was most of the index's cost.
-- With automerge 32 a level's segments are merged on the write path only once 32 of them pile
-- up (crisismerge 64 bounds the worst case), so a write rewrites its terms fewer times; the
-- housekeeping pass merges the rest in the background (store.MergeTicketSearch), which keeps
-- the segments a query reads few. Every row is still written in the transaction of the row it
-- indexes; merging never changes what a query finds. Settings only: no data is rewritten.
-- Keep in step with ../mysql/00410_search_entries_automerge.sql.

-- +goose Up
INSERT INTO search_entries (search_entries, rank) VALUES ('automerge', 32);
INSERT INTO search_entries (search_entries, rank) VALUES ('crisismerge', 64);

-- +goose Down
INSERT INTO search_entries (search_entries, rank) VALUES ('automerge', 4);
INSERT INTO search_entries (search_entries, rank) VALUES ('crisismerge', 16);
