package models

import "time"

// Installation is the one row naming this keydesk install (issue 11). InstallID is also
// recorded in the Temporal namespace and in new tickets' workflow ids, so a database and a
// Temporal namespace that belong to different installs are refused at start.
type Installation struct {
	ID        uint64    `gorm:"primaryKey;autoIncrement:false"`
	InstallID string    `gorm:"size:32;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName keeps the table's singular name.
func (Installation) TableName() string { return "installation" }
