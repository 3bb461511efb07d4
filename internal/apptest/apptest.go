// Package apptest runs the whole keydesk product in-process for end-to-end tests: a SQLite
// file and an embedded Temporal server in a temporary directory, the worker, and the HTTP API
// with the pages on a free loopback port, with the demo merchant seeded. Share one Product per
// test package (TestMain): starting the embedded server costs about a second.
package apptest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/app"
	"github.com/keydesk/keydesk/internal/demo"
)

// Product is a running keydesk.
type Product struct {
	// BaseURL is http://127.0.0.1:PORT.
	BaseURL string
	App     *app.App
	// Seed is the demo merchant: slug, logins with passwords, orders with buyer emails.
	Seed demo.Result
	dir  string
	own  bool
}

// Options tune the product under test.
type Options struct {
	// Dir keeps the data directory (default: a new temporary directory removed on Close).
	Dir string
	// Log receives the product's logs (default: discarded unless KEYDESK_TEST_LOG=1).
	Log *slog.Logger
	// Demo tunes the seeded merchant.
	Demo demo.Options
}

// New starts a product. Close it when done.
func New(ctx context.Context, o Options) (*Product, error) {
	p := &Product{dir: o.Dir}
	if p.dir == "" {
		d, err := os.MkdirTemp("", "keydesk-apptest-")
		if err != nil {
			return nil, err
		}
		p.dir, p.own = d, true
	}
	log := o.Log
	if log == nil {
		var w io.Writer = io.Discard
		if os.Getenv("KEYDESK_TEST_LOG") == "1" {
			w = os.Stderr
		}
		log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	cfg := config.Config{
		DataDir: p.dir, Listen: "127.0.0.1:0", Database: "sqlite:" + filepath.Join(p.dir, "keydesk.db"),
		Namespace: "default", TaskQueue: "keydesk", TemporalPort: 0, TemporalLogLevel: "error",
		ShutdownTimeout: 10 * time.Second,
	}
	a, err := app.Start(ctx, cfg, app.Roles{API: true, Worker: true, Migrate: true, GenerateSecrets: true}, log)
	if err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start product: %w", err)
	}
	p.App, p.BaseURL = a, "http://"+a.Addr
	if o.Demo.BcryptCost == 0 {
		o.Demo.BcryptCost = 4 // the minimum: tests log in often
	}
	if p.Seed, err = demo.Seed(ctx, a.Store, a.Secrets.Box, a.RBAC, o.Demo); err != nil {
		p.Close()
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	return p, nil
}

// Start starts a product for one test and closes it when the test ends.
func Start(t testing.TB) *Product {
	t.Helper()
	p, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// Login returns the seeded login of a role ("agent", "risk_agent", "supervisor", "admin").
func (p *Product) Login(role string) demo.Login {
	for _, l := range p.Seed.Users {
		if l.Role == role {
			return l
		}
	}
	panic("apptest: no seeded login for role " + role)
}

// Close stops the product and removes its temporary data.
func (p *Product) Close() {
	if p.App != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		p.App.Stop(ctx)
		cancel()
	}
	p.cleanup()
}

func (p *Product) cleanup() {
	if p.own {
		_ = os.RemoveAll(p.dir)
	}
}
