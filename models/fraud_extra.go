package models

import "time"

// Automatic reissue slot statuses (AutoReissue.Status).
const (
	// AutoReissueHeld: an automatic replacement was allowed for the ticket and is pending.
	AutoReissueHeld = "held"
	// AutoReissueDelivered: the replacement key was handed out.
	AutoReissueDelivered = "delivered"
)

// AutoReissue is one automatic replacement an order used up, pending or delivered. The
// unique (order_id, seq) key is what stops two concurrent claims on one order from both
// getting a key without a human: the merchant's limit bounds seq (default 1), and a second
// claim's insert of the same seq fails. One row per ticket at most.
type AutoReissue struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"index"`
	OrderID    uint64 `gorm:"uniqueIndex:ux_auto_reissues_order_seq,priority:1"`
	Seq        int    `gorm:"uniqueIndex:ux_auto_reissues_order_seq,priority:2"`
	TicketID   uint64 `gorm:"uniqueIndex"`
	Status     string `gorm:"size:16"`
	DeliveryID *uint64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ClaimContext is what the fraud check saw of one claim, stored when the claim is assessed:
// the key the claim is about (and its batch), and the claimant's identity (normalised
// email, first-party device id, IP and its network). Batch reports and identity links are
// counted from these rows, so a replacement key handed out later never changes what an
// earlier claim was about.
type ClaimContext struct {
	TicketID      uint64  `gorm:"primaryKey;autoIncrement:false"`
	MerchantID    uint64  `gorm:"index:ix_claim_ctx_batch,priority:1;index:ix_claim_ctx_device,priority:1;index:ix_claim_ctx_net,priority:1;index:ix_claim_ctx_email,priority:1"`
	OrderID       *uint64 `gorm:"index"`
	Category      string  `gorm:"size:24"`
	ReportedKeyID *uint64
	BatchID       *uint64 `gorm:"index:ix_claim_ctx_batch,priority:2"`
	EmailNorm     string  `gorm:"size:254;index:ix_claim_ctx_email,priority:2"`
	DeviceID      string  `gorm:"size:128;index:ix_claim_ctx_device,priority:2"`
	IP            string  `gorm:"size:64"`
	IPNet         string  `gorm:"size:64;index:ix_claim_ctx_net,priority:2"`
	TextFlags     string  `gorm:"size:200"`
	ClaimedAt     time.Time
	CreatedAt     time.Time
}

// History event kinds (HistoryEvent.Kind).
const (
	HistoryOrder      = "order"
	HistoryClaim      = "claim"
	HistoryRefund     = "refund"
	HistoryChargeback = "chargeback"
)

// HistoryEvent is one event of a shop's after-sales history from before keydesk (an order,
// a claim with its outcome, a refund, a chargeback), imported through the signed
// integration so the fraud signals see a shop's history from day one. It counts by its own
// date (OccurredAt). Unique per merchant and the shop's ExternalID, so a re-sent import is
// stored once.
type HistoryEvent struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"uniqueIndex:ux_history_ext,priority:1;index:ix_history_email,priority:1;index:ix_history_device,priority:1;index:ix_history_ip,priority:1"`
	ExternalID string `gorm:"size:128;uniqueIndex:ux_history_ext,priority:2"`
	Kind       string `gorm:"size:16"`
	OrderNo    string `gorm:"size:64"`
	EmailNorm  string `gorm:"size:254;index:ix_history_email,priority:2"`
	IP         string `gorm:"size:64;index:ix_history_ip,priority:2"`
	DeviceID   string `gorm:"size:128;index:ix_history_device,priority:2"`
	Amount     int64
	Currency   string `gorm:"size:3"`
	// Category of a claim (key_invalid, key_missing, refund); Outcome of a claim
	// (reissued, refunded, denied, open) or a chargeback (won, lost, open).
	Category   string    `gorm:"size:24"`
	Outcome    string    `gorm:"size:16"`
	OccurredAt time.Time `gorm:"index:ix_history_email,priority:3;index:ix_history_device,priority:3;index:ix_history_ip,priority:3"`
	CreatedAt  time.Time
}
