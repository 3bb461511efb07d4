package bench

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ReissueOptions configure the reissue benchmark. Only BaseURL, MerchantSlug,
// IntegrationSecret and SKU are required: orders to claim against are pushed through the
// signed integration endpoint, one fresh buyer per ticket.
type ReissueOptions struct {
	BaseURL           string // e.g. http://127.0.0.1:8080
	MerchantSlug      string
	IntegrationSecret string
	SKU               string // a product with stock (or give AdminToken)
	// AdminToken, when set, is a staff bearer token allowed to import keys: the benchmark
	// then imports the replacement stock it needs first.
	AdminToken string
	// Samples per phase (default 50). Phase 1 is one client, one ticket at a time; phase 2
	// starts tickets at Rate per second (default 10) without waiting for earlier ones.
	Samples int
	Rate    float64
	// PollInterval between reads of the replacement-key endpoint (default 10 ms).
	PollInterval time.Duration
	// Timeout per ticket (default 30 s); a ticket without a key by then is a failure.
	Timeout time.Duration
	Client  *http.Client
	// Progress receives one line per phase (nil: none).
	Progress io.Writer
}

// Phase is the outcome of one phase.
type Phase struct {
	Name     string         `json:"name"`
	Samples  int            `json:"samples"`
	OK       int            `json:"ok"`
	Failures map[string]int `json:"failures,omitempty"`
	P50      time.Duration  `json:"p50"`
	P99      time.Duration  `json:"p99"`
	Max      time.Duration  `json:"max"`
	Mean     time.Duration  `json:"mean"`
	Elapsed  time.Duration  `json:"elapsed"`
}

// String renders a phase on one line.
func (p Phase) String() string {
	s := fmt.Sprintf("%-22s n=%d ok=%d p50=%s p99=%s max=%s mean=%s elapsed=%s", p.Name, p.Samples, p.OK,
		p.P50.Round(100*time.Microsecond), p.P99.Round(100*time.Microsecond), p.Max.Round(100*time.Microsecond),
		p.Mean.Round(100*time.Microsecond), p.Elapsed.Round(time.Millisecond))
	if len(p.Failures) > 0 {
		keys := make([]string, 0, len(p.Failures))
		for k := range p.Failures {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			s += fmt.Sprintf(" fail[%s]=%d", k, p.Failures[k])
		}
	}
	return s
}

// ReissueReport is the benchmark's result.
type ReissueReport struct {
	Phases []Phase `json:"phases"`
}

// order is one prepared claim: an order pushed through the integration endpoint. ip is
// the buyer's address, sent as X-Forwarded-For (believed only by a server that trusts the
// benchmark as a proxy; otherwise every buyer shares the client's address and the
// server's per-IP public rate limit applies to the whole benchmark).
type order struct{ no, email, ip string }

// Reissue measures POST /api/v1/tickets (key_invalid, low-risk buyer) → replacement key
// visible on GET /api/v1/tickets/{ref}/replacement-key, one client and then at Rate per
// second. Orders are prepared before timing starts; the latency of a ticket runs from just
// before its POST to the first 200 of the replacement-key endpoint.
func Reissue(ctx context.Context, o ReissueOptions) (ReissueReport, error) {
	o, err := o.withDefaults()
	if err != nil {
		return ReissueReport{}, err
	}
	b := &runner{o: o, run: randomHex(4)}
	total := 2 * o.Samples
	if o.AdminToken != "" {
		if err := b.importStock(ctx, total); err != nil {
			return ReissueReport{}, err
		}
	}
	orders := make([]order, total)
	for i := range orders {
		if orders[i], err = b.pushOrder(ctx, i); err != nil {
			return ReissueReport{}, err
		}
	}
	var rep ReissueReport
	rep.Phases = append(rep.Phases, b.phase(ctx, "one client", orders[:o.Samples], 0))
	b.progress(rep.Phases[0])
	rep.Phases = append(rep.Phases, b.phase(ctx, fmt.Sprintf("%.0f tickets/s", o.Rate), orders[o.Samples:], o.Rate))
	b.progress(rep.Phases[1])
	return rep, nil
}

func (o ReissueOptions) withDefaults() (ReissueOptions, error) {
	if o.BaseURL == "" || o.MerchantSlug == "" || o.IntegrationSecret == "" || o.SKU == "" {
		return o, errors.New("bench reissue: BaseURL, MerchantSlug, IntegrationSecret and SKU are required")
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Samples <= 0 {
		o.Samples = 50
	}
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 10 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	}
	return o, nil
}

type runner struct {
	o   ReissueOptions
	run string
}

func (b *runner) progress(p Phase) {
	if b.o.Progress != nil {
		fmt.Fprintln(b.o.Progress, p.String())
	}
}

