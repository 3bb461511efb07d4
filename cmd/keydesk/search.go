package main

// keydesk search reindex: rebuild the ticket full-text index and the card-key fragment index
// from the rows (issue 15). New rows are indexed by triggers as they are written; this is for
// data written before migration 00180/00380 or after restoring a backup without the index tables.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/store"
)

const searchUsage = `usage: keydesk search reindex [--batch N] [--tickets-only]`

func searchCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "reindex" {
		return errors.New(searchUsage)
	}
	fs := flag.NewFlagSet("search reindex", flag.ContinueOnError)
	batch := fs.Int("batch", 1000, "tickets per transaction")
	ticketsOnly := fs.Bool("tickets-only", false, "skip the card-key fragment index (needs the secret key)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	n, err := s.RebuildTicketSearch(ctx, *batch)
	if err != nil {
		return err
	}
	engine, _ := s.SearchEngine(ctx)
	fmt.Fprintf(out, "tickets indexed: %d (%s) in %s\n", n, engine, time.Since(start).Round(time.Millisecond))
	if *ticketsOnly {
		return nil
	}
	secrets, err := cfg.LoadSecrets(cfg.Embedded(), log)
	if err != nil {
		return err
	}
	start = time.Now()
	k, err := reindexKeyGrams(ctx, s, secrets.Box)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "card keys indexed: %d in %s\n", k, time.Since(start).Round(time.Millisecond))
	return nil
}

// reindexKeyGrams records the keyed hashes of the tail grams of every card key that reached a
// buyer. The secret is decrypted in memory only; neither it nor a gram is stored or printed.
func reindexKeyGrams(ctx context.Context, s *store.Store, box *secretbox.Box) (int, error) {
	var after uint64
	n := 0
	for {
		ks, err := s.CardKeysForIndex(ctx, after, 500)
		if err != nil {
			return n, err
		}
		if len(ks) == 0 {
			return n, nil
		}
		for _, k := range ks {
			after = k.ID
			secret, err := box.Open(k.SecretCipher, store.CardKeyAAD(k.ProductID))
			if err != nil {
				return n, fmt.Errorf("card key %d: cannot decrypt (wrong secret key?): %w", k.ID, err)
			}
			grams := store.KeyTailGrams(string(secret))
			hashes := make([]string, len(grams))
			for i, g := range grams {
				hashes[i] = box.Hash(store.KeyGramScope(k.MerchantID), g)
			}
			if err := s.IndexKeyGrams(ctx, k.MerchantID, k.ID, hashes); err != nil {
				return n, err
			}
			n++
		}
	}
}
