package web_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/web"
)

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPagesRenderWithSecurityHeaders(t *testing.T) {
	h := web.Handler(web.Options{PublicURL: "https://help.example.com/"})
	cases := map[string]string{
		"/support/demo":     "ticket-form",
		"/support/demo/":    "ticket-form",
		"/t/KD-ABC":         "reply-form",
		"/login":            "login-form",
		"/agent":            "queue-body",
		"/agent/tickets/42": "compose",
		"/risk":             "reviews",
		"/supervisor":       "policy-form",
		"/admin":            "import-form",
		"/":                 "/login",
	}
	for path, marker := range cases {
		res := get(t, h, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", path, res.StatusCode)
			continue
		}
		b := body(t, res)
		if !strings.Contains(b, marker) {
			t.Errorf("%s: page lacks %q", path, marker)
		}
		if !strings.Contains(b, `content="https://help.example.com"`) {
			t.Errorf("%s: public URL meta missing or not trimmed", path)
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if res.Header.Get("Referrer-Policy") != "no-referrer" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: missing security headers: %v", path, res.Header)
		}
	}
}

func TestUnknownPathsAndDirectoriesAre404(t *testing.T) {
	h := web.Handler(web.Options{})
	for _, p := range []string{"/nope", "/assets/", "/assets/js/", "/support", "/agent/tickets/1/x"} {
		if res := get(t, h, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, res.StatusCode)
		}
	}
}

func TestAssetsAreVersionedAndCached(t *testing.T) {
	h := web.Handler(web.Options{})
	page := body(t, get(t, h, "/login"))
	m := regexp.MustCompile(`/assets/js/core\.js\?v=([0-9a-f]{12})`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("page does not reference a versioned core.js: %s", page)
	}
	res := get(t, h, "/assets/js/core.js?v="+m[1])
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("versioned asset: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("core.js content type %q", ct)
	}
	res = get(t, h, "/assets/css/app.css")
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("unversioned asset: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

func TestAssetsAreGzippedWhenAccepted(t *testing.T) {
	h := web.Handler(web.Options{})
	plain := body(t, get(t, h, "/assets/js/core.js"))
	req := httptest.NewRequest(http.MethodGet, "/assets/js/core.js?v=1", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Content-Type"), "javascript") ||
		!strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("headers %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(unzipped) != plain {
		t.Fatal("gzipped asset differs from the plain one")
	}
	t.Logf("core.js: %d bytes plain, %d gzipped", len(plain), rec.Body.Len())
}

// readI18n parses assets/js/i18n.js (a JSON object assigned to window.KD_I18N).
func readI18n(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("assets/js/i18n.js")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start, end := strings.Index(s, "{"), strings.LastIndex(s, "}")
	var dict map[string]map[string]string
	if err := json.Unmarshal([]byte(s[start:end+1]), &dict); err != nil {
		t.Fatalf("i18n.js is not a JSON object literal: %v", err)
	}
	return dict
}

func TestEveryTextExistsInBothLanguages(t *testing.T) {
	dict := readI18n(t)
	en, zh := dict["en"], dict["zh-CN"]
	if len(en) < 100 || len(zh) < 100 {
		t.Fatalf("dictionaries too small: en %d, zh-CN %d", len(en), len(zh))
	}
	for k := range en {
		if zh[k] == "" {
			t.Errorf("zh-CN lacks %q", k)
		}
	}
	for k := range zh {
		if en[k] == "" {
			t.Errorf("en lacks %q", k)
		}
	}
	// Every key the pages and scripts name literally must exist.
	used := map[string]bool{}
	re := []*regexp.Regexp{
		regexp.MustCompile(`data-i18n(?:-placeholder|-aria|-title)?="([\w.]+)"`),
		regexp.MustCompile(`(?:KD\.t|i18n:)\s*\(?'([\w]+\.[\w.]+)'`),
		regexp.MustCompile(`title: "([\w]+\.[\w]+)"`),
	}
	_ = fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".js") || p == "web.go") || strings.HasSuffix(p, "i18n.js") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, r := range re {
			for _, m := range r.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = true
			}
		}
		return nil
	})
	var missing []string
	for k := range used {
		if _, ok := en[k]; !ok {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("keys used but not translated: %v", missing)
	}
	if len(used) < 100 {
		t.Errorf("found only %d used keys: the scan is broken", len(used))
	}
}

// TestScriptsNeverWriteHTML keeps the rule that data reaches the DOM as text only, and that
// nothing is loaded from another origin.
func TestScriptsNeverWriteHTML(t *testing.T) {
	banned := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`)
	external := regexp.MustCompile(`(?:src|href)=["']?(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//`)
	files, _ := filepath.Glob("assets/*/*")
	pages, _ := filepath.Glob("pages/*.html")
	files = append(files, pages...)
	if len(files) < 10 {
		t.Fatalf("found only %d asset files", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".js") && banned.Match(b) {
			t.Errorf("%s writes HTML or evaluates code: %q", f, banned.Find(b))
		}
		if external.Match(b) {
			t.Errorf("%s loads something from another origin: %q", f, external.Find(b))
		}
	}
}
