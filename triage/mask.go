package triage

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Entities are the things found in a buyer's text.
type Entities struct {
	// OrderNumbers are the order-number-shaped strings, upper-cased, in order of
	// appearance, without duplicates.
	OrderNumbers []string `json:"order_numbers"`
	// Emails are the e-mail addresses, as written, without duplicates (ignoring case).
	Emails []string `json:"emails"`
	// CardKeys are the raw card-key-like strings (the spans Mask hides), without
	// duplicates. They may be real secrets: never log or persist them; see Redacted.
	CardKeys []string `json:"card_keys"`
	// KeyFragments are the 4-5 character pieces of a key the buyer quotes ("前四位AB12",
	// "ending in 9XZ2"), as written, without duplicates. Treat them as secrets too.
	KeyFragments []string `json:"key_fragments"`
}

// Redacted returns a copy with every card key masked by MaskKey and every e-mail
// address's local part masked as Mask does. Order numbers are kept.
func (e Entities) Redacted() Entities {
	out := Entities{
		OrderNumbers: append([]string{}, e.OrderNumbers...),
		Emails:       make([]string, len(e.Emails)),
		CardKeys:     make([]string, len(e.CardKeys)),
		KeyFragments: make([]string, len(e.KeyFragments)),
	}
	for i, k := range e.KeyFragments {
		out.KeyFragments[i] = MaskKey(k)
	}
	for i, m := range e.Emails {
		out.Emails[i] = maskEmails(m)
	}
	for i, k := range e.CardKeys {
		out.CardKeys[i] = MaskKey(k)
	}
	return out
}

// MaskedKeyKeep is how many characters MaskKey keeps at each end of a secret.
const MaskedKeyKeep = 2

// minMaskedKeyLen is the shortest secret (in letters and digits) of which MaskKey keeps
// anything: below it, keeping 2+2 characters would reveal half the secret or more.
const minMaskedKeyLen = 8

// MaskKey masks one secret: it keeps the first 2 and the last 2 letters or digits,
// replaces every other letter or digit with '*', and keeps separators (anything that is
// not a letter, digit or '*', such as '-' or ' ') where they are:
// "AB12-CD34-EF56-GH9Z" becomes "AB**-****-****-**9Z". A secret with fewer than 8
// letters and digits is masked completely.
func MaskKey(secret string) string {
	runes := []rune(secret)
	n := 0
	for _, r := range runes {
		if isKeyRune(r) {
			n++
		}
	}
	keep := MaskedKeyKeep
	if n < minMaskedKeyLen {
		keep = 0
	}
	i := 0
	for j, r := range runes {
		if !isKeyRune(r) {
			continue
		}
		if i >= keep && i < n-keep {
			runes[j] = '*'
		}
		i++
	}
	return string(runes)
}

// isKeyRune reports whether r is a character of a secret (as opposed to a separator).
// '*' counts as an already masked character, so MaskKey(MaskKey(s)) == MaskKey(s).
func isKeyRune(r rune) bool { return r == '*' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// Mask hides card-key-like strings (see the package documentation for the shapes) and
// the local parts of e-mail addresses in free text, for logs, previews and webhooks:
// "key AB12-CD34-EF56-GH9Z from bob@example.com" becomes
// "key AB**-****-****-**9Z from b***@example.com". Order numbers and ordinary words are
// kept. Mask is idempotent: Mask(Mask(s)) == Mask(s).
func Mask(text string) string {
	text = maskEmails(text)
	spans := keySpans(text)
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp.start])
		b.WriteString(MaskKey(text[sp.start:sp.end]))
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// MaskSecrets masks every occurrence of the given known secrets with MaskKey (whatever
// their shape, and also when written without their separators or in another letter
// case), then applies Mask. Use it when the caller knows the order's keys. Secrets with
// fewer than 4 letters and digits are ignored (masking them would mangle ordinary words).
func MaskSecrets(text string, secrets ...string) string {
	for _, sec := range secrets {
		sec = strings.TrimSpace(sec)
		if len([]rune(stripSeparators(sec))) < minSecretLen {
			continue
		}
		text = replaceFold(text, sec, MaskKey(sec))
		if compact := stripSeparators(sec); compact != sec && compact != "" {
			text = replaceFold(text, compact, MaskKey(compact))
		}
	}
	return Mask(text)
}

