package models

import "time"

// RevokedToken denies a staff access token (by its jti) until it expires: logout, or the
// revocation of a refresh-token family. Every API process reads the same table.
type RevokedToken struct {
	ID        uint64    `gorm:"primaryKey"`
	JTI       string    `gorm:"column:jti;size:64;uniqueIndex:ux_revoked_tokens_jti"`
	UserID    uint64    `gorm:"not null;default:0"`
	ExpiresAt time.Time `gorm:"index:ix_revoked_tokens_expires"`
	CreatedAt time.Time
}

// TicketAccessToken is an additional private link to a ticket (only its hash is kept), made
// when a buyer asks for the link again: the link the buyer already had keeps working.
type TicketAccessToken struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"not null"`
	TicketID   uint64 `gorm:"not null;index:ix_ticket_access_tokens_ticket,priority:1"`
	TokenHash  string `gorm:"size:64;uniqueIndex:ux_ticket_access_tokens_hash"`
	ExpiresAt  time.Time
	CreatedAt  time.Time `gorm:"index:ix_ticket_access_tokens_ticket,priority:2"`
}

// HealthBeat is the row the readiness probe upserts to prove the database takes writes.
type HealthBeat struct {
	ID     uint64 `gorm:"primaryKey"`
	Name   string `gorm:"size:64;uniqueIndex:ux_health_beats_name"`
	BeatAt time.Time
}
