package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/keydesk/keydesk/api"
	"github.com/keydesk/keydesk/bench"
	"github.com/keydesk/keydesk/config"
)

const benchUsage = `usage:
  keydesk bench queue [--rows N] [--merchants N] [--requests N]   GET /api/v1/queue p50/p99 over N tickets in KEYDESK_DB
  keydesk bench reissue --seed-json FILE [--base-url URL]         POST /tickets → replacement key visible, against a running keydesk
  keydesk bench triage [--misses] [--final] [--reps N]            intent accuracy, recall, entities, urgency on the triage corpus
  keydesk bench fraud [--misses] [--db URL]                       fraud corpus replay: confusion matrix and rates, tuning and held-out
  keydesk bench footprint [--sizes 1000,2000] [--db URL]          memory, goroutines and disk of both databases per open / closed ticket
  keydesk bench search [--tickets 20000] [--db URL]               ticket search latency p50/p99 per query kind, index size, write overhead`

// runBench runs a benchmark that prints its figures (never a pass/fail timing).
func runBench(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(benchUsage)
	}
	switch args[0] {
	case "queue":
		return benchQueue(ctx, cfg, log, args[1:], out)
	case "triage":
		return benchTriage(args[1:], out)
	case "fraud":
		return benchFraud(ctx, log, args[1:], out)
	case "footprint":
		return benchFootprint(ctx, cfg, args[1:], out)
	case "search":
		return benchSearch(ctx, log, args[1:], out)
	case "reissue":
		cfg.Finish()
		return bench.ReissueMain(ctx, args[1:], out, cfg.PublicURL)
	default:
		return fmt.Errorf("unknown benchmark %q\n%s", args[0], benchUsage)
	}
}

func benchQueue(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench queue", flag.ContinueOnError)
	o := api.QueueBenchOptions{Out: out}
	fs.IntVar(&o.Rows, "rows", 1_000_000, "tickets in the bench merchants (reused across runs)")
	fs.IntVar(&o.Merchants, "merchants", 10, "merchants the tickets are spread over")
	fs.IntVar(&o.Requests, "requests", 1000, "timed requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := openMigrated(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = api.BenchQueue(ctx, s, o)
	return err
}
