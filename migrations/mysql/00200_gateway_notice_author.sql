-- Issue 16: the notice a payment gateway opened a chargeback ticket with was stored as the
-- buyer's first message; it is the gateway's (a system message), as new ones are.
-- Keep in step with ../sqlite/00200_gateway_notice_author.sql.

-- +goose Up
UPDATE messages m JOIN tickets t ON t.id = m.ticket_id
SET m.author_kind = 'system', m.author_name = 'payment gateway'
WHERE m.request_id = 'submission' AND m.author_kind = 'customer' AND t.category = 'dispute' AND t.channel = 'integration';

-- +goose Down
UPDATE messages m JOIN tickets t ON t.id = m.ticket_id
SET m.author_kind = 'customer', m.author_name = t.customer_email
WHERE m.request_id = 'submission' AND m.author_kind = 'system' AND m.author_name = 'payment gateway'
  AND t.category = 'dispute' AND t.channel = 'integration';
