package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keydesk/keydesk/inventory"
)

func TestPercentile(t *testing.T) {
	ds := make([]time.Duration, 100)
	for i := range ds {
		ds[i] = time.Duration(i+1) * time.Millisecond
	}
	cases := []struct {
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{ds, 50, 50 * time.Millisecond},
		{ds, 99, 99 * time.Millisecond},
		{ds, 100, 100 * time.Millisecond},
		{ds[:1], 99, 1 * time.Millisecond},
		{ds[:10], 50, 5 * time.Millisecond},
		{ds[:10], 99, 10 * time.Millisecond},
		{nil, 50, 0},
	}
	for _, c := range cases {
		if got := Percentile(c.in, c.q); got != c.want {
			t.Errorf("Percentile(n=%d, %v) = %s, want %s", len(c.in), c.q, got, c.want)
		}
	}
}

// fakeKeydesk answers the three endpoints the benchmark uses: it checks order signatures
// with the server's own verifier, and shows a ticket's key after two 404 polls.
type fakeKeydesk struct {
	secret  string
	mu      sync.Mutex
	orders  map[string]bool
	tickets map[string]*atomic.Int32 // ref → polls so far
	bad     atomic.Int32
}

func (f *fakeKeydesk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/integrations/orders":
		err := inventory.VerifySignature([]byte(f.secret), r.Header.Get("X-Keydesk-Timestamp"), r.Header.Get("X-Keydesk-Signature"), body, time.Now())
		if err != nil || r.Header.Get("X-Keydesk-Merchant") != "shop" {
			f.bad.Add(1)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var o struct {
			OrderNo string `json:"order_no"`
		}
		_ = json.Unmarshal(body, &o)
		f.mu.Lock()
		f.orders[o.OrderNo] = true
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/tickets":
		var req struct {
			OrderNo  string `json:"order_no"`
			Category string `json:"category"`
		}
		_ = json.Unmarshal(body, &req)
		f.mu.Lock()
		known := f.orders[req.OrderNo]
		ref := "KD-" + req.OrderNo
		f.tickets[ref] = &atomic.Int32{}
		f.mu.Unlock()
		if !known || req.Category != "key_invalid" {
			http.Error(w, "bad ticket", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"ref":%q,"token":"tok-%s","status":"new"}`, ref, ref)
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/replacement-key"):
		ref := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/tickets/"), "/replacement-key")
		f.mu.Lock()
		polls := f.tickets[ref]
		f.mu.Unlock()
		if polls == nil || r.Header.Get("Authorization") != "Bearer tok-"+ref {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if polls.Add(1) <= 2 {
			http.Error(w, "not yet", http.StatusNotFound)
			return
		}
		fmt.Fprint(w, `{"card_key_id":1,"secret":"NEW-KEY"}`)
	default:
		http.Error(w, "no route", http.StatusNotFound)
	}
}

// TestReissueAgainstFake runs the benchmark client against a fake keydesk: every ticket
// gets its key, the orders are signed correctly, and the report is consistent.
func TestReissueAgainstFake(t *testing.T) {
	f := &fakeKeydesk{secret: "s3cret", orders: map[string]bool{}, tickets: map[string]*atomic.Int32{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var progress strings.Builder
	rep, err := Reissue(context.Background(), ReissueOptions{BaseURL: srv.URL, MerchantSlug: "shop", IntegrationSecret: "s3cret",
		SKU: "GC-10", Samples: 8, Rate: 50, PollInterval: time.Millisecond, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if f.bad.Load() != 0 || len(f.orders) != 16 {
		t.Fatalf("bad signatures %d, orders %d; want 0 and 16", f.bad.Load(), len(f.orders))
	}
	if len(rep.Phases) != 2 {
		t.Fatalf("phases %+v", rep.Phases)
	}
	for _, p := range rep.Phases {
		if p.Samples != 8 || p.OK != 8 || len(p.Failures) != 0 {
			t.Errorf("phase %s", p)
		}
		if !(0 < p.P50 && p.P50 <= p.P99 && p.P99 <= p.Max) {
			t.Errorf("inconsistent percentiles: %s", p)
		}
	}
	for ref, polls := range f.tickets {
		if polls.Load() != 3 {
			t.Errorf("ticket %s polled %d times, want 3 (stops at the first 200)", ref, polls.Load())
		}
	}
	if strings.Count(progress.String(), "\n") != 2 {
		t.Errorf("progress output %q", progress.String())
	}
	t.Log("\n" + progress.String())
}

// TestReissueCountsFailures: a wrong secret stops before timing (nothing is measured on
// unsigned orders); a ticket that never gets a key is a timeout failure, not a sample.
func TestReissueCountsFailures(t *testing.T) {
	f := &fakeKeydesk{secret: "s3cret", orders: map[string]bool{}, tickets: map[string]*atomic.Int32{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	_, err := Reissue(context.Background(), ReissueOptions{BaseURL: srv.URL, MerchantSlug: "shop", IntegrationSecret: "wrong", SKU: "X", Samples: 1})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong secret: err = %v, want a 401", err)
	}
	never := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/replacement-key") {
			http.Error(w, "none", http.StatusNotFound)
			return
		}
		if r.URL.Path == "/api/v1/tickets" {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"ref":"KD-1","token":"t"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer never.Close()
	rep, err := Reissue(context.Background(), ReissueOptions{BaseURL: never.URL, MerchantSlug: "shop", IntegrationSecret: "s", SKU: "X",
		Samples: 2, Rate: 100, PollInterval: time.Millisecond, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Phases {
		if p.OK != 0 || p.Failures["timeout"] != 2 || p.P50 != 0 {
			t.Errorf("phase %s; want 2 timeouts and no percentiles", p)
		}
	}
}
