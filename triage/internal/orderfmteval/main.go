// Command orderfmteval measures order-number extraction from the text alone
// (triage.ExtractEntities) against extraction in learned order formats
// (triage.ExtractOrderNumbers), on material that may be read: the corpus (formats learned
// leave-one-group-out from its other labelled order numbers, all pooled as one shop) and the
// hand-written shops file (each message read with the formats learned from its shop's
// sample). It prints recall and precision of each; -v lists the messages of the shops file
// where the two differ. It never reads the fresh held-out sets or the development set.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/keydesk/keydesk/triage"
)

func main() {
	shops := flag.String("shops", "triage/testdata/orderformats_shops.tsv", "shops' order numbers and messages (TSV)")
	verbose := flag.Bool("v", false, "list the shops file's messages where text-only and learned formats differ")
	flag.Parse()
	if err := run(*shops, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "orderfmteval:", err)
		os.Exit(1)
	}
}

func run(shopsPath string, verbose bool) error {
	corpus, err := triage.Corpus()
	if err != nil {
		return err
	}
	var held []triage.Example
	for _, e := range corpus {
		if triage.HeldOut(e.Group) {
			held = append(held, e)
		}
	}
	fmt.Println("order numbers: recall / precision (TP, FN, FP)")
	show("corpus, leave-one-group-out", triage.EvaluateOrderFormatsLeaveOneOut(corpus))
	show("corpus held-out split, leave-one-group-out", triage.EvaluateOrderFormatsLeaveOneOut(held))

	f, err := os.Open(shopsPath)
	if err != nil {
		return fmt.Errorf("open shops file: %w", err)
	}
	defer f.Close()
	samples, msgs, err := triage.ReadOrderFormatShops(f)
	if err != nil {
		return err
	}
	formats := map[string]triage.OrderFormats{}
	var names []string
	for name, s := range samples {
		formats[name] = triage.LearnOrderFormats(s)
		names = append(names, name)
	}
	sort.Strings(names)
	show(fmt.Sprintf("shops file (%d shops, formats from each shop's sample)", len(samples)),
		triage.EvaluateOrderFormats(msgs, func(e triage.Example) triage.OrderFormats { return formats[e.Group] }))
	for _, name := range names {
		var own []triage.Example
		for _, e := range msgs {
			if e.Group == name {
				own = append(own, e)
			}
		}
		fv := formats[name]
		ev := triage.EvaluateOrderFormats(own, func(triage.Example) triage.OrderFormats { return fv })
		fmt.Printf("  %-11s %v (coverage %.0f%%): text-only %s, learned %s\n", name, fv.Shapes(), 100*fv.Coverage(),
			brief(ev.TextOnly), brief(ev.Learned))
	}
	if verbose {
		for _, e := range msgs {
			t, l := triage.ExtractEntities(e.Text).OrderNumbers, triage.ExtractOrderNumbers(e.Text, formats[e.Group])
			if !slices.Equal(t, l) {
				fmt.Printf("  %-11s want %v text-only %v learned %v  %s\n", e.Group, e.Entities.OrderNumbers, t, l, e.Text)
			}
		}
	}
	return nil
}

func show(title string, ev triage.OrderFormatsEvaluation) {
	fmt.Printf("%s: %d messages, %d with formats\n", title, ev.Examples, ev.WithFormats)
	fmt.Printf("  text only (ExtractEntities)             %s\n", brief(ev.TextOnly))
	fmt.Printf("  learned formats (ExtractOrderNumbers)   %s\n", brief(ev.Learned))
	fmt.Printf("  learned, unmatched numbers kept         %s\n", brief(ev.LearnedKeepUnmatched))
}

func brief(s triage.Score) string {
	return fmt.Sprintf("%5.1f%% / %5.1f%% (%d, %d, %d)", 100*s.Recall(), 100*s.Precision(), s.TP, s.FN, s.FP)
}
