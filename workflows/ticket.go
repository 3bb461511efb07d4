// Package workflows holds keydesk's Temporal workflows. TicketWorkflow is one durable
// workflow per ticket: it owns the ticket's status, priority, queue, assignee, escalation
// level and SLA clocks, accepts agent and buyer actions as validated Updates, arms the SLA
// warnings and breaches as workflow timers, and writes every change to the database through
// idempotent local activities before it answers.
package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
)

// DefaultHistoryLimit is the history length at which a ticket run continues as new.
const DefaultHistoryLimit = 2000

// DefaultHistoryBytes is the history size at which a ticket run continues as new (issue 17):
// replaying a run evicted from the worker cache costs its whole history, and a typical
// ticket's run is a few tens of KiB.
const DefaultHistoryBytes = 1 << 20

// maxRequestIDs bounds the remembered update request ids (idempotency window).
const maxRequestIDs = 64

// reopenGrace is how long a run started for a closed ticket (to reopen it) waits for the
// reopening update before it ends again.
const reopenGrace = time.Minute

// acts is the nil receiver used to name activities: the worker registers the real value and
// the SDK resolves method values by name.
var acts *activities.Activities

// run is one execution's working set.
type run struct {
	in     TicketInput
	s      State
	policy activities.TicketPolicy
	mu     workflow.Mutex
	ready  bool
	gen    int // bumped on every committed change: the main loop re-plans its timer
	busy   int // background paths (key claim) still running
	// committed is the state as last written to the database: queries and validators read
	// it, so nobody sees a change whose commit has not succeeded.
	committed State
	// reports receives the refund children's outcomes (SignalRefundReport).
	reports workflow.ReceiveChannel
	// upgradeAsked is set by SignalContinueAsNew.
	upgradeAsked bool
}

// SignalContinueAsNew asks a ticket's run to continue as new at its next quiet moment, so a
// long-lived ticket moves onto the current code (README, "Changing a workflow").
const SignalContinueAsNew = "continue_as_new"

// TicketWorkflow runs one ticket from creation (or Resume) until it is closed.
func TicketWorkflow(ctx workflow.Context, in TicketInput) (State, error) {
	r := &run{in: in, s: initialState(in), mu: workflow.NewMutex(ctx)}
	r.committed = cloneState(r.s)
	if err := r.registerHandlers(ctx); err != nil {
		return r.s, err
	}
	r.listenRefundReports(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		workflow.GetSignalChannel(ctx, SignalContinueAsNew).Receive(ctx, nil)
		r.upgradeAsked = true
		r.gen++ // wake the main loop
	})
	if err := r.start(ctx); err != nil {
		return r.s, err
	}
	return r.loop(ctx)
}

// initialState is the state before the policy is loaded: the resumed state, or a new one.
func initialState(in TicketInput) State {
	if in.Resume != nil {
		s := *in.Resume
		s.SLA = nil
		return s
	}
	prio := in.Priority
	if !validPriority(prio) {
		prio = models.PriorityNormal
	}
	s := State{
		TicketID: in.TicketID, MerchantID: in.MerchantID, Ref: in.Ref, Category: in.Category,
		OrderID: in.OrderID, Status: models.StatusNew, Priority: prio, CreatedAt: in.CreatedAt,
	}
	s.Queue = baseQueue(s)
	return s
}

// start loads the policy, starts the clocks of a new ticket and records its opening.
func (r *run) start(ctx workflow.Context) error {
	if err := r.loadPolicy(ctx); err != nil {
		return err
	}
	if err := r.mu.Lock(ctx); err != nil {
		return err
	}
	defer r.mu.Unlock()
	now := workflow.Now(ctx)
	if r.in.Resume == nil {
		at := r.in.CreatedAt
		if at.IsZero() || at.After(now) {
			at = now
		}
		r.s.CreatedAt = at
		r.s.Clocks = newClocks(r.policy.TargetsFor(r.s.Priority), at)
		r.s.Status = models.StatusOpen
		ch := &change{}
		r.event(ch, now, "opened", Actor{Kind: ActorSystem}, map[string]any{
			"priority": r.s.Priority, "queue": r.s.Queue, "category": r.s.Category,
		})
		if err := r.commit(ctx, ch); err != nil {
			return err
		}
	}
	r.ready = true
	r.startPath(ctx)
	return nil
}

