// Package web serves keydesk's browser pages: the buyer submission form and status page,
// the agent and risk queues, the ticket view, the supervisor dashboard and the admin pages.
//
// Everything is embedded in the binary (HTML templates, vanilla JavaScript and CSS); nothing
// is loaded from a CDN and no Node build is needed. The pages talk only to the JSON API under
// /api/v1: there is no second API for HTML. Every piece of data is written into the DOM with
// textContent, never innerHTML, so a description containing markup shows as text.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed assets pages
var content embed.FS

// Options configures the pages.
type Options struct {
	// PublicURL is the absolute base URL buyers reach the pages on (used for private links);
	// empty means "the origin the browser is on".
	PublicURL string
	// Log receives one line per page that fails to render; nil discards.
	Log *slog.Logger
}

// page is one HTML page: its template, <title> i18n key and the script that drives it.
type page struct {
	name   string // template file under pages/, without .html
	title  string // i18n key of the title
	script string // file under assets/js/
	staff  bool   // staff pages show the staff navigation
	status int    // the HTTP status (0: 200)
}

// pages maps the mux patterns to pages. Path parameters are read by the scripts from
// location.pathname, so the server never needs to echo them into HTML.
var pages = map[string]page{
	"GET /support/{merchant}":     {name: "support", title: "support.title", script: "support.js"},
	"GET /t/{ref}":                {name: "status", title: "status.title", script: "status.js"},
	"GET /k":                      {name: "pickup", title: "pickup.title", script: "pickup.js"},
	"GET /login":                  {name: "login", title: "login.title", script: "login.js"},
	"GET /agent":                  {name: "agent", title: "agent.title", script: "agent.js", staff: true},
	"GET /agent/tickets/{id}":     {name: "ticket", title: "ticket.title", script: "ticket.js", staff: true},
	"GET /risk":                   {name: "risk", title: "risk.title", script: "risk.js", staff: true},
	"GET /supervisor":             {name: "supervisor", title: "sup.title", script: "supervisor.js", staff: true},
	"GET /admin":                  {name: "admin", title: "admin.title", script: "admin.js", staff: true},
	"GET /disputes":               {name: "disputes", title: "disp.title", script: "disputes.js", staff: true},
	"GET /disputes/{id}":          {name: "dispute", title: "disp.detail_title", script: "disputes.js", staff: true},
	"GET /kb":                     {name: "kb", title: "kb.title", script: "kb-admin.js", staff: true},
	"GET /help/{merchant}/{slug}": {name: "help", title: "kb.page_title", script: "kb-page.js"},
	"GET /{$}":                    {name: "home", title: "home.title", script: "home.js"},
	"GET /support/{merchant}/{$}": {name: "support", title: "support.title", script: "support.js"},
}

// contentSecurityPolicy allows only this origin: no inline script, no CDN, no framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Handler serves the pages and their assets. Mount it at "/" beside the API.
func Handler(opts Options) http.Handler {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	assets, err := fs.Sub(content, "assets")
	if err != nil {
		panic(fmt.Sprintf("web: embedded assets missing: %v", err)) // a build error, not a runtime one
	}
	version := assetVersion(assets)
	tmpl := template.Must(template.New("").ParseFS(content, "pages/*.html"))

	mux := http.NewServeMux()
	for pattern, p := range pages {
		mux.Handle(pattern, pageHandler(tmpl, p, opts.PublicURL, version, log))
	}
	// Any other URL: a "page not found" page in the reader's language (status 404), with a
	// way on, instead of the bare "404 page not found".
	mux.Handle("GET /", pageHandler(tmpl, page{name: "notfound", title: "nf.title", script: "home.js", status: http.StatusNotFound}, opts.PublicURL, version, log))
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", assetHandler(assets)))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/assets/favicon.svg", http.StatusMovedPermanently)
	})
	return securityHeaders(mux)
}

// pageData is what a page template sees.
type pageData struct {
	Title     string
	Page      string
	Script    string
	Staff     bool
	PublicURL string
	Version   string
}

// pageHandler renders one page into a buffer first, so a template error never leaves a
// half-written response.
func pageHandler(tmpl *template.Template, p page, publicURL, version string, log *slog.Logger) http.Handler {
	data := pageData{Title: p.title, Page: p.name, Script: p.script, Staff: p.staff,
		PublicURL: strings.TrimRight(publicURL, "/"), Version: version}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, p.name+".html", data); err != nil {
			log.Error("web: render page", "page", p.name, "err", err)
			http.Error(w, "page unavailable", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		if p.status != 0 {
			w.WriteHeader(p.status)
		}
		_, _ = w.Write(buf.Bytes())
	})
}

// assetHandler serves embedded files, gzipped when the browser accepts it (compressed once,
// at start). URLs carry ?v=<content hash>, so a versioned request may be cached for a year;
// anything else must revalidate.
func assetHandler(assets fs.FS) http.Handler {
	files := http.FileServerFS(assets)
	zipped := gzipAssets(assets)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r) // no directory listings
			return
		}
		h := w.Header()
		if r.URL.Query().Get("v") != "" {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		gz, ok := zipped[r.URL.Path]
		if !ok {
			files.ServeHTTP(w, r)
			return
		}
		h.Add("Vary", "Accept-Encoding")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			files.ServeHTTP(w, r)
			return
		}
		h.Set("Content-Type", mime.TypeByExtension(path.Ext(r.URL.Path)))
		h.Set("Content-Encoding", "gzip")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(gz))
	})
}

// gzipAssets compresses the text assets once.
func gzipAssets(assets fs.FS) map[string][]byte {
	out := map[string][]byte{}
	_ = fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir():
			return err
		case !strings.HasSuffix(p, ".js") && !strings.HasSuffix(p, ".css") && !strings.HasSuffix(p, ".svg"):
			return nil
		}
		b, err := fs.ReadFile(assets, p)
		if err != nil {
			return nil
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		if zw.Close() == nil && buf.Len() < len(b) {
			out[p] = buf.Bytes()
		}
		return nil
	})
	return out
}

// securityHeaders adds the headers every response of the pages carries. Referrer-Policy
// no-referrer keeps even the path of a private status link out of other sites' logs.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// assetVersion hashes every embedded asset, so a new build busts browser caches.
func assetVersion(assets fs.FS) string {
	var names []string
	_ = fs.WalkDir(assets, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(assets, n)
		if err != nil {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path.Clean(n), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
