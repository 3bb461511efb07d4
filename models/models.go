package models

import "time"

// Merchant is one shop using keydesk; it is also the Casbin domain of its staff.
type Merchant struct {
	ID                      uint64 `gorm:"primaryKey"`
	Slug                    string `gorm:"size:64;uniqueIndex"`
	Name                    string `gorm:"size:200"`
	Timezone                string `gorm:"size:64"`
	Settings                JSON   `gorm:"type:text"`
	IntegrationSecretCipher []byte // HMAC secret for the shop's integration calls, sealed with the secret box
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// User is a staff member. MerchantID nil marks a platform admin; roles live in Casbin.
type User struct {
	ID         uint64  `gorm:"primaryKey"`
	MerchantID *uint64 `gorm:"index;uniqueIndex:ux_users_merchant_email,priority:1"`
	// Email is unique per merchant (issue 14): a person may work for two shops.
	Email        string `gorm:"size:254;index:idx_users_email;uniqueIndex:ux_users_merchant_email,priority:2"`
	Name         string `gorm:"size:200"`
	PasswordHash string `gorm:"size:100"`
	Active       bool
	FailedLogins int
	LockedUntil  *time.Time
	LastLoginAt  *time.Time
	// TokenVersion is embedded in issued tokens; bumping it (logout everywhere, password
	// change, deactivation) invalidates every token issued before.
	TokenVersion int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is a refresh token (only its hash is stored) that can mint new access tokens.
type Session struct {
	ID        uint64 `gorm:"primaryKey"`
	UserID    uint64 `gorm:"index"`
	TokenHash string `gorm:"size:64;uniqueIndex"`
	ExpiresAt time.Time
	RevokedAt *time.Time
	IP        string `gorm:"size:64"`
	UserAgent string `gorm:"size:300"`
	CreatedAt time.Time
	// FamilyID is shared by every session rotated from the same login: replaying a rotated
	// refresh token revokes the family.
	FamilyID string `gorm:"size:64;index:ix_sessions_family"`
	// AccessJTI / AccessExpiresAt name the access token issued with this session, so revoking
	// the family denies it too.
	AccessJTI       string `gorm:"column:access_jti;size:64"`
	AccessExpiresAt *time.Time
}

// Product is something the shop sells keys for.
type Product struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"uniqueIndex:ux_products_sku,priority:1"`
	SKU        string `gorm:"column:sku;size:64;uniqueIndex:ux_products_sku,priority:2"`
	Name       string `gorm:"size:200"`
	Price      int64  // minor units
	Currency   string `gorm:"size:3"`
	// RefundableDays is how long after payment a refund may be granted without a supervisor.
	RefundableDays int
	// SharedKey marks a key sold to many buyers at once: it can never be reissued.
	SharedKey         bool
	LowStockThreshold int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Key batch statuses.
const (
	BatchActive      = "active"
	BatchQuarantined = "quarantined"
)

// KeyBatch is one import of keys, usually one purchase from one supplier.
type KeyBatch struct {
	ID               uint64 `gorm:"primaryKey"`
	MerchantID       uint64 `gorm:"index"`
	ProductID        uint64 `gorm:"index"`
	Label            string `gorm:"size:200"`
	Supplier         string `gorm:"size:200"`
	Source           string `gorm:"size:32"` // api, cli, integration, seed
	ImportedBy       *uint64
	KeyCount         int
	Status           string `gorm:"size:16"`
	QuarantinedAt    *time.Time
	QuarantineReason string `gorm:"size:500"`
	// ReleasedAt is the last time an admin put the batch back into service: reports of its
	// keys from before it no longer count towards quarantining it again.
	ReleasedAt *time.Time
	CreatedAt  time.Time
}

// Order statuses.
const (
	OrderPaid              = "paid"
	OrderDelivered         = "delivered"
	OrderRefunded          = "refunded"
	OrderPartiallyRefunded = "partially_refunded"
	OrderDisputed          = "disputed"
)

// Order is a paid purchase pushed in by the shop.
type Order struct {
	// ix_orders_recent reads a merchant's newest orders (the sample its order formats are
	// learned from, issue 13).
	ID             uint64 `gorm:"primaryKey;index:ix_orders_recent,priority:2"`
	MerchantID     uint64 `gorm:"uniqueIndex:ux_orders_no,priority:1;index:ix_orders_recent,priority:1"`
	OrderNo        string `gorm:"size:64;uniqueIndex:ux_orders_no,priority:2"`
	ProductID      uint64 `gorm:"index"`
	Quantity       int
	Amount         int64  // minor units
	Currency       string `gorm:"size:3"`
	BuyerEmail     string `gorm:"size:254;index"`
	BuyerContact   string `gorm:"size:200"`
	BuyerIP        string `gorm:"size:64"`
	DeviceID       string `gorm:"size:128"`
	PaidAt         time.Time
	PaymentRef     string `gorm:"size:128"`
	PaymentGateway string `gorm:"size:32"`
	Status         string `gorm:"size:24"`
	RefundedAmount int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Card key statuses.
const (
	KeyAvailable       = "available"
	KeyReserved        = "reserved"
	KeyDelivered       = "delivered"
	KeyReportedInvalid = "reported_invalid"
	KeyRevoked         = "revoked"
	KeyQuarantined     = "quarantined"
)

// CardKey is one secret in inventory. The secret is sealed with AES-256-GCM bound to the
// row's product; SecretHash (a keyed HMAC) detects duplicates without decrypting.
type CardKey struct {
	ID              uint64 `gorm:"primaryKey"`
	MerchantID      uint64 `gorm:"index"`
	ProductID       uint64 `gorm:"uniqueIndex:ux_card_keys_hash,priority:1;index:ix_card_keys_alloc,priority:1"`
	BatchID         uint64 `gorm:"index"`
	SecretCipher    []byte `json:"-"`
	SecretHash      string `gorm:"size:64;uniqueIndex:ux_card_keys_hash,priority:2" json:"-"`
	Status          string `gorm:"size:24;index:ix_card_keys_alloc,priority:2"`
	OrderID         *uint64
	TicketID        *uint64
	ReservedAt      *time.Time
	DeliveredAt     *time.Time
	FirstRevealedAt *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Delivery kinds.
const (
	DeliveryInitial = "initial"
	DeliveryReissue = "reissue"
)

// Delivery links a key to the order it went to. Unique (ticket, kind) means a ticket
// reissues at most once; unique card key means no key is ever handed out twice.
type Delivery struct {
	ID         uint64  `gorm:"primaryKey"`
	MerchantID uint64  `gorm:"index"`
	OrderID    uint64  `gorm:"index"`
	CardKeyID  uint64  `gorm:"uniqueIndex"`
	Kind       string  `gorm:"size:16;uniqueIndex:ux_deliveries_ticket,priority:2"`
	TicketID   *uint64 `gorm:"uniqueIndex:ux_deliveries_ticket,priority:1"`
	// SentTo is the order's contact a stepped-up replacement was sent to (a private pickup
	// link), "" when the claimant's status page shows it. PickupHash is the SHA-256 of that
	// link's token (the token itself is never stored); the link works until PickupExpiresAt.
	SentTo          string     `gorm:"size:254"`
	PickupHash      *string    `gorm:"size:64;uniqueIndex:ux_deliveries_pickup" json:"-"`
	PickupExpiresAt *time.Time `json:"-"`
	CreatedAt       time.Time
}

// Key event kinds.
const (
	KeyEventDelivered = "delivered"
	KeyEventEmailed   = "emailed"
	KeyEventRevealed  = "revealed"
)

// KeyEvent is evidence of what happened to a delivered key: the trail a dispute relies on.
type KeyEvent struct {
	ID         uint64  `gorm:"primaryKey"`
	MerchantID uint64  `gorm:"uniqueIndex:ux_key_events_ext,priority:1"`
	OrderID    uint64  `gorm:"index"`
	CardKeyID  *uint64 `gorm:"index"`
	Kind       string  `gorm:"size:16"`
	IP         string  `gorm:"size:64"`
	UserAgent  string  `gorm:"size:300"`
	Source     string  `gorm:"size:16"` // shop, keydesk
	// ExternalID is the shop's id for the event, so a retried push is stored once.
	ExternalID *string `gorm:"size:128;uniqueIndex:ux_key_events_ext,priority:2"`
	OccurredAt time.Time
	CreatedAt  time.Time
}

// Ticket statuses.
const (
	StatusNew             = "new"
	StatusOpen            = "open"
	StatusPendingCustomer = "pending_customer"
	StatusPendingInternal = "pending_internal"
	StatusResolved        = "resolved"
	StatusClosed          = "closed"
)

// Ticket priorities, lowest first.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Queues a ticket can sit in.
const (
	QueueGeneral    = "general"
	QueueRisk       = "risk"
	QueueRefunds    = "refunds"
	QueueDisputes   = "disputes"
	QueueSupervisor = "supervisor"
)

// Ticket is the read model of one ticket. Its workflow (ID "ticket/<id>") owns every state
// change; activities write this row, guarded by StateVersion so a replayed or late write never
// overwrites a newer one.
type Ticket struct {
	ID              uint64  `gorm:"primaryKey"`
	MerchantID      uint64  `gorm:"index:ix_tickets_queue,priority:1;index:ix_tickets_assignee,priority:1;index:ix_tickets_status,priority:1;uniqueIndex:ux_tickets_idem,priority:1"`
	Ref             string  `gorm:"size:32;uniqueIndex"`
	OrderID         *uint64 `gorm:"index"`
	Category        string  `gorm:"size:24"`
	Channel         string  `gorm:"size:16"`
	Subject         string  `gorm:"size:300"`
	Status          string  `gorm:"size:24;index:ix_tickets_queue,priority:3;index:ix_tickets_status,priority:2"`
	Priority        string  `gorm:"size:16"`
	Queue           string  `gorm:"size:32;index:ix_tickets_queue,priority:2"`
	AssigneeID      *uint64 `gorm:"index:ix_tickets_assignee,priority:2"`
	EscalationLevel int
	RiskScore       *int
	RiskDecision    string `gorm:"size:16"`
	// SLADueAt is the earliest running deadline: the queue's sort key.
	SLADueAt                *time.Time `gorm:"column:sla_due_at;index:ix_tickets_queue,priority:4;index:ix_tickets_assignee,priority:3;index:ix_tickets_status,priority:3"`
	SLAState                string     `gorm:"column:sla_state;size:16"`
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
	CustomerEmail           string `gorm:"size:254;index"`
	CustomerContact         string `gorm:"size:200"`
	CustomerIP              string `gorm:"size:64"`
	DeviceID                string `gorm:"size:128"`
	// CustomerUserAgent is the browser the buyer submitted from (a fraud signal).
	CustomerUserAgent string `gorm:"size:300"`
	AccessTokenHash   string `gorm:"size:64" json:"-"`
	Sentiment         string `gorm:"size:16"`
	Language          string `gorm:"size:8"`
	// ChosenCategory is the buyer's pick on the form ("" for "not sure"); Category is what
	// the ticket runs on (triage.Decide). InferredCategory and InferredConfidence (per
	// mille) are what the triage model read in the text, TriageModel its version, and
	// CategoryMismatch says the pick and the text disagree, for an agent to check.
	ChosenCategory     string `gorm:"size:24"`
	InferredCategory   string `gorm:"size:24"`
	InferredConfidence int
	TriageModel        string `gorm:"size:32"`
	CategoryMismatch   bool
	// SuggestedOrderID is another order of the same merchant that the buyer's text names
	// (read in the shop's order formats) when it is not the order the ticket was filed under.
	SuggestedOrderID *uint64
	// ClaimRecorded says the claim's context (models.ClaimContext) has been saved; set with it
	// (store.SaveClaimContext), so the claims still without one are found by an index.
	ClaimRecorded bool   `json:"-"`
	WorkflowID    string `gorm:"size:64"`
	// IdempotencyKey is the client's Idempotency-Key header, so a retried submission finds
	// the ticket it already created.
	IdempotencyKey *string `gorm:"size:128;uniqueIndex:ux_tickets_idem,priority:2"`
	CSATScore      *int    `gorm:"column:csat_score"`
	StateVersion   int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Message author kinds.
const (
	AuthorCustomer = "customer"
	AuthorAgent    = "agent"
	AuthorSystem   = "system"
	AuthorBot      = "bot"
)

// Message is one entry of a ticket's conversation. Internal notes are never shown to buyers.
type Message struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"index"`
	TicketID   uint64 `gorm:"index;uniqueIndex:ux_messages_req,priority:1"`
	AuthorKind string `gorm:"size:16"`
	AuthorID   *uint64
	AuthorName string `gorm:"size:200"`
	Body       string `gorm:"type:text"`
	Internal   bool
	// RequestID makes writing a message idempotent per ticket (a retried activity or request).
	RequestID string `gorm:"size:64;uniqueIndex:ux_messages_req,priority:2"`
	// Code names a message the system writes (MsgReplacementReady, …) so pages show it in
	// the reader's language with Params; Body is its English text. Empty for people's messages.
	Code      string `gorm:"size:64"`
	Params    JSON   `gorm:"type:text"`
	CreatedAt time.Time
}

// Attachment is a small file (a screenshot) attached to a ticket message.
type Attachment struct {
	ID          uint64 `gorm:"primaryKey"`
	MerchantID  uint64 `gorm:"index"`
	TicketID    uint64 `gorm:"index;index:ix_attachments_purge,priority:2"`
	MessageID   *uint64
	Filename    string `gorm:"size:200"`
	ContentType string `gorm:"size:100"`
	Size        int64
	Data        []byte `json:"-"`
	CreatedAt   time.Time
	// PurgedAt is when housekeeping emptied Data after the retention of closed tickets
	// (KEYDESK_ATTACHMENT_RETENTION); the row stays so the ticket still shows the file's name.
	PurgedAt *time.Time `gorm:"index:ix_attachments_purge,priority:1"`
}

// TicketEvent is one line of a ticket's append-only timeline. EventKey (unique per ticket)
// makes writing it idempotent: the workflow derives it from its own sequence.
type TicketEvent struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"index"`
	TicketID   uint64 `gorm:"uniqueIndex:ux_ticket_events_key,priority:1"`
	EventKey   string `gorm:"size:96;uniqueIndex:ux_ticket_events_key,priority:2"`
	Kind       string `gorm:"size:48"`
	ActorKind  string `gorm:"size:16"`
	ActorID    *uint64
	Data       JSON `gorm:"type:text"`
	CreatedAt  time.Time
}

// AuditEntry records one privileged action.
type AuditEntry struct {
	ID         uint64    `gorm:"primaryKey"`
	MerchantID *uint64   `gorm:"index:ix_audit_merchant_time,priority:1"`
	ActorID    *uint64   `gorm:"index"`
	ActorEmail string    `gorm:"size:254"`
	Action     string    `gorm:"size:64;index"`
	TargetType string    `gorm:"size:32"`
	TargetID   string    `gorm:"size:64"`
	IP         string    `gorm:"size:64"`
	UserAgent  string    `gorm:"size:300"`
	Data       JSON      `gorm:"type:text"`
	CreatedAt  time.Time `gorm:"index:ix_audit_merchant_time,priority:2"`
}

// TableName keeps the design's table name.
func (AuditEntry) TableName() string { return "audit_log" }

// SLAPolicy holds one merchant's targets for one priority, in seconds of business time.
type SLAPolicy struct {
	ID                uint64 `gorm:"primaryKey"`
	MerchantID        uint64 `gorm:"uniqueIndex:ux_sla_policies,priority:1"`
	Priority          string `gorm:"size:16;uniqueIndex:ux_sla_policies,priority:2"`
	FirstResponseSecs int64
	NextResponseSecs  int64
	ResolutionSecs    int64
	WarnFraction      float64
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TableName keeps the design's table name.
func (SLAPolicy) TableName() string { return "sla_policies" }

// BusinessCalendar is a merchant's opening hours: Week holds seven window specs (Sunday
// first, "09:00-12:00,13:00-18:00", empty = closed), Holidays local dates "2006-01-02".
type BusinessCalendar struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"uniqueIndex"`
	Timezone   string `gorm:"size:64"`
	Week       JSON   `gorm:"type:text"`
	Holidays   JSON   `gorm:"type:text"`
	// EscalationChain lists, per level, the queue a breached ticket moves to and the role notified.
	EscalationChain JSON `gorm:"type:text"`
	UpdatedAt       time.Time
}

