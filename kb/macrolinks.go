package kb

import (
	"regexp"
	"strings"
)

// macroLink matches a {{kb:<slug>}} placeholder in a macro body (spaces inside the braces
// allowed, slug lower-case letters, digits, '-' and '_').
var macroLink = regexp.MustCompile(`\{\{\s*kb:\s*([A-Za-z0-9_-]+)\s*\}\}`)

// LinkResolver finds a placeholder's article: its title and absolute link, or ok false when
// the slug names no published article of the merchant.
type LinkResolver func(slug string) (title, url string, ok bool)

// ExpandLinks replaces every {{kb:<slug>}} placeholder of body with "Title <url>" from
// resolve, asking once per slug. A slug resolve does not know is left as written, so the
// agent sees it, and listed (once, in order of appearance) in unresolved.
func ExpandLinks(body string, resolve LinkResolver) (out string, unresolved []string) {
	type hit struct {
		text string
		ok   bool
	}
	seen := map[string]hit{}
	out = macroLink.ReplaceAllStringFunc(body, func(m string) string {
		slug := strings.ToLower(macroLink.FindStringSubmatch(m)[1])
		h, done := seen[slug]
		if !done {
			title, url, ok := resolve(slug)
			h = hit{ok: ok}
			if ok {
				h.text = strings.TrimSpace(title) + " <" + url + ">"
			} else {
				unresolved = append(unresolved, slug)
			}
			seen[slug] = h
		}
		if !h.ok {
			return m
		}
		return h.text
	})
	return out, unresolved
}

// MacroLinkSlugs lists the slugs of a body's placeholders, once each, in order.
func MacroLinkSlugs(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range macroLink.FindAllStringSubmatch(body, -1) {
		s := strings.ToLower(m[1])
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
