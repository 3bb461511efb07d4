-- Issue 17: the ticket state snapshot is stored deflated (models.PackedJSON: a 0x01 byte, then
-- the raw-deflate stream), a third of its JSON size. Rows written before stay plain JSON and
-- still read back. SQLite cannot change a column's type in place, so the table is rebuilt
-- (nothing references it). Down restores the TEXT column; SQL cannot inflate the deflated
-- rows, so it deletes them first (a ticket without a snapshot reopens from its row, as
-- before snapshots existed; a build from before could not read them).
-- Keep in step with ../mysql/00396_packed_snapshots.sql.

-- +goose Up
CREATE TABLE ticket_snapshots_packed (
    ticket_id     INTEGER NOT NULL PRIMARY KEY,
    merchant_id   INTEGER NOT NULL,
    state_version INTEGER NOT NULL DEFAULT 0,
    state         BLOB,
    updated_at    DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
INSERT INTO ticket_snapshots_packed (ticket_id, merchant_id, state_version, state, updated_at)
    SELECT ticket_id, merchant_id, state_version, state, updated_at FROM ticket_snapshots;
DROP TABLE ticket_snapshots;
ALTER TABLE ticket_snapshots_packed RENAME TO ticket_snapshots;
CREATE INDEX idx_ticket_snapshots_merchant_id ON ticket_snapshots (merchant_id);

-- +goose Down
DELETE FROM ticket_snapshots WHERE hex(substr(state, 1, 1)) = '01';
CREATE TABLE ticket_snapshots_text (
    ticket_id     INTEGER NOT NULL PRIMARY KEY,
    merchant_id   INTEGER NOT NULL,
    state_version INTEGER NOT NULL DEFAULT 0,
    state         TEXT,
    updated_at    DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
);
INSERT INTO ticket_snapshots_text (ticket_id, merchant_id, state_version, state, updated_at)
    SELECT ticket_id, merchant_id, state_version, state, updated_at FROM ticket_snapshots;
DROP TABLE ticket_snapshots;
ALTER TABLE ticket_snapshots_text RENAME TO ticket_snapshots;
CREATE INDEX idx_ticket_snapshots_merchant_id ON ticket_snapshots (merchant_id);
