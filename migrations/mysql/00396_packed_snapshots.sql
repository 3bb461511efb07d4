-- Issue 17: the ticket state snapshot is stored deflated (models.PackedJSON: a 0x01 byte, then
-- the raw-deflate stream), a third of its JSON size, so the column holds bytes. Rows written
-- before stay plain JSON and still read back. Down restores the text column and keeps the
-- rows as they are: a build from before this migration cannot read the deflated ones.
-- Keep in step with ../sqlite/00396_packed_snapshots.sql.

-- +goose Up
ALTER TABLE ticket_snapshots MODIFY state MEDIUMBLOB NULL;

-- +goose Down
ALTER TABLE ticket_snapshots MODIFY state MEDIUMTEXT NULL;