// Notification kinds.
const (
	NotifySLAWarning = "sla_warning"
	NotifySLABreach  = "sla_breach"
	NotifyEscalation = "escalation"
	NotifyLowStock   = "low_stock"
	NotifyDispute    = "dispute_deadline"
)

// Notification is a record for the people an escalation chain names (and low-stock alerts);
// the dashboard reads it. DedupeKey makes raising one idempotent.
type Notification struct {
	ID              uint64  `gorm:"primaryKey"`
	MerchantID      uint64  `gorm:"index:ix_notifications_recent,priority:1;uniqueIndex:ux_notifications_dedupe,priority:1"`
	TicketID        *uint64 `gorm:"index"`
	ProductID       *uint64
	Kind            string `gorm:"size:24"`
	Level           int
	RecipientRole   string  `gorm:"size:32"`
	RecipientUserID *uint64 `gorm:"index"`
	Title           string  `gorm:"size:300"`
	Body            string  `gorm:"type:text"`
	DedupeKey       string  `gorm:"size:128;uniqueIndex:ux_notifications_dedupe,priority:2"`
	ReadAt          *time.Time
	ResolvedAt      *time.Time
	CreatedAt       time.Time `gorm:"index:ix_notifications_recent,priority:2"`
}

// Refund statuses.
const (
	RefundPendingApproval = "pending_approval"
	RefundApproved        = "approved"
	RefundRejected        = "rejected"
	RefundSubmitted       = "submitted"
	RefundSucceeded       = "succeeded"
	RefundFailed          = "failed"
)

