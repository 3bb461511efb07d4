// Package config reads keydesk's configuration from the environment (flags override a few
// fields). Every variable is listed in the README's configuration table.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/keydesk/keydesk/internal/binpages"
	"github.com/keydesk/keydesk/internal/secretbox"
)

// Config is the whole configuration of one keydesk process.
type Config struct {
	// DataDir holds the SQLite files and generated secrets of the embedded mode.
	DataDir string `env:"KEYDESK_DATA_DIR" envDefault:"keydesk-data"`
	// Listen is the HTTP address of the API and pages.
	Listen string `env:"KEYDESK_LISTEN" envDefault:"127.0.0.1:8080"`
	// PublicURL is how buyers reach the pages (status links); default http://Listen.
	PublicURL string `env:"KEYDESK_PUBLIC_URL"`
	// Database is "sqlite:PATH" or "mysql:DSN"; default sqlite:DataDir/keydesk.db.
	Database string `env:"KEYDESK_DB"`
	// Temporal is the frontend address of an external Temporal cluster. Empty in `serve`
	// means: run the embedded server. TEMPORAL_ADDRESS is honoured too.
	Temporal string `env:"KEYDESK_TEMPORAL"`
	// TemporalPort is the embedded server's frontend port.
	TemporalPort int `env:"KEYDESK_TEMPORAL_PORT" envDefault:"7233"`
	// Namespace is the Temporal namespace.
	Namespace string `env:"KEYDESK_TEMPORAL_NAMESPACE" envDefault:"default"`
	// TaskQueue is the task queue workers poll.
	TaskQueue string `env:"KEYDESK_TASK_QUEUE" envDefault:"keydesk"`
	// SecretKey is the 32-byte master key (hex or base64) sealing card keys and other secrets.
	SecretKey string `env:"KEYDESK_SECRET_KEY"`
	// JWTSecret signs staff access tokens.
	JWTSecret string `env:"KEYDESK_JWT_SECRET"`
	// LogLevel is keydesk's own log level; TemporalLogLevel the embedded server's.
	LogLevel         string `env:"KEYDESK_LOG_LEVEL" envDefault:"info"`
	TemporalLogLevel string `env:"KEYDESK_TEMPORAL_LOG_LEVEL" envDefault:"warn"`
	// Demo seeds a demo merchant on the first start of `serve` (an empty database).
	Demo bool `env:"KEYDESK_DEMO" envDefault:"true"`
	// PaymentSimulator enables the in-process payment simulator gateway: "auto" (on only with
	// the embedded Temporal server, i.e. `serve`), "on" or "off". Never on for real money.
	PaymentSimulator string `env:"KEYDESK_PAYMENT_SIMULATOR" envDefault:"auto"`
	// PublicRate is the steady rate, per client IP and second, of buyer requests (ticket
	// form, status page); bursts of 15 seconds' worth are allowed. Logins and integrations
	// have fixed limits.
	PublicRate float64 `env:"KEYDESK_PUBLIC_RATE" envDefault:"2"`
	// TrustedProxies are the proxy addresses or CIDRs (comma-separated) whose
	// X-Forwarded-For names the client. Behind a load balancer, list it here, or every buyer
	// shares the balancer's rate limit and audit IP.
	TrustedProxies []string `env:"KEYDESK_TRUSTED_PROXIES" envSeparator:","`
	// ShutdownTimeout bounds the drain on Ctrl-C.
	ShutdownTimeout time.Duration `env:"KEYDESK_SHUTDOWN_TIMEOUT" envDefault:"10s"`
	// ReconcileEvery is the reconciler workflow's pause between passes (open tickets without
	// a running workflow are started again).
	ReconcileEvery time.Duration `env:"KEYDESK_RECONCILE_EVERY" envDefault:"5m"`
	// UpdateWait bounds how long an API call waits for a ticket's workflow; past it the
	// API answers 202 and the client polls.
	UpdateWait time.Duration `env:"KEYDESK_UPDATE_WAIT" envDefault:"10s"`

	// WorkflowCache is the number of ticket workflows a worker process keeps in memory
	// (Temporal's sticky cache, process-wide). A ticket outside the cache is rebuilt by
	// replaying its history on its next event: less memory, a little more CPU per event.
	WorkflowCache int `env:"KEYDESK_WORKFLOW_CACHE" envDefault:"256"`
	// TemporalCache is the same bound for the embedded Temporal server's cache of workflow
	// executions (their mutable state); a miss reads the execution back from SQLite.
	TemporalCache int `env:"KEYDESK_TEMPORAL_CACHE" envDefault:"1000"`
	// WorkflowPollers and ActivityPollers are the worker's long-poll connections per task kind.
	WorkflowPollers int `env:"KEYDESK_WORKFLOW_POLLERS" envDefault:"8"`
	ActivityPollers int `env:"KEYDESK_ACTIVITY_POLLERS" envDefault:"8"`
	// MaxWorkflowTasks and MaxActivities bound the workflow tasks and activities (local ones
	// included) a worker runs at once; 0 keeps the SDK's default (1,000 each).
	MaxWorkflowTasks int `env:"KEYDESK_MAX_WORKFLOW_TASKS" envDefault:"64"`
	MaxActivities    int `env:"KEYDESK_MAX_ACTIVITIES" envDefault:"64"`
	// PayloadFormat is how new Temporal payloads are written: compact (the default),
	// deflate (what releases since compression write and read) or sealed (what releases
	// before compression read). Payloads of every format always decode; choose an older
	// one only while processes of an older release still run beside this one.
	PayloadFormat string `env:"KEYDESK_PAYLOAD_FORMAT"`
	// PayloadCompression=off is the older spelling of KEYDESK_PAYLOAD_FORMAT=sealed, honoured
	// when PayloadFormat is empty.
	PayloadCompression string `env:"KEYDESK_PAYLOAD_COMPRESSION" envDefault:"on"`
	// Retention keeps a closed ticket's workflow history this long in the embedded Temporal
	// server (a cluster's namespace retention is set on the cluster).
	Retention time.Duration `env:"KEYDESK_RETENTION" envDefault:"168h"`
	// RetentionJitter spreads the deletion of histories that closed together over this long
	// after their retention ends (embedded server; 0 keeps the server's 30 minutes).
	RetentionJitter time.Duration `env:"KEYDESK_RETENTION_JITTER"`
	// VacuumEvery is the pause between housekeeping passes: expired outbound deliveries are
	// deleted and the SQLite files (keydesk's and the embedded server's) give free pages back
	// to the file system with a bounded incremental vacuum. 0 turns housekeeping off.
	VacuumEvery time.Duration `env:"KEYDESK_VACUUM_EVERY" envDefault:"10m"`
	// SearchMoveEvery is how often the worker moves the ticket search index's recent rows
	// (search_recent: the text the triggers write with each ticket and message, read by
	// search beside the full-text index) into the full-text index. 0 turns the move off:
	// search still finds everything, but reads an ever larger search_recent.
	SearchMoveEvery time.Duration `env:"KEYDESK_SEARCH_MOVE_EVERY" envDefault:"1m"`
	// SearchMoveRows moves sooner, as soon as more than this many rows wait (checked every
	// few seconds): it bounds what a search reads between two moves.
	SearchMoveRows int `env:"KEYDESK_SEARCH_MOVE_ROWS" envDefault:"2000"`
	// DeliveryRetention keeps delivered or permanently failed outbound webhook deliveries, and
	// manual checks once handled, this long; 0 keeps them for ever.
	DeliveryRetention time.Duration `env:"KEYDESK_DELIVERY_RETENTION" envDefault:"720h"`
	// AttachmentRetention empties the bytes of attachments (buyers' screenshots, up to 5 MiB
	// each) once their ticket has been closed this long; the name, type and size stay on the
	// ticket. 0 keeps them for ever (the default: a shop decides how long evidence is kept,
	// e.g. past the card networks' chargeback window of about 120 days).
	AttachmentRetention time.Duration `env:"KEYDESK_ATTACHMENT_RETENTION" envDefault:"0"`
	// MemoryLimit is the Go runtime's soft memory limit (e.g. "256MiB", "1GiB"; "off" for
	// none) when GOMEMLIMIT is not set. Past it the collector runs before the heap doubles
	// (GOGC=100 lets garbage reach the live heap's size again); it never fails an allocation.
	// Measured (issue 17): live heap ≈ 55 MiB at 2,000 open tickets, anonymous memory ≈ 200
	// MiB without a limit and ≈ 125 MiB with 128MiB at the same intake at 600 tickets — but
	// at 7,000 open tickets 128MiB kept the collector busy (≈ 30% of the process's CPU in a
	// profile) while SQLite's page caches, which the limit does not count, still took RSS
	// past 300 MiB. The default is a ceiling for spikes that the steady state (≈ 200 MiB at
	// 10,000 open tickets) stays under; lower it on a small VM at the cost of CPU.
	MemoryLimit string `env:"KEYDESK_MEMORY_LIMIT" envDefault:"256MiB"`
	// BinaryPages is what a started process does with its executable's pages (see package
	// binpages): evict (default) drops them, evicts them from the page cache and reads each
	// page used again alone, so RSS counts the code in use and not the large folios around
	// it (at 1,000 open tickets the binary's share of RSS was 41 MiB against 64–121 MiB with
	// drop, issue 17); drop only drops the page-table entries; keep leaves them.
	BinaryPages string `env:"KEYDESK_BINARY_PAGES" envDefault:"evict"`
}

