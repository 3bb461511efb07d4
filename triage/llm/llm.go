// Package llm asks an OpenAI-compatible chat endpoint (a hosted or local language model) for
// the intent of a buyer's text, as an optional second opinion over the built-in triage model.
// It is off unless configured; secrets are masked before anything is sent; every failure
// (network, timeout, status, malformed or unknown answer) falls back to the built-in model,
// so a ticket is never held up by the provider.
//
// Configuration (environment, see ConfigFromEnv):
//
//	KEYDESK_TRIAGE_LLM_BASE_URL  e.g. https://api.example.com/v1 or http://127.0.0.1:11434/v1 (off when empty)
//	KEYDESK_TRIAGE_LLM_MODEL     the model name the endpoint knows (off when empty)
//	KEYDESK_TRIAGE_LLM_API_KEY   sent as "Authorization: Bearer …" (optional for local models)
//	KEYDESK_TRIAGE_LLM_TIMEOUT   whole-request timeout, Go duration (default 2s, at most 10s)
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/keydesk/keydesk/triage"
)

// Timeouts of a request to the provider.
const (
	DefaultTimeout = 2 * time.Second
	MaxTimeout     = 10 * time.Second
	// maxAnswer caps the provider's answer read.
	maxAnswer = 64 << 10
	// maxText caps the buyer text sent (characters).
	maxText = 4000
)

// Config names the endpoint. The zero Config is off.
type Config struct {
	BaseURL string
	Model   string
	APIKey  string
	Timeout time.Duration
}

// Enabled reports whether the provider is configured.
func (c Config) Enabled() bool { return c.BaseURL != "" && c.Model != "" }

// ConfigFromEnv reads the KEYDESK_TRIAGE_LLM_* variables through getenv (os.Getenv).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{BaseURL: strings.TrimRight(strings.TrimSpace(getenv("KEYDESK_TRIAGE_LLM_BASE_URL")), "/"),
		Model: strings.TrimSpace(getenv("KEYDESK_TRIAGE_LLM_MODEL")), APIKey: strings.TrimSpace(getenv("KEYDESK_TRIAGE_LLM_API_KEY")),
		Timeout: DefaultTimeout}
	if v := strings.TrimSpace(getenv("KEYDESK_TRIAGE_LLM_TIMEOUT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("KEYDESK_TRIAGE_LLM_TIMEOUT: want a positive duration such as 2s, got %q", v)
		}
		c.Timeout = min(d, MaxTimeout)
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "https://") && !strings.HasPrefix(c.BaseURL, "http://") {
		return Config{}, fmt.Errorf("KEYDESK_TRIAGE_LLM_BASE_URL: want an http(s) URL, got %q", c.BaseURL)
	}
	return c, nil
}

// Provider classifies with the configured endpoint and falls back to the built-in model.
type Provider struct {
	cfg    Config
	client *http.Client
}

// New returns a provider; client nil means a plain http.Client (the per-request timeout is
// always cfg.Timeout).
func New(cfg Config, client *http.Client) *Provider {
	if cfg.Timeout <= 0 || cfg.Timeout > MaxTimeout {
		cfg.Timeout = DefaultTimeout
	}
	if client == nil {
		client = &http.Client{}
	}
	return &Provider{cfg: cfg, client: client}
}

// Outcome says where a Classify result's intent came from.
type Outcome struct {
	// UsedLLM is true when the endpoint answered with a valid intent.
	UsedLLM bool
	// Err is why the built-in model was used instead (nil when the provider is off or answered).
	Err error
}

// Classify is triage.Classify with the intent and its confidence asked of the endpoint: the
// category is then decided by triage.Decide from the buyer's pick and that answer (so never
// "dispute"), and ModelVersion names "llm:<model>". Urgency, sentiment and entities stay the
// built-in model's. On any failure the built-in result is returned as it is.
func (p *Provider) Classify(ctx context.Context, chosen triage.Category, subject, body string) (triage.Result, Outcome) {
	res := triage.Classify(chosen, subject, body)
	if p == nil || !p.cfg.Enabled() {
		return res, Outcome{}
	}
	intent, conf, err := p.ask(ctx, strings.TrimSpace(subject+"\n"+body))
	if err != nil {
		return res, Outcome{Err: err}
	}
	d := triage.Decide(res.Chosen, intent, conf)
	res.Inferred, res.Confidence, res.Category, res.Mismatch = intent, conf, d.Category, d.Mismatch
	res.ModelVersion = clip("llm:"+p.cfg.Model, 32)
	res.Reasons = append(res.Reasons, "intent read by the configured language model: "+d.Why)
	return res, Outcome{UsedLLM: true}
}