// loadPolicy fetches the merchant's SLA policy, calendar, chain and auto-close delay.
func (r *run) loadPolicy(ctx workflow.Context) error {
	var p activities.TicketPolicy
	err := workflow.ExecuteLocalActivity(localCtx(ctx), acts.LoadTicketPolicy,
		activities.PolicyInput{MerchantID: r.s.MerchantID}).Get(ctx, &p)
	if err != nil {
		return fmt.Errorf("load policy of ticket %d: %w", r.s.TicketID, err)
	}
	r.policy = p
	return nil
}

// noDeadline is the retry window of idempotent infrastructure calls: none a ticket would
// notice. A database or Temporal outage is a state to wait out, never a reason to fail a
// ticket or to record a business outcome ("ineligible", "check failed"); only an activity's
// non-retryable (business) error ends the retries. The activities log every tenth attempt.
const noDeadline = 10 * 365 * 24 * time.Hour

// noAttemptLimit is the attempt limit of those retries: none. (0 means the same to the
// server, but the SDK's test environment turns 0 into 10 attempts.)
const noAttemptLimit = math.MaxInt32

// localCtx sets the options of the quick database writes: a local activity retried with
// backoff (at most a minute apart; past the workflow task timeout the SDK waits on a timer)
// until the database answers, each attempt bounded.
func localCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: noDeadline,
		StartToCloseTimeout:    15 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: noAttemptLimit,
		},
	})
}

// activityCtx sets the options of the slower idempotent activities (fraud assessment,
// reissue, refund preparation, dispute case): retried until they answer.
func activityCtx(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: noAttemptLimit,
		},
	})
}

// loop waits for the next SLA or auto-close instant (a timer re-armed only when that
// instant moves) or for a change made by an update, until the ticket is closed.
func (r *run) loop(ctx workflow.Context) (State, error) {
	var timer workflow.Future
	var cancel workflow.CancelFunc
	var armed time.Time
	var notBefore time.Time
	disarm := func() {
		if cancel != nil {
			cancel()
		}
		timer, cancel, armed = nil, nil, time.Time{}
	}
	for {
		if r.s.Status == models.StatusClosed && !r.awaitReopen(ctx) {
			disarm()
			// Let the handler that closed the ticket (and any queued behind it) answer.
			if err := workflow.Await(ctx, func() bool { return r.quiet(ctx) }); err != nil {
				return r.out(ctx), err
			}
			// A buyer reply queued behind the close may have reopened the ticket, and a
			// refund's outcome may be waiting: the run ends only if it is still closed.
			if r.s.Status == models.StatusClosed && r.reports.Len() == 0 {
				return r.out(ctx), nil
			}
			if workflow.GetVersion(ctx, versionCloseRecheck, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
				return r.out(ctx), nil
			}
			continue
		}
		if r.shouldContinueAsNew(ctx) && (r.quiet(ctx) ||
			workflow.GetVersion(ctx, versionContinueWhenQuiet, workflow.DefaultVersion, 1) == workflow.DefaultVersion) {
			disarm()
			st, done, err := r.continueAsNew(ctx)
			if done {
				return st, err
			}
			continue
		}
		now := workflow.Now(ctx)
		at, what, ok := nextWake(r.s, r.policy)
		if ok && at.Before(notBefore) {
			at = notBefore
		}
		if ok && !at.After(now) {
			disarm()
			changed, err := r.onWake(ctx)
			switch {
			case err != nil:
				// Only a non-retryable error gets here (the write retries until the database
				// answers); the change was rolled back, so try again a minute later.
				workflow.GetLogger(ctx).Error("ticket wake-up not recorded", "ticket", r.s.TicketID, "err", err)
				notBefore = now.Add(time.Minute)
			case !changed:
				notBefore = now.Add(time.Second) // never spin on a due instant that changes nothing
			}
			continue
		}
		if !ok || !at.Equal(armed) {
			disarm()
			if ok {
				var tctx workflow.Context
				tctx, cancel = workflow.WithCancel(ctx)
				timer = workflow.NewTimerWithOptions(tctx, at.Sub(now), workflow.TimerOptions{Summary: what})
				armed = at
			}
		}
		gen := r.gen
		wantCAN := r.shouldContinueAsNew(ctx)
		if err := workflow.Await(ctx, func() bool {
			return r.gen != gen || (timer != nil && timer.IsReady()) || (wantCAN && r.quiet(ctx))
		}); err != nil {
			return r.out(ctx), err
		}
		if timer != nil && timer.IsReady() {
			err := timer.Get(ctx, nil)
			timer, cancel, armed = nil, nil, time.Time{}
			if err != nil && !temporal.IsCanceledError(err) {
				return r.out(ctx), err
			}
		}
	}
}

