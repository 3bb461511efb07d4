// Package tickets is the ticket manager the API uses: it validates and creates tickets
// (row + first message + workflow, idempotently), sends agent and buyer actions to the
// ticket's workflow as Temporal Updates, reads the live state, checks buyers' private links
// and re-sends them. It never changes a ticket's state itself: the workflow does.
package tickets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/triage"
	"github.com/keydesk/keydesk/workflows"
)

// Opts configure a Service.
type Opts struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	Box       *secretbox.Box
	// PublicURL is the base of buyer links (status page).
	PublicURL string
	Log       *slog.Logger
	// Now is the clock (tests pin it); nil means time.Now.
	Now func() time.Time
	// InstallID makes new tickets' workflow ids unique to this install ("ticket/<install>/<id>");
	// empty keeps the id-only form.
	InstallID string
	// UpdateWait bounds how long an action waits for the workflow's answer before it is
	// reported as pending (default DefaultUpdateWait).
	UpdateWait time.Duration
	// Classify reads a new ticket's text (nil: triage.Classify, the built-in model). The
	// API process sets it to an OpenAI-compatible provider when one is configured (triage/llm),
	// which falls back to the built-in model on any failure.
	Classify func(ctx context.Context, chosen triage.Category, subject, body string) triage.Result
}

// ticketWorkflowID is the workflow id of a new ticket of this install.
func (s *Service) ticketWorkflowID(id uint64) string {
	return workflows.TicketWorkflowIDFor(s.o.InstallID, id)
}

// Service is the ticket manager.
type Service struct {
	o Opts
	// formats caches each merchant's learned order formats (see order_suggest.go).
	formats formatsCache
}

// New returns a Service.
func New(o Opts) *Service {
	if o.TaskQueue == "" {
		o.TaskQueue = workflows.DefaultTaskQueue
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{o: o}
}

// ValidationError lists bad input fields (field → message).
type ValidationError struct{ Fields map[string]string }

// Error implements error.
func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for f, m := range e.Fields {
		parts = append(parts, f+": "+m)
	}
	return "invalid ticket: " + strings.Join(parts, "; ")
}

// ErrRejected is matched (errors.Is) by the error Act returns when the workflow's validator
// rejected the action; that error's message is the validator's reason.
var ErrRejected = errors.New("rejected")

type rejectedError struct{ reason string }

// Error is the validator's reason.
func (e rejectedError) Error() string { return e.reason }

// Is makes errors.Is(err, ErrRejected) true.
func (e rejectedError) Is(target error) bool { return target == ErrRejected }

// Rejected returns an error matching ErrRejected whose message is reason.
func Rejected(reason string) error { return rejectedError{reason: reason} }

// Field limits of a submission.
const (
	maxOrderNo     = 64
	maxEmail       = 254
	maxContact     = 200
	maxSubject     = 300
	maxDescription = workflows.MaxBodyLen
	maxIdemKey     = 128
)

// CreateInput is a buyer's submission.
type CreateInput struct {
	MerchantID     uint64
	OrderNo        string
	Email          string
	Contact        string
	Category       string
	Subject        string
	Description    string
	Channel        string
	Language       string
	IdempotencyKey string
	IP             string
	UserAgent      string
	DeviceID       string
	// Gateway marks a chargeback the payment gateway opened (the signed dispute intake, never
	// a buyer): its category is dispute as given, not triaged. Buyers cannot choose dispute.
	Gateway bool
	// NoticeCode and NoticeParams give a gateway's notice (the first message) a message code
	// (models.Msg*) so pages show it in the reader's language; Description stays its English text.
	NoticeCode   string
	NoticeParams map[string]string
	// ManualCheck asks, when order number and e-mail / contact prove no order, to keep the
	// submission for an agent to verify by hand instead of refusing it (manual_checks.go).
	ManualCheck bool
}

