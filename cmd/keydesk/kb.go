package main

// keydesk kb reindex: rebuild the knowledge-base search index (search_kb) from the article
// rows (issue 15). Articles are indexed in the transaction that writes them; this is for rows
// written around the API, a restored backup, or a MariaDB table moved to another engine.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/keydesk/keydesk/config"
)

const kbUsage = `usage: keydesk kb reindex [--merchant ID]`

func kbCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "reindex" {
		return errors.New(kbUsage)
	}
	fs := flag.NewFlagSet("kb reindex", flag.ContinueOnError)
	merchant := fs.Uint64("merchant", 0, "only this merchant's articles (default: every merchant)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(kbUsage)
	}
	s, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	if *merchant != 0 {
		// A mistyped id would otherwise "reindex" nothing and print zeros.
		slug, err := s.MerchantSlug(ctx, *merchant)
		if err != nil {
			return fmt.Errorf("kb reindex: %w", err)
		}
		if slug == "" {
			return fmt.Errorf("kb reindex: no merchant with id %d", *merchant)
		}
	}
	start := time.Now()
	r, err := s.ReindexKB(ctx, *merchant)
	if err != nil {
		return fmt.Errorf("kb reindex: %w", err)
	}
	engine, _ := s.KBEngine(ctx)
	scope := "all merchants"
	if *merchant != 0 {
		scope = fmt.Sprintf("merchant %d", *merchant)
	}
	fmt.Fprintf(out, "kb articles indexed: %d, stale index rows dropped: %d (%s, %s) in %s\n",
		r.Indexed, r.Pruned, scope, engine, time.Since(start).Round(time.Millisecond))
	return nil
}