// replaceFold replaces every case-insensitive occurrence of old (ASCII folding) with repl.
func replaceFold(s, old, repl string) string {
	lower, lowerOld := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) || len(lowerOld) != len(old) {
		return strings.ReplaceAll(s, old, repl) // non-ASCII case mapping changed lengths
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(lower[i:], lowerOld)
		if j < 0 {
			break
		}
		b.WriteString(s[i : i+j])
		b.WriteString(repl)
		i += j + len(old)
	}
	if i == 0 {
		return s
	}
	b.WriteString(s[i:])
	return b.String()
}

func stripSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		if isKeyRune(r) {
			return r
		}
		return -1
	}, s)
}

// ExtractEntities finds order numbers (prefixed, long numeric and dash-grouped
// alphanumeric, see entities.go), e-mail addresses, card-key-like strings and key fragments
// in text.
func ExtractEntities(text string) Entities {
	e := Entities{OrderNumbers: []string{}, Emails: []string{}, CardKeys: []string{}, KeyFragments: []string{}}
	seen := map[string]bool{}
	for _, m := range emailRE.FindAllString(text, -1) {
		if k := "e:" + strings.ToLower(m); !seen[k] {
			seen[k] = true
			e.Emails = append(e.Emails, m)
		}
	}
	// Keys and order numbers are looked for in the text with e-mail addresses masked, the
	// same text Mask scans, so that CardKeys are exactly what Mask hides.
	scan := maskEmails(text)
	for _, sp := range keySpans(scan) {
		if k := "k:" + scan[sp.start:sp.end]; !seen[k] {
			seen[k] = true
			e.CardKeys = append(e.CardKeys, scan[sp.start:sp.end])
		}
	}
	ex := extractOrderAndFragments(scan)
	orders := ex.orders
	if folded := foldWidth(scan); folded != scan {
		// Keys and fragments come from the text as written (what Mask hides); order numbers
		// are read in either width.
		orders = append(orders, extractOrderAndFragments(folded).orders...)
	}
	for _, s := range orders {
		if k := "o:" + strings.ToUpper(s); !seen[k] {
			seen[k] = true
			e.OrderNumbers = append(e.OrderNumbers, strings.ToUpper(s))
		}
	}
	for _, s := range ex.frags {
		if k := "f:" + s; !seen[k] {
			seen[k] = true
			e.KeyFragments = append(e.KeyFragments, s)
		}
	}
	return e
}

var (
	// emailRE matches an e-mail address. The local part cannot contain '*', so a masked
	// address ("b***@example.com") never matches again.
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

	// orderRE is the order-number shape: 2-5 letters, optional hyphen, 4+ digits, and at
	// most one more hyphenated digit group.
	orderRE = regexp.MustCompile(`^[A-Za-z]{2,5}-?[0-9]{4,20}(?:-[0-9]{2,20})?$`)
	// datedOrderRE is the marketplace shape of a date (YYMMDD), a hyphen and a 15-digit
	// serial ("201203-123456789012345", Pinduoduo's): not a key, though hyphen-grouped.
	datedOrderRE = regexp.MustCompile(`^[0-9]{6}-[0-9]{15}$`)
	// ebayOrderRE is eBay's order number: 2, 5 and 5 digits joined by hyphens
	// ("23-11902-55813").
	ebayOrderRE = regexp.MustCompile(`^[0-9]{2}-[0-9]{5}-[0-9]{5}$`)
)

// maskEmails replaces the local part of every e-mail address with its first character
// and "***". It repeats until nothing matches, so that chained addresses ("a@b.cd@e.fg")
// are masked as a second call would mask them; every round masks at least one '@' for
// good, so it ends.
func maskEmails(text string) string {
	for {
		next := emailRE.ReplaceAllStringFunc(text, func(m string) string {
			at := strings.IndexByte(m, '@')
			return m[:1] + "***" + m[at:]
		})
		if next == text {
			return text
		}
		text = next
	}
}

func isOrderNumber(s string) bool {
	return orderRE.MatchString(s) || datedOrderRE.MatchString(s) || ebayOrderRE.MatchString(s)
}

// foldWidth turns full-width ASCII (digits and letters typed with a Chinese input method:
// "订单号：２０２６１２０３８８１２") into half-width, so order numbers written so are read.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			return r - 0xFEE0
		}
		return r
	}, s)
}

type span struct{ start, end int }

// candidate is a maximal sequence of ASCII letter-digit runs joined by single hyphens.
type candidate struct {
	start, end int
	groups     []span
}

func isASCIIAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

func candidates(s string) []candidate { return joinedRuns(s, "-") }

// orderCandidates are candidates whose runs may also be joined by "_" ("so_88127",
// "ORD_77812_B"): shops number orders so, while keys with underscores are not a shape Mask
// hides.
func orderCandidates(s string) []candidate { return joinedRuns(s, "-_") }

