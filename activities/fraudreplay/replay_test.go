package fraudreplay_test

import (
	"context"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/activities/fraudreplay"
	"github.com/keydesk/keydesk/fraud/corpus"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
)

// TestCorpusReplay drives every scenario of the corpus through AssessKeyClaim (and
// ReissueKey on allow) over a real SQLite database and checks the aggregate targets
// (corpus.TargetMisses) on the tuning split; the held-out split is replayed and logged, never
// asserted on, or it would become a tuning set.
func TestCorpusReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus replay skipped in -short mode")
	}
	scs, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	r := &fraudreplay.Runner{Store: testdb.SQLite(t), Box: box}
	outs, err := r.RunAll(context.Background(), scs)
	if err != nil {
		t.Fatal(err)
	}
	bySplit := logSplits(t, outs)
	if wrong := corpus.Disagreements(bySplit[corpus.Tune]); len(wrong) > 0 {
		t.Logf("tuning-split disagreements:\n%s", strings.Join(wrong, "\n"))
	}
	for _, miss := range corpus.TargetMisses(corpus.Tally(bySplit[corpus.Tune])) {
		t.Error("tuning split: " + miss)
	}
}

// TestIndependentSetReplay does the same for the hand-written independent sets
// (corpus.LoadSet: "independent" and "independent2", and since ruleset 2026-12.4
// "independent3" and "independent4"): their tuning parts must meet the same targets, their
// held-out parts are logged only.
func TestIndependentSetReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("independent set replay skipped in -short mode")
	}
	box, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []string{"independent", "independent2", "independent3", "independent4"} {
		t.Run(set, func(t *testing.T) {
			scs, err := corpus.LoadSet(set)
			if err != nil {
				t.Fatal(err)
			}
			if len(scs) < 60 {
				t.Fatalf("%s holds %d scenarios, want the hand-written 80 or more", set, len(scs))
			}
			outs, err := (&fraudreplay.Runner{Store: testdb.SQLite(t), Box: box}).RunAll(context.Background(), scs)
			if err != nil {
				t.Fatal(err)
			}
			for _, miss := range corpus.TargetMisses(corpus.Tally(logSplits(t, outs)[corpus.Tune])) {
				t.Error("tuning split: " + miss)
			}
		})
	}
}

// logSplits groups the outcomes by split and logs each split's matrix.
func logSplits(t *testing.T, outs []corpus.Outcome) map[string][]corpus.Outcome {
	t.Helper()
	bySplit := map[string][]corpus.Outcome{}
	for _, o := range outs {
		bySplit[o.Scenario.Split] = append(bySplit[o.Scenario.Split], o)
	}
	for _, split := range []string{corpus.Tune, corpus.HeldOut} {
		m := corpus.Tally(bySplit[split])
		t.Logf("%s split (%d scenarios):\n%s", split, m.Total, m)
	}
	return bySplit
}
