-- The agent queue filtered by assignee (issue 5): each page reads one run per status, with a
-- deadline in (sla_due_at, id) order and without one in id order. With only
-- ix_tickets_assignee (merchant_id, assignee_id, sla_due_at) the "without a deadline" run of
-- "assignee = me" had no index giving id order under an equality on status, and MariaDB chose a
-- full PRIMARY scan (EXPLAIN: type=index key=PRIMARY rows=all). This index makes every
-- assignee run an index range read in the requested order. Keep in step with
-- ../sqlite/00020_queue_assignee_index.sql.

-- +goose Up
CREATE INDEX ix_tickets_assignee_status ON tickets (merchant_id, assignee_id, status, sla_due_at);

-- +goose Down
DROP INDEX ix_tickets_assignee_status ON tickets;
