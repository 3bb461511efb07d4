package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// history runs `keydesk history import --merchant SLUG FILE`: the same import as the
// signed POST /api/v1/integrations/history, from a file ({"events":[…]} or a bare JSON
// array of events; "-" reads standard input), sent in chunks of 1,000 events.
func history(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: keydesk history import --merchant SLUG FILE|-")
	}
	fs := flag.NewFlagSet("history import", flag.ContinueOnError)
	merchant := fs.String("merchant", "demo", "merchant slug")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("history import needs exactly one FILE (or - for standard input)")
	}
	body, closeBody, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer closeBody()
	raw, err := io.ReadAll(io.LimitReader(body, 512<<20))
	if err != nil {
		return fmt.Errorf("history import: read: %w", err)
	}
	events, err := parseHistory(raw)
	if err != nil {
		return err
	}
	s, err := openMigrated(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	var m models.Merchant
	if err := s.DB(ctx).Where("slug = ?", *merchant).First(&m).Error; err != nil {
		return store.Translate(err, "merchant "+*merchant)
	}
	svc := inventory.New(inventory.Opts{Store: s, Log: log})
	total := inventory.HistoryResult{}
	for start := 0; start < len(events); start += inventory.MaxHistoryEvents {
		end := min(start+inventory.MaxHistoryEvents, len(events))
		res, err := svc.ImportHistory(ctx, m.ID, inventory.HistoryPush{Events: events[start:end]})
		if err != nil {
			return fmt.Errorf("history import: events %d-%d: %w", start, end-1, err)
		}
		total.Created += res.Created
		total.Existing += res.Existing
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(total)
}

func parseHistory(raw []byte) ([]inventory.HistoryItem, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var evs []inventory.HistoryItem
		if err := json.Unmarshal(raw, &evs); err != nil {
			return nil, fmt.Errorf("history import: %w", err)
		}
		return evs, nil
	}
	var p inventory.HistoryPush
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("history import: %w", err)
	}
	return p.Events, nil
}