// Created is the answer to a submission. AccessToken is shown once: only its hash is kept.
type Created struct {
	Ticket      models.Ticket
	AccessToken string
	StatusURL   string
	Replayed    bool
	// ManualCheck says no ticket was made: the submission waits for an agent's check.
	ManualCheck bool
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// validate checks a submission's fields and returns the parsed category.
func validate(in *CreateInput) (triage.Category, error) {
	f := map[string]string{}
	in.OrderNo, in.Email, in.Contact = strings.TrimSpace(in.OrderNo), strings.TrimSpace(in.Email), strings.TrimSpace(in.Contact)
	in.Subject, in.Description = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Description)
	// The category is optional ("" or "not sure" → inferred from the text, see triage.Decide);
	// "dispute" is refused: chargeback disputes come from the payment gateway.
	cat, err := triage.ParseChoice(in.Category)
	switch {
	case in.Gateway && in.Category == string(triage.Dispute):
		cat = triage.Dispute
	case in.Gateway:
		f["category"] = "the gateway intake opens dispute tickets only"
	case err != nil:
		f["category"] = err.Error()
	}
	checkLen := func(field, v string, max int, required bool) {
		switch n := utf8.RuneCountInString(v); {
		case required && n == 0:
			f[field] = "is required"
		case n > max:
			f[field] = fmt.Sprintf("must be at most %d characters", max)
		}
	}
	checkLen("order_no", in.OrderNo, maxOrderNo, true)
	checkLen("email", in.Email, maxEmail, true)
	checkLen("contact", in.Contact, maxContact, false)
	checkLen("subject", in.Subject, maxSubject, true)
	checkLen("description", in.Description, maxDescription, true)
	checkLen("idempotency_key", in.IdempotencyKey, maxIdemKey, false)
	if _, ok := f["email"]; !ok {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			f["email"] = "is not a valid e-mail address"
		}
	}
	if in.MerchantID == 0 {
		f["merchant"] = "is required"
	}
	if len(f) > 0 {
		return "", &ValidationError{Fields: f}
	}
	return cat, nil
}

// contactMatches reports whether a submission's email / contact is the order's buyer.
func contactMatches(o models.Order, email, contact string) bool {
	if email != "" && strings.EqualFold(strings.TrimSpace(o.BuyerEmail), email) {
		return true
	}
	return contact != "" && o.BuyerContact != "" && strings.EqualFold(strings.TrimSpace(o.BuyerContact), contact)
}

// Create validates a submission, triages it, stores the ticket and its first message in one
// transaction and starts its workflow. A retry with the same IdempotencyKey, the same order
// and the same buyer returns the same ticket (Replayed, without a token) and never starts a
// second workflow; the same key with another order or buyer is ErrIdempotencyKeyReused.
func (s *Service) Create(ctx context.Context, in CreateInput) (Created, error) {
	cat, err := validate(&in)
	if err != nil {
		return Created{}, err
	}
	order, err := s.o.Store.OrderForClaim(ctx, in.MerchantID, in.OrderNo)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Created{}, fmt.Errorf("create ticket: %w", err)
	}
	if (err != nil || !contactMatches(order, in.Email, in.Contact)) && in.ManualCheck && !in.Gateway {
		// The same answer for both cases too.
		return s.keepForManualCheck(ctx, in)
	}
	if err != nil || !contactMatches(order, in.Email, in.Contact) {
		// One message for both cases, so the form cannot be used to probe order numbers.
		return Created{}, &ValidationError{Fields: map[string]string{"order_no": "no order with this number was bought with this e-mail or contact"}}
	}
	// The key is looked up only once the caller proved the order: a key alone never
	// reaches a ticket.
	if in.IdempotencyKey != "" {
		if c, ok, err := s.replay(ctx, in, order); ok || err != nil {
			return c, err
		}
	}
	t, token, err := s.insert(ctx, in, cat, order)
	if errors.Is(err, store.ErrDuplicate) && in.IdempotencyKey != "" {
		// A concurrent retry with the same key won the insert.
		if c, ok, rerr := s.replay(ctx, in, order); ok || rerr != nil {
			return c, rerr
		}
	}
	if err != nil {
		return Created{}, err
	}
	if err := s.startWorkflow(ctx, t); err != nil {
		// The ticket and its first message are stored: the buyer gets the ticket and its link
		// now (a retry could only be a token-less replay), and the reconciler workflow, or the
		// ticket's next action, starts the workflow once Temporal answers.
		s.o.Log.Warn("ticket stored; its workflow starts when Temporal answers", "ticket", t.ID, "err", err)
	}
	return Created{Ticket: t, AccessToken: token, StatusURL: s.statusURL(t.Ref, token)}, nil
}

