package triage

import (
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"sort"
	"strings"
)

// Evaluation is how a model does on a set of labelled examples.
type Evaluation struct {
	N, Correct int
	// ByLang is accuracy per language ("zh", "en", "mixed", and "pinyin" for the Chinese
	// written in pinyin, which are also counted under "zh").
	ByLang map[string][2]int // correct, total
	// Recall and precision per intent: counts.
	TruePos, Actual, Predicted map[Category]int
	// Confusion[actual][predicted].
	Confusion map[Category]map[Category]int
	// Misses are the texts read wrongly (for the bench's --misses flag).
	Misses []Miss
}

// Miss is one wrongly read example.
type Miss struct {
	ID, Text          string
	Actual, Predicted Category
	Confidence        float64
}

// Evaluate runs predict over examples.
func Evaluate(examples []Example, predict func(string) Prediction) Evaluation {
	ev := Evaluation{ByLang: map[string][2]int{}, TruePos: map[Category]int{}, Actual: map[Category]int{},
		Predicted: map[Category]int{}, Confusion: map[Category]map[Category]int{}}
	for _, c := range Categories() {
		ev.Confusion[c] = map[Category]int{}
	}
	for _, e := range examples {
		p := predict(e.Text)
		ok := p.Intent == e.Intent
		ev.N++
		ev.Actual[e.Intent]++
		ev.Predicted[p.Intent]++
		ev.Confusion[e.Intent][p.Intent]++
		langs := []string{e.Lang}
		if e.Pinyin {
			langs = append(langs, "pinyin")
		}
		for _, l := range langs {
			v := ev.ByLang[l]
			v[1]++
			if ok {
				v[0]++
			}
			ev.ByLang[l] = v
		}
		if ok {
			ev.Correct++
			ev.TruePos[e.Intent]++
		} else {
			ev.Misses = append(ev.Misses, Miss{ID: e.ID, Text: e.Text, Actual: e.Intent, Predicted: p.Intent, Confidence: p.Confidence})
		}
	}
	return ev
}

// Accuracy is the share of examples read right.
func (ev Evaluation) Accuracy() float64 { return ratio(ev.Correct, ev.N) }

// Recall of one intent.
func (ev Evaluation) Recall(c Category) float64 { return ratio(ev.TruePos[c], ev.Actual[c]) }

// Precision of one intent.
func (ev Evaluation) Precision(c Category) float64 { return ratio(ev.TruePos[c], ev.Predicted[c]) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Wilson95 is the Wilson score interval at 95% for k successes in n trials: the range of true
// rates a measured k/n is consistent with. A recall of 44/50 (88%) is consistent with anything
// from about 76% to 94%, so a 90% target read on 50 messages is decided by a message or two.
// n = 0 gives (0, 1).
func Wilson95(k, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	mid := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return max(0, mid-half), min(1, mid+half)
}

// Print writes the evaluation as a small report.
func (ev Evaluation) Print(w io.Writer, title string) {
	lo, hi := Wilson95(ev.Correct, ev.N)
	fmt.Fprintf(w, "%s: intent accuracy %.1f%% (%d/%d; 95%% interval %.1f–%.1f%%)\n", title, 100*ev.Accuracy(), ev.Correct, ev.N, 100*lo, 100*hi)
	langs := make([]string, 0, len(ev.ByLang))
	for l := range ev.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		v := ev.ByLang[l]
		fmt.Fprintf(w, "  lang %-7s %5.1f%% (%d/%d)\n", l, 100*ratio(v[0], v[1]), v[0], v[1])
	}
	fmt.Fprintf(w, "  %-12s %7s %9s %6s  %s\n", "intent", "recall", "precision", "n", "recall's 95% interval")
	for _, c := range Categories() {
		lo, hi := Wilson95(ev.TruePos[c], ev.Actual[c])
		fmt.Fprintf(w, "  %-12s %6.1f%% %8.1f%% %6d  %5.1f–%.1f%%\n", c, 100*ev.Recall(c), 100*ev.Precision(c), ev.Actual[c], 100*lo, 100*hi)
	}
	fmt.Fprintf(w, "  confusion (rows actual, columns predicted):\n  %-12s", "")
	for _, c := range Categories() {
		fmt.Fprintf(w, " %6.6s", c)
	}
	fmt.Fprintln(w)
	for _, a := range Categories() {
		fmt.Fprintf(w, "  %-12s", a)
		for _, p := range Categories() {
			fmt.Fprintf(w, " %6d", ev.Confusion[a][p])
		}
		fmt.Fprintln(w)
	}
}

