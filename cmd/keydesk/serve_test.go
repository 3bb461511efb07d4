package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/tickets"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServe runs `keydesk serve` in-process, as the README's start command does, and waits
// for /readyz. The returned stop cancels it (Ctrl-C) and waits for it to return.
func startServe(t *testing.T, dir, listen string) (out *syncBuffer, stop func() error) {
	t.Helper()
	out = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--data-dir", dir, "--listen", listen}, out) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + listen + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited before it was ready: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not ready after 60s (last error %v)\n%s", err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return out, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return fmt.Errorf("serve did not stop within 15s")
		}
	}
}

func postJSON(t *testing.T, url, token string, body any, into any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		_ = json.NewDecoder(resp.Body).Decode(into)
	}
	return resp.StatusCode
}

func getJSON(t *testing.T, url, token string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil {
		_ = json.NewDecoder(resp.Body).Decode(into)
	}
	return resp.StatusCode
}

// TestServeSeedsOnceAndKeepsDataAcrossRestart is issue 2's "done when": the start command
// serves /readyz, seeds the demo and prints its logins on the first start; after a restart on
// the same data directory the same data (and the ticket's running workflow) is there and
// nothing is seeded again.
func TestServeSeedsOnceAndKeepsDataAcrossRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal server twice; skipped with -short")
	}
	dir := t.TempDir()
	t.Setenv("KEYDESK_TEMPORAL_PORT", fmt.Sprint(freePort(t)))
	t.Setenv("KEYDESK_LOG_LEVEL", "warn")
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	base := "http://" + listen

	out, stop := startServe(t, dir, listen)
	first := out.String()
	m := regexp.MustCompile(`(?m)^\s+agent\s+(\S+)\s+(\S+)\s*$`).FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("first start did not print the agent's login:\n%s", first)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if code := postJSON(t, base+"/api/v1/auth/login", "", map[string]string{"email": m[1], "password": m[2]}, &login); code != http.StatusOK || login.AccessToken == "" {
		t.Fatalf("login with the printed password: HTTP %d", code)
	}
	var created struct {
		Ref   string `json:"ref"`
		Token string `json:"token"`
	}
	order := regexp.MustCompile(`(DEMO-\d+) → (\S+@example\.com)`).FindStringSubmatch(first)
	if order == nil {
		t.Fatalf("first start printed no order to claim against:\n%s", first)
	}
	ticket := map[string]string{"merchant": "demo", "order_no": order[1], "email": order[2], "category": "account",
		"subject": "Cannot log in", "description": "My shop account is locked."}
	if code := postJSON(t, base+"/api/v1/tickets", "", ticket, &created); code != http.StatusCreated || created.Ref == "" {
		t.Fatalf("create ticket: HTTP %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("first serve: %v", err)
	}

	out, stop = startServe(t, dir, listen)
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("second serve: %v", err)
		}
	}()
	if second := out.String(); strings.Contains(second, "PASSWORD") || !strings.Contains(second, "demo logins were printed on the first start") {
		t.Fatalf("second start seeded or printed logins again:\n%s", second)
	}
	var status struct {
		Ref    string `json:"ref"`
		Status string `json:"status"`
	}
	if code := getJSON(t, base+"/api/v1/tickets/"+created.Ref, created.Token, &status); code != http.StatusOK || status.Ref != created.Ref {
		t.Fatalf("ticket after restart: HTTP %d %+v", code, status)
	}
	if code := postJSON(t, base+"/api/v1/auth/login", "", map[string]string{"email": m[1], "password": m[2]}, &login); code != http.StatusOK {
		t.Fatalf("login after restart: HTTP %d", code)
	}
	// Every API process reports the reconciler's last pass (read from its workflow).
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"keydesk_open_tickets_without_workflow", "keydesk_workflow_heals_total"} {
		if !strings.Contains(string(metrics), "\n"+name+" ") {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// The ticket's workflow survived the restart: a buyer message is an Update it must answer.
	msg := map[string]string{"body": "Any news?"}
	if code := postJSON(t, base+"/api/v1/tickets/"+created.Ref+"/messages", created.Token, msg, nil); code/100 != 2 {
		t.Fatalf("buyer message after restart (workflow update): HTTP %d", code)
	}
}

// The data directory (with its embedded Temporal) kept while KEYDESK_DB points at a fresh
// database: the start is refused with an explanation instead of seeding again and sending
// new tickets to old tickets' workflows (issue 11).
func TestServeRefusesAnotherDatabaseOnTheSameTemporal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the embedded Temporal server twice; skipped with -short")
	}
	dir := t.TempDir()
	t.Setenv("KEYDESK_TEMPORAL_PORT", fmt.Sprint(freePort(t)))
	t.Setenv("KEYDESK_LOG_LEVEL", "warn")
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	_, stop := startServe(t, dir, listen)
	if err := stop(); err != nil {
		t.Fatalf("first serve: %v", err)
	}
	t.Setenv("KEYDESK_DB", "sqlite:"+filepath.Join(t.TempDir(), "fresh.db"))
	out := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--data-dir", dir, "--listen", listen}, out)
	if !errors.Is(err, tickets.ErrInstallMismatch) {
		t.Fatalf("serve on a fresh database with the old Temporal: %v\n%s", err, out.String())
	}
	if !strings.Contains(err.Error(), "KEYDESK_DB") {
		t.Errorf("the refusal does not say what to do: %v", err)
	}
}
