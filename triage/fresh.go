package triage

import (
	_ "embed" // the fresh held-out set is embedded for `keydesk bench triage`
	"fmt"
	"strings"
)

// freshTSV is a second held-out set (testdata/fresh_heldout.tsv): buyer messages written by
// hand for it, not from the corpus's templates or hand-written lines. Nothing trains, tunes
// or chooses features on it; `keydesk bench triage` reports it apart from the corpus's own
// held-out split.
//
//go:embed testdata/fresh_heldout.tsv
var freshTSV string

// FreshHeldOut returns the fresh held-out set. Its examples carry intent, language and
// urgency labels only (no entity labels).
func FreshHeldOut() ([]Example, error) {
	var out []Example
	for n, line := range strings.Split(freshTSV, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("fresh held-out line %d: want 4 tab-separated fields", n+1)
		}
		e := Example{ID: fmt.Sprintf("fresh:%03d", len(out)+1), Intent: Category(f[0]), Lang: f[1], Urgency: f[2], Text: f[3]}
		e.Group = e.ID
		if e.Lang == "pinyin" {
			e.Lang, e.Pinyin = "zh", true
		}
		if !e.Intent.Valid() || (e.Lang != "zh" && e.Lang != "en" && e.Lang != "mixed") || (e.Urgency != "high" && e.Urgency != "normal") {
			return nil, fmt.Errorf("fresh held-out line %d: bad labels %q %q %q", n+1, f[0], f[1], f[2])
		}
		out = append(out, e)
	}
	return out, nil
}

// EvaluateIntentAndUrgency reads a set labelled with intents and urgencies only: the intent
// by the model and its rules (no buyer pick), urgency against Result.Hurry.
func EvaluateIntentAndUrgency(m *Model, examples []Example) Report {
	r := Report{Intent: Evaluate(examples, m.Read)}
	for _, e := range examples {
		hurry := Classify("", "", e.Text).Hurry
		switch want := e.Urgency == "high"; {
		case want && hurry:
			r.Urgency.TP++
		case want:
			r.Urgency.FN++
		case hurry:
			r.Urgency.FP++
		}
	}
	return r
}
