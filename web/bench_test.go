package web_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/keydesk/keydesk/web"
)

// BenchmarkServePage measures rendering one page (template into a buffer, headers).
func BenchmarkServePage(b *testing.B) {
	h := web.Handler(web.Options{PublicURL: "https://help.example.com"})
	req := httptest.NewRequest(http.MethodGet, "/agent/tickets/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// BenchmarkServeAsset measures serving the largest script from the embedded files.
func BenchmarkServeAsset(b *testing.B) {
	h := web.Handler(web.Options{})
	req := httptest.NewRequest(http.MethodGet, "/assets/js/ticket.js?v=x", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// TestAssetWeight prints what a first visit downloads (a figure, not a limit).
func TestAssetWeight(t *testing.T) {
	var total int64
	_ = fs.WalkDir(os.DirFS("assets"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		st, err := os.Stat(filepath.Join("assets", p))
		if err == nil {
			total += st.Size()
			t.Logf("%-22s %6d bytes", p, st.Size())
		}
		return nil
	})
	t.Logf("all assets: %d bytes (uncompressed; every page loads i18n.js, core.js, app.css and its own script)", total)
	if total == 0 {
		t.Fatal("no assets found")
	}
}
