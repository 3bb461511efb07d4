// Package fraude2e replays the labelled claim corpus (fraud/corpus) through the whole running
// product: an embedded Temporal server, the worker and the HTTP API on SQLite. Each
// scenario's history is written the way fraudreplay writes it; the claim itself is filed
// through the buyer API (POST /api/v1/tickets) from the scenario's IP address (as
// X-Forwarded-For behind a trusted proxy), device id and a browser's user agent, and the
// ticket's workflow makes the decision: fraud check, then the replacement key on allow.
// Issue 12's targets are stated "replayed through the API"; this is that replay.
//
// Used by its own test and by `keydesk bench fraud --e2e`.
package fraude2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/activities/fraudreplay"
	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/fraud/corpus"
	"github.com/keydesk/keydesk/internal/app"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// BrowserUA is the user agent the claims are filed with (a person's browser).
const BrowserUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"

// decisionWait bounds the wait for one claim's decision.
const decisionWait = 60 * time.Second

// Product is a running keydesk the corpus is replayed through.
type Product struct {
	App  *app.App
	base string
	dir  string
	http *http.Client
}

// Start runs the product on a fresh SQLite file and embedded Temporal server in a temporary
// directory, trusting loopback as a proxy (the replay names each claim's IP) and with a
// buyer rate limit no scenario reaches.
func Start(ctx context.Context, log *slog.Logger) (*Product, error) {
	dir, err := os.MkdirTemp("", "keydesk-fraud-e2e-")
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg := config.Config{
		DataDir: dir, Listen: "127.0.0.1:0", Database: "sqlite:" + filepath.Join(dir, "keydesk.db"),
		Namespace: "default", TaskQueue: "keydesk", TemporalLogLevel: "error", ShutdownTimeout: 10 * time.Second,
		PublicRate: 10_000, TrustedProxies: []string{"127.0.0.1/32"}, PaymentSimulator: "off",
		ReconcileEvery: time.Hour, UpdateWait: 10 * time.Second,
	}
	a, err := app.Start(ctx, cfg, app.Roles{API: true, Worker: true, Migrate: true, GenerateSecrets: true}, log)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("start product: %w", err)
	}
	return &Product{App: a, base: "http://" + a.Addr, dir: dir, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Close stops the product and removes its data.
func (p *Product) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	p.App.Stop(ctx)
	_ = os.RemoveAll(p.dir)
}

