-- Issue 17: attachment bytes have a retention. Housekeeping (store.PurgeAttachments) empties
-- the bytes of attachments whose ticket has been closed longer than
-- KEYDESK_ATTACHMENT_RETENTION and stamps purged_at; the row (name, type, size) stays so the
-- ticket still says a file was there. The index serves the pass: the rows not yet purged, by
-- ticket, without reading the bytes.
-- Keep in step with ../mysql/00450_attachment_retention.sql.

-- +goose Up
ALTER TABLE attachments ADD COLUMN purged_at DATETIME NULL;
CREATE INDEX ix_attachments_purge ON attachments (purged_at, ticket_id);

-- +goose Down
DROP INDEX ix_attachments_purge;
ALTER TABLE attachments DROP COLUMN purged_at;
