package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// keys runs `keydesk keys import --merchant SLUG --sku SKU [--format F] FILE`.
func keys(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: keydesk keys import --merchant SLUG --sku SKU [--format lines|csv|json] [--label L] [--supplier S] FILE|-")
	}
	fs := flag.NewFlagSet("keys import", flag.ContinueOnError)
	merchant := fs.String("merchant", "demo", "merchant slug")
	sku := fs.String("sku", "", "product SKU (required)")
	format := fs.String("format", "", "lines, csv or json (default: sniffed)")
	label := fs.String("label", "", "batch label")
	supplier := fs.String("supplier", "", "supplier name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *sku == "" || fs.NArg() != 1 {
		return errors.New("keys import needs --sku and exactly one FILE (or - for standard input)")
	}
	body, closeBody, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer closeBody()
	s, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	secrets, err := cfg.LoadSecrets(cfg.Embedded(), log)
	if err != nil {
		return err
	}
	var m models.Merchant
	if err := s.DB(ctx).Where("slug = ?", *merchant).First(&m).Error; err != nil {
		return store.Translate(err, "merchant "+*merchant)
	}
	svc := inventory.New(inventory.Opts{Store: s, Box: secrets.Box, Log: log})
	rep, err := svc.Import(ctx, inventory.ImportInput{
		MerchantID: m.ID, SKU: *sku, Format: *format, Body: body,
		Label: *label, Supplier: *supplier, Source: inventory.SourceCLI,
	})
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if encErr := enc.Encode(rep); encErr != nil {
		return encErr
	}
	if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	return nil
}

func openInput(name string) (io.Reader, func(), error) {
	if name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { _ = f.Close() }, nil
}
