-- Issue 16: a batch an admin released is judged on the reports that come after the release;
-- the reports that led to its quarantine no longer count towards the next one.
-- Keep in step with ../sqlite/00370_batch_released_at.sql.

-- +goose Up
ALTER TABLE key_batches ADD COLUMN released_at DATETIME(6) NULL;

-- +goose Down
ALTER TABLE key_batches DROP COLUMN released_at;
