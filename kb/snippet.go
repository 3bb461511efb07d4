package kb

import (
	"html"
	"sort"
	"strings"
	"unicode"
)

// Snippet cuts about width characters (runes, never bytes: a Chinese character is never split)
// of text around the first place a unit occurs, HTML-escapes it and wraps every occurrence of
// a unit in <mark>. CJK units match as written; English units (stems) match at the start of a
// word, case-insensitively, and the mark covers the whole word. Overlapping matches (the
// bigrams 卡密 and 密无) merge into one mark. Newlines become spaces; "…" marks a cut.
func Snippet(text string, units []string, width int) string {
	rs := []rune(text)
	low := make([]rune, len(rs))
	for i, r := range rs {
		low[i] = fold(r)
	}
	type span struct{ a, b int }
	var spans []span
	for _, u := range units {
		ur := []rune(u)
		if len(ur) == 0 {
			continue
		}
		cjk := IsCJK(ur[0])
		for i := 0; i+len(ur) <= len(low); i++ {
			if !runesEqual(low[i:i+len(ur)], ur) {
				continue
			}
			if cjk {
				spans = append(spans, span{i, i + len(ur)})
				continue
			}
			if i > 0 && isWordRune(low[i-1]) {
				continue
			}
			e := i + len(ur)
			for e < len(low) && isWordRune(low[e]) && !IsCJK(low[e]) {
				e++
			}
			spans = append(spans, span{i, e})
			i = e - 1
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	var merged []span
	for _, s := range spans {
		if n := len(merged); n > 0 && s.a <= merged[n-1].b {
			if s.b > merged[n-1].b {
				merged[n-1].b = s.b
			}
			continue
		}
		merged = append(merged, s)
	}
	start := 0
	if len(merged) > 0 && merged[0].a > width/4 {
		start = merged[0].a - width/4
	}
	end := min(start+width, len(rs))
	if end-start < width && end == len(rs) {
		start = max(0, end-width)
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	i := start
	for _, sp := range merged {
		if sp.b <= i || sp.a >= end {
			continue
		}
		a, e := max(sp.a, i), min(sp.b, end)
		b.WriteString(html.EscapeString(flat(rs[i:a])))
		b.WriteString("<mark>" + html.EscapeString(flat(rs[a:e])) + "</mark>")
		i = e
	}
	b.WriteString(html.EscapeString(flat(rs[i:end])))
	if end < len(rs) {
		b.WriteString("…")
	}
	return b.String()
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func flat(rs []rune) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, string(rs))
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
