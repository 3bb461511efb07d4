-- Issue 13: what the triage model read in the buyer's text, kept beside the category the
-- ticket runs on: the buyer's own pick ('' for "not sure"), the inferred intent, its
-- confidence in per mille, the model version and whether pick and inference disagree.
-- Keep in step with ../sqlite/00120_ticket_triage.sql.

-- +goose Up
ALTER TABLE tickets
    ADD COLUMN chosen_category VARCHAR(24) NOT NULL DEFAULT '',
    ADD COLUMN inferred_category VARCHAR(24) NOT NULL DEFAULT '',
    ADD COLUMN inferred_confidence INT NOT NULL DEFAULT 0,
    ADD COLUMN triage_model VARCHAR(32) NOT NULL DEFAULT '',
    ADD COLUMN category_mismatch BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE tickets
    DROP COLUMN category_mismatch,
    DROP COLUMN triage_model,
    DROP COLUMN inferred_confidence,
    DROP COLUMN inferred_category,
    DROP COLUMN chosen_category;
