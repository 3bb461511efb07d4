// Command keydesk is the whole product in one binary. `keydesk serve` runs everything in one
// process on embedded defaults (SQLite + an embedded Temporal server); `keydesk api` and
// `keydesk worker` are the production roles, scaled apart against MySQL and a Temporal
// cluster. Run `keydesk help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/app"
	"github.com/keydesk/keydesk/internal/binpages"
)

const usage = `keydesk — the after-sales desk for card-key shops

Usage:
  keydesk serve [--data-dir DIR] [--listen HOST:PORT]   everything in one process (embedded Temporal + SQLite by default)
  keydesk api                                           HTTP API and pages only (production role)
  keydesk worker                                        workflows and activities only (production role)
  keydesk migrate up|down|status                        database migrations
  keydesk seed-demo [--json] [--slug SLUG]              seed a demo merchant and print what was made
  keydesk keys import --merchant SLUG --sku SKU FILE    import card keys (lines, CSV or JSON; "-" = stdin)
  keydesk history import --merchant SLUG FILE          import past orders, claims, refunds, chargebacks for the fraud signals
  keydesk fraud report --merchant SLUG [--days N]      each fraud rule's precision against the risk agents' decisions
  keydesk bench queue|reissue|search [flags]                   benchmarks that print their figures
  keydesk search reindex [--batch N]                    rebuild the ticket search index and the card-key fragment index
  keydesk kb reindex [--merchant ID]                    rebuild the knowledge-base search index from the articles
  keydesk workflows upgrade                             move open tickets' workflows onto the running code (continue-as-new)
  keydesk version                                       print the version

Configuration is by environment variables (KEYDESK_*); see the README.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "keydesk:", err)
		os.Exit(1)
	}
}

// run executes one command until it finishes or ctx is cancelled (Ctrl-C).
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(out, usage)
		return errors.New("no command given")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	slog.SetDefault(log)
	if err := cfg.ApplyMemoryLimit(); err != nil {
		return err
	}
	config.ApplyGCPercent()

	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, rest, out)
	case "api":
		return runRole(ctx, cfg, log, app.Roles{API: true})
	case "worker":
		return runRole(ctx, cfg, log, app.Roles{Worker: true})
	case "migrate":
		return migrate(ctx, cfg, log, rest, out)
	case "seed-demo":
		return seedDemo(ctx, cfg, log, rest, out)
	case "keys":
		return keys(ctx, cfg, log, rest, out)
	case "history":
		return history(ctx, cfg, log, rest, out)
	case "fraud":
		return fraudCmd(ctx, cfg, log, rest, out)
	case "bench":
		return runBench(ctx, cfg, log, rest, out)
	case "search":
		return searchCmd(ctx, cfg, log, rest, out)
	case "kb":
		return kbCmd(ctx, cfg, log, rest, out)
	case "workflows":
		return workflowsCmd(ctx, cfg, log, rest, out)
	case "version":
		fmt.Fprintln(out, "keydesk", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	default:
		fmt.Fprint(out, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// serve runs every part in one process, seeding the demo on an empty database.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory for the SQLite files and generated secrets (KEYDESK_DATA_DIR)")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "HTTP listen address (KEYDESK_LISTEN)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	roles := app.Roles{API: true, Worker: true, Migrate: true, GenerateSecrets: true}
	if cfg.Demo {
		roles.Prepare = func(ctx context.Context, a *app.App) error { return seedOnFirstStart(ctx, a, out) }
	}
	a, err := app.Start(ctx, cfg, roles, log)
	if err != nil {
		return err
	}
	releaseBinaryPages(cfg, log)
	log.Info("keydesk is up", "url", "http://"+a.Addr, "took", time.Since(start).Round(time.Millisecond))
	return waitAndStop(ctx, a)
}

func runRole(ctx context.Context, cfg config.Config, log *slog.Logger, roles app.Roles) error {
	if cfg.Embedded() {
		return errors.New("KEYDESK_TEMPORAL (or TEMPORAL_ADDRESS) is required for the api and worker roles; `keydesk serve` embeds a server instead")
	}
	a, err := app.Start(ctx, cfg, roles, log)
	if err != nil {
		return err
	}
	releaseBinaryPages(cfg, log)
	log.Info("keydesk role started", "api", roles.API, "worker", roles.Worker, "addr", a.Addr)
	return waitAndStop(ctx, a)
}

func waitAndStop(ctx context.Context, a *app.App) error {
	<-ctx.Done()
	a.Log.Info("shutting down", "within", a.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	done := make(chan struct{})
	go func() { a.Stop(sctx); close(done) }()
	select {
	case <-done:
		return nil
	case <-sctx.Done():
		return errors.New("shutdown did not finish in time")
	}
}

func newLogger(level string) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: app.ParseLevel(level)}))
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		return v + " " + bi.GoVersion
	}
	return "unknown"
}

// releaseBinaryPages releases keydesk's executable pages once start-up has touched them
// (KEYDESK_BINARY_PAGES, see package binpages), so that RSS counts only the parts of its 170 MB
// of code and tables that the process uses from then on. It only logs a failure: the process
// runs the same either way.
func releaseBinaryPages(cfg config.Config, log *slog.Logger) {
	r, err := binpages.Release(cfg.BinaryPagesMode())
	if err != nil {
		log.Debug("binary pages not released", "err", err)
		return
	}
	log.Debug("binary pages released", "mode", cfg.BinaryPagesMode(), "mappings", r.Mappings, "bytes", r.Bytes, "evicted", r.Evicted)
}