// Refund is one refund of (part of) an order. OutRefundNo (ticket ref + sequence) is the
// idempotency key sent to the gateway, so a second call is a replay, never a second refund.
type Refund struct {
	ID              uint64 `gorm:"primaryKey"`
	MerchantID      uint64 `gorm:"index"`
	TicketID        uint64 `gorm:"index"`
	OrderID         uint64 `gorm:"index"`
	OutRefundNo     string `gorm:"size:64;uniqueIndex"`
	Amount          int64
	Fee             int64
	Currency        string `gorm:"size:3"`
	Reason          string `gorm:"size:500"`
	Status          string `gorm:"size:24"`
	Gateway         string `gorm:"size:32"`
	GatewayRefundID string `gorm:"size:128"`
	RequestedBy     *uint64
	ApprovedBy      *uint64
	ApprovedAt      *time.Time
	FailureReason   string `gorm:"size:500"`
	CompletedAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Dispute statuses.
const (
	DisputeOpen      = "open"
	DisputeReady     = "evidence_ready"
	DisputeSignedOff = "signed_off"
	DisputeSubmitted = "submitted"
	DisputeWon       = "won"
	DisputeLost      = "lost"
)

// Dispute is a chargeback case from the payment gateway.
type Dispute struct {
	ID            uint64 `gorm:"primaryKey"`
	MerchantID    uint64 `gorm:"uniqueIndex:ux_disputes_case,priority:1"`
	TicketID      uint64 `gorm:"index"`
	OrderID       uint64 `gorm:"index"`
	GatewayCaseID string `gorm:"size:128;uniqueIndex:ux_disputes_case,priority:2"`
	Reason        string `gorm:"size:500"`
	Amount        int64
	Currency      string `gorm:"size:3"`
	EvidenceDueBy time.Time
	Status        string `gorm:"size:24"`
	Report        JSON   `gorm:"type:text"`
	SignedOffBy   *uint64
	SignedOffAt   *time.Time
	SubmittedAt   *time.Time
	Outcome       string `gorm:"size:16"`
	OutcomeAt     *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FraudAssessment stores one fraud decision with its reasons and ruleset version.
// AssessmentKey (unique) makes storing it idempotent across activity retries.
type FraudAssessment struct {
	ID             uint64 `gorm:"primaryKey"`
	MerchantID     uint64 `gorm:"index"`
	TicketID       uint64 `gorm:"index"`
	OrderID        *uint64
	AssessmentKey  string `gorm:"size:96;uniqueIndex"`
	Score          int
	Decision       string     `gorm:"size:16"`
	Hits           PackedJSON // deflated like the snapshot: ≈1.6 kB of JSON per claim
	Signals        PackedJSON
	RulesetVersion string `gorm:"size:32"`
	DecidedBy      *uint64
	CreatedAt      time.Time
}

// KBArticle is a knowledge-base article suggested to buyers as they type.
type KBArticle struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"uniqueIndex:ux_kb_slug,priority:1"`
	Slug       string `gorm:"size:128;uniqueIndex:ux_kb_slug,priority:2"`
	Title      string `gorm:"size:300"`
	Body       string `gorm:"type:text"`
	Language   string `gorm:"size:8;uniqueIndex:ux_kb_slug,priority:3"`
	Tags       string `gorm:"size:300"`
	Published  bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TableName keeps the design's table name.
func (KBArticle) TableName() string { return "kb_articles" }

// Macro is a canned reply agents insert.
type Macro struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"index"`
	Name       string `gorm:"size:200"`
	Body       string `gorm:"type:text"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// CSAT is the buyer's satisfaction rating of a resolved ticket (one per ticket).
type CSAT struct {
	ID         uint64 `gorm:"primaryKey"`
	MerchantID uint64 `gorm:"index"`
	TicketID   uint64 `gorm:"uniqueIndex"`
	Score      int
	Comment    string `gorm:"size:1000"`
	CreatedAt  time.Time
}

// TableName keeps the design's table name.
func (CSAT) TableName() string { return "csat" }

// WebhookEndpoint is a URL of the shop's that receives signed ticket events.
type WebhookEndpoint struct {
	ID           uint64 `gorm:"primaryKey"`
	MerchantID   uint64 `gorm:"index"`
	URL          string `gorm:"column:url;size:500"`
	SecretCipher []byte `json:"-"`
	Events       string `gorm:"size:500"` // comma-separated event types; empty = all
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// WebhookDelivery is one event queued for one endpoint; (endpoint, event) is unique so an
// event is delivered once per endpoint whatever retries happen upstream.
type WebhookDelivery struct {
	ID            uint64 `gorm:"primaryKey"`
	MerchantID    uint64 `gorm:"index"`
	EndpointID    uint64 `gorm:"uniqueIndex:ux_webhook_deliveries,priority:1"`
	EventID       string `gorm:"size:96;uniqueIndex:ux_webhook_deliveries,priority:2"`
	EventType     string `gorm:"size:48"`
	Payload       JSON   `gorm:"type:text"`
	Status        string `gorm:"size:16;index:ix_webhook_due,priority:1"`
	Attempts      int
	LastError     string     `gorm:"size:500"`
	NextAttemptAt *time.Time `gorm:"index:ix_webhook_due,priority:2"`
	DeliveredAt   *time.Time
	CreatedAt     time.Time
}

// CasbinRule is one Casbin policy or grouping line, stored by our own adapter.
type CasbinRule struct {
	ID    uint64 `gorm:"primaryKey"`
	Ptype string `gorm:"size:8;uniqueIndex:ux_casbin_rule,priority:1"`
	V0    string `gorm:"size:128;uniqueIndex:ux_casbin_rule,priority:2"`
	V1    string `gorm:"size:128;uniqueIndex:ux_casbin_rule,priority:3"`
	V2    string `gorm:"size:128;uniqueIndex:ux_casbin_rule,priority:4"`
	V3    string `gorm:"size:64;uniqueIndex:ux_casbin_rule,priority:5"`
	V4    string `gorm:"size:64;uniqueIndex:ux_casbin_rule,priority:6"`
	V5    string `gorm:"size:64;uniqueIndex:ux_casbin_rule,priority:7"`
}

// TableName keeps Casbin's conventional table name.
func (CasbinRule) TableName() string { return "casbin_rule" }

// All lists every model, for the schema test and tooling.
func All() []any {
	return []any{
		&Merchant{}, &User{}, &Session{}, &Product{}, &KeyBatch{}, &Order{}, &CardKey{},
		&Delivery{}, &KeyEvent{}, &Ticket{}, &Message{}, &Attachment{}, &TicketEvent{},
		&AuditEntry{}, &SLAPolicy{}, &BusinessCalendar{}, &Notification{}, &Refund{},
		&Dispute{}, &FraudAssessment{}, &KBArticle{}, &Macro{}, &CSAT{}, &WebhookEndpoint{},
		&WebhookDelivery{}, &CasbinRule{}, &TicketSnapshot{}, &OutboundMessage{},
		&AutoReissue{}, &ClaimContext{}, &HistoryEvent{},
		&RevokedToken{}, &TicketAccessToken{}, &HealthBeat{},
		&Installation{}, &KBEvent{}, &ManualCheck{},
	}
}
