package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/keydesk/keydesk/internal/hanfold"
)

// This file turns a buyer's text into the features the intent model reads. Everything is
// pure and deterministic.
//
//   - The text is normalised: full-width ASCII folded to half-width, lower case, common
//     traditional characters folded to simplified ones, pinyin tone numbers dropped
//     ("ka3 mi4" reads as "ka mi", tones.go), e-mail addresses, order numbers,
//     card-key-like strings and other digit runs replaced by placeholders (<email>,
//     <order>, <key>, <num>), so the model learns the shape, never a secret.
//   - Chinese (any Han run) gives character unigrams, bigrams and trigrams: no word
//     segmentation is needed.
//   - Latin words (English, pinyin) give word unigrams and bigrams and the character
//     trigrams of each word with boundary marks, so typos ("refnd", "recieved") still share
//     most of their features with the right word.
//   - Negation: after a negation cue ("don't want", "not asking for", "no need", "不要",
//     "不想", "不用", "不是要", "无需", ...) the next words (up to 4 or the end of the
//     clause) and the next Han characters (up to 6) are emitted with a "¬" prefix instead
//     of plainly, so "I don't want a refund" does not read as a refund request.

// normalize folds width, case and script variants and replaces entities by placeholders.
func normalize(text string) string {
	text = strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			return r - 0xFEE0
		case r == 0x3000:
			return ' '
		case r == '\u2019' || r == '\u2018':
			return '\''
		case r == '\u201c' || r == '\u201d':
			return '"'
		case r == '。' || r == '、' || r == '；':
			return ','
		}
		return r
	}, text)
	text = hanfold.Fold(text)
	text = stripToneNumbers(text)
	text = placeholders(text)
	return strings.ToLower(text)
}

// placeholders replaces e-mail addresses, order numbers, key-like strings and digit runs.
func placeholders(text string) string {
	text = emailRE.ReplaceAllString(text, " <email> ")
	e := extractOrderAndFragments(text)
	var b strings.Builder
	last := 0
	for _, sp := range e.spans {
		b.WriteString(text[last:sp.start])
		b.WriteString(" <" + sp.kind + "> ")
		last = sp.end
	}
	b.WriteString(text[last:])
	text = b.String()
	// Remaining digit runs: keep the consumer-hotline numbers, fold the rest.
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); {
		if text[i] < '0' || text[i] > '9' {
			out = append(out, text[i])
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		switch d := text[i:j]; d {
		case "12315", "315":
			out = append(out, d...)
		default:
			out = append(out, "<num>"...)
		}
		i = j
	}
	return string(out)
}

// Negation cues. Latin cues are matched as word sequences, Han cues as substrings.
var (
	latinNegCues = [][]string{
		{"don't", "want"}, {"dont", "want"}, {"do", "not", "want"}, {"don't", "need"}, {"dont", "need"},
		{"do", "not", "need"}, {"not", "asking"}, {"not", "looking"}, {"not", "interested"},
		{"no", "need"}, {"not", "a"}, {"no", "longer", "want"}, {"without"}, {"never", "asked"},
		{"don't", "send"}, {"dont", "send"}, {"not", "after"}, {"not", "trying"}, {"not", "requesting"},
		{"not", "seeking"}, {"rather", "not"}, {"instead", "of"}, {"rather", "than"}, {"don't", "wanna"},
		{"dont", "wanna"}, {"do", "not", "wish"}, {"don't", "wish"},
	}
	hanNegCues = []string{"不要", "不想", "不用", "不需要", "无需", "无须", "不是要", "不是想", "不必", "不是", "别",
		"不打算", "没打算", "并非", "甭", "不申请", "不求"}
)

const (
	negLatinScope = 4
	negHanScope   = 6
	negMark       = "¬"
)

type token struct {
	text string
	han  bool
	neg  bool
}

