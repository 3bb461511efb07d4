package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/app"
	"github.com/keydesk/keydesk/internal/demo"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// openStore opens the configured database without Temporal (admin commands need none).
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.Store, error) {
	cfg.Finish()
	return store.Open(ctx, store.Options{URL: cfg.Database, Logger: log})
}

// openMigrated opens the configured database and applies pending migrations (seed-demo and
// the benchmarks work on a fresh database).
func openMigrated(ctx context.Context, cfg *config.Config, log *slog.Logger) (*store.Store, error) {
	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if _, err := s.Migrate(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: keydesk migrate up|down|status")
	}
	s, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	sqlDB, err := s.SQL()
	if err != nil {
		return err
	}
	p, err := migrations.NewProvider(sqlDB, s.Dialect())
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		res, err := p.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(out, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1000))
		}
		if err == nil && len(res) == 0 {
			fmt.Fprintln(out, "nothing to apply")
		}
		return err
	case "down":
		r, err := p.Down(ctx)
		if r != nil {
			fmt.Fprintf(out, "rolled back %s\n", r.Source.Path)
		}
		return err
	case "status":
		st, err := p.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
		for _, m := range st {
			at := "-"
			if !m.AppliedAt.IsZero() {
				at = m.AppliedAt.UTC().Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", m.Source.Version, m.State, at, m.Source.Path)
		}
		return tw.Flush()
	default:
		return fmt.Errorf("unknown migrate action %q: want up, down or status", args[0])
	}
}

func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed-demo", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print what was made as JSON")
	slug := fs.String("slug", "demo", "merchant slug to create")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := openMigrated(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	secrets, err := cfg.LoadSecrets(cfg.Embedded(), log)
	if err != nil {
		return err
	}
	enf, err := rbac.New(ctx, s)
	if err != nil {
		return err
	}
	res, err := demo.Seed(ctx, s, secrets.Box, enf, demo.Options{Slug: *slug})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printDemo(out, cfg.PublicURL, res)
	return nil
}

// seedOnFirstStart seeds the demo merchant when the database has no merchant at all, and
// prints the URLs and logins (once: passwords are not stored in the clear anywhere).
func seedOnFirstStart(ctx context.Context, a *app.App, out io.Writer) error {
	var n int64
	if err := a.Store.DB(ctx).Model(&models.Merchant{}).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(out, "\nkeydesk is running at %s (data in %s; demo logins were printed on the first start)\n\n", a.Config.PublicURL, a.Config.DataDir)
		return nil
	}
	res, err := demo.Seed(ctx, a.Store, a.Secrets.Box, a.RBAC, demo.Options{})
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	printDemo(out, a.Config.PublicURL, res)
	return nil
}

func printDemo(out io.Writer, base string, res demo.Result) {
	fmt.Fprintf(out, "\nkeydesk demo merchant %q is ready.\n\n", res.MerchantSlug)
	fmt.Fprintf(out, "  Buyer form:      %s/support/%s\n", base, res.MerchantSlug)
	if len(res.Orders) > 0 {
		o := res.Orders[0]
		fmt.Fprintf(out, "  Prefilled form:  %s/support/%s?order=%s&email=%s\n", base, res.MerchantSlug, o.OrderNo, o.Email)
	}
	fmt.Fprintf(out, "  Staff login:     %s/login\n", base)
	fmt.Fprintf(out, "  API docs:        %s/api/docs\n\n", base)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tEMAIL\tPASSWORD")
	for _, u := range res.Users {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Role, u.Email, u.Password)
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "\n  Orders to claim against (order → buyer email): ")
	for i, o := range res.Orders {
		if i == 4 {
			break
		}
		fmt.Fprintf(out, "%s → %s  ", o.OrderNo, o.Email)
	}
	fmt.Fprintf(out, "\n  Integration secret (HMAC): %s\n\n  These passwords are shown once; keep them.\n\n", res.IntegrationSecret)
}