// joinedRuns returns the maximal sequences of ASCII letter-digit runs joined by single
// characters of joins.
func joinedRuns(s, joins string) []candidate {
	var out []candidate
	i := 0
	for i < len(s) {
		if !isASCIIAlnum(s[i]) {
			i++
			continue
		}
		c := candidate{start: i}
		for {
			j := i
			for j < len(s) && isASCIIAlnum(s[j]) {
				j++
			}
			c.groups = append(c.groups, span{i, j})
			c.end = j
			if j+1 < len(s) && strings.IndexByte(joins, s[j]) >= 0 && isASCIIAlnum(s[j+1]) {
				i = j + 1
				continue
			}
			i = j
			break
		}
		out = append(out, c)
	}
	return out
}

const (
	minSecretLen      = 4  // shortest secret MaskSecrets looks for
	minKeyGroup       = 4  // shortest group of a grouped key
	minKeyChars       = 12 // fewest letters and digits in a key
	minSpacedGroup    = 4
	maxSpacedGroup    = 6
	minSpacedGroups   = 3
	minUniformGroups  = 3
	maxUniformGroupSz = 8
)

// keySpans returns the byte spans of card-key-like strings in s, sorted, not overlapping.
func keySpans(s string) []span {
	var out []span
	cands := candidates(s)
	masked := make([]bool, len(cands))
	for ci, c := range cands {
		if isOrderNumber(s[c.start:c.end]) {
			continue
		}
		// Split the hyphen-joined groups into windows of consecutive long-enough groups;
		// short groups ("ID-", "-ok") are not part of a key.
		for w := 0; w < len(c.groups); {
			if c.groups[w].end-c.groups[w].start < minKeyGroup {
				w++
				continue
			}
			e := w
			for e < len(c.groups) && c.groups[e].end-c.groups[e].start >= minKeyGroup {
				e++
			}
			win := c.groups[w:e]
			text := s[win[0].start:win[len(win)-1].end]
			switch {
			case isOrderNumber(text):
			case len(win) >= 2 && isGroupedKey(s, win):
				out = append(out, span{win[0].start, win[len(win)-1].end})
				masked[ci] = true
			default:
				for _, g := range win {
					if isLongKey(s[g.start:g.end]) {
						out = append(out, g)
						masked[ci] = true
					}
				}
			}
			w = e
		}
	}
	// Space-separated groups: "1234 5678 9012 3456".
	for i := 0; i < len(cands); {
		if !isSpacedGroup(s, cands[i], masked[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(cands) && isSpacedGroup(s, cands[j], masked[j]) &&
			cands[j].start == cands[j-1].end+1 && s[cands[j-1].end] == ' ' {
			j++
		}
		if j-i >= minSpacedGroups {
			out = append(out, span{cands[i].start, cands[j-1].end})
		}
		i = j
	}
	sort.Slice(out, func(a, b int) bool { return out[a].start < out[b].start })
	return out
}

// isGroupedKey: at least 12 letters and digits with a digit ("1234-5678-9012",
// "ABCD1234-EFGH5678"), or 3+ equally long upper-case groups ("ABCDE-FGHIJ-KLMNO").
func isGroupedKey(s string, groups []span) bool {
	total, digit := 0, false
	uniform, upper := true, true
	size := groups[0].end - groups[0].start
	for _, g := range groups {
		total += g.end - g.start
		if g.end-g.start != size {
			uniform = false
		}
		for k := g.start; k < g.end; k++ {
			switch c := s[k]; {
			case c >= '0' && c <= '9':
				digit = true
			case c >= 'a' && c <= 'z':
				upper = false
			}
		}
	}
	if total >= minKeyChars && digit {
		return true
	}
	return uniform && upper && len(groups) >= minUniformGroups && size <= maxUniformGroupSz
}

// isLongKey: a run of 12+ letters and digits that has both.
func isLongKey(t string) bool {
	if len(t) < minKeyChars || isOrderNumber(t) {
		return false
	}
	var letter, digit bool
	for i := 0; i < len(t); i++ {
		if t[i] >= '0' && t[i] <= '9' {
			digit = true
		} else {
			letter = true
		}
	}
	return letter && digit
}

func isSpacedGroup(s string, c candidate, masked bool) bool {
	if masked || len(c.groups) != 1 {
		return false
	}
	n := c.end - c.start
	if n < minSpacedGroup || n > maxSpacedGroup {
		return false
	}
	return strings.ContainsAny(s[c.start:c.end], "0123456789")
}