// shortMixedRE is a 4-11 character token of ASCII letters and digits: a piece of a key when it
// holds both (the extractor only sees fragments after words like "尾号" or "ends with").
var shortMixedRE = regexp.MustCompile(`\b[A-Za-z0-9]{4,11}\b`)

// Redact masks what must not leave the installation: card-key-like strings and e-mail local
// parts (triage.Mask), quoted key fragments, and any other short token mixing letters and
// digits that is not an order number (it may be part of a key).
func Redact(text string) string {
	text = triage.Mask(text)
	e := triage.ExtractEntities(text)
	for _, f := range e.KeyFragments {
		text = strings.ReplaceAll(text, f, triage.MaskKey(f))
	}
	orders := map[string]bool{}
	for _, o := range e.OrderNumbers {
		orders[o] = true
	}
	text = shortMixedRE.ReplaceAllStringFunc(text, func(w string) string {
		if orders[strings.ToUpper(w)] || !strings.ContainsAny(w, "0123456789") || strings.Trim(w, "0123456789") == "" {
			return w
		}
		return triage.MaskKey(w)
	})
	if r := []rune(text); len(r) > maxText {
		text = string(r[:maxText])
	}
	return text
}

const systemPrompt = `You read messages that buyers of digital card keys (game keys, gift cards, top-up codes) send to a shop's support, in Chinese, English, both, or pinyin.
Answer with one JSON object only: {"intent": "<one of key_invalid, key_missing, refund, dispute, account, other>", "confidence": <0..1>}.
key_invalid: the delivered key/code does not work (invalid, already used, region locked, wrong product or value).
key_missing: the key never arrived or fewer keys arrived than bought.
refund: the buyer wants the money back or to cancel.
dispute: the buyer has filed or is filing a chargeback, bank or payment-platform complaint, or says the charge was not theirs.
account: login, password, verification codes, account e-mail/phone, invoices, balance, payment methods.
other: anything else (pre-sales questions, thanks, spam).`

type chatReq struct {
	Model          string         `json:"model"`
	Messages       []chatMsg      `json:"messages"`
	Temperature    float64        `json:"temperature"`
	MaxTokens      int            `json:"max_tokens"`
	ResponseFormat map[string]any `json:"response_format,omitempty"`
}

type chatMsg struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatResp struct {
	Choices []struct {
		Message chatMsg `json:"message"`
	} `json:"choices"`
}

// ErrBadAnswer wraps every answer the provider gave that is not a usable intent.
var ErrBadAnswer = errors.New("llm: unusable answer")

// ask sends the redacted text and parses the answer.
func (p *Provider) ask(ctx context.Context, text string) (triage.Category, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	body, err := json.Marshal(chatReq{Model: p.cfg.Model, Temperature: 0, MaxTokens: 60,
		ResponseFormat: map[string]any{"type": "json_object"},
		Messages:       []chatMsg{{Role: "system", Content: systemPrompt}, {Role: "user", Content: Redact(text)}}})
	if err != nil {
		return "", 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.BaseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", 0, fmt.Errorf("llm: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if p.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+p.cfg.APIKey)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("llm: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", 0, fmt.Errorf("llm: read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return "", 0, fmt.Errorf("%w: status %d", ErrBadAnswer, resp.StatusCode)
	}
	return parseAnswer(raw)
}

// parseAnswer reads the chat answer: the first choice's content is (or contains) a JSON
// object with a known intent and a confidence in 0..1.
func parseAnswer(raw []byte) (triage.Category, float64, error) {
	var cr chatResp
	if err := json.Unmarshal(raw, &cr); err != nil || len(cr.Choices) == 0 {
		return "", 0, fmt.Errorf("%w: not a chat completion", ErrBadAnswer)
	}
	content := strings.TrimSpace(cr.Choices[0].Message.Content)
	// Some models wrap the object in prose or a code fence: take the outermost braces.
	if i, j := strings.IndexByte(content, '{'), strings.LastIndexByte(content, '}'); i >= 0 && j > i {
		content = content[i : j+1]
	}
	var a struct {
		Intent     string   `json:"intent"`
		Confidence *float64 `json:"confidence"`
	}
	if err := json.Unmarshal([]byte(content), &a); err != nil {
		return "", 0, fmt.Errorf("%w: content is not the JSON object asked for", ErrBadAnswer)
	}
	c, err := triage.ParseCategory(a.Intent)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %v", ErrBadAnswer, err)
	}
	if a.Confidence == nil || *a.Confidence < 0 || *a.Confidence > 1 {
		return "", 0, fmt.Errorf("%w: confidence missing or outside 0..1", ErrBadAnswer)
	}
	return c, *a.Confidence, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