// ErrIdempotencyKeyReused is returned when an Idempotency-Key already names a ticket of
// another order or buyer: the key is not replayed (and nothing is revealed about that ticket).
var ErrIdempotencyKeyReused = errors.New("this Idempotency-Key was already used for a different request; send a new key")

// replay answers a retried submission with the ticket the key created, only when the retry
// is the same request: same merchant (the lookup is per merchant), same order and same buyer
// e-mail / contact. It never issues or rotates a token (only its hash is stored, so the first
// token cannot be shown again, and rotating would let a key replay take the ticket over or
// lock the buyer out): the answer carries ref and status only, and a buyer who lost the link
// asks for it again with resend-link. It starts the workflow if the first attempt crashed
// before starting it.
func (s *Service) replay(ctx context.Context, in CreateInput, order models.Order) (Created, bool, error) {
	t, err := s.o.Store.TicketByIdempotencyKey(ctx, in.MerchantID, in.IdempotencyKey)
	if errors.Is(err, store.ErrNotFound) {
		return Created{}, false, nil
	}
	if err != nil {
		return Created{}, false, fmt.Errorf("replay ticket: %w", err)
	}
	if !sameRequest(t, in, order) {
		return Created{}, false, ErrIdempotencyKeyReused
	}
	if t.Status != models.StatusClosed {
		if err := s.startWorkflow(ctx, t); err != nil {
			return Created{}, false, err
		}
	}
	return Created{Ticket: t, Replayed: true}, true, nil
}

// sameRequest reports whether the ticket t was created by a submission for the same order
// and the same buyer as in.
func sameRequest(t models.Ticket, in CreateInput, order models.Order) bool {
	if t.MerchantID != in.MerchantID || t.OrderID == nil || *t.OrderID != order.ID {
		return false
	}
	return strings.EqualFold(strings.TrimSpace(t.CustomerEmail), in.Email) &&
		strings.EqualFold(strings.TrimSpace(t.CustomerContact), in.Contact)
}

// GatewayAuthorName names the author of the notice a payment gateway opens a chargeback
// ticket with (a system message).
const GatewayAuthorName = "payment gateway"

// classify reads a ticket's text with the configured classifier, or the built-in model.
func (s *Service) classify(ctx context.Context, chosen triage.Category, subject, body string) triage.Result {
	if s.o.Classify != nil {
		return s.o.Classify(ctx, chosen, subject, body)
	}
	return triage.Classify(chosen, subject, body)
}

// insert stores the ticket and the first message, retrying on a (rare) reference clash.
func (s *Service) insert(ctx context.Context, in CreateInput, cat triage.Category, order models.Order) (models.Ticket, string, error) {
	res := s.classify(ctx, cat, in.Subject, in.Description)
	var suggested *uint64
	if in.Gateway { // a chargeback: the gateway says what it is
		res.Category, res.Chosen, res.Mismatch = triage.Dispute, triage.Dispute, false
	} else {
		// Another order of the merchant that the buyer's text names (issue 13).
		suggested = s.suggestOrder(ctx, in.MerchantID, in.Subject, in.Description, order.ID)
	}
	token, hash, err := newToken()
	if err != nil {
		return models.Ticket{}, "", err
	}
	for attempt := 0; ; attempt++ {
		ref, err := newRef()
		if err != nil {
			return models.Ticket{}, "", err
		}
		t := s.ticketRow(in, res, order, ref, hash)
		t.SuggestedOrderID = suggested
		// Buyers paste the key they got into the form: the stored text is masked.
		first := &models.Message{AuthorKind: models.AuthorCustomer, AuthorName: in.Email,
			Body: triage.Mask(in.Description), RequestID: "submission", CreatedAt: t.CreatedAt}
		if in.Gateway { // the chargeback notice is the gateway's, not the buyer's words
			first.AuthorKind, first.AuthorName = models.AuthorSystem, GatewayAuthorName
			if in.NoticeCode != "" {
				first.Code, first.Params = in.NoticeCode, models.MustJSON(in.NoticeParams)
			}
		}
		err = s.o.Store.InTx(ctx, func(ctx context.Context) error {
			if err := s.o.Store.CreateTicket(ctx, &t, first); err != nil {
				return err
			}
			t.WorkflowID = s.ticketWorkflowID(t.ID)
			return s.o.Store.SetTicketWorkflowID(ctx, t.MerchantID, t.ID, t.WorkflowID)
		})
		if err == nil {
			return t, token, nil
		}
		if !errors.Is(err, store.ErrDuplicate) || in.IdempotencyKey != "" || attempt >= 3 {
			return models.Ticket{}, "", fmt.Errorf("create ticket: %w", err)
		}
	}
}

