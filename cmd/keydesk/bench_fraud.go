package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/keydesk/keydesk/activities/fraudreplay"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/fraud/corpus"
	"github.com/keydesk/keydesk/internal/fraude2e"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/store"
)

// benchFraud replays the labelled claim corpus (fraud/corpus) through AssessKeyClaim and
// ReissueKey over a fresh SQLite database in a temporary directory (or the database named
// by --db) and prints, for the tuning split and the held-out split separately, the
// confusion matrix, the rate at which known fraud gets a key, the share of abnormal claims
// held (review or deny), the share of honest claims resolved automatically, and the
// claim → decision latency.
func benchFraud(ctx context.Context, log *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench fraud", flag.ContinueOnError)
	dbURL := fs.String("db", "", "database URL (sqlite:PATH or mysql:DSN); default: a fresh SQLite file in a temporary directory")
	misses := fs.Bool("misses", false, "list the scenarios decided differently from their label, with the rules that fired")
	e2e := fs.Bool("e2e", false, "file every claim through the buyer API of a running product (embedded Temporal, worker, SQLite) and read the workflow's decision")
	set := fs.String("set", "corpus", `which labelled scenarios: "corpus" (fraud/corpus, written by the generator the rules were tuned with), "independent" to "independent22" (written by hand apart from the rules, fraud/corpus/testdata/independent*.json), "`+allIndependent+`" (all of those at once, pooled and set by set) or a JSON file in the same format`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	scs, err := loadFraudSet(*set)
	if err != nil {
		return fmt.Errorf("bench fraud: %w", err)
	}
	if len(scs) == 0 {
		return fmt.Errorf("bench fraud: --set %s holds no scenarios", *set)
	}
	if *e2e {
		return benchFraudE2E(ctx, *set, scs, *misses, out)
	}
	url := *dbURL
	if url == "" {
		dir, err := os.MkdirTemp("", "keydesk-bench-fraud-")
		if err != nil {
			return fmt.Errorf("bench fraud: %w", err)
		}
		defer os.RemoveAll(dir)
		url = "sqlite:" + filepath.Join(dir, "fraud.db")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if log != nil && *dbURL != "" {
		quiet = log
	}
	s, err := store.Open(ctx, store.Options{URL: url, Logger: quiet})
	if err != nil {
		return fmt.Errorf("bench fraud: %w", err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("bench fraud: migrate: %w", err)
	}
	key := make([]byte, secretbox.KeySize) // a throwaway key: the bench's card keys are fake
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("bench fraud: %w", err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		return fmt.Errorf("bench fraud: %w", err)
	}
	t0 := time.Now()
	outs, err := (&fraudreplay.Runner{Store: s, Box: box}).RunAll(ctx, scs)
	if err != nil {
		return fmt.Errorf("bench fraud: %w", err)
	}
	fmt.Fprintf(out, "fraud scenarios (%s): %d, ruleset %s, replayed in %s over %s\n\n", *set, len(outs), fraud.RulesetVersion,
		time.Since(t0).Round(time.Millisecond), strings.SplitN(url, ":", 2)[0])
	printFraudOutcomes(out, outs, "activities", *misses)
	return printFraudSets(out, *set, outs)
}

// allIndependent is --set's name for every hand-written set at once.
const allIndependent = "independent-all"

// independentSets are the embedded hand-written sets, in corpus.Sets' order.
func independentSets() []string {
	return slices.DeleteFunc(slices.Clone(corpus.Sets), func(n string) bool { return n == "corpus" })
}

// loadFraudSet returns the scenarios --set names: one of the embedded sets, all the
// hand-written ones, or a file.
func loadFraudSet(set string) ([]corpus.Scenario, error) {
	if set == allIndependent {
		var all []corpus.Scenario
		for _, name := range independentSets() {
			scs, err := corpus.LoadSet(name)
			if err != nil {
				return nil, err
			}
			all = append(all, scs...)
		}
		return all, nil
	}
	if slices.Contains(corpus.Sets, set) {
		return corpus.LoadSet(set)
	}
	data, err := os.ReadFile(set)
	if err != nil {
		return nil, fmt.Errorf("--set: %w", err)
	}
	return corpus.Parse(data)
}

// benchFraudE2E replays the corpus through the running product (internal/fraude2e).
func benchFraudE2E(ctx context.Context, set string, scs []corpus.Scenario, misses bool, out io.Writer) error {
	p, err := fraude2e.Start(ctx, nil)
	if err != nil {
		return fmt.Errorf("bench fraud --e2e: %w", err)
	}
	defer p.Close()
	t0 := time.Now()
	outs, err := p.Replay(ctx, scs)
	if err != nil {
		return fmt.Errorf("bench fraud --e2e: %w", err)
	}
	fmt.Fprintf(out, "fraud scenarios (%s): %d, ruleset %s, filed through the buyer API and decided by the ticket workflow (embedded Temporal, SQLite) in %s\n\n",
		set, len(outs), fraud.RulesetVersion, time.Since(t0).Round(time.Millisecond))
	printFraudOutcomes(out, outs, "API submission → workflow decision", misses)
	return printFraudSets(out, set, outs)
}

// printFraudOutcomes prints, per split, the confusion matrix, the three rates and the
// latency percentiles (labelled by what they measure).
func printFraudOutcomes(out io.Writer, outs []corpus.Outcome, latency string, misses bool) {
	for _, split := range []string{corpus.Tune, corpus.HeldOut} {
		var part []corpus.Outcome
		var lat []time.Duration
		for _, o := range outs {
			if o.Scenario.Split == split {
				part = append(part, o)
				lat = append(lat, o.Latency)
			}
		}
		m := corpus.Tally(part)
		name := "tuning split (rules tuned on it)"
		if split == corpus.HeldOut {
			name = "held-out split (never tuned on)"
		}
		fmt.Fprintf(out, "== %s: %d scenarios\n%s", name, m.Total, m)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		if len(lat) > 0 {
			fmt.Fprintf(out, "claim → decision (%s): p50 %s, p99 %s\n", latency, pct(lat, 0.50), pct(lat, 0.99))
		}
		if misses {
			for _, o := range part {
				if o.Decision != o.Scenario.Expected {
					fmt.Fprintf(out, "  %-22s want %-6s got %-6s %s\n", o.Scenario.ID, o.Scenario.Expected, o.Decision, strings.Join(o.Rules, " "))
				}
			}
		}
		fmt.Fprintln(out)
	}
}

// printFraudSets prints, for --set independent-all, each hand-written set's three rates on
// its tuning and held-out parts, one line each, after the pooled figures.
func printFraudSets(out io.Writer, set string, outs []corpus.Outcome) error {
	if set != allIndependent {
		return nil
	}
	origin := map[string]string{}
	for _, name := range independentSets() {
		scs, err := corpus.LoadSet(name)
		if err != nil {
			return err
		}
		for _, sc := range scs {
			origin[sc.ID] = name
		}
	}
	fmt.Fprintf(out, "%-14s %-8s %12s %20s %20s %9s\n", "set", "part", "fraud → key", "abnormal held", "honest served", "denied")
	for _, name := range independentSets() {
		for _, split := range []string{corpus.Tune, corpus.HeldOut} {
			var part []corpus.Outcome
			for _, o := range outs {
				if origin[o.Scenario.ID] == name && o.Scenario.Split == split {
					part = append(part, o)
				}
			}
			m := corpus.Tally(part)
			fmt.Fprintf(out, "%-14s %-8s %12s %20s %20s %9d\n", name, split, fmt.Sprintf("%d / %d", m.FraudKey, m.Fraud),
				fmt.Sprintf("%d / %d (%.1f%%)", m.Held, m.Abnormal, 100*corpus.Rate(m.Held, m.Abnormal)),
				fmt.Sprintf("%d / %d (%.1f%%)", m.HonestAuto, m.Honest, 100*corpus.Rate(m.HonestAuto, m.Honest)), m.HonestDenied)
		}
	}
	return nil
}

func pct(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(len(sorted)-1, i))
	return sorted[i].Round(10 * time.Microsecond)
}
