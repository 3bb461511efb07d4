-- Issue 17: a batch's claims without a claim context are found without reading every ticket
-- of the merchant. The fraud check counts the buyers who reported keys of a batch, claims not
-- yet assessed included (store.BatchReportContexts); those were found by walking all of the
-- merchant's tickets and probing claim_contexts for each, so every claim cost more as the shop
-- grew. tickets.claim_recorded is set in the transaction that saves the claim's context
-- (store.SaveClaimContext); the index reads the merchant's key_invalid tickets still without
-- one (SQLite's is partial: only those rows).
-- Keep in step with ../sqlite/00470_unrecorded_claims.sql.

-- +goose Up
ALTER TABLE tickets ADD COLUMN claim_recorded BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE tickets t JOIN claim_contexts c ON c.ticket_id = t.id SET t.claim_recorded = TRUE;
CREATE INDEX ix_tickets_unrecorded_claims ON tickets (merchant_id, category, claim_recorded, created_at);

-- +goose Down
DROP INDEX ix_tickets_unrecorded_claims ON tickets;
ALTER TABLE tickets DROP COLUMN claim_recorded;