func (s *Service) ticketRow(in CreateInput, res triage.Result, order models.Order, ref, hash string) models.Ticket {
	now := s.now().Truncate(time.Microsecond)
	oid := order.ID
	t := models.Ticket{
		MerchantID: in.MerchantID, Ref: ref, OrderID: &oid, Category: string(res.Category),
		Channel: clip(defaultStr(in.Channel, "web"), 16), Subject: triage.Mask(in.Subject),
		Status: models.StatusNew, Priority: string(res.Urgency), CustomerEmail: in.Email,
		CustomerContact: in.Contact, CustomerIP: clip(in.IP, 64), DeviceID: clip(in.DeviceID, 128), CustomerUserAgent: clip(in.UserAgent, 300),
		AccessTokenHash: hash, Sentiment: res.Sentiment, Language: clip(in.Language, 8),
		CreatedAt: now, UpdatedAt: now,
		// What the buyer picked and what the text says are both kept; Category is
		// triage.Decide's choice between them (never "dispute") and Priority comes from
		// the urgency the text shows.
		ChosenCategory: string(res.Chosen), InferredCategory: string(res.Inferred),
		InferredConfidence: int(math.Round(res.Confidence * 1000)), TriageModel: clip(res.ModelVersion, 32),
		CategoryMismatch: res.Mismatch,
	}
	t.Queue = queueOf(t.Category)
	if in.IdempotencyKey != "" {
		k := in.IdempotencyKey
		t.IdempotencyKey = &k
	}
	return t
}

func queueOf(category string) string {
	switch category {
	case string(triage.Refund):
		return models.QueueRefunds
	case string(triage.Dispute):
		return models.QueueDisputes
	}
	return models.QueueGeneral
}

// startInput is the workflow input for a ticket row (Resume when a snapshot exists).
func (s *Service) startInput(ctx context.Context, t models.Ticket) (workflows.TicketInput, error) {
	in := workflows.TicketInput{TicketID: t.ID, MerchantID: t.MerchantID, Ref: t.Ref, Category: t.Category,
		Priority: t.Priority, CreatedAt: t.CreatedAt}
	if t.OrderID != nil {
		in.OrderID = *t.OrderID
	}
	st, err := s.snapshot(ctx, t)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return in, nil
	case err != nil:
		return in, err
	}
	in.Resume = &st
	return in, nil
}

// snapshot decodes the state the ticket's workflow last saved (store.ErrNotFound if none).
func (s *Service) snapshot(ctx context.Context, t models.Ticket) (workflows.State, error) {
	var st workflows.State
	snap, err := s.o.Store.TicketSnapshot(ctx, t.MerchantID, t.ID)
	if err != nil {
		return st, err
	}
	if err := snap.State.Decode(&st); err != nil {
		return st, fmt.Errorf("decode snapshot of ticket %d: %w", t.ID, err)
	}
	return st, nil
}

func (s *Service) startOptions(t models.Ticket) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID: workflowIDOf(t), TaskQueue: s.o.TaskQueue,
		// The memo names the ticket, so a start that finds a running workflow can check it
		// belongs to this ticket (see startWorkflow).
		Memo: map[string]any{memoTicketRef: t.Ref},
		// A running workflow is reused (a retry never starts a second one); a finished run
		// may be followed by a new one (reopening, or healing a run that failed).
		WorkflowIDConflictPolicy: conflictUseExisting,
		WorkflowIDReusePolicy:    reuseAllowDuplicate,
	}
}