// PrintMisses writes the wrongly read examples, one a line.
func (ev Evaluation) PrintMisses(w io.Writer) {
	for _, m := range ev.Misses {
		fmt.Fprintf(w, "  %-22s %-11s → %-11s %.2f  %s\n", m.ID, m.Actual, m.Predicted, m.Confidence,
			strings.ReplaceAll(m.Text, "\n", " "))
	}
}

// Score counts hits, misses and false alarms of a detector.
type Score struct{ TP, FN, FP int }

// Recall is TP/(TP+FN).
func (s Score) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// Precision is TP/(TP+FP).
func (s Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// flag counts one yes/no detection: a hit, a miss or a false alarm (nothing when neither).
func (s *Score) flag(want, got bool) {
	switch {
	case want && got:
		s.TP++
	case want:
		s.FN++
	case got:
		s.FP++
	}
}

func (s *Score) sets(want, got []string) {
	// Labels keep the text as written; found numbers come in half width (the lookup's form).
	w := map[string]bool{}
	for _, x := range want {
		w[NormalizeOrderNo(x)] = true
	}
	g := map[string]bool{}
	for _, x := range got {
		g[NormalizeOrderNo(x)] = true
	}
	for x := range w {
		if g[x] {
			s.TP++
		} else {
			s.FN++
		}
	}
	for x := range g {
		if !w[x] {
			s.FP++
		}
	}
}

// Report is the full reading of a labelled set: intent (model and rules, no buyer pick),
// entities and urgency (as Classify sees them).
type Report struct {
	Intent                    Evaluation
	Orders, Fragments, Emails Score
	// Urgency: the label "high" against Result.Hurry.
	Urgency Score
}

// Evaluate a labelled set with the built-in model.
func EvaluateReport(m *Model, examples []Example) Report {
	r := Report{Intent: Evaluate(examples, m.Read)}
	for _, e := range examples {
		res := Classify("", "", e.Text)
		r.Orders.sets(e.Entities.OrderNumbers, res.Entities.OrderNumbers)
		r.Fragments.sets(e.Entities.KeyFragments, res.Entities.KeyFragments)
		r.Emails.sets(e.Entities.Emails, res.Entities.Emails)
		r.Urgency.flag(e.Urgency == "high", res.Hurry)
	}
	return r
}

// Print writes the report.
func (r Report) Print(w io.Writer, title string) {
	r.Intent.Print(w, title)
	for _, s := range []struct {
		name string
		s    Score
	}{{"order numbers", r.Orders}, {"key fragments", r.Fragments}, {"e-mails", r.Emails}, {"urgency", r.Urgency}} {
		fmt.Fprintf(w, "  %-14s recall %5.1f%% (%d/%d)  precision %5.1f%% (%d/%d)\n", s.name,
			100*s.s.Recall(), s.s.TP, s.s.TP+s.s.FN, 100*s.s.Precision(), s.s.TP, s.s.TP+s.s.FP)
	}
}

// CrossValidate trains on all but one of k groups-preserving folds of examples and reads
// the left-out fold, k times; it returns every example's out-of-fold prediction by ID.
// Folds are assigned by FNV-1 of the group, so a phrasing never sits on both sides.
func CrossValidate(examples []Example, k int, o TrainOptions) map[string]Prediction {
	fold := func(g string) int {
		h := fnv.New32()
		_, _ = h.Write([]byte(g))
		return int(h.Sum32() % uint32(k))
	}
	preds := make(map[string]Prediction, len(examples))
	for f := 0; f < k; f++ {
		var tr, te []Example
		for _, e := range examples {
			if fold(e.Group) == f {
				te = append(te, e)
			} else {
				tr = append(tr, e)
			}
		}
		m := Train(tr, o)
		for _, e := range te {
			preds[e.ID] = m.Read(e.Text)
		}
	}
	return preds
}

// EvaluatePredictions scores precomputed predictions (by example ID).
func EvaluatePredictions(examples []Example, preds map[string]Prediction) Evaluation {
	byText := make(map[string]Prediction, len(examples))
	for _, e := range examples {
		byText[e.Text] = preds[e.ID]
	}
	return Evaluate(examples, func(s string) Prediction { return byText[s] })
}

// ScoreAtConfidence scores the predictions (by example ID) that reach confidence th: the share of
// examples that reach it (coverage) and the share of those read right (accuracy), the two
// figures Decide's thresholds rest on.
func ScoreAtConfidence(examples []Example, preds map[string]Prediction, th float64) (coverage, accuracy float64) {
	n, ok := 0, 0
	for _, e := range examples {
		if p := preds[e.ID]; p.Confidence >= th {
			n++
			if p.Intent == e.Intent {
				ok++
			}
		}
	}
	return ratio(n, len(examples)), ratio(ok, n)
}