// awaitReopen keeps a run started for a closed ticket alive briefly so the reopening
// update (sent with the start) can land. It reports whether the ticket is open again.
func (r *run) awaitReopen(ctx workflow.Context) bool {
	if r.in.Resume == nil || r.in.Resume.Status != models.StatusClosed || r.s.Version != r.in.Resume.Version {
		return false
	}
	ok, err := workflow.AwaitWithTimeout(ctx, reopenGrace, func() bool { return r.s.Status != models.StatusClosed })
	return err == nil && ok
}

// onWake records the SLA thresholds reached by now (warnings, breaches with their
// escalation) and auto-closes a resolved ticket whose delay is over.
func (r *run) onWake(ctx workflow.Context) (bool, error) {
	if err := r.mu.Lock(ctx); err != nil {
		return false, err
	}
	defer r.mu.Unlock()
	now := workflow.Now(ctx)
	ch := &change{}
	prev := cloneState(r.s)
	r.applyTick(ch, now)
	if r.s.Status == models.StatusResolved && !now.Before(autoCloseAt(r.s, r.policy)) {
		r.s.Status, r.s.ClosedAt = models.StatusClosed, now
		r.event(ch, now, "auto_closed", Actor{Kind: ActorSystem}, map[string]any{"after_days": r.policy.AutoCloseDays})
	}
	if ch.empty() {
		return false, nil
	}
	if err := r.commit(ctx, ch); err != nil {
		r.s = prev
		return false, err
	}
	return true, nil
}

// applyTick records the crossings of every clock; a breach escalates one level.
func (r *run) applyTick(ch *change, now time.Time) {
	t := r.policy.TargetsFor(r.s.Priority)
	clocks, crossings := tickClocks(r.s.Clocks, r.policy.Calendar, now, t.Warn())
	r.s.Clocks = clocks
	for _, c := range crossings {
		if c.Kind == sla.KindWarn {
			r.warn(ch, now, c)
			continue
		}
		if c.Metric == sla.NextResponse {
			r.s.NextResponseBreachedAt = c.At
		}
		r.breach(ch, now, c)
	}
}

// shouldContinueAsNew reports whether the history is long enough to start a fresh run.
func (r *run) shouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	limit := r.in.HistoryLimit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	return r.upgradeAsked || info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= limit || r.overSize(ctx)
}

// overSize reports whether the history holds HistoryBytesLimit bytes. The version is asked
// only once the size is reached, so runs that never get there carry no marker, and a history
// that crossed the size under an older build replays without continuing.
func (r *run) overSize(ctx workflow.Context) bool {
	limit := r.in.HistoryBytesLimit
	if limit <= 0 {
		limit = DefaultHistoryBytes
	}
	return workflow.GetInfo(ctx).GetCurrentHistorySize() >= limit &&
		workflow.GetVersion(ctx, versionContinueBySize, workflow.DefaultVersion, 1) == 1
}

// quiet reports whether no update handler, background path or refund report is in flight:
// the only moments a run may end or continue as new.
func (r *run) quiet(ctx workflow.Context) bool {
	return workflow.AllHandlersFinished(ctx) && r.busy == 0 && r.reports.Len() == 0
}

// continueAsNew drains the update handlers and background paths, then carries the state
// into a new run of the same workflow ID. done is false when a refund report arrived while
// draining: the loop handles it and tries again.
func (r *run) continueAsNew(ctx workflow.Context) (State, bool, error) {
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && r.busy == 0 }); err != nil {
		return r.out(ctx), true, err
	}
	if r.reports.Len() > 0 {
		return State{}, false, nil
	}
	next := r.in
	st := r.s
	st.SLA = nil
	next.Resume = &st
	return r.out(ctx), true, workflow.NewContinueAsNewError(ctx, TicketWorkflowName, next)
}

// out returns the state with the clock views as of now.
func (r *run) out(ctx workflow.Context) State {
	return r.view(ctx, r.s)
}

// view returns s with the clock views as of now.
func (r *run) view(ctx workflow.Context, s State) State {
	s.SLA = clockViews(s, r.policy, workflow.Now(ctx))
	s.RequestIDs = append([]string(nil), s.RequestIDs...)
	return s
}

// cloneState deep-copies a state (pointers and slices included) through its JSON form, the
// same form the snapshot is written in, so nothing can be left shared.
func cloneState(s State) State {
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("clone ticket state: %v", err)) // a State always marshals
	}
	var out State
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("clone ticket state: %v", err))
	}
	return out
}

