package payments

import (
	"context"
	"fmt"
	"net/http"
)

// ManualName is the registry name of the manual gateway.
const ManualName = "manual"

// Manual is the gateway of a merchant who pays refunds out by hand: Refund records nothing
// and answers pending; a staff member confirms the payout through keydesk's API
// (POST /api/v1/refunds/{id}/confirm), which completes the refund. It never moves money, so
// a replay is trivially idempotent.
type Manual struct{}

// Name implements Gateway.
func (Manual) Name() string { return ManualName }

// Refund implements Gateway: always pending until a human confirms the payout.
func (Manual) Refund(_ context.Context, req RefundRequest) (RefundResult, error) {
	if err := req.Validate(); err != nil {
		return RefundResult{}, err
	}
	return RefundResult{OutRefundNo: req.OutRefundNo, Status: StatusPending, Reason: "awaiting manual payout by the merchant"}, nil
}

// QueryRefund implements Gateway: a manual refund stays pending until confirmed in keydesk.
func (Manual) QueryRefund(_ context.Context, outRefundNo string) (RefundResult, error) {
	return RefundResult{OutRefundNo: outRefundNo, Status: StatusPending, Reason: "awaiting manual payout by the merchant"}, nil
}

// ParseNotification implements Gateway: manual payouts are confirmed by staff, not callbacks.
func (Manual) ParseNotification(*http.Request) (Notification, error) {
	return Notification{}, fmt.Errorf("manual gateway: %w: confirm the payout with POST /api/v1/refunds/{id}/confirm", ErrNotSupported)
}
