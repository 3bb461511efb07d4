-- Indexes for the supervisor reports and the SLA overview (issue 6): tickets created,
-- resolved and first answered per merchant in a time window, and SLA breach events per
-- merchant in a window. Without them each report scans all of a merchant's tickets
-- (100k tickets: 7-day report 104 ms on MariaDB, 233 ms on SQLite; with them ~20 ms).
-- Keep in step with ../sqlite/00040_report_indexes.sql.

-- +goose Up
CREATE INDEX ix_tickets_created ON tickets (merchant_id, created_at);
CREATE INDEX ix_tickets_resolved ON tickets (merchant_id, resolved_at);
CREATE INDEX ix_tickets_first_response ON tickets (merchant_id, first_response_at);
CREATE INDEX ix_ticket_events_kind_time ON ticket_events (merchant_id, kind, created_at);

-- +goose Down
DROP INDEX ix_ticket_events_kind_time ON ticket_events;
DROP INDEX ix_tickets_first_response ON tickets;
DROP INDEX ix_tickets_resolved ON tickets;
DROP INDEX ix_tickets_created ON tickets;