// change collects what one step writes.
type change struct {
	events        []activities.EventRecord
	messages      []activities.MessageRecord
	notifications []activities.NotificationRecord
	csat          *activities.CSATRecord
	dirty         bool // state changed without an event (rare)
	// after runs once the change is committed and the lock released (an update that must
	// wait for a slow activity, such as the reissue after a risk approval).
	after func(workflow.Context)
}

func (c *change) empty() bool { return len(c.events) == 0 && len(c.messages) == 0 && !c.dirty }

// event appends a ticket event keyed by the next sequence number.
func (r *run) event(ch *change, now time.Time, kind string, actor Actor, data map[string]any) {
	r.s.Seq++
	ch.events = append(ch.events, activities.EventRecord{
		Key: fmt.Sprintf("wf/%d", r.s.Seq), Kind: kind, ActorKind: actor.Kind, ActorID: actor.UserID, Data: data, At: now,
	})
}

// message appends a message; its request id is the update's, or derived from the sequence.
func (r *run) message(ch *change, now time.Time, requestID string, actor Actor, body string, internal bool) {
	if requestID == "" {
		requestID = fmt.Sprintf("wf/%d", r.s.Seq)
	}
	if len(ch.messages) > 0 {
		requestID = fmt.Sprintf("%s/%d", requestID, len(ch.messages))
	}
	kind := actor.Kind
	if kind == "" {
		kind = ActorSystem
	}
	ch.messages = append(ch.messages, activities.MessageRecord{
		RequestID: requestID, AuthorKind: kind, AuthorID: actor.UserID, AuthorName: actor.Name,
		Body: body, Internal: internal, At: now,
	})
}

// coded gives the message just written a code and parameters (models.Msg*), so pages show
// it in the reader's language; only data inside the change, no command.
func (r *run) coded(ch *change, code string, params map[string]string) {
	if n := len(ch.messages); n > 0 {
		ch.messages[n-1].Code, ch.messages[n-1].Params = code, params
	}
}

// commit bumps the version and writes the change with the read-model row and snapshot in
// one local activity, before the caller answers.
func (r *run) commit(ctx workflow.Context, ch *change) error {
	now := workflow.Now(ctx)
	r.s.Version++
	r.s.UpdatedAt = now
	r.gen++
	snap := r.s
	snap.SLA = nil
	raw, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("snapshot ticket %d: %w", r.s.TicketID, err)
	}
	in := activities.TicketChange{
		MerchantID: r.s.MerchantID, TicketID: r.s.TicketID, Row: readModel(r.s, r.policy, now), Snapshot: raw,
		Events: ch.events, Messages: ch.messages, Notifications: ch.notifications, CSAT: ch.csat,
	}
	if err := workflow.ExecuteLocalActivity(localCtx(ctx), acts.RecordTicketChange, in).Get(ctx, nil); err != nil {
		return fmt.Errorf("record ticket %d v%d: %w", r.s.TicketID, r.s.Version, err)
	}
	r.committed = cloneState(r.s)
	return nil
}

// commitOrRollback commits a background path's change; when the commit fails (only a
// non-retryable error can: the write retries until the database answers) the state goes
// back to prev and the failure is logged, so the state never claims what the database lacks.
func (r *run) commitOrRollback(ctx workflow.Context, ch *change, prev State) bool {
	if err := r.commit(ctx, ch); err != nil {
		r.s = prev
		workflow.GetLogger(ctx).Error("ticket change not recorded", "ticket", r.s.TicketID, "err", err)
		return false
	}
	return true
}

// seen reports whether a request id was already applied (and committed).
func (r *run) seen(id string) bool {
	if id == "" {
		return false
	}
	for _, x := range r.committed.RequestIDs {
		if x == id {
			return true
		}
	}
	return false
}

// remember records a request id, forgetting the oldest beyond maxRequestIDs.
func (r *run) remember(id string) {
	if id == "" {
		return
	}
	r.s.RequestIDs = append(r.s.RequestIDs, id)
	if n := len(r.s.RequestIDs); n > maxRequestIDs {
		r.s.RequestIDs = append([]string(nil), r.s.RequestIDs[n-maxRequestIDs:]...)
	}
}

// ErrTypeRejected is the application error type of a rejected update; its message is the
// reason. tickets.ErrRejected wraps it for callers.
const ErrTypeRejected = "Rejected"

// rejected builds the non-retryable error a validator returns.
func rejected(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeRejected, nil)
}

// IsRejected reports whether err is a validator's rejection.
func IsRejected(err error) bool {
	var app *temporal.ApplicationError
	return errors.As(err, &app) && app.Type() == ErrTypeRejected
}