// startWorkflow starts (or finds running) the ticket's workflow.
func (s *Service) startWorkflow(ctx context.Context, t models.Ticket) error {
	if s.o.Temporal == nil {
		return fmt.Errorf("start workflow of ticket %d: no Temporal client", t.ID)
	}
	in, err := s.startInput(ctx, t)
	if err != nil {
		return err
	}
	run, err := s.o.Temporal.ExecuteWorkflow(ctx, s.startOptions(t), workflows.TicketWorkflowName, in)
	if err != nil {
		return fmt.Errorf("start workflow of ticket %d: %w", t.ID, err)
	}
	if s.o.InstallID != "" && workflowIDOf(t) == s.ticketWorkflowID(t.ID) {
		// An id carrying this install's id (bound to this database at start) can only be
		// this ticket's: no Describe on the submission path.
		return nil
	}
	return s.checkOwner(ctx, t, run.GetRunID())
}

// memoTicketRef is the memo field naming a ticket workflow's ticket.
const memoTicketRef = "ticket_ref"

// ErrWorkflowOfOtherTicket means the ticket's workflow id is held by another ticket's
// workflow (ids reused across installs sharing a namespace).
var ErrWorkflowOfOtherTicket = errors.New("workflow id belongs to another ticket")

// checkOwner verifies that the run a start returned (possibly an existing one) carries this
// ticket's ref in its memo. Runs started before the memo existed carry none and pass.
func (s *Service) checkOwner(ctx context.Context, t models.Ticket, runID string) error {
	d, err := s.o.Temporal.DescribeWorkflowExecution(ctx, workflowIDOf(t), runID)
	if err != nil {
		return fmt.Errorf("check workflow of ticket %d: %w", t.ID, err)
	}
	return s.ownerMatches(t, d.GetWorkflowExecutionInfo().GetMemo())
}

// ownerMatches checks a run's memo against the ticket (no memo: a run from before memos).
func (s *Service) ownerMatches(t models.Ticket, memo *commonpb.Memo) error {
	f, ok := memo.GetFields()[memoTicketRef]
	if !ok {
		return nil
	}
	var ref string
	if err := s.dataConverter().FromPayload(f, &ref); err != nil {
		return fmt.Errorf("check workflow of ticket %d: memo: %w", t.ID, err)
	}
	if ref != t.Ref {
		return fmt.Errorf("%w: %s runs ticket %s, not %s", ErrWorkflowOfOtherTicket, workflowIDOf(t), ref, t.Ref)
	}
	return nil
}

// statusURL is the buyer's private link. The token rides in the fragment, which browsers never
// send to a server, so it stays out of access logs and Referer headers.
func (s *Service) statusURL(ref, token string) string {
	return strings.TrimRight(s.o.PublicURL, "/") + "/t/" + url.PathEscape(ref) + "#token=" + url.QueryEscape(token)
}

// crockford is Crockford's base32 alphabet (no I, L, O, U).
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newRef returns a public reference "KD-" + 8 random Crockford base32 characters.
func newRef() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("ticket ref: %w", err)
	}
	out := make([]byte, 8)
	for i, x := range b {
		out[i] = crockford[x&31]
	}
	return "KD-" + string(out), nil
}