// post sends one claim to the buyer API (asking for a manual check when manual) and returns
// the answer's status and body.
func (p *Product) post(ctx context.Context, m models.Merchant, claim corpus.Event, manual bool) (int, []byte, error) {
	body, _ := json.Marshal(map[string]any{
		"merchant": m.Slug, "order_no": claim.Order, "email": claim.Email, "category": claim.Category,
		"subject": "Order " + claim.Order, "description": claim.Text, "language": "zh-CN", "manual_check": manual,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+"/api/v1/tickets", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", BrowserUA)
	req.Header.Set("X-Forwarded-For", claim.IP)
	if claim.Device != "" {
		req.Header.Set("X-Keydesk-Device", claim.Device)
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("submit claim: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, raw, nil
}

// Replay replays scenarios through the product, in order, and returns their outcomes.
func (p *Product) Replay(ctx context.Context, scs []corpus.Scenario) ([]corpus.Outcome, error) {
	r := &fraudreplay.Runner{Store: p.App.Store, Box: p.App.Secrets.Box, Submit: p.submit}
	out := make([]corpus.Outcome, 0, len(scs))
	for i := range scs {
		// The history is placed before the present: the API stamps the claim with the time
		// of its submission.
		r.Base = time.Now().UTC().Truncate(time.Second)
		o, err := r.Run(ctx, &scs[i])
		if err != nil {
			return out, fmt.Errorf("scenario %s: %w", scs[i].ID, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// submit files the claim through the buyer API and waits for the workflow's decision. A
// claim the form refuses (its e-mail proves no order) is sent again as the form offers, for a
// manual check: it waits for an agent, which the tally counts as held for review.
func (p *Product) submit(ctx context.Context, sc *corpus.Scenario, m models.Merchant, claim corpus.Event) (corpus.Outcome, error) {
	o := corpus.Outcome{Scenario: sc}
	start := time.Now()
	status, raw, err := p.post(ctx, m, claim, false)
	if err == nil && (status == http.StatusUnprocessableEntity || status == http.StatusBadRequest) {
		status, raw, err = p.post(ctx, m, claim, true)
		switch {
		case err == nil && status == http.StatusAccepted:
			o.Decision, o.Rules, o.Latency = corpus.Review, []string{"manual_check"}, time.Since(start)
			return o, nil
		case err == nil && status == http.StatusTooManyRequests: // the address's checks are capped
			o.Decision, o.Rules, o.Latency = corpus.Deny, []string{"refused_at_intake"}, time.Since(start)
			return o, nil
		}
	}
	if err != nil {
		return o, err
	}
	if status != http.StatusCreated {
		return o, fmt.Errorf("submit claim: %d %s", status, raw)
	}
	var created struct{ Ref string }
	if err := json.Unmarshal(raw, &created); err != nil {
		return o, fmt.Errorf("submit claim: %w", err)
	}
	t, err := p.App.Store.TicketByRef(ctx, created.Ref)
	if err != nil {
		return o, err
	}
	if t.Category != claim.Category && t.Category != "key_invalid" && t.Category != "key_missing" {
		// Triage read the words as another request (a refund, a complaint): no automatic
		// path runs and a person answers it, which holds the claim like a review.
		o.Decision, o.Rules, o.Latency = corpus.Review, []string{"triaged_as_" + t.Category}, time.Since(start)
		return o, nil
	}
	if err := p.await(ctx, t, &o); err != nil {
		return o, fmt.Errorf("ticket %s: %w", t.Ref, err)
	}
	o.Latency = time.Since(start)
	return o, nil
}

// await polls the ticket's events until the workflow decided the claim: the assessment,
// and on allow the replacement's outcome.
func (p *Product) await(ctx context.Context, t models.Ticket, o *corpus.Outcome) error {
	deadline := time.Now().Add(decisionWait)
	for time.Now().Before(deadline) {
		evs, err := p.App.Store.TicketEvents(ctx, t.MerchantID, t.ID)
		if err != nil {
			return err
		}
		if done := decide(evs, o); done {
			if o.GotKey {
				_, err := p.App.Store.ReissueDelivery(ctx, t.ID)
				if errors.Is(err, store.ErrNotFound) {
					return errors.New("reissue_delivered without a delivery")
				}
				return err
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("no decision within %s", decisionWait)
}

// decide reads the decision from a ticket's events; false while it is not made yet.
func decide(evs []models.TicketEvent, o *corpus.Outcome) bool {
	var assessed *models.TicketEvent
	for i := range evs {
		switch k := evs[i].Kind; {
		case k == "risk_check_failed":
			o.Decision, o.Rules = corpus.Review, []string{"risk_check_failed"}
			return true
		case k == "risk_assessed":
			assessed = &evs[i]
		}
	}
	if assessed == nil {
		return false
	}
	var d struct {
		Score    int    `json:"score"`
		Decision string `json:"decision"`
		Blocked  bool   `json:"blocked"`
		Hits     []struct {
			Rule   string `json:"rule"`
			Points int    `json:"points"`
		} `json:"hits"`
	}
	_ = json.Unmarshal(assessed.Data, &d)
	o.Decision, o.Score, o.Rules = d.Decision, d.Score, nil
	for _, h := range d.Hits {
		o.Rules = append(o.Rules, fmt.Sprintf("%s%+d", h.Rule, h.Points))
	}
	if d.Blocked {
		if o.Decision == corpus.Allow {
			o.Decision = corpus.Review // a blocked claim goes to a person whatever the score
		}
		return true
	}
	if o.Decision != corpus.Allow {
		return true
	}
	for _, e := range evs {
		if strings.HasPrefix(e.Kind, "reissue_") && e.Kind != "reissue_pending" {
			o.GotKey = e.Kind == "reissue_"+activities.ReissueDelivered
			return true
		}
	}
	return false
}
