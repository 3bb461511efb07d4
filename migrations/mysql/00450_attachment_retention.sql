-- Issue 17: attachment bytes have a retention. Housekeeping (store.PurgeAttachments) empties
-- the bytes of attachments whose ticket has been closed longer than
-- KEYDESK_ATTACHMENT_RETENTION and stamps purged_at; the row (name, type, size) stays so the
-- ticket still says a file was there. The index serves the pass: the rows not yet purged, by
-- ticket, without reading the bytes.
-- Keep in step with ../sqlite/00450_attachment_retention.sql.

-- +goose Up
ALTER TABLE attachments ADD COLUMN purged_at DATETIME(6) NULL, ADD KEY ix_attachments_purge (purged_at, ticket_id);

-- +goose Down
ALTER TABLE attachments DROP KEY ix_attachments_purge, DROP COLUMN purged_at;
