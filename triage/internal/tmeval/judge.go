package main

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/keydesk/keydesk/triage"
)

// corpusHand is the hand-written corpus file a judged round would be appended to.
const corpusHand = "triage/testdata/corpus_hand.txt"

// maxCVDrop is how far the cross-validation of the earlier messages may fall, summed over
// the dropouts, for a round to go in (about the noise between two readings of nearly the
// same lines).
const maxCVDrop = 15

// entityMark is corpus_hand.txt's entity markup ([[o:…]], [[k:…]], [[e:…]]).
var entityMark = regexp.MustCompile(`\[\[[oke]:([^\]]+)\]\]`)

// parseHandLines reads lines in corpus_hand.txt's format ("intent|urgency|lang|text"; "#"
// lines and blank lines skipped) as gencorpus.py would if they were appended after
// firstLine-1 lines: each is its own group "h:NNNN", numbered by its line in the file.
func parseHandLines(text string, firstLine int) ([]triage.Example, error) {
	var out []triage.Example
	langs := map[string]string{"z": "zh", "e": "en", "m": "mixed", "p": "zh"}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "|", 4)
		if len(f) != 4 || !triage.Category(f[0]).Valid() || (f[1] != "h" && f[1] != "n") || langs[f[2]] == "" {
			return nil, fmt.Errorf("line %d: want intent|h or n|z, e, m or p|text: %q", i+1, line)
		}
		g := fmt.Sprintf("h:%04d", firstLine+i)
		urgency := map[string]string{"h": "high", "n": "normal"}[f[1]]
		out = append(out, triage.Example{ID: g, Group: g, Lang: langs[f[2]], Pinyin: f[2] == "p",
			Text: entityMark.ReplaceAllString(f[3], "$1"), Intent: triage.Category(f[0]), Urgency: urgency})
	}
	return out, nil
}

// roundTune is the tuning split with a round's lines added as if they were appended to
// corpus_hand.txt under one batch header line: those whose group falls in the held-out
// split stay out of it, as they would after gencorpus.py.
func roundTune(tune []triage.Example, handLines int, round string) ([]triage.Example, int, error) {
	added, err := parseHandLines(round, handLines+2)
	if err != nil {
		return nil, 0, err
	}
	out := append([]triage.Example(nil), tune...)
	n := 0
	for _, e := range added {
		if !triage.HeldOut(e.Group) {
			out = append(out, e)
			n++
		}
	}
	return out, n, nil
}

// reading is what one model setting scores: right answers per development set, on
// cross-validation of the whole tuning split and of the messages before the round.
type reading map[string]int

// read trains on tune, reads every development set and cross-validates; earlier holds the
// IDs of the messages before the round ("cv-orig").
func read(tune []triage.Example, earlier map[string]bool, devs []devSet, o triage.TrainOptions) reading {
	r := reading{}
	m := triage.Train(tune, o)
	for _, set := range devs {
		preds := make(map[string]triage.Prediction, len(set.ex))
		for _, e := range set.ex {
			preds[e.ID] = m.Read(e.Text)
		}
		c := triage.EvaluatePredictions(set.ex, preds).Correct
		r[set.name] = c
		r["all dev"] += c
	}
	preds := triage.CrossValidate(tune, 5, o)
	r["cv"] = triage.EvaluatePredictions(tune, preds).Correct
	var orig []triage.Example
	for _, e := range tune {
		if earlier[e.ID] {
			orig = append(orig, e)
		}
	}
	r["cv-orig"] = triage.EvaluatePredictions(orig, preds).Correct
	return r
}

// verdict applies the round rule (README, "Triage"): a round goes in when the sum over all
// development sets rises and the cross-validation of the earlier messages falls by no more
// than maxCVDrop.
func verdict(base, cand reading) (bool, string) {
	dev, cv := cand["all dev"]-base["all dev"], cand["cv-orig"]-base["cv-orig"]
	in := dev > 0 && cv >= -maxCVDrop
	word := "stays out"
	if in {
		word = "goes in"
	}
	return in, fmt.Sprintf("all dev %+d (must rise), cv-orig %+d (may fall by %d at most): the round %s", dev, cv, maxCVDrop, word)
}

// judge reads the development sets and cross-validation with and without the round's lines
// over the dropouts and prints the sums and the verdict of the round rule.
func judge(w io.Writer, roundPath, dropoutList string, devPaths []string, o triage.TrainOptions) error {
	round, err := os.ReadFile(roundPath)
	if err != nil {
		return fmt.Errorf("judge: %w", err)
	}
	hand, err := os.ReadFile(corpusHand)
	if err != nil {
		return fmt.Errorf("judge (run from the repository's root): %w", err)
	}
	tune, _, err := triage.Split()
	if err != nil {
		return err
	}
	cand, added, err := roundTune(tune, strings.Count(string(hand), "\n"), string(round))
	if err != nil {
		return fmt.Errorf("judge %s: %w", roundPath, err)
	}
	devs, err := readDevSets(devPaths)
	if err != nil {
		return err
	}
	earlier := make(map[string]bool, len(tune))
	for _, e := range tune {
		earlier[e.ID] = true
	}
	var drops []float64
	for _, f := range strings.Split(dropoutList, ",") {
		d, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || d < 0 || d >= 1 {
			return fmt.Errorf("judge: dropout %q: want a number in [0, 1)", f)
		}
		drops = append(drops, d)
	}
	fmt.Fprintf(w, "round %s: %d lines reach the tuning split (%d messages before it), dropouts %s\n", roundPath, added, len(tune), dropoutList)
	sumBase, sumCand := reading{}, reading{}
	for _, d := range drops {
		o.Dropout = d
		b, c := read(tune, earlier, devs, o), read(cand, earlier, devs, o)
		for k, v := range b {
			sumBase[k] += v
		}
		for k, v := range c {
			sumCand[k] += v
		}
		fmt.Fprintf(w, "  dropout %.2f: all dev %d -> %d, cv-orig %d -> %d\n", d, b["all dev"], c["all dev"], b["cv-orig"], c["cv-orig"])
	}
	names := make([]string, 0, len(devs)+3)
	for _, set := range devs {
		names = append(names, set.name)
	}
	fmt.Fprintf(w, "%-9s %8s %8s %6s\n", "set", "before", "with", "diff")
	for _, n := range append(names, "all dev", "cv", "cv-orig") {
		fmt.Fprintf(w, "%-9s %8d %8d %+6d\n", n, sumBase[n], sumCand[n], sumCand[n]-sumBase[n])
	}
	_, why := verdict(sumBase, sumCand)
	fmt.Fprintln(w, why)
	return nil
}