// newToken returns a random access token and the SHA-256 hash that is stored.
func newToken() (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("access token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// VerifyAccess returns the ticket a buyer's link grants: the ticket's own token, or a live
// additional link made by ResendLink. Any mismatch (unknown ref, wrong token) is
// store.ErrNotFound, and the comparison takes the same time either way.
func (s *Service) VerifyAccess(ctx context.Context, ref, token string) (models.Ticket, error) {
	t, err := s.o.Store.TicketByRef(ctx, strings.TrimSpace(ref))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return models.Ticket{}, err
	}
	want := t.AccessTokenHash
	if want == "" {
		want = strings.Repeat("0", 64)
	}
	hash := hashToken(token)
	ok := subtle.ConstantTimeCompare([]byte(hash), []byte(want)) == 1
	if err == nil && !ok && token != "" {
		extra, xerr := s.o.Store.TicketAccessTokenValid(ctx, t.ID, hash, s.now())
		if xerr != nil {
			return models.Ticket{}, xerr
		}
		ok = extra
	}
	if err != nil || !ok || token == "" {
		return models.Ticket{}, fmt.Errorf("ticket access: %w", store.ErrNotFound)
	}
	return t, nil
}

// Limits of resend-link.
const (
	// ResendLinkTTL is how long an additional link made by ResendLink works.
	ResendLinkTTL = 30 * 24 * time.Hour
	// resendPerHour caps the additional links of one ticket per hour, whichever IP asks
	// (the per-order limit; the per-IP one is the API's).
	resendPerHour = 3
)

// ResendLink sends a private link for the newest ticket of an order to the buyer, when
// order number and contact match. It answers the same whether or not they matched, so it
// says nothing about which orders exist. It never invalidates the link the buyer already
// has: it adds a link (valid ResendLinkTTL) and queues it on a channel that exists (the
// merchant's webhook endpoints subscribed to message.outbound). With no such channel,
// nothing is made or changed: a link nobody can receive would help no one.
func (s *Service) ResendLink(ctx context.Context, merchantID uint64, orderNo, contact string) error {
	orderNo, contact = strings.TrimSpace(orderNo), strings.TrimSpace(contact)
	if orderNo == "" || contact == "" {
		return nil
	}
	order, err := s.o.Store.OrderForClaim(ctx, merchantID, orderNo)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !contactMatches(order, contact, contact)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("resend link: %w", err)
	}
	ts, err := s.o.Store.TicketsByOrder(ctx, merchantID, order.ID)
	if err != nil || len(ts) == 0 {
		return err
	}
	t := ts[0]
	eps, err := s.o.Store.ActiveWebhookEndpoints(ctx, merchantID, store.EventMessageOutbound)
	if err != nil {
		return fmt.Errorf("resend link: %w", err)
	}
	if len(eps) == 0 {
		s.o.Log.InfoContext(ctx, "resend link: the merchant has no channel to deliver it; nothing changed", "merchant_id", merchantID)
		return nil
	}
	now := s.now()
	if n, err := s.o.Store.TicketAccessTokensSince(ctx, t.ID, now.Add(-time.Hour)); err != nil {
		return fmt.Errorf("resend link: %w", err)
	} else if n >= resendPerHour {
		s.o.Log.InfoContext(ctx, "resend link: per-order limit reached", "merchant_id", merchantID, "ticket_id", t.ID)
		return nil
	}
	token, hash, err := newToken()
	if err != nil {
		return err
	}
	var msgID uint64
	err = s.o.Store.InTx(ctx, func(ctx context.Context) error {
		link := models.TicketAccessToken{MerchantID: merchantID, TicketID: t.ID, TokenHash: hash,
			ExpiresAt: now.Add(ResendLinkTTL), CreatedAt: now}
		if err := s.o.Store.AddTicketAccessToken(ctx, &link); err != nil {
			return err
		}
		tid := t.ID
		id, err := s.queueToBuyer(ctx, merchantID, &tid, t.CustomerEmail, "Your support request "+t.Ref,
			"Follow this private link to see your request and our replies:\n"+s.statusURL(t.Ref, token)+"\n")
		msgID = id
		return err
	})
	if err != nil {
		return err
	}
	if msgID != 0 {
		s.startOutbound(ctx, msgID)
	}
	return nil
}

// startOutbound starts the delivery workflow of a queued message. A failure is logged, not
// returned: the message is stored and the buyer's request succeeded.
func (s *Service) startOutbound(ctx context.Context, id uint64) {
	if s.o.Temporal == nil {
		s.o.Log.Warn("outbound message queued without a Temporal client; not delivered", "message_id", id)
		return
	}
	opts := client.StartWorkflowOptions{ID: workflows.OutboundWorkflowID(id), TaskQueue: s.o.TaskQueue}
	if _, err := s.o.Temporal.ExecuteWorkflow(ctx, opts, workflows.OutboundWorkflowName, id); err != nil {
		s.o.Log.Error("start outbound delivery workflow", "message_id", id, "err", err)
	}
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func defaultStr(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}
