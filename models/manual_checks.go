package models

import "time"

// Manual-check states.
const (
	ManualCheckOpen     = "open"
	ManualCheckAccepted = "accepted"
	ManualCheckRejected = "rejected"
)

// ManualCheck is a buyer's submission whose order number and e-mail / contact did not prove an
// order of the shop, kept because the buyer asked for a manual check: the order was bought
// with a mistyped e-mail (so the key never arrived), or someone writes for the buyer. Nothing
// automatic runs on it; an agent either verifies it, which opens a ticket on the right order,
// or rejects it with a reason. Description is stored masked (triage.Mask), like a message.
type ManualCheck struct {
	ID          uint64 `gorm:"primaryKey"`
	MerchantID  uint64 `gorm:"index:ix_manual_checks_status,priority:1"`
	Status      string `gorm:"size:16;index:ix_manual_checks_status,priority:2"`
	OrderNo     string `gorm:"size:64"`
	Email       string `gorm:"size:254"`
	Contact     string `gorm:"size:200"`
	Category    string `gorm:"size:24"`
	Subject     string `gorm:"size:300"`
	Description string `gorm:"type:text"`
	Language    string `gorm:"size:8"`
	IP          string `gorm:"size:64"`
	UserAgent   string `gorm:"size:300"`
	DeviceID    string `gorm:"size:128"`
	// TicketID is the ticket an accepted check opened.
	TicketID *uint64
	// HandledBy and HandledAt say which agent accepted or rejected it, and when; Reason is a
	// rejection's reason (sent to the buyer).
	HandledBy *uint64
	HandledAt *time.Time
	Reason    string    `gorm:"size:500"`
	CreatedAt time.Time `gorm:"index:ix_manual_checks_status,priority:3"`
}
