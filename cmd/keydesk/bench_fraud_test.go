package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/fraud/corpus"
)

// TestFraudSetAllIndependent: --set independent-all is every hand-written set and nothing
// else, and its table has a tuning and a held-out line per set whose counts add up to the
// pooled figures.
func TestFraudSetAllIndependent(t *testing.T) {
	all, err := loadFraudSet(allIndependent)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, name := range independentSets() {
		if name == "corpus" {
			t.Fatal("the generated corpus is not a hand-written set")
		}
		scs, err := corpus.LoadSet(name)
		if err != nil {
			t.Fatal(err)
		}
		want += len(scs)
	}
	if len(all) != want || len(independentSets()) != len(corpus.Sets)-1 {
		t.Fatalf("%d scenarios from %d sets, want %d from %d", len(all), len(independentSets()), want, len(corpus.Sets)-1)
	}
	// Decide every claim as labelled, except that every honest claim is held: the table
	// must then show each set's honest claims as not served.
	outs := make([]corpus.Outcome, len(all))
	for i := range all {
		d := all[i].Expected
		if d == corpus.Allow {
			d = corpus.Review
		}
		outs[i] = corpus.Outcome{Scenario: &all[i], Decision: d}
	}
	var b bytes.Buffer
	if err := printFraudSets(&b, allIndependent, outs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 1+2*len(independentSets()) {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	i := 1
	for _, name := range independentSets() {
		prefix := prefixOf(t, name)
		for _, split := range []string{corpus.Tune, corpus.HeldOut} {
			var honest, abnormal int
			for _, sc := range all {
				if !strings.HasPrefix(sc.ID, prefix) || sc.Split != split {
					continue
				}
				if sc.Expected == corpus.Allow {
					honest++
				} else {
					abnormal++
				}
			}
			l := lines[i]
			i++
			for _, want := range []string{name + " ", split, fmt.Sprintf("%d / %d (100.0%%)", abnormal, abnormal), fmt.Sprintf("0 / %d (0.0%%)", honest)} {
				if !strings.Contains(l, want) {
					t.Fatalf("line %q: want %q", l, want)
				}
			}
		}
	}
	b.Reset()
	if err := printFraudSets(&b, "independent", outs); err != nil || b.Len() != 0 {
		t.Fatalf("a single set printed a table: %q, %v", b.String(), err)
	}
}

// prefixOf is the id prefix of a hand-written set's scenarios ("ind2-" for independent2).
func prefixOf(t *testing.T, name string) string {
	t.Helper()
	scs, err := corpus.LoadSet(name)
	if err != nil || len(scs) == 0 {
		t.Fatalf("%s: %v", name, err)
	}
	id := scs[0].ID
	return id[:strings.IndexByte(id, '-')+1]
}
