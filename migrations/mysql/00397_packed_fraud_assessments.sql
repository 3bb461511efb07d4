-- Issue 17: a claim's fraud hits and signals (≈1.6 kB of JSON together, the third-largest
-- keydesk table per ticket) are stored deflated like the ticket snapshot (models.PackedJSON,
-- migration 00396); rows written before stay plain JSON and still read back. Down
-- restores the TEXT columns; SQL cannot inflate the deflated values, so it clears them first
-- (the score, decision and ruleset stay; a build from before could not read them).
-- Keep in step with ../sqlite/00397_packed_fraud_assessments.sql.

-- +goose Up
ALTER TABLE fraud_assessments MODIFY hits LONGBLOB NULL, MODIFY signals LONGBLOB NULL;

-- +goose Down
UPDATE fraud_assessments SET hits = NULL WHERE HEX(LEFT(hits, 1)) = '01';
UPDATE fraud_assessments SET signals = NULL WHERE HEX(LEFT(signals, 1)) = '01';
ALTER TABLE fraud_assessments MODIFY hits LONGTEXT NULL, MODIFY signals LONGTEXT NULL;