// BinaryPagesMode is BinaryPages as a binpages.Mode (Load has checked it).
func (c *Config) BinaryPagesMode() binpages.Mode {
	m, _ := binpages.ParseMode(c.BinaryPages)
	return m
}

// MemoryLimitBytes parses MemoryLimit: the limit in bytes, or 0 for none ("off", "0" or
// empty).
func (c *Config) MemoryLimitBytes() (int64, error) {
	v := strings.TrimSpace(c.MemoryLimit)
	switch strings.ToLower(v) {
	case "", "off", "0", "none":
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(v, u.suffix); ok {
			var n int64
			if _, err := fmt.Sscanf(strings.TrimSpace(num), "%d", &n); err != nil || n <= 0 || fmt.Sprint(n) != strings.TrimSpace(num) {
				break
			}
			return n * u.mult, nil
		}
	}
	return 0, fmt.Errorf("KEYDESK_MEMORY_LIMIT %q: want a whole number of B, KiB, MiB or GiB (e.g. 256MiB), or off", c.MemoryLimit)
}

// Load reads the environment.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if c.Temporal == "" {
		c.Temporal = os.Getenv("TEMPORAL_ADDRESS")
	}
	switch c.PayloadFormatName() {
	case "compact", "deflate", "sealed":
	default:
		return c, fmt.Errorf("config: KEYDESK_PAYLOAD_FORMAT is %q: want compact, deflate or sealed", c.PayloadFormat)
	}
	if _, ok := binpages.ParseMode(c.BinaryPages); !ok {
		return c, fmt.Errorf("config: KEYDESK_BINARY_PAGES is %q: want evict, drop or keep", c.BinaryPages)
	}
	if c.AttachmentRetention < 0 {
		return c, fmt.Errorf("config: KEYDESK_ATTACHMENT_RETENTION is %v: want 0 (keep for ever) or a positive duration such as 2880h", c.AttachmentRetention)
	}
	return c, nil
}

