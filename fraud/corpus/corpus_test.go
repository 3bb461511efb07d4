package corpus

import (
	"io/fs"
	"strings"
	"testing"
)

// TestCorpusShape: the embedded corpus parses, is large and varied enough, and its split
// follows the fixed rule with about 30% held out in every archetype and every label.
func TestCorpusShape(t *testing.T) {
	scs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) < 150 {
		t.Fatalf("%d scenarios, want at least 150", len(scs))
	}
	type count struct{ tune, held int }
	byArch := map[string]*count{}
	byLabel := map[string]*count{}
	for _, s := range scs {
		a := byArch[s.Archetype]
		if a == nil {
			a = &count{}
			byArch[s.Archetype] = a
		}
		l := byLabel[s.Expected]
		if l == nil {
			l = &count{}
			byLabel[s.Expected] = l
		}
		if s.Split == HeldOut {
			a.held++
			l.held++
		} else {
			a.tune++
			l.tune++
		}
	}
	for name, c := range byArch {
		if c.held == 0 || c.tune == 0 {
			t.Errorf("archetype %s: %d tune, %d held out; both splits need some", name, c.tune, c.held)
		}
	}
	for _, l := range []string{Allow, Review, Deny} {
		c := byLabel[l]
		if c == nil || c.held < 5 {
			t.Errorf("label %s: too few held-out scenarios (%+v)", l, c)
		}
	}
	total := len(scs)
	held := 0
	for _, c := range byArch {
		held += c.held
	}
	if r := float64(held) / float64(total); r < 0.25 || r > 0.35 {
		t.Errorf("held out %.2f of the corpus, want about 0.30", r)
	}
	for _, want := range []string{"first-time", "repeat-buyer", "bad-batch", "reseller", "late-expensive", "takeover", "chargeback", "serial", "ring", "device-farm"} {
		if byArch[want] == nil {
			t.Errorf("no %s scenarios", want)
		}
	}
}

func TestSplitOf(t *testing.T) {
	for id, want := range map[string]string{"ring-000": Tune, "ring-001": HeldOut, "ring-004": HeldOut, "ring-007": HeldOut,
		"ring-010": Tune, "ring-011": HeldOut, "x-y-12": Tune, "nonumber": HeldOut, "": HeldOut} {
		if got := SplitOf(id); got != want {
			t.Errorf("SplitOf(%q) = %s, want %s", id, got, want)
		}
	}
}

func TestTally(t *testing.T) {
	sc := func(exp string) *Scenario { return &Scenario{Expected: exp} }
	m := Tally([]Outcome{
		{Scenario: sc(Deny), Decision: Allow, GotKey: true},
		{Scenario: sc(Deny), Decision: Deny},
		{Scenario: sc(Review), Decision: Review},
		{Scenario: sc(Allow), Decision: Allow, GotKey: true},
		{Scenario: sc(Allow), Decision: Deny},
	})
	if m.Fraud != 2 || m.FraudKey != 1 || m.Abnormal != 3 || m.Held != 2 || m.Honest != 2 || m.HonestAuto != 1 || m.HonestDenied != 1 || m.Exact != 3 {
		t.Errorf("tally %+v", m)
	}
}

// TestSetsLoad: every embedded set parses, ids never repeat across sets (a scenario is in
// one set only), and an unknown name is an error that lists the known ones.
func TestSetsLoad(t *testing.T) {
	seen := map[string]string{}
	for _, name := range Sets {
		scs, err := LoadSet(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range scs {
			if other, dup := seen[s.ID]; dup {
				t.Errorf("%s is in %s and %s", s.ID, other, name)
			}
			seen[s.ID] = name
		}
	}
	files, err := fs.Glob(independentFS, "testdata/independent*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(Sets) != len(files)+1 {
		t.Errorf("Sets names %d sets, the embedded ones are the corpus and %d", len(Sets), len(files))
	}
	if _, err := LoadSet("nope"); err == nil || !strings.Contains(err.Error(), "independent") {
		t.Errorf("unknown set: %v", err)
	}
}
