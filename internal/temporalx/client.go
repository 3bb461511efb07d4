package temporalx

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	sdklog "go.temporal.io/sdk/log"

	"github.com/keydesk/keydesk/internal/secretbox"
)

// DialOptions say where and how to connect.
type DialOptions struct {
	// HostPort overrides TEMPORAL_ADDRESS / profiles when set (KEYDESK_TEMPORAL or embedded).
	HostPort  string
	Namespace string
	Box       *secretbox.Box
	Logger    *slog.Logger
	// PayloadFormat is how new payloads are written (FormatCompact unless a rolling deploy
	// beside an older release needs its format); every format decodes.
	PayloadFormat Format
}

// Dial connects a client. Temporal's standard environment (TEMPORAL_ADDRESS,
// TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, profiles) is honoured, as Temporal
// users expect; explicit options win.
func Dial(ctx context.Context, o DialOptions) (client.Client, error) {
	opts, err := envconfig.LoadDefaultClientOptions()
	if err != nil {
		return nil, fmt.Errorf("temporal client config: %w", err)
	}
	if o.HostPort != "" {
		opts.HostPort = o.HostPort
	}
	if o.Namespace != "" && (opts.Namespace == "" || opts.Namespace == client.DefaultNamespace) {
		opts.Namespace = o.Namespace
	}
	if o.Box != nil {
		opts.DataConverter = NewDataConverter(o.Box, o.PayloadFormat)
	}
	lg := o.Logger
	if lg == nil {
		lg = slog.Default()
	}
	// The SDK logs every retry at info; keydesk's own log carries what matters.
	opts.Logger = sdklog.NewStructuredLogger(slog.New(levelFloor{h: lg.Handler(), min: slog.LevelWarn}))
	var c client.Client
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err = client.DialContext(ctx, opts)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s: %w", opts.HostPort, err)
	}
	return c, nil
}

// levelFloor drops records below min.
type levelFloor struct {
	h   slog.Handler
	min slog.Level
}

func (l levelFloor) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= l.min && l.h.Enabled(ctx, lv)
}
func (l levelFloor) Handle(ctx context.Context, r slog.Record) error { return l.h.Handle(ctx, r) }
func (l levelFloor) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFloor{h: l.h.WithAttrs(a), min: l.min}
}
func (l levelFloor) WithGroup(n string) slog.Handler {
	return levelFloor{h: l.h.WithGroup(n), min: l.min}
}
