package triage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Order formats learned from a merchant's own order numbers (issue 13 item 4).
//
// ExtractEntities reads order numbers from the text alone: shapes every shop might use and
// numbers the buyer labels. A shop numbers its orders in a few formats of its own
// ("KD20261103001", "kd_2026_0042", "B3K8-71QZ-P2XM", "A77310295", 17-digit date-led
// numbers), and a sample of its recent order numbers says which. LearnOrderFormats turns such
// a sample into OrderFormats, and ExtractOrderNumbers reads a text with them.
//
// A number's skeleton is its groups' lengths (runs of letters and digits) and the separators
// between them ('-', '_', '/', '.'). A group position of a skeleton where at least
// randomGroupShare of the numbers mix letters and digits in no fixed order holds random
// letters and digits ("B3K8-71QZ": "A4-A4"). The numbers of a skeleton are then split by the
// kind of each other group (digits, letters, letters then digits, other mixes), and each part
// with enough support becomes a shape whose groups are generalised over its numbers:
//
//   - digits: their count, and whether every number's group starts with a date (YYYYMMDD from
//     2000 to 2099, or a whole 6-digit group YYMMDD): "D10", "T8D9";
//   - letters: the letters themselves when every number has the same ("ORD"), else their
//     count ("L2");
//   - letters then digits: the letters when the same in every number, else their count, then
//     the digits as above ("KD+T8D5", "L2+D6");
//   - random letters and digits, or another mix: the length ("A4").
//
// A shape needs MinOrderShapeSupport numbers and MinOrderShapeShare of the sample: one odd
// order number, a test order or a manual entry, does not make a format.

// Learning parameters.
const (
	// MinOrderShapeSupport is the fewest sample numbers a shape needs (besides MinOrderShapeShare).
	MinOrderShapeSupport = 2
	// MinOrderShapeShare is the smallest share of the sample a shape needs.
	MinOrderShapeShare = 0.02
	// DropUnmatchedCoverage is the share of the sample the kept shapes must cover for
	// ExtractOrderNumbers to drop unlabelled numbers that fit none of them.
	DropUnmatchedCoverage = 0.9
	// orderSeparators may join the groups of an order number.
	orderSeparators = "-_/."
	// maxOrderToken bounds the tokens ExtractOrderNumbers tries (the orders column's size).
	maxOrderToken = 64
)

// groupKind is what a shape's group may hold.
type groupKind int

const (
	gDigits  groupKind = iota // n digits
	gLetters                  // n letters, or exactly lit
	gPrefix                   // letters (lit, or n of them) then digits
	gMixed                    // n letters and digits, in any mix
)

// digitsPat is the digit part of a group: how many, and whether it starts with a date.
type digitsPat struct {
	n     int
	dated bool
}

// groupPat is one group of a learned shape.
type groupPat struct {
	kind     groupKind
	n        int    // letters (gLetters, gPrefix without lit) or characters (gMixed)
	lit      string // the letters every sample had (gLetters, gPrefix), upper-case
	digits   digitsPat
	mobileOK bool // gDigits: some sample was an 11-digit number starting with 1
}

// orderShape is a learned format.
type orderShape struct {
	groups  []groupPat
	seps    string // separators between groups, len(groups)-1 bytes
	support int
	length  int // characters including separators
}

// OrderFormats are the formats of one merchant's order numbers, learned by
// LearnOrderFormats. The zero value knows no format: ExtractOrderNumbers then reads exactly
// what ExtractEntities reads.
type OrderFormats struct {
	shapes  []orderShape
	sample  int // order numbers learned from
	covered int // of them, those of a kept shape
	// keepUnmatched turns the dropping of unlabelled numbers that fit no shape off (for
	// EvaluateOrderFormats' comparison).
	keepUnmatched bool
}

