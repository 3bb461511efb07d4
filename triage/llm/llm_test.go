package llm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/triage"
)

// fakeLLM is an in-process OpenAI-compatible endpoint: it records what it was sent and
// answers with the handler's content.
type fakeLLM struct {
	mu     sync.Mutex
	bodies []chatReq
	auth   []string
	answer func(w http.ResponseWriter, r *http.Request)
}

func (f *fakeLLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req chatReq
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	f.bodies = append(f.bodies, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	f.answer(w, r)
}

func content(s string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"choices": []map[string]any{{"message": map[string]string{"role": "assistant", "content": s}}}})
	}
}

func TestProviderAsksAndFallsBack(t *testing.T) {
	const text = "My key AB12-CD34-EF56-GH78 from bob@example.com fails, it ends in 9XZ2. Also I cannot log in."
	builtin := triage.Classify(triage.KeyInvalid, "help", text)
	tests := []struct {
		name    string
		answer  func(http.ResponseWriter, *http.Request)
		timeout time.Duration
		wantLLM bool
		wantCat triage.Category
		wantInf triage.Category
		errIs   error
	}{
		{"answer used; a confident contradiction overrides the pick", content(`{"intent":"account","confidence":0.93}`), 0, true, triage.Account, triage.Account, nil},
		{"answer in a code fence with prose", content("Sure:\n```json\n{\"intent\": \"key_invalid\", \"confidence\": 0.7}\n```"), 0, true, triage.KeyInvalid, triage.KeyInvalid, nil},
		{"a buyer's ticket is never a gateway dispute", content(`{"intent":"dispute","confidence":0.99}`), 0, true, triage.Other, triage.Dispute, nil},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "overloaded", 503) }, 0, false, builtin.Category, builtin.Inferred, ErrBadAnswer},
		{"unknown intent", content(`{"intent":"shipping","confidence":0.9}`), 0, false, builtin.Category, builtin.Inferred, ErrBadAnswer},
		{"confidence missing", content(`{"intent":"refund"}`), 0, false, builtin.Category, builtin.Inferred, ErrBadAnswer},
		{"not JSON", content(`I think it is a refund.`), 0, false, builtin.Category, builtin.Inferred, ErrBadAnswer},
		{"not a chat completion", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"ok":true}`)) }, 0, false, builtin.Category, builtin.Inferred, ErrBadAnswer},
		{"too slow: the timeout falls back", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			content(`{"intent":"refund","confidence":0.9}`)(w, r)
		}, 100 * time.Millisecond, false, builtin.Category, builtin.Inferred, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLLM{answer: tt.answer}
			srv := httptest.NewServer(f)
			defer srv.Close()
			p := New(Config{BaseURL: srv.URL + "/v1", Model: "tiny-test", APIKey: "sk-test", Timeout: tt.timeout}, srv.Client())
			start := time.Now()
			res, out := p.Classify(context.Background(), triage.KeyInvalid, "help", text)
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %v: the timeout did not hold", took)
			}
			if out.UsedLLM != tt.wantLLM || res.Category != tt.wantCat || res.Inferred != tt.wantInf {
				t.Fatalf("used %v (%v), category %q inferred %q; want %v %q %q", out.UsedLLM, out.Err, res.Category, res.Inferred, tt.wantLLM, tt.wantCat, tt.wantInf)
			}
			if tt.errIs != nil && !errors.Is(out.Err, tt.errIs) {
				t.Errorf("err %v, want %v", out.Err, tt.errIs)
			}
			if tt.wantLLM && (res.ModelVersion != "llm:tiny-test" || out.Err != nil) {
				t.Errorf("model %q err %v", res.ModelVersion, out.Err)
			}
			if !tt.wantLLM && res.ModelVersion != builtin.ModelVersion {
				t.Errorf("fallback model %q, want the built-in %q", res.ModelVersion, builtin.ModelVersion)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.bodies) != 1 || f.auth[0] != "Bearer sk-test" || f.bodies[0].Model != "tiny-test" || f.bodies[0].Temperature != 0 {
				t.Fatalf("requests %+v auth %v", f.bodies, f.auth)
			}
			sent := f.bodies[0].Messages[len(f.bodies[0].Messages)-1].Content
			for _, secret := range []string{"AB12-CD34-EF56-GH78", "CD34", "bob@", "9XZ2"} {
				if strings.Contains(sent, secret) {
					t.Errorf("sent %q: carries %q", sent, secret)
				}
			}
			if !strings.Contains(sent, "cannot log in") {
				t.Errorf("sent %q: the text itself is missing", sent)
			}
		})
	}
}

func TestProviderOffAndUnreachable(t *testing.T) {
	res, out := New(Config{}, nil).Classify(context.Background(), "", "", "付款了没收到卡密")
	if out.UsedLLM || out.Err != nil || res.Inferred != triage.KeyMissing {
		t.Errorf("off: %+v %+v", res, out)
	}
	var nilP *Provider
	if _, out := nilP.Classify(context.Background(), "", "", "x"); out.UsedLLM {
		t.Error("nil provider used an endpoint")
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	res, out = New(Config{BaseURL: url, Model: "m", Timeout: time.Second}, nil).Classify(context.Background(), "", "", "付款了没收到卡密")
	if out.UsedLLM || out.Err == nil || res.Inferred != triage.KeyMissing {
		t.Errorf("unreachable: %+v %+v", res, out)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := ConfigFromEnv(env(nil))
	if err != nil || c.Enabled() || c.Timeout != DefaultTimeout {
		t.Errorf("empty: %+v %v", c, err)
	}
	c, err = ConfigFromEnv(env(map[string]string{"KEYDESK_TRIAGE_LLM_BASE_URL": "http://127.0.0.1:11434/v1/", "KEYDESK_TRIAGE_LLM_MODEL": "qwen2.5:3b",
		"KEYDESK_TRIAGE_LLM_API_KEY": " k ", "KEYDESK_TRIAGE_LLM_TIMEOUT": "1m"}))
	if err != nil || !c.Enabled() || c.BaseURL != "http://127.0.0.1:11434/v1" || c.APIKey != "k" || c.Timeout != MaxTimeout {
		t.Errorf("set: %+v %v", c, err)
	}
	for _, bad := range []map[string]string{{"KEYDESK_TRIAGE_LLM_TIMEOUT": "soon"}, {"KEYDESK_TRIAGE_LLM_TIMEOUT": "-1s"}, {"KEYDESK_TRIAGE_LLM_BASE_URL": "ftp://x"}} {
		if _, err := ConfigFromEnv(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRedact(t *testing.T) {
	got := Redact("key AB12-CD34-EF56-GH78, mail bob@example.com, 尾号5TW1, order 20261103085512347")
	if strings.Contains(got, "CD34") || strings.Contains(got, "bob@") || strings.Contains(got, "5TW1") || !strings.Contains(got, "20261103085512347") {
		t.Errorf("Redact = %q", got)
	}
	if got := Redact("code ends in 7xq2k, order KD20261103001, Win 10, 2FA"); strings.Contains(got, "7xq2k") || !strings.Contains(got, "KD20261103001") || !strings.Contains(got, "2FA") {
		t.Errorf("Redact = %q", got)
	}
	if n := len([]rune(Redact(strings.Repeat("字", 5000)))); n != maxText {
		t.Errorf("long text sent as %d characters", n)
	}
}
