package models

import "time"

// TicketSnapshot is the last State a ticket workflow persisted, as JSON, guarded by the same
// version as the read-model row. Reopening a closed ticket (whose workflow has ended) starts a
// new run from it, so clocks, risk and request ids survive. One row per ticket; the state is
// stored deflated (PackedJSON).
type TicketSnapshot struct {
	TicketID     uint64 `gorm:"primaryKey;autoIncrement:false"`
	MerchantID   uint64 `gorm:"index"`
	StateVersion int64
	State        PackedJSON
	UpdatedAt    time.Time
}

// OutboundMessage is a message waiting to be sent to a buyer (the status-page link, for
// instance). The body may carry a private link: it is never logged.
type OutboundMessage struct {
	ID         uint64  `gorm:"primaryKey"`
	MerchantID uint64  `gorm:"index:ix_outbound_pending,priority:1"`
	TicketID   *uint64 `gorm:"index"`
	Channel    string  `gorm:"size:16"`
	To         string  `gorm:"column:to_addr;size:254"`
	Subject    string  `gorm:"size:300"`
	Body       string  `gorm:"type:text" json:"-"`
	SentAt     *time.Time
	CreatedAt  time.Time `gorm:"index:ix_outbound_pending,priority:2"`
}
