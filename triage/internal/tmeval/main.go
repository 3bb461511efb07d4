// Command tmeval measures intent models for choosing model and feature changes: a model
// trained on the tuning split with the given settings (or the embedded one) is read on the
// development sets (dev to dev10 and dev14 to dev16, and dev11 to dev13 when asked for; each by another writer; an empty
// path leaves one out; sums over several are printed too, as one set alone is at its noise
// floor: dev+dev2 are spent by many rounds, and changes are judged on dev3 onwards; each
// set's order numbers and urgency are scored too), on grouped 5-fold cross-validation of the
// tuning split (with the accuracy of confident predictions) and on the corpus's held-out
// split. The fresh held-out sets are read only with -fresh.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"sort"
	"strings"

	"github.com/keydesk/keydesk/triage"
)

func main() {
	dev := flag.String("dev", "triage/testdata/dev_tmodel.tsv", "development set (TSV)")
	dev2 := flag.String("dev2", "triage/testdata/dev_tmodel2.tsv", "second development set (TSV)")
	dev3 := flag.String("dev3", "triage/testdata/dev_tmodel3.tsv", "third development set (TSV)")
	dev4 := flag.String("dev4", "triage/testdata/dev_tmodel4.tsv", "fourth development set (TSV)")
	dev5 := flag.String("dev5", "triage/testdata/dev_tmodel5.tsv", "fifth development set (TSV)")
	dev6 := flag.String("dev6", "triage/testdata/dev_tmodel6.tsv", "sixth development set (TSV)")
	dev7 := flag.String("dev7", "triage/testdata/dev_tmodel7.tsv", "seventh development set (TSV)")
	dev8 := flag.String("dev8", "triage/testdata/dev_tmodel8.tsv", "eighth development set (TSV)")
	dev9 := flag.String("dev9", "triage/testdata/dev_tmodel9.tsv", "ninth development set (TSV)")
	dev10 := flag.String("dev10", "triage/testdata/dev_tmodel10.tsv", "tenth development set (TSV)")
	dev11 := flag.String("dev11", "", "eleventh development set (TSV): triage/testdata/dev_tmodel11.tsv, kept unread for judging the next change (see its header)")
	dev12 := flag.String("dev12", "", "twelfth development set (TSV): triage/testdata/dev_tmodel12.tsv, read once before and once after a change (see its header)")
	dev13 := flag.String("dev13", "", "thirteenth development set (TSV): triage/testdata/dev_tmodel13.tsv, kept unread for judging the next change (see its header)")
	dev14 := flag.String("dev14", "triage/testdata/dev_tmodel14.tsv", "fourteenth development set (TSV): marketplace chat on the other / account boundary")
	dev15 := flag.String("dev15", "triage/testdata/dev_tmodel15.tsv", "fifteenth development set (TSV): marketplace and IM chat, 80 of 239 `other`, by a writer who read only two sets' headers")
	dev16 := flag.String("dev16", "triage/testdata/dev_tmodel16.tsv", "sixteenth development set (TSV): 100 of 240 `other` that borrow the other intents' words, and near-misses (intents only: its lang and urgency columns mean nothing)")
	cvSave := flag.String("cvsave", "", "write the tuning split's texts to this file (one JSON string a line), for -cvon after a corpus change")
	cvOn := flag.String("cvon", "", "also print cross-validation on the tuning examples whose text is in this -cvsave file (the messages before a corpus change)")
	builtin := flag.Bool("builtin", false, "read the embedded model instead of training one")
	fresh := flag.Bool("fresh", false, "also read fresh held-out sets 2 and 3")
	verbose := flag.Bool("v", false, "print full reports and the development set's misses")
	noCV := flag.Bool("nocv", false, "skip cross-validation (quick reading of the development sets)")
	cvMiss := flag.String("cvmiss", "", `print the cross-validation misses of the tuning split labelled A and read as B ("A>B", "A" alone for any B; "*" for any), most confident first: where the corpus's own labels may disagree`)
	o := triage.DefaultTrainOptions
	flag.IntVar(&o.Epochs, "epochs", o.Epochs, "epochs")
	flag.Float64Var(&o.Rate, "rate", o.Rate, "learning rate")
	flag.Float64Var(&o.Decay, "decay", o.Decay, "rate decay")
	flag.Float64Var(&o.L2, "l2", o.L2, "L2 per step")
	flag.Float64Var(&o.Temperature, "temp", o.Temperature, "softmax temperature")
	flag.Float64Var(&o.Dropout, "dropout", o.Dropout, "feature dropout")
	flag.IntVar(&o.Members, "members", o.Members, "models averaged (an ensemble of dropout draws, see TrainOptions.Members)")
	judgeFile := flag.String("judge", "", "judge a corpus round: lines in corpus_hand.txt's format, added to the tuning split as if appended (see judge.go)")
	dropouts := flag.String("dropouts", "0.22,0.26,0.30,0.34,0.38", "with -judge: the feature dropouts the sums run over")
	flag.Parse()
	devs := []string{*dev, *dev2, *dev3, *dev4, *dev5, *dev6, *dev7, *dev8, *dev9, *dev10, *dev11, *dev12, *dev13, *dev14, *dev15, *dev16}
	if *judgeFile != "" {
		if err := judge(os.Stdout, *judgeFile, *dropouts, devs, o); err != nil {
			fmt.Fprintln(os.Stderr, "tmeval:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(!*noCV, files{devs: devs, cvSave: *cvSave, cvOn: *cvOn, cvMiss: *cvMiss}, *builtin, *fresh, *verbose, o); err != nil {
		fmt.Fprintln(os.Stderr, "tmeval:", err)
		os.Exit(1)
	}
}

// files names the sets tmeval reads and writes.
type files struct {
	devs         []string // dev, dev2, …; an empty path is a set not given
	cvSave, cvOn string
	cvMiss       string // -cvmiss: the misses to list ("A>B"), "" for none
}

func readSet(prefix, path string) ([]triage.Example, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s set: %w", prefix, err)
	}
	ex, err := triage.ParseLabelledTSV(prefix, string(b))
	if err != nil {
		return nil, fmt.Errorf("parse %s set: %w", prefix, err)
	}
	return ex, nil
}

// devSet is a development set read from its TSV file.
type devSet struct {
	name string
	ex   []triage.Example
}

// readDevSets reads the development sets given (an empty path is a set not given); the
// first is "dev", the others "dev2", "dev3", ….
func readDevSets(paths []string) ([]devSet, error) {
	var sets []devSet
	for i, path := range paths {
		if path == "" {
			continue
		}
		name := "dev"
		if i > 0 {
			name = fmt.Sprintf("dev%d", i+1)
		}
		ex, err := readSet(name, path)
		if err != nil {
			return nil, err
		}
		sets = append(sets, devSet{name: name, ex: ex})
	}
	return sets, nil
}

func run(cv bool, fs files, builtin, fresh, verbose bool, o triage.TrainOptions) error {
	tune, held, err := triage.Split()
	if err != nil {
		return err
	}
	devSets, err := readDevSets(fs.devs)
	if err != nil {
		return err
	}
	if fs.cvSave != "" {
		if err := saveTexts(fs.cvSave, tune); err != nil {
			return err
		}
	}
	var cvKeep map[string]bool
	if fs.cvOn != "" {
		if cvKeep, err = loadTexts(fs.cvOn); err != nil {
			return err
		}
	}
	var m *triage.Model
	if builtin {
		if m, err = triage.BuiltinModel(); err != nil {
			return err
		}
	} else {
		m = triage.Train(tune, o)
	}
	fmt.Printf("model %s, %d features, settings %+v\n", m.Version(), m.Features(), o)
	show := func(name string, ev triage.Evaluation) {
		fmt.Printf("%-9s acc %5.1f%% (%d/%d)  recall:", name, 100*ev.Accuracy(), ev.Correct, ev.N)
		for _, c := range triage.Categories() {
			fmt.Printf(" %s %.1f", c, 100*ev.Recall(c))
		}
		fmt.Println()
		if verbose {
			ev.Print(os.Stdout, name)
		}
	}
	devEvs := make([]triage.Evaluation, len(devSets))
	for i, set := range devSets {
		preds := make(map[string]triage.Prediction, len(set.ex))
		for _, e := range set.ex {
			preds[e.ID] = m.Read(e.Text)
		}
		devEvs[i] = triage.EvaluatePredictions(set.ex, preds)
		show(set.name, devEvs[i])
		printExtraction(set.name, m, set.ex, verbose)
		if i == 0 {
			printConfident(set.name, set.ex, preds)
		}
		if verbose {
			devEvs[i].PrintMisses(os.Stdout)
		}
	}
	if len(devEvs) >= 2 {
		fmt.Println(sumLine("dev+dev2", devEvs[:2]...))
	}
	if len(devEvs) >= 3 {
		fmt.Println(sumLine("dev3+", devEvs[2:]...))
	}
	fmt.Println(sumLine("all dev", devEvs...))
	if cv {
		crossValidate(tune, cvKeep, fs.cvMiss, o, show)
	}
	show("heldout", triage.Evaluate(held, m.Read))
	if fresh {
		return readFresh(m, show)
	}
	return nil
}

// crossValidate prints grouped 5-fold cross-validation of the tuning split, the misses cvMiss
// names and, when cvKeep is set, its reading on the messages before a corpus change.
func crossValidate(tune []triage.Example, cvKeep map[string]bool, cvMiss string, o triage.TrainOptions, show func(string, triage.Evaluation)) {
	preds := triage.CrossValidate(tune, 5, o)
	show("cv", triage.EvaluatePredictions(tune, preds))
	printConfident("cv", tune, preds)
	if cvMiss != "" {
		printCVMisses(cvMiss, tune, preds)
	}
	if cvKeep != nil {
		var orig []triage.Example
		for _, e := range tune {
			if cvKeep[e.Text] {
				orig = append(orig, e)
			}
		}
		show("cv-orig", triage.EvaluatePredictions(orig, preds))
	}
}

// readFresh prints fresh held-out sets 2 and 3.
func readFresh(m *triage.Model, show func(string, triage.Evaluation)) error {
	for _, f := range []struct {
		name string
		load func() ([]triage.Example, error)
	}{{"fresh2", triage.FreshHeldOut2}, {"fresh3", triage.FreshHeldOut3}} {
		ex, err := f.load()
		if err != nil {
			return err
		}
		show(f.name, triage.Evaluate(ex, m.Read))
	}
	return nil
}

// sumLine is the count of right answers over several development sets, read together
// because each alone moves by a message or two from noise.
func sumLine(name string, evs ...triage.Evaluation) string {
	var correct, n int
	for _, ev := range evs {
		correct += ev.Correct
		n += ev.N
	}
	pct := 0.0
	if n > 0 {
		pct = 100 * float64(correct) / float64(n)
	}
	return fmt.Sprintf("%-9s %d/%d (%.1f%%)", name, correct, n, pct)
}

// printExtraction prints the recall and precision of the order numbers Classify finds in a
// set's labelled messages (the text alone, no shop formats) and of its urgency flag. Both are
// Classify's, so the urgency is read with the embedded model, not the one being measured (it
// depends on the intent only for spam, phishing and filed complaints). With misses it also
// lists the development set's messages whose numbers or urgency differ.
func printExtraction(name string, m *triage.Model, examples []triage.Example, misses bool) {
	r := triage.EvaluateIntentOrdersAndUrgency(m, examples)
	for _, sc := range []struct {
		what string
		s    triage.Score
	}{{"orders", r.Orders}, {"urgency", r.Urgency}} {
		if sc.s.TP+sc.s.FN > 0 {
			fmt.Printf("  %s %s: recall %.1f%% (%d/%d), precision %.1f%% (%d/%d)\n", name, sc.what,
				100*sc.s.Recall(), sc.s.TP, sc.s.TP+sc.s.FN, 100*sc.s.Precision(), sc.s.TP, sc.s.TP+sc.s.FP)
		}
	}
	if !misses {
		return
	}
	for _, e := range examples {
		res := triage.Classify("", "", e.Text)
		if !sameFold(e.Entities.OrderNumbers, res.Entities.OrderNumbers) {
			fmt.Printf("    want %q got %q: %s\n", e.Entities.OrderNumbers, res.Entities.OrderNumbers, e.Text)
		}
		if (e.Urgency == "high") != res.Hurry {
			fmt.Printf("    urgency %s, hurry %v: %s\n", e.Urgency, res.Hurry, e.Text)
		}
	}
}

// sameFold says whether two lists of order numbers hold the same numbers, case and width aside.
func sameFold(a, b []string) bool {
	set := func(xs []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range xs {
			m[triage.NormalizeOrderNo(x)] = true
		}
		return m
	}
	return maps.Equal(set(a), set(b))
}

// printConfident prints the coverage and accuracy of the predictions at the confidence
// thresholds of triage.Decide.
func printConfident(name string, examples []triage.Example, preds map[string]triage.Prediction) {
	for _, th := range []float64{triage.UsableAt, triage.ConfidentAt} {
		cov, acc := triage.ScoreAtConfidence(examples, preds, th)
		fmt.Printf("  %s at ≥%.2f: coverage %.1f%%, accuracy %.2f%%\n", name, th, 100*cov, 100*acc)
	}
}

// saveTexts writes the examples' texts, one JSON string a line.
func saveTexts(path string, examples []triage.Example) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cvsave: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, e := range examples {
		if err := enc.Encode(e.Text); err != nil {
			_ = f.Close()
			return fmt.Errorf("cvsave: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		_ = f.Close()
		return fmt.Errorf("cvsave: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cvsave: %w", err)
	}
	return nil
}

// loadTexts reads a saveTexts file into a set.
func loadTexts(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cvon: %w", err)
	}
	out := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(b))
	for dec.More() {
		var s string
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("cvon %s: %w", path, err)
		}
		out[s] = true
	}
	return out, nil
}

// printCVMisses lists the tuning messages labelled want and read as got by cross-validation
// ("*" matches any intent), most confident first. The tuning split is the corpus's own: its
// misses may be read (unlike the development and fresh sets' misses) to find lines whose
// label disagrees with the conventions.
func printCVMisses(filter string, tune []triage.Example, preds map[string]triage.Prediction) {
	want, got, found := strings.Cut(filter, ">")
	if !found {
		got = "*" // "A" alone: labelled A, read as anything else
	}
	var out []triage.Example
	for _, e := range tune {
		p := preds[e.ID]
		if p.Intent == e.Intent || (want != "*" && string(e.Intent) != want) || (got != "*" && string(p.Intent) != got) {
			continue
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return preds[out[i].ID].Confidence > preds[out[j].ID].Confidence })
	fmt.Printf("cv misses %s: %d\n", filter, len(out))
	for _, e := range out {
		p := preds[e.ID]
		fmt.Printf("  %.2f %s>%s %s %s\n", p.Confidence, e.Intent, p.Intent, e.Group, e.Text)
	}
}
