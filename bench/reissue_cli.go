package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// SeedInfo is the part of `keydesk seed-demo --json` output the benchmark reads.
type SeedInfo struct {
	MerchantSlug      string `json:"merchant_slug"`
	IntegrationSecret string `json:"integration_secret"`
	Users             []struct {
		Role     string `json:"role"`
		Email    string `json:"email"`
		Password string `json:"password"`
	} `json:"users"`
	Products []struct {
		SKU       string `json:"sku"`
		SharedKey bool   `json:"shared_key"`
	} `json:"products"`
}

// ReissueMain is `keydesk bench reissue [flags]`: it parses flags, runs Reissue against a
// running keydesk and prints one line per phase (and the report as JSON with --json).
// defaultBaseURL is the configured public URL.
func ReissueMain(ctx context.Context, args []string, out io.Writer, defaultBaseURL string) error {
	fs := flag.NewFlagSet("bench reissue", flag.ContinueOnError)
	fs.SetOutput(out)
	o := ReissueOptions{}
	fs.StringVar(&o.BaseURL, "base-url", defaultBaseURL, "keydesk base URL")
	fs.StringVar(&o.MerchantSlug, "merchant", "", "merchant slug")
	fs.StringVar(&o.IntegrationSecret, "secret", os.Getenv("KEYDESK_INTEGRATION_SECRET"), "merchant integration (HMAC) secret (default $KEYDESK_INTEGRATION_SECRET)")
	fs.StringVar(&o.SKU, "sku", "", "product SKU to claim against (default: first non-shared product of --seed-json)")
	fs.StringVar(&o.AdminToken, "admin-token", "", "staff bearer token allowed to import keys (default: log in as the admin of --seed-json)")
	seed := fs.String("seed-json", "", "file with `keydesk seed-demo --json` output (merchant, secret, SKU, admin login)")
	fs.IntVar(&o.Samples, "samples", 50, "tickets per phase")
	fs.Float64Var(&o.Rate, "rate", 10, "tickets per second in the paced phase")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Second, "per-ticket timeout")
	asJSON := fs.Bool("json", false, "print the report as JSON too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.BaseURL == "" {
		return errors.New("bench reissue: --base-url is required")
	}
	if *seed != "" {
		if err := o.fromSeed(ctx, *seed); err != nil {
			return err
		}
	}
	o.Progress = out
	fmt.Fprintf(out, "reissue benchmark: %s merchant=%s sku=%s samples=%d rate=%.0f/s\n", o.BaseURL, o.MerchantSlug, o.SKU, o.Samples, o.Rate)
	rep, err := Reissue(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return nil
}

// fromSeed fills the unset options from seed-demo output, logging in as its admin.
func (o *ReissueOptions) fromSeed(ctx context.Context, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("bench: read seed: %w", err)
	}
	var s SeedInfo
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("bench: seed %s: %w", path, err)
	}
	if o.MerchantSlug == "" {
		o.MerchantSlug = s.MerchantSlug
	}
	if o.IntegrationSecret == "" {
		o.IntegrationSecret = s.IntegrationSecret
	}
	for _, p := range s.Products {
		if o.SKU == "" && !p.SharedKey {
			o.SKU = p.SKU
		}
	}
	if o.AdminToken != "" {
		return nil
	}
	for _, u := range s.Users {
		if u.Role == "admin" {
			o.AdminToken, err = login(ctx, o.BaseURL, u.Email, u.Password)
			return err
		}
	}
	return nil
}

// login gets a staff access token.
func login(ctx context.Context, base, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: login: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil || tok.AccessToken == "" {
		return "", errors.New("bench: login as the seed's admin failed: HTTP " + resp.Status)
	}
	return tok.AccessToken, nil
}
