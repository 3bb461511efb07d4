-- Issue 13: what the triage model read in the buyer's text, kept beside the category the
-- ticket runs on: the buyer's own pick ('' for "not sure"), the inferred intent, its
-- confidence in per mille, the model version and whether pick and inference disagree.
-- Keep in step with ../mysql/00120_ticket_triage.sql.

-- +goose Up
ALTER TABLE tickets ADD COLUMN chosen_category VARCHAR(24) NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN inferred_category VARCHAR(24) NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN inferred_confidence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN triage_model VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN category_mismatch INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tickets DROP COLUMN category_mismatch;
ALTER TABLE tickets DROP COLUMN triage_model;
ALTER TABLE tickets DROP COLUMN inferred_confidence;
ALTER TABLE tickets DROP COLUMN inferred_category;
ALTER TABLE tickets DROP COLUMN chosen_category;