// Finish fills derived defaults once flags have been applied.
func (c *Config) Finish() {
	if c.Database == "" {
		c.Database = "sqlite:" + filepath.Join(c.DataDir, "keydesk.db")
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Listen
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
}

// Embedded reports whether this process should run the embedded Temporal server.
func (c *Config) Embedded() bool { return c.Temporal == "" }

// SimulatorEnabled reports whether the payment simulator gateway is offered.
func (c *Config) SimulatorEnabled() bool {
	switch c.PaymentSimulator {
	case "on", "true", "1":
		return true
	case "off", "false", "0":
		return false
	default:
		return c.Embedded()
	}
}

// PayloadFormatName is the format new Temporal payloads are written in: compact, deflate or
// sealed (Load has checked it; temporalx.ParseFormat reads it).
func (c *Config) PayloadFormatName() string {
	if f := strings.ToLower(strings.TrimSpace(c.PayloadFormat)); f != "" {
		return f
	}
	switch strings.ToLower(strings.TrimSpace(c.PayloadCompression)) {
	case "off", "false", "0", "no":
		return "sealed"
	default:
		return "compact"
	}
}

// Secrets are the key material a process needs.
type Secrets struct {
	Box       *secretbox.Box
	JWTSecret []byte
}

// LoadSecrets returns the configured secrets. When generate is true (the embedded mode) a
// missing secret is generated once and kept in DataDir, with a warning; otherwise (production
// roles) a missing secret is an error.
func (c *Config) LoadSecrets(generate bool, log *slog.Logger) (Secrets, error) {
	secretKey, err := c.secret("KEYDESK_SECRET_KEY", c.SecretKey, "secret.key", generate, secretbox.GenerateKey, log)
	if err != nil {
		return Secrets{}, err
	}
	key, err := secretbox.ParseKey(secretKey)
	if err != nil {
		return Secrets{}, fmt.Errorf("KEYDESK_SECRET_KEY: %w", err)
	}
	box, err := secretbox.New(key)
	if err != nil {
		return Secrets{}, err
	}
	jwt, err := c.secret("KEYDESK_JWT_SECRET", c.JWTSecret, "jwt.secret", generate, randomHex, log)
	if err != nil {
		return Secrets{}, err
	}
	if len(jwt) < 32 {
		return Secrets{}, errors.New("KEYDESK_JWT_SECRET: use at least 32 characters")
	}
	return Secrets{Box: box, JWTSecret: []byte(jwt)}, nil
}

func (c *Config) secret(name, value, file string, generate bool, gen func() string, log *slog.Logger) (string, error) {
	if value != "" {
		return value, nil
	}
	if !generate {
		return "", fmt.Errorf("%s is required in this role (the embedded mode generates it; production must set it)", name)
	}
	path := filepath.Join(c.DataDir, file)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return "", fmt.Errorf("data dir: %w", err)
	}
	v := gen()
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	log.Warn("generated a secret and kept it in the data dir; set it explicitly in production", "variable", name, "file", path)
	return v, nil
}

func randomHex() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// DefaultGCPercent is the collector's GOGC when the environment does not set one. Go's 100 lets
// garbage grow to the live heap's size before a collection; at 50 it grows to half of it, which
// took `serve`'s anonymous memory from ≈197 to ≈162 MiB at 1,000 open tickets (issue 17), at
// the cost of collecting about twice as often.
const DefaultGCPercent = 50

// ApplyGCPercent sets DefaultGCPercent unless GOGC is set (the runtime has read it then).
func ApplyGCPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}

// ApplyMemoryLimit sets the Go runtime's soft memory limit from KEYDESK_MEMORY_LIMIT, unless
// GOMEMLIMIT is set (the runtime has already read it then, and it wins).
func (c *Config) ApplyMemoryLimit() error {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	n, err := c.MemoryLimitBytes()
	if err != nil || n == 0 {
		return err
	}
	debug.SetMemoryLimit(n)
	return nil
}
