-- Issue 17: the ticket state snapshot is stored deflated (models.PackedJSON: a 0x01 byte, then
-- the raw-deflate stream), a third of its JSON size, so the column holds bytes. Rows written
-- before stay plain JSON and still read back. Down restores the text column; SQL cannot
-- inflate the deflated rows, so it deletes them first (a ticket without a snapshot reopens
-- from its row, as before snapshots existed; a build from before could not read them).
-- Keep in step with ../sqlite/00396_packed_snapshots.sql.

-- +goose Up
ALTER TABLE ticket_snapshots MODIFY state MEDIUMBLOB NULL;

-- +goose Down
DELETE FROM ticket_snapshots WHERE HEX(LEFT(state, 1)) = '01';
ALTER TABLE ticket_snapshots MODIFY state MEDIUMTEXT NULL;
