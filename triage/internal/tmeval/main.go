// Command tmeval measures intent models for choosing model and feature changes: a model
// trained on the tuning split with the given settings (or the embedded one) is read on a
// development set, on grouped 5-fold cross-validation of the tuning split (with the
// accuracy of confident predictions) and on the corpus's held-out split. The fresh held-out
// sets are read only with -fresh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/keydesk/keydesk/triage"
)

func main() {
	dev := flag.String("dev", "triage/testdata/dev_tmodel.tsv", "development set (TSV)")
	builtin := flag.Bool("builtin", false, "read the embedded model instead of training one")
	fresh := flag.Bool("fresh", false, "also read fresh held-out sets 2 and 3")
	verbose := flag.Bool("v", false, "print full reports and the development set's misses")
	o := triage.DefaultTrainOptions
	flag.IntVar(&o.Epochs, "epochs", o.Epochs, "epochs")
	flag.Float64Var(&o.Rate, "rate", o.Rate, "learning rate")
	flag.Float64Var(&o.Decay, "decay", o.Decay, "rate decay")
	flag.Float64Var(&o.L2, "l2", o.L2, "L2 per step")
	flag.Float64Var(&o.Temperature, "temp", o.Temperature, "softmax temperature")
	flag.Float64Var(&o.Dropout, "dropout", o.Dropout, "feature dropout")
	flag.Parse()
	if err := run(*dev, *builtin, *fresh, *verbose, o); err != nil {
		fmt.Fprintln(os.Stderr, "tmeval:", err)
		os.Exit(1)
	}
}

func run(devPath string, builtin, fresh, verbose bool, o triage.TrainOptions) error {
	tune, held, err := triage.Split()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(devPath)
	if err != nil {
		return fmt.Errorf("read dev set: %w", err)
	}
	dev, err := triage.ParseLabelledTSV("dev", string(b))
	if err != nil {
		return err
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
	devEv := triage.Evaluate(dev, m.Read)
	show("dev", devEv)
	devPreds := make(map[string]triage.Prediction, len(dev))
	for _, e := range dev {
		devPreds[e.ID] = m.Read(e.Text)
	}
	printConfident("dev", dev, devPreds)
	if verbose {
		devEv.PrintMisses(os.Stdout)
	}
	preds := triage.CrossValidate(tune, 5, o)
	show("cv", triage.EvaluatePredictions(tune, preds))
	printConfident("cv", tune, preds)
	show("heldout", triage.Evaluate(held, m.Read))
	if fresh {
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
	}
	return nil
}

// printConfident prints the coverage and accuracy of the predictions at the confidence
// thresholds of triage.Decide.
func printConfident(name string, examples []triage.Example, preds map[string]triage.Prediction) {
	for _, th := range []float64{triage.UsableAt, triage.ConfidentAt} {
		cov, acc := triage.ScoreAtConfidence(examples, preds, th)
		fmt.Printf("  %s at ≥%.2f: coverage %.1f%%, accuracy %.2f%%\n", name, th, 100*cov, 100*acc)
	}
}