// Sign is the X-Keydesk-Signature of a body: "sha256=" + hex HMAC-SHA256(secret,
// timestamp + "." + body).
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// pushOrder pushes order i (one delivered key, a buyer of its own) through the signed
// integration endpoint.
func (b *runner) pushOrder(ctx context.Context, i int) (order, error) {
	od := order{no: fmt.Sprintf("BENCH-%s-%05d", b.run, i), email: fmt.Sprintf("bench-%s-%05d@example.com", b.run, i),
		ip: fmt.Sprintf("198.18.%d.%d", i/250, i%250+1)}
	body, _ := json.Marshal(map[string]any{
		"order_no": od.no, "sku": b.o.SKU, "quantity": 1, "amount": 0, "currency": "USD", "buyer_email": od.email,
		"buyer_ip": od.ip, "paid_at": time.Now().UTC().Add(-time.Minute).Format(time.RFC3339Nano),
		"payment_ref": "PAY-" + od.no, "gateway": "bench", "keys": []string{od.no + "-KEY"},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.o.BaseURL+"/api/v1/integrations/orders", bytes.NewReader(body))
	if err != nil {
		return od, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Keydesk-Merchant", b.o.MerchantSlug)
	req.Header.Set("X-Keydesk-Timestamp", ts)
	req.Header.Set("X-Keydesk-Signature", Sign(b.o.IntegrationSecret, ts, body))
	if _, err := b.do(req, http.StatusCreated, http.StatusOK); err != nil {
		return od, fmt.Errorf("bench: push order %s: %w", od.no, err)
	}
	return od, nil
}

// importStock imports n replacement keys for the SKU (needs AdminToken).
func (b *runner) importStock(ctx context.Context, n int) error {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "BENCH-%s-R%05d\n", b.run, i)
	}
	u := b.o.BaseURL + "/api/v1/products/" + url.PathEscape(b.o.SKU) + "/keys?label=bench-" + b.run
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(sb.String()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer "+b.o.AdminToken)
	if _, err := b.do(req, http.StatusCreated); err != nil {
		return fmt.Errorf("bench: import stock: %w", err)
	}
	return nil
}

// do sends req and returns the body when the status is one of ok.
func (b *runner) do(req *http.Request, ok ...int) ([]byte, error) {
	resp, err := b.o.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ok, resp.StatusCode) {
		return body, &statusError{code: resp.StatusCode, body: string(body)}
	}
	return body, nil
}

type statusError struct {
	code int
	body string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("HTTP %d: %.200s", e.code, e.body)
}

// sample is one timed ticket.
type sample struct {
	d    time.Duration
	fail string
}

// phase times one ticket per order, sequentially (rate 0) or started at rate per second.
func (b *runner) phase(ctx context.Context, name string, orders []order, rate float64) Phase {
	out := make([]sample, len(orders))
	start := time.Now()
	if rate == 0 {
		for i, od := range orders {
			out[i] = b.claim(ctx, od)
		}
	} else {
		var wg sync.WaitGroup
		every := time.Duration(float64(time.Second) / rate)
		for i, od := range orders {
			if wait := time.Until(start.Add(time.Duration(i) * every)); wait > 0 {
				time.Sleep(wait)
			}
			wg.Go(func() { out[i] = b.claim(ctx, od) })
		}
		wg.Wait()
	}
	return summarize(name, out, time.Since(start))
}

// claim opens a key_invalid ticket for the order and waits for its replacement key.
func (b *runner) claim(ctx context.Context, od order) sample {
	ctx, cancel := context.WithTimeout(ctx, b.o.Timeout)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"merchant": b.o.MerchantSlug, "order_no": od.no, "email": od.email,
		"category": "key_invalid", "subject": "Key does not work", "description": "The key I received says it is invalid."})
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.o.BaseURL+"/api/v1/tickets", bytes.NewReader(body))
	if err != nil {
		return sample{fail: "request"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", od.no)
	req.Header.Set("X-Forwarded-For", od.ip)
	resp, err := b.do(req, http.StatusCreated, http.StatusOK)
	if err != nil {
		return sample{fail: failure("create", err)}
	}
	var created struct{ Ref, Token string }
	if err := json.Unmarshal(resp, &created); err != nil || created.Ref == "" || created.Token == "" {
		return sample{fail: "create: no ref/token"}
	}
	return b.waitForKey(ctx, t0, od, created.Ref, created.Token)
}

// waitForKey polls the replacement-key endpoint until it answers 200.
func (b *runner) waitForKey(ctx context.Context, t0 time.Time, od order, ref, token string) sample {
	u := b.o.BaseURL + "/api/v1/tickets/" + url.PathEscape(ref) + "/replacement-key"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return sample{fail: "request"}
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", od.ip)
		body, err := b.do(req, http.StatusOK)
		var se *statusError
		switch {
		case err == nil:
			var k struct {
				Secret string `json:"secret"`
			}
			if json.Unmarshal(body, &k) != nil || k.Secret == "" {
				return sample{fail: "reveal: no secret"}
			}
			return sample{d: time.Since(t0)}
		case errors.As(err, &se) && se.code == http.StatusNotFound:
		default:
			return sample{fail: failure("reveal", err)}
		}
		select {
		case <-ctx.Done():
			return sample{fail: "timeout"}
		case <-time.After(b.o.PollInterval):
		}
	}
}

func failure(step string, err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: HTTP %d", step, se.code)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return step + ": transport"
}

// summarize computes the percentiles of the successful samples (nearest rank).
func summarize(name string, ss []sample, elapsed time.Duration) Phase {
	p := Phase{Name: name, Samples: len(ss), Elapsed: elapsed}
	var ds []time.Duration
	var sum time.Duration
	for _, s := range ss {
		if s.fail != "" {
			if p.Failures == nil {
				p.Failures = map[string]int{}
			}
			p.Failures[s.fail]++
			continue
		}
		ds = append(ds, s.d)
		sum += s.d
	}
	p.OK = len(ds)
	if len(ds) == 0 {
		return p
	}
	slices.Sort(ds)
	p.P50, p.P99, p.Max = Percentile(ds, 50), Percentile(ds, 99), ds[len(ds)-1]
	p.Mean = sum / time.Duration(len(ds))
	return p
}

// Percentile returns the q-th percentile (nearest rank) of sorted durations.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*q/100+0.999999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
