package triage

import (
	"strings"
	"unicode"
)

// Readable reports how much of a text the model can read: Han characters count as read
// (the model reads Chinese by character), a word of letters counts when the model knows it
// as a word ("w1:" in its vocabulary, pinyin and common English typos included), and any
// other word (German, Spanish, Russian, Thai, Arabic... or a word the corpus never had)
// counts as unread. It returns the read and total counts.
func (m *Model) Readable(text string) (read, total int) {
	var word strings.Builder
	flush := func() {
		if word.Len() == 0 {
			return
		}
		w := word.String()
		word.Reset()
		if isDigits(w) {
			return // numbers are order numbers, amounts and codes in any language
		}
		total++
		if _, ok := m.vocab["w1:"+w]; ok && isASCII(w) {
			read++
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			read++
			total++
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'':
			word.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return read, total
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// unreadable reports whether the model knows less than half of a text's words (of two or
// more): the text is in a language the corpus does not cover. On the corpus no English or
// mixed message and 0.5% of the Chinese ones (pinyin with rare words) fall below it.
func unreadable(read, words int) bool { return words >= 2 && 2*read < words }