// LearnOrderFormats learns the formats of a sample of one merchant's order numbers (as the
// shop sends them; case, full-width characters, blanks around and a leading '#' do not
// matter). Numbers of more than 64 characters or without a digit are ignored.
func LearnOrderFormats(orderNos []string) OrderFormats {
	type member struct {
		groups []string
		seps   string
	}
	// Numbers with the same separators and group lengths first (a skeleton), then split by
	// the kind of each group, except where the skeleton's group is random letters and digits.
	skeletons := map[string][]member{}
	var keys []string
	n := 0
	for _, raw := range orderNos {
		groups, seps, ok := splitOrderNo(NormalizeOrderNo(raw))
		if !ok {
			continue
		}
		n++
		k := shapeKey(groups, seps, nil)
		if _, seen := skeletons[k]; !seen {
			keys = append(keys, k)
		}
		skeletons[k] = append(skeletons[k], member{groups, seps})
	}
	f := OrderFormats{sample: n}
	need := max(MinOrderShapeSupport, int(MinOrderShapeShare*float64(n)+0.999999))
	sort.Strings(keys)
	for _, k := range keys {
		ms := skeletons[k]
		if len(ms) < need {
			continue
		}
		random := make([]bool, len(ms[0].groups))
		for i := range random {
			mixed := 0
			for _, m := range ms {
				if groupKindOf(m.groups[i]) == 'M' {
					mixed++
				}
			}
			random[i] = float64(mixed) >= randomGroupShare*float64(len(ms))
		}
		subs := map[string][]member{}
		var subKeys []string
		for _, m := range ms {
			sk := shapeKey(m.groups, m.seps, random)
			if _, seen := subs[sk]; !seen {
				subKeys = append(subKeys, sk)
			}
			subs[sk] = append(subs[sk], m)
		}
		sort.Strings(subKeys)
		for _, sk := range subKeys {
			sub := subs[sk]
			if len(sub) < need {
				continue
			}
			sh := orderShape{support: len(sub), seps: sub[0].seps}
			for i := range sub[0].groups {
				col := make([]string, len(sub))
				for j, m := range sub {
					col[j] = m.groups[i]
				}
				if random[i] {
					sh.groups = append(sh.groups, groupPat{kind: gMixed, n: len(col[0])})
				} else {
					sh.groups = append(sh.groups, generalise(col))
				}
				sh.length += len(col[0])
			}
			sh.length += len(sh.seps)
			f.shapes = append(f.shapes, sh)
			f.covered += len(sub)
		}
	}
	sort.SliceStable(f.shapes, func(i, j int) bool { return f.shapes[i].support > f.shapes[j].support })
	return f
}

// randomGroupShare is the share of a skeleton's numbers whose group at a position must mix
// letters and digits in no fixed order ("B3K8", not "KD2026") for that group to be read as
// random letters and digits: random groups of 4 over letters and digits mix in about two of
// three numbers and come out all letters, all digits or letters-then-digits in the others.
const randomGroupShare = 0.3

// Known says whether any format was learned.
func (f OrderFormats) Known() bool { return len(f.shapes) > 0 }

// Coverage is the share of the sample whose numbers have a kept shape (0 when empty).
func (f OrderFormats) Coverage() float64 {
	if f.sample == 0 {
		return 0
	}
	return float64(f.covered) / float64(f.sample)
}

// Shapes describes the learned formats, most used first, for logs and tests: "ORD-D4-D6",
// "KD+T8D5" (letters KD, then 13 digits starting with a date), "A4-A4" (letters and digits),
// "L2+D8" (any two letters, then 8 digits), "D17" ...
func (f OrderFormats) Shapes() []string {
	out := make([]string, len(f.shapes))
	for i, sh := range f.shapes {
		var b strings.Builder
		for j, g := range sh.groups {
			if j > 0 {
				b.WriteByte(sh.seps[j-1])
			}
			b.WriteString(g.String())
		}
		out[i] = b.String()
	}
	return out
}

