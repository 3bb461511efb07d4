package models

import "time"

// TicketState is the part of a ticket row its workflow owns (the read model the workflow
// writes through activities.RecordTicketChange). Nil pointers clear a column.
type TicketState struct {
	Status                  string
	Priority                string
	Queue                   string
	AssigneeID              *uint64
	EscalationLevel         int
	RiskScore               *int
	RiskDecision            string
	SLADueAt                *time.Time
	SLAState                string
	FirstResponseDueAt      *time.Time
	NextResponseDueAt       *time.Time
	ResolutionDueAt         *time.Time
	FirstResponseAt         *time.Time
	FirstResponseBreachedAt *time.Time
	NextResponseBreachedAt  *time.Time
	ResolutionBreachedAt    *time.Time
	EscalatedAt             *time.Time
	ResolvedAt              *time.Time
	ClosedAt                *time.Time
	CSATScore               *int
	StateVersion            int64
}
