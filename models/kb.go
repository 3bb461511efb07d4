package models

import "time"

// KBEvent is one event of the buyer form's knowledge-base suggestions (issue 15): an article
// shown or opened in a form session, or the form sent. A session is a random id the form
// makes; each (session, kind, article) is recorded once. ArticleID is 0 for "submitted".
type KBEvent struct {
	ID         uint64    `gorm:"primaryKey"`
	MerchantID uint64    `gorm:"uniqueIndex:ux_kb_events,priority:1;index:ix_kb_events_time,priority:1"`
	Session    string    `gorm:"size:64;uniqueIndex:ux_kb_events,priority:2"`
	Kind       string    `gorm:"size:16;uniqueIndex:ux_kb_events,priority:3"`
	ArticleID  uint64    `gorm:"uniqueIndex:ux_kb_events,priority:4"`
	CreatedAt  time.Time `gorm:"index:ix_kb_events_time,priority:2"`
}

// TableName keeps the table's name.
func (KBEvent) TableName() string { return "kb_events" }