// String writes a group pattern as Shapes does.
func (g groupPat) String() string {
	switch g.kind {
	case gLetters:
		if g.lit != "" {
			return g.lit
		}
		return "L" + strconv.Itoa(g.n)
	case gPrefix:
		if g.lit != "" {
			return g.lit + "+" + g.digits.String()
		}
		return "L" + strconv.Itoa(g.n) + "+" + g.digits.String()
	case gMixed:
		return "A" + strconv.Itoa(g.n)
	}
	return g.digits.String()
}

// String writes a digit pattern: "D17", or "T8D9" for 17 digits that start with a date.
func (d digitsPat) String() string {
	if d.dated {
		w := dateWidth(d.n)
		return fmt.Sprintf("T%dD%d", w, d.n-w)
	}
	return "D" + strconv.Itoa(d.n)
}

// Matches says whether s (normalised as NormalizeOrderNo does) has a learned shape.
func (f OrderFormats) Matches(s string) bool {
	_, ok := f.match(NormalizeOrderNo(s))
	return ok
}

// match returns the first learned shape of the normalised s.
func (f OrderFormats) match(s string) (*orderShape, bool) {
	groups, seps, ok := splitOrderNo(s)
	if !ok {
		return nil, false
	}
	for i := range f.shapes {
		if f.shapes[i].fits(groups, seps) {
			return &f.shapes[i], true
		}
	}
	return nil, false
}

func (sh *orderShape) fits(groups []string, seps string) bool {
	if len(groups) != len(sh.groups) || seps != sh.seps {
		return false
	}
	letter := false
	for i, g := range groups {
		if !sh.groups[i].fits(g) {
			return false
		}
		letter = letter || strings.IndexFunc(g, isASCIILetter) >= 0
	}
	// A mixed group may come out all digits or all letters in one number, but a number of
	// a shape with such a group has letters somewhere ("2026-1234" is not "B3K8-71QZ").
	for _, p := range sh.groups {
		if p.kind == gMixed && !letter {
			return false
		}
	}
	return true
}

func (p groupPat) fits(g string) bool {
	switch p.kind {
	case gDigits:
		return allDigits(g) && p.digits.fits(g)
	case gLetters:
		if p.lit != "" {
			return g == p.lit
		}
		return len(g) == p.n && allLetters(g)
	case gPrefix:
		k := strings.IndexFunc(g, func(r rune) bool { return r >= '0' && r <= '9' })
		if k <= 0 || !allLetters(g[:k]) || !allDigits(g[k:]) {
			return false
		}
		if p.lit != "" && g[:k] != p.lit || p.lit == "" && k != p.n {
			return false
		}
		return p.digits.fits(g[k:])
	case gMixed:
		return len(g) == p.n
	}
	return false
}

func (d digitsPat) fits(g string) bool {
	return len(g) == d.n && (!d.dated || startsWithDate(g))
}

// generalise turns the values of one group position (same coarse kind and length) into a
// pattern.
func generalise(col []string) groupPat {
	first := col[0]
	switch {
	case allDigits(first):
		p := groupPat{kind: gDigits, digits: digitsOf(col)}
		for _, g := range col {
			if len(g) == 11 && g[0] == '1' {
				p.mobileOK = true
			}
		}
		return p
	case allLetters(first):
		p := groupPat{kind: gLetters, n: len(first), lit: first}
		for _, g := range col {
			if g != first {
				p.lit = ""
			}
		}
		return p
	}
	// Letters then digits with the same number of letters in every sample: a prefix.
	k, lit := prefixLen(first), ""
	if k > 0 {
		lit = first[:k]
		digits := make([]string, 0, len(col))
		for _, g := range col {
			if prefixLen(g) != k {
				k = 0
				break
			}
			if g[:k] != lit {
				lit = ""
			}
			digits = append(digits, g[k:])
		}
		if k > 0 {
			return groupPat{kind: gPrefix, n: k, lit: lit, digits: digitsOf(digits)}
		}
	}
	return groupPat{kind: gMixed, n: len(first)}
}

