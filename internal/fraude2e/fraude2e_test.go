package fraude2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/fraud/corpus"
	"github.com/keydesk/keydesk/internal/fraude2e"
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
	if wrong := corpus.Disagreements(bySplit[corpus.Tune]); len(wrong) > 0 {
		t.Logf("tuning-split disagreements:\n%s", strings.Join(wrong, "\n"))
	}
	for _, miss := range corpus.TargetMisses(corpus.Tally(bySplit[corpus.Tune])) {
		t.Error("tuning split: " + miss)
	}
}
