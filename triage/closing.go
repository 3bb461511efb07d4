package triage

import "strings"

// closingThanksMaxRunes bounds a bare "thanks" that closes a conversation: a long message
// that thanks and goes on is read as a new question.
const closingThanksMaxRunes = 80

// IsClosingThanks reports whether a buyer's reply only thanks for, or confirms, a solution
// ("works now, thanks", "收到了，谢谢", "谢谢"): on a resolved ticket such a reply is kept
// with the ticket and does not reopen it. A reply that still names a problem, asks a
// question or says something more ("thanks, but the second code fails", "谢谢，能开发票吗？")
// is not one. Pure: the same text always gives the same answer.
func IsClosingThanks(text string) bool {
	text = strings.TrimSpace(text)
	if text == "" || strings.ContainsAny(text, "?？") {
		return false
	}
	clauses := tokens(normalize(text))
	plain := plainText(clauses)
	if containsAny(plain, problemMarkers) {
		return false
	}
	if ruleVerdict(clauses) == Other {
		return true // "all good now", "works now, thanks", "收到了，谢谢"
	}
	return containsAny(plain, thanksMarkers) && len([]rune(text)) <= closingThanksMaxRunes
}