// digitsOf is the digit pattern of same-length digit runs: dated when every one starts with
// a date.
func digitsOf(col []string) digitsPat {
	d := digitsPat{n: len(col[0]), dated: dateWidth(len(col[0])) > 0}
	for _, g := range col {
		if !startsWithDate(g) {
			d.dated = false
		}
	}
	return d
}

// prefixLen is the number of leading letters of a group that is letters then digits (both
// present), else 0.
func prefixLen(g string) int {
	k := strings.IndexFunc(g, func(r rune) bool { return r >= '0' && r <= '9' })
	if k <= 0 || !allLetters(g[:k]) || !allDigits(g[k:]) {
		return 0
	}
	return k
}

// dateWidth is how many leading digits of an n-digit run are read as a date: 8 (YYYYMMDD)
// when n ≥ 8, 6 (YYMMDD) for a 6-digit run, else 0.
func dateWidth(n int) int {
	switch {
	case n >= 8:
		return 8
	case n == 6:
		return 6
	}
	return 0
}

// startsWithDate says whether a digit run starts with a date: YYYYMMDD of 2000–2099 when
// it has 8 digits or more, YYMMDD when it has exactly 6.
func startsWithDate(g string) bool {
	w := dateWidth(len(g))
	if w == 0 {
		return false
	}
	md := g[w-4 : w]
	if w == 8 && g[:2] != "20" {
		return false
	}
	return md[:2] >= "01" && md[:2] <= "12" && md[2:] >= "01" && md[2:] <= "31"
}

// groupKindOf is a group's kind: 'D' digits, 'L' letters, 'P' letters then digits, 'M'
// any other mix.
func groupKindOf(g string) byte {
	switch {
	case allDigits(g):
		return 'D'
	case allLetters(g):
		return 'L'
	case prefixLen(g) > 0:
		return 'P'
	}
	return 'M'
}

// shapeKey is a number's shape before generalisation: its separators and group lengths
// (the skeleton, when random is nil), and each group's kind except where random says the
// position holds random letters and digits.
func shapeKey(groups []string, seps string, random []bool) string {
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteByte(seps[i-1])
		}
		switch {
		case random == nil:
		case random[i]:
			b.WriteByte('A')
		default:
			b.WriteByte(groupKindOf(g))
		}
		b.WriteString(strconv.Itoa(len(g)))
	}
	return b.String()
}

// splitOrderNo splits a normalised order number into its groups and the separators between
// them. It fails on anything but ASCII letters, digits and single separators between
// groups, on more than maxOrderToken characters and on numbers without a digit.
func splitOrderNo(s string) (groups []string, seps string, ok bool) {
	if s == "" || len(s) > maxOrderToken || !strings.ContainsAny(s, "0123456789") {
		return nil, "", false
	}
	start := 0
	var sb strings.Builder
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isASCIIAlnum(s[i]) {
			continue
		}
		if i == start {
			return nil, "", false // empty group: leading, trailing or doubled separator
		}
		groups = append(groups, s[start:i])
		if i < len(s) {
			if strings.IndexByte(orderSeparators, s[i]) < 0 {
				return nil, "", false
			}
			sb.WriteByte(s[i])
		}
		start = i + 1
	}
	return groups, sb.String(), true
}

// NormalizeOrderNo is the form order numbers are compared and looked up in: full-width
// letters and digits made half-width, a leading '#' or "No." label removed, blanks removed
// (buyers type long numbers in groups: "20261201 1530 8812"), Chinese numerals read as
// digits (voice input: "七七八八一二零" is 7788120), letters upper-case.
func NormalizeOrderNo(s string) string {
	s = strings.ToUpper(strings.TrimSpace(foldWidth(s)))
	s = strings.TrimSpace(strings.TrimLeft(s, "#"))
	for _, label := range []string{"NO.", "N0.", "NR."} {
		if rest, ok := strings.CutPrefix(s, label); ok && rest != "" {
			s = rest
			break
		}
	}
	s = strings.Join(strings.Fields(s), "")
	return chineseNumeralsToDigits(s)
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allLetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isASCIILetter(rune(s[i])) {
			return false
		}
	}
	return true
}
