package triage

import (
	"regexp"
	"strings"
)

// Some buyers type pinyin with tone numbers ("wo3 de ka3 mi4 hai2 mei2 dao4"). Read as they
// are, the digits make each syllable look like a number or a card key, so the model saw
// placeholders where the words were and Mask hid them as secrets. stripToneNumbers drops
// the tone digits when a text holds at least minToneSyllables of them; one or two such
// words ("ps5", "win7") are product names, not pinyin, and keep their digits.

// toneSyllable is a run of letters followed by one tone digit, as a whole word.
var toneSyllable = regexp.MustCompile(`(?i)\b([a-zü]{1,6})([1-5])\b`)

// minToneSyllables is how many tone-numbered pinyin syllables make a text pinyin with tones.
const minToneSyllables = 3

// pinyinInitials and pinyinFinals spell every Mandarin syllable (and a few combinations
// Mandarin does not have, harmless here: only the count of matches gates the rewrite).
var (
	pinyinInitials = []string{"", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "zh", "ch", "sh", "r", "z", "c", "s", "y", "w"}
	pinyinFinals   = []string{"a", "o", "e", "i", "u", "v", "ü", "ai", "ei", "ui", "ao", "ou", "iu", "ie", "ve", "üe", "ue", "er", "an", "en",
		"in", "un", "vn", "ün", "ang", "eng", "ing", "ong", "ia", "iao", "ian", "iang", "iong", "ua", "uo", "uai", "uan", "uang"}
	pinyinSyllables = func() map[string]bool {
		m := map[string]bool{}
		for _, i := range pinyinInitials {
			for _, f := range pinyinFinals {
				m[i+f] = true
			}
		}
		return m
	}()
)

// stripToneNumbers removes pinyin tone digits from text that is written in them.
func stripToneNumbers(text string) string {
	if !strings.ContainsAny(text, "12345") {
		return text
	}
	n := 0
	for _, m := range toneSyllable.FindAllStringSubmatch(text, -1) {
		if pinyinSyllables[strings.ToLower(m[1])] {
			n++
		}
	}
	if n < minToneSyllables {
		return text
	}
	return toneSyllable.ReplaceAllStringFunc(text, func(w string) string {
		if base := w[:len(w)-1]; pinyinSyllables[strings.ToLower(base)] {
			return base
		}
		return w
	})
}