// tokens splits normalised text into Han runs (one token per character) and Latin words,
// marking the ones in a negation scope. Punctuation ends a clause (and a scope).
func tokens(norm string) [][]token {
	var clauses [][]token
	var cur []token
	flush := func() {
		if len(cur) > 0 {
			clauses = append(clauses, transliteratePinyin(cur))
			cur = nil
		}
	}
	runes := []rune(norm)
	for i := 0; i < len(runes); {
		r := runes[i]
		switch {
		case unicode.Is(unicode.Han, r):
			cur = append(cur, token{text: string(r), han: true})
			i++
		case r == '<': // placeholder
			j := i + 1
			for j < len(runes) && runes[j] != '>' && j-i < 8 {
				j++
			}
			if j < len(runes) && runes[j] == '>' {
				cur = append(cur, token{text: string(runes[i : j+1])})
				i = j + 1
			} else {
				i++
			}
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '\'':
			j := i
			for j < len(runes) && runes[j] < utf8.RuneSelf && (unicode.IsLetter(runes[j]) || unicode.IsDigit(runes[j]) || runes[j] == '\'') {
				j++
			}
			w := strings.Trim(string(runes[i:j]), "'")
			if w != "" {
				cur = append(cur, token{text: w})
			}
			i = j
		case r == ' ' || r == '\t' || r == '-' || r == '~' || r == '+' || r == '/':
			i++
		default: // punctuation and symbols end the clause
			flush()
			i++
		}
	}
	flush()
	for _, c := range clauses {
		markNegation(c)
	}
	return clauses
}

func markNegation(c []token) {
	for i := 0; i < len(c); i++ {
		if c[i].han {
			// Longest Han cue starting here.
			cue := 0
			for _, q := range hanNegCues {
				n := utf8.RuneCountInString(q)
				if i+n <= len(c) && hanSeq(c[i:i+n]) == q && n > cue {
					cue = n
				}
			}
			if cue == 2 && hanSeq(c[i:i+2]) == "不是" && i+2 < len(c) && (c[i+2].text == "我" || c[i+2].text == "你") {
				cue = 0 // "不是我买的" denies a purchase, it does not negate what follows
			}
			if cue > 0 {
				markScope(c, i+cue, negHanScope)
				i += cue - 1
			}
			continue
		}
		for _, q := range latinNegCues {
			if i+len(q) > len(c) {
				continue
			}
			ok := true
			for k, w := range q {
				if c[i+k].han || c[i+k].text != w {
					ok = false
					break
				}
			}
			if ok {
				markScope(c, i+len(q), 2*negLatinScope)
				i += len(q) - 1
				break
			}
		}
	}
}

// markScope marks the tokens of a negation scope from index from, in whatever script they
// are written: a Han character costs one unit and a Latin word two (a word carries about as
// much meaning as two characters), until the units are spent.
func markScope(c []token, from, units int) {
	for k := from; k < len(c) && units > 0; k++ {
		c[k].neg = true
		if c[k].han {
			units--
		} else {
			units -= 2
		}
	}
}

// conceptText rebuilds the clauses as text for the concept lexicon (pinyin already turned
// into Chinese); negated tokens are left out so "I don't want a refund" has no money
// concept.
func conceptText(clauses [][]token) string {
	var b strings.Builder
	for _, c := range clauses {
		for i, t := range c {
			if t.neg {
				continue
			}
			if i > 0 && !t.han && !c[i-1].han {
				b.WriteByte(' ')
			}
			b.WriteString(t.text)
		}
		b.WriteString(" , ")
	}
	return b.String()
}

func hanSeq(ts []token) string {
	var b strings.Builder
	for _, t := range ts {
		if !t.han {
			return ""
		}
		b.WriteString(t.text)
	}
	return b.String()
}

// features returns the feature strings of a text (with repeats).
func features(text string) []string { return clauseFeatures(tokens(normalize(text))) }

// clauseFeatures returns the feature strings of tokenised clauses (with repeats).
func clauseFeatures(clauses [][]token) []string {
	out := conceptFeatures(conceptText(clauses))
	for _, c := range clauses {
		for i, t := range c {
			neg := ""
			if t.neg {
				neg = negMark
			}
			if t.han {
				out = append(out, "h1:"+neg+t.text)
				if i+1 < len(c) && c[i+1].han {
					out = append(out, "h2:"+neg+t.text+c[i+1].text)
					if i+2 < len(c) && c[i+2].han {
						out = append(out, "h3:"+neg+t.text+c[i+1].text+c[i+2].text)
					}
				}
				continue
			}
			out = append(out, "w1:"+neg+t.text)
			if i+1 < len(c) && !c[i+1].han {
				out = append(out, "w2:"+neg+t.text+" "+c[i+1].text)
			}
			if t.neg || strings.HasPrefix(t.text, "<") {
				continue
			}
			w := "^" + t.text + "$"
			if utf8.RuneCountInString(w) > 4 {
				for k := 0; k+3 <= len(w); k++ {
					out = append(out, "c3:"+w[k:k+3])
				}
			}
		}
		// Cross-script pairs in mixed text: the Latin word and its neighbouring Han character.
		for i := 0; i+1 < len(c); i++ {
			if c[i].han != c[i+1].han {
				out = append(out, "x2:"+c[i].text+"|"+c[i+1].text)
			}
		}
	}
	return out
}
