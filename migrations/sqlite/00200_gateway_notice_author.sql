-- Issue 16: the notice a payment gateway opened a chargeback ticket with was stored as the
-- buyer's first message; it is the gateway's (a system message), as new ones are.
-- Keep in step with ../mysql/00200_gateway_notice_author.sql.

-- +goose Up
UPDATE messages SET author_kind = 'system', author_name = 'payment gateway'
WHERE request_id = 'submission' AND author_kind = 'customer'
  AND ticket_id IN (SELECT id FROM tickets WHERE category = 'dispute' AND channel = 'integration');

-- +goose Down
UPDATE messages SET author_kind = 'customer',
  author_name = (SELECT t.customer_email FROM tickets t WHERE t.id = messages.ticket_id)
WHERE request_id = 'submission' AND author_kind = 'system' AND author_name = 'payment gateway'
  AND ticket_id IN (SELECT id FROM tickets WHERE category = 'dispute' AND channel = 'integration');
