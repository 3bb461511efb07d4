-- Issue 17: a claim's fraud hits and signals (≈1.6 kB of JSON together, the third-largest
-- keydesk table per ticket) are stored deflated like the ticket snapshot (models.PackedJSON,
-- migration 00396); rows written before stay plain JSON and still read back. Down
-- restores the TEXT columns and keeps the rows as they are: a build from before this
-- migration cannot read the deflated ones.
-- Keep in step with ../sqlite/00397_packed_fraud_assessments.sql.

-- +goose Up
ALTER TABLE fraud_assessments MODIFY hits LONGBLOB NULL, MODIFY signals LONGBLOB NULL;

-- +goose Down
ALTER TABLE fraud_assessments MODIFY hits LONGTEXT NULL, MODIFY signals LONGTEXT NULL;
