package workflows

// Versioning policy (README, "Changing a workflow"). A ticket's workflow lives for weeks, so
// every build must replay every history an earlier release wrote:
//
//  1. A change to the commands a workflow emits (activities, timers, children, signals,
//     markers, their order) goes behind workflow.GetVersion(ctx, "<change id>",
//     workflow.DefaultVersion, N); the old branch stays until no run can take it. Changes
//     to activity options, to pure functions whose inputs are in the history, or additive
//     fields in inputs and results need no version.
//  2. testdata/replay/<release>/ holds histories of every path recorded by each release;
//     TestReplayCorpus replays all of them on every test run, so an unversioned change
//     fails CI. Record a new directory at each release (corpus_record_test.go).
//  3. An old branch and its corpus directory are removed together, once every run that
//     could take it has ended or continued as new on newer code (a run continues as new
//     after DefaultHistoryLimit events, and closed tickets that reopen start on the
//     current code).
//
// The change ids below are the ones in force; each names the release that introduced it.
const (
	// versionCloseRecheck (2026-12): after the drain that follows a close, a ticket that is
	// no longer closed (a buyer reply queued behind the close reopened it) keeps running.
	versionCloseRecheck = "2026-12-close-recheck"
	// versionContinueWhenQuiet (2026-12): continue-as-new waits for a quiet moment with the
	// SLA timers still armed, instead of disarming them and waiting.
	versionContinueWhenQuiet = "2026-12-continue-when-quiet"
	// versionRefundReport (2026-12): the refund child reports its outcome to the ticket's
	// workflow by signal; the ticket no longer waits on the child. In RefundWorkflow the
	// signal is gated by its input instead (RefundInput.ReportTo, empty in every child started
	// before): the same guarantee, with no marker.
	versionRefundReport = "2026-12-refund-report"
	// versionReissueOutsideLock (2026-12): the replacement key is issued outside the
	// ticket's lock, after the decision to reissue was committed.
	versionReissueOutsideLock = "2026-12-reissue-outside-lock"
	// versionThanksKeepsResolved (2026-12): a buyer's closing "thanks" on a resolved or
	// closed ticket is recorded without reopening it (no SLA clock, no agent queue, the
	// rating stays). Asked only when ReplyInput.ClosingThanks is set, which no earlier
	// history carries.
	versionThanksKeepsResolved = "2026-12-thanks-keeps-resolved"
	// versionContinueBySize (2026-12, issue 17): a run also continues as new once its
	// history holds TicketInput.HistoryBytesLimit bytes (default DefaultHistoryBytes). Asked
	// only when the size is reached (see run.overSize).
	versionContinueBySize = "2026-12-continue-by-size"
)
