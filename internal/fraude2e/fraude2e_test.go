package fraude2e_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/fraud/corpus"
	"github.com/keydesk/keydesk/internal/fraude2e"
)

// The targets of issue 12, asserted on the tuning split only (as activities/fraudreplay
// does); the held-out split is replayed and logged, never asserted on, so it stays unseen.
const (
	maxFraudKeyRate  = 0.02
	minAbnormalHeld  = 0.92
	minHonestAutoRes = 0.90
)

// TestCorpusThroughTheProduct files every scenario's claim through the buyer API of a running
// product (embedded Temporal, worker, SQLite) and reads the decision the ticket's workflow
// made: the replay issue 12 asks for, beside the activities-level one.
func TestCorpusThroughTheProduct(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end corpus replay skipped in -short mode")
	}
	scs, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	p, err := fraude2e.Start(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	outs, err := p.Replay(ctx, scs)
	if err != nil {
		t.Fatal(err)
	}
	bySplit := map[string][]corpus.Outcome{}
	for _, o := range outs {
		bySplit[o.Scenario.Split] = append(bySplit[o.Scenario.Split], o)
	}
	for _, split := range []string{corpus.Tune, corpus.HeldOut} {
		m := corpus.Tally(bySplit[split])
		t.Logf("%s split through the API (%d scenarios):\n%s", split, m.Total, m)
	}
	var wrong []string
	for _, o := range bySplit[corpus.Tune] {
		if o.Decision != o.Scenario.Expected {
			wrong = append(wrong, o.Scenario.ID+": want "+o.Scenario.Expected+", got "+o.Decision+" ("+strings.Join(o.Rules, " ")+")")
		}
	}
	sort.Strings(wrong)
	if len(wrong) > 0 {
		t.Logf("tuning-split disagreements:\n%s", strings.Join(wrong, "\n"))
	}
	m := corpus.Tally(bySplit[corpus.Tune])
	if r := corpus.Rate(m.FraudKey, m.Fraud); r > maxFraudKeyRate {
		t.Errorf("known fraud got a key in %.1f%% of cases, target <= %.0f%%", 100*r, 100*maxFraudKeyRate)
	}
	if r := corpus.Rate(m.Held, m.Abnormal); r < minAbnormalHeld {
		t.Errorf("%.1f%% of abnormal claims held, target >= %.0f%%", 100*r, 100*minAbnormalHeld)
	}
	if r := corpus.Rate(m.HonestAuto, m.Honest); r < minHonestAutoRes {
		t.Errorf("%.1f%% of honest claims resolved automatically, target >= %.0f%%", 100*r, 100*minHonestAutoRes)
	}
	if m.HonestDenied > 0 {
		t.Errorf("%d honest claims denied, target 0", m.HonestDenied)
	}
}
