package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// fraudCmd runs `keydesk fraud report --merchant SLUG [--days N] [--json]`: every rule's
// precision against the risk agents' decisions (approve / deny) on the merchant's claims
// in the last N days.
func fraudCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "report" {
		return errors.New("usage: keydesk fraud report --merchant SLUG [--days 90] [--json]")
	}
	fs := flag.NewFlagSet("fraud report", flag.ContinueOnError)
	merchant := fs.String("merchant", "demo", "merchant slug")
	days := fs.Int("days", 90, "decisions of the last N days")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	s, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	var m models.Merchant
	if err := s.DB(ctx).Where("slug = ?", *merchant).First(&m).Error; err != nil {
		return store.Translate(err, "merchant "+*merchant)
	}
	labels, err := s.RiskLabels(ctx, m.ID, time.Now().UTC().Add(-time.Duration(*days)*24*time.Hour))
	if err != nil {
		return err
	}
	ls := make([]fraud.Label, 0, len(labels))
	denied := 0
	for _, l := range labels {
		var hits []fraud.Hit
		if err := l.Hits.Decode(&hits); err != nil {
			return fmt.Errorf("fraud report: ticket %d: %w", l.TicketID, err)
		}
		ls = append(ls, fraud.Label{Denied: l.Denied, Hits: hits})
		if l.Denied {
			denied++
		}
	}
	stats := fraud.RulePrecision(ls)
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"decisions": len(ls), "denied": denied, "rules": stats})
	}
	fmt.Fprintf(out, "%d risk decisions in the last %d days (%d denied, %d approved); ruleset now %s\n",
		len(ls), *days, denied, len(ls)-denied, fraud.RulesetVersion)
	fmt.Fprintf(out, "%-32s %6s %7s %9s %10s\n", "rule", "fired", "denied", "approved", "precision")
	for _, st := range stats {
		kind := ""
		if st.Credit {
			kind = " (credit: agreed = approved)"
		}
		fmt.Fprintf(out, "%-32s %6d %7d %9d %9.0f%%%s\n", st.Rule, st.Fired, st.Denied, st.Approved, 100*st.Precision, kind)
	}
	return nil
}
