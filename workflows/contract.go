package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/keydesk/keydesk/sla"
)

// DefaultTaskQueue is the task queue the ticket workflows and their activities run on.
const DefaultTaskQueue = "keydesk"

// TicketWorkflowName is the registered name of the ticket workflow.
const TicketWorkflowName = "TicketWorkflow"

// TicketWorkflowID is the workflow ID of a ticket: one workflow per ticket, for its whole life.
func TicketWorkflowID(ticketID uint64) string { return "ticket/" + strconv.FormatUint(ticketID, 10) }

// TicketWorkflowIDFor is the workflow ID of a ticket of one install: "ticket/<install>/<id>",
// so installs sharing a namespace (or a database reset under a kept Temporal) never collide.
// An empty install gives TicketWorkflowID's form, which tickets created before install ids
// keep.
func TicketWorkflowIDFor(install string, ticketID uint64) string {
	if install == "" {
		return TicketWorkflowID(ticketID)
	}
	return "ticket/" + install + "/" + strconv.FormatUint(ticketID, 10)
}

// TicketIDFromWorkflowID parses a workflow ID made by TicketWorkflowID or TicketWorkflowIDFor.
func TicketIDFromWorkflowID(id string) (uint64, error) {
	s, ok := strings.CutPrefix(id, "ticket/")
	if !ok {
		return 0, fmt.Errorf("workflow id %q is not a ticket workflow", id)
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	return strconv.ParseUint(s, 10, 64)
}

// Update names the ticket workflow accepts. Each is validated, recorded as a ticket event and
// answered with the ticket's new State.
const (
	UpdateAssign         = "assign"          // AssignInput: supervisor sets or clears the assignee
	UpdateClaim          = "claim"           // ActionInput: the acting agent takes the ticket
	UpdateReply          = "reply"           // ReplyInput: agent reply to the buyer (public)
	UpdateNote           = "note"            // ReplyInput: internal note
	UpdateCustomerReply  = "customer_reply"  // ReplyInput: buyer message (reopens a resolved ticket)
	UpdateSetStatus      = "set_status"      // StatusInput
	UpdateSetPriority    = "set_priority"    // PriorityInput
	UpdateEscalate       = "escalate"        // EscalateInput: level up or down by hand
	UpdateResolve        = "resolve"         // ReplyInput (optional closing message)
	UpdateReopen         = "reopen"          // ActionInput
	UpdateRate           = "rate"            // RateInput: buyer CSAT once resolved
	UpdateRiskDecision   = "risk_decision"   // DecisionInput: approve (reissue) / deny a risk review
	UpdateRefundDecision = "refund_decision" // DecisionInput: approve / reject a refund
	UpdatePolicyChanged  = "policy_changed"  // ActionInput: SLA policy or calendar edited: recompute deadlines
)

// QueryState is the query returning the live State, SLA clocks included.
const QueryState = "state"

// Actor kinds.
const (
	ActorCustomer = "customer"
	ActorAgent    = "agent"
	ActorSystem   = "system"
)

// Actor is who performs an update. Role is the acting user's highest keydesk role in the
// ticket's merchant ("agent", "risk_agent", "supervisor", "admin"); the API has already
// authorised the call with Casbin, and the workflow re-checks only rules that depend on the
// ticket's state (such as a refund above the agent limit).
type Actor struct {
	Kind   string `json:"kind"`
	UserID uint64 `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"`
	Role   string `json:"role,omitempty"`
}

// ActionInput is the common part of every update. RequestID makes an update idempotent: a
// repeated RequestID returns the current state without acting again.
type ActionInput struct {
	RequestID string `json:"request_id"`
	Actor     Actor  `json:"actor"`
}

// AssignInput assigns the ticket (AssigneeID 0 clears it).
type AssignInput struct {
	ActionInput
	AssigneeID   uint64 `json:"assignee_id"`
	AssigneeName string `json:"assignee_name,omitempty"`
}

// ReplyInput carries a message. The body is written to the database by the activity the
// update runs; it travels in the workflow history through the encrypting payload codec.
type ReplyInput struct {
	ActionInput
	Body string `json:"body"`
	// SetStatus optionally moves the ticket with the reply (e.g. pending_customer).
	SetStatus string `json:"set_status,omitempty"`
	// ClosingThanks marks a buyer's reply that only thanks or confirms the solution
	// (triage.IsClosingThanks, decided by the caller so the workflow reads it from its
	// history): on a resolved or closed ticket it is kept without reopening.
	ClosingThanks bool `json:"closing_thanks,omitempty"`
}

// StatusInput sets the status.
type StatusInput struct {
	ActionInput
	Status string `json:"status"`
}

// PriorityInput sets the priority; SLA deadlines are recomputed from the time already used.
type PriorityInput struct {
	ActionInput
	Priority string `json:"priority"`
}

// EscalateInput moves the escalation level by Delta (+1 up, -1 down) with a reason.
type EscalateInput struct {
	ActionInput
	Delta  int    `json:"delta"`
	Reason string `json:"reason"`
}

// RateInput is a buyer's satisfaction rating (1–5).
type RateInput struct {
	ActionInput
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// DecisionInput approves or rejects a pending risk review or refund.
type DecisionInput struct {
	ActionInput
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
	// Amount optionally changes a refund's amount (minor units) when approving.
	Amount int64 `json:"amount,omitempty"`
}

// TicketInput starts a ticket workflow. Resume, when set, carries the state of an earlier
// run (continue-as-new, or a reopened closed ticket rebuilt from the database).
type TicketInput struct {
	TicketID   uint64    `json:"ticket_id"`
	MerchantID uint64    `json:"merchant_id"`
	Ref        string    `json:"ref"`
	Category   string    `json:"category"`
	Priority   string    `json:"priority"`
	OrderID    uint64    `json:"order_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Resume     *State    `json:"resume,omitempty"`
	// HistoryLimit continues the run as new once its history has this many events (0 means
	// DefaultHistoryLimit); the server's own suggestion is honoured too.
	HistoryLimit int `json:"history_limit,omitempty"`
	// HistoryBytesLimit continues the run as new once its history holds this many bytes
	// (0 means DefaultHistoryBytes): a few large events weigh as much as many small ones in
	// a worker's cache and on disk.
	HistoryBytesLimit int `json:"history_bytes_limit,omitempty"`
}

// Clocks are a ticket's three SLA clocks.
type Clocks struct {
	FirstResponse sla.Clock `json:"first_response"`
	NextResponse  sla.Clock `json:"next_response"`
	Resolution    sla.Clock `json:"resolution"`
}

// Risk is the fraud decision recorded on a ticket.
type Risk struct {
	Score    int      `json:"score"`
	Decision string   `json:"decision"` // allow, review, deny (fraud.Decision)
	Reasons  []string `json:"reasons,omitempty"`
	// Pending is true while a risk review waits for a human decision.
	Pending bool `json:"pending"`
}

// Reissue is the outcome of the automatic replacement-key path.
type Reissue struct {
	Status     string `json:"status"` // delivered, out_of_stock, blocked, denied
	CardKeyID  uint64 `json:"card_key_id,omitempty"`
	DeliveryID uint64 `json:"delivery_id,omitempty"`
	Reason     string `json:"reason,omitempty"`
}

// State is a ticket's live state as the workflow holds it.
type State struct {
	TicketID        uint64   `json:"ticket_id"`
	MerchantID      uint64   `json:"merchant_id"`
	Ref             string   `json:"ref"`
	Category        string   `json:"category"`
	OrderID         uint64   `json:"order_id,omitempty"`
	Status          string   `json:"status"`
	Priority        string   `json:"priority"`
	Queue           string   `json:"queue"`
	AssigneeID      uint64   `json:"assignee_id,omitempty"`
	EscalationLevel int      `json:"escalation_level"`
	Clocks          Clocks   `json:"clocks"`
	Risk            *Risk    `json:"risk,omitempty"`
	Reissue         *Reissue `json:"reissue,omitempty"`
	// Refund is the refund path's state (workflows/refund.go); nil for other categories.
	Refund *RefundState `json:"refund,omitempty"`
	// Dispute is the dispute path's state (workflows/dispute.go); nil for other categories.
	Dispute    *DisputeState `json:"dispute,omitempty"`
	CSAT       int           `json:"csat,omitempty"`
	ResolvedAt time.Time     `json:"resolved_at,omitempty"`
	// Seq numbers the ticket's events; event keys derive from it, so activity retries and
	// replays write each event once.
	Seq int64 `json:"seq"`
	// Version is bumped on every state change; the read-model row is only overwritten by a
	// higher version.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// RequestIDs remembers recent update request ids for idempotency (bounded).
	RequestIDs []string `json:"request_ids,omitempty"`
	// EscalatedAt is when the level last went up; ClosedAt when the ticket closed.
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	ClosedAt    time.Time `json:"closed_at,omitzero"`
	// NextResponseBreachedAt keeps the latest next-response breach: that clock restarts
	// after every buyer message.
	NextResponseBreachedAt time.Time `json:"next_response_breached_at,omitzero"`
	// SLA is a view of the clocks computed when the state is returned (query or update):
	// target, used, remaining, deadline, status for each metric.
	SLA []ClockView `json:"sla,omitempty"`
}

// UpdateAck answers every update: the ticket and the version of its state that holds the
// update (a request id seen before answers with the current version). The state itself is
// read from the snapshot the workflow wrote before answering (tickets.Service does), so the
// ticket's history does not carry a copy of the whole state per update. Its fields keep
// State's JSON names: an answer of an earlier release (the whole State) decodes into it.
type UpdateAck struct {
	TicketID uint64 `json:"ticket_id"`
	Version  int64  `json:"version"`
	Status   string `json:"status"`
}

// ClockView is one SLA clock as of the moment a State was returned.
type ClockView struct {
	Metric    sla.Metric    `json:"metric"`
	Target    time.Duration `json:"target"`
	Used      time.Duration `json:"used"`
	Remaining time.Duration `json:"remaining"`
	// Status is ok, warning, breached, paused, met, stopped or "" (not started).
	Status     string    `json:"status"`
	Paused     bool      `json:"paused"`
	Deadline   time.Time `json:"deadline,omitzero"`
	WarnAt     time.Time `json:"warn_at,omitzero"`
	WarnedAt   time.Time `json:"warned_at,omitzero"`
	BreachedAt time.Time `json:"breached_at,omitzero"`
	MetAt      time.Time `json:"met_at,omitzero"`
}
