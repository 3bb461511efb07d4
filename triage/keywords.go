package triage

import "strings"

// keyword is one phrase with its weight. ASCII phrases are matched on word boundaries in
// the lower-cased text; a trailing '*' makes the phrase a word prefix ("refund*" matches
// "refunded"). Non-ASCII (Chinese) phrases are matched as substrings, since Chinese is
// written without spaces.
type keyword struct {
	phrase string
	weight int
}

// threatKeywords make a ticket urgent: legal, police, chargeback and consumer-authority
// threats.
var threatKeywords = []keyword{
	{"chargeback*", 1}, {"charge back", 1}, {"charge-back", 1}, {"lawyer*", 1}, {"attorney*", 1},
	{"police", 1}, {"sue", 1}, {"suing", 1}, {"legal action", 1}, {"court", 1}, {"small claims", 1},
	{"consumer protection", 1}, {"report you", 1}, {"reporting you", 1}, {"ftc", 1},
	{"律师", 1}, {"律師", 1}, {"报警", 1}, {"報警", 1}, {"警察", 1}, {"起诉", 1}, {"起訴", 1},
	{"法院", 1}, {"消协", 1}, {"消協", 1}, {"12315", 1}, {"315", 1}, {"工商局", 1}, {"拒付", 1}, {"曝光", 1},
	{"投诉", 1}, {"投訴", 1}, {"差评", 1}, {"差評", 1}, {"dispute*", 1}, {"report this", 1},
}

// angryKeywords raise urgency by one step and count as negative sentiment.
var angryKeywords = []keyword{
	{"angry", 1}, {"furious", 1}, {"unacceptable", 1}, {"ridiculous", 1}, {"outrageous", 1},
	{"worst", 1}, {"terrible", 1}, {"horrible", 1}, {"awful", 1}, {"disgusting", 1},
	{"scam*", 1}, {"fraud", 1}, {"rip off", 1}, {"ripoff", 1}, {"rip-off", 1}, {"wtf", 1},
	{"fuck*", 1}, {"shit*", 1}, {"damn", 1}, {"useless", 1}, {"pathetic", 1}, {"complain*", 1},
	{"fed up", 1}, {"sick of", 1}, {"thieves", 1}, {"thief", 1}, {"liar*", 1},
	{"气死", 1}, {"氣死", 1}, {"垃圾", 1}, {"骗子", 1}, {"騙子", 1}, {"骗钱", 1}, {"騙錢", 1},
	{"坑人", 1}, {"黑店", 1}, {"太差", 1}, {"差评", 1}, {"差評", 1}, {"恶心", 1}, {"噁心", 1},
	{"愤怒", 1}, {"憤怒", 1}, {"他妈", 1}, {"他媽", 1}, {"什么破", 1},
}

// hurryKeywords raise urgency by one step.
var hurryKeywords = []keyword{
	{"urgent*", 1}, {"asap", 1}, {"immediately", 1}, {"right now", 1}, {"right away", 1},
	{"emergency", 1}, {"as soon as possible", 1}, {"hurry", 1}, {"tonight", 1}, {"today", 1},
	{"in an hour", 1}, {"fix this now", 1}, {"me now", 1}, {"answer me", 1}, {"now!", 1},
	{"急", 1}, {"今天", 1}, {"今晚", 1}, {"快点", 1},
	// Money taken twice.
	{"扣了两次", 1}, {"扣两次", 1}, {"重复扣款", 1}, {"charged twice", 1}, {"double charged", 1}, {"charged me twice", 1},
	{"着急", 1}, {"著急", 1}, {"紧急", 1}, {"緊急", 1}, {"加急", 1}, {"急用", 1}, {"马上", 1},
	{"馬上", 1}, {"立刻", 1}, {"立即", 1}, {"赶紧", 1}, {"趕緊", 1}, {"尽快", 1}, {"儘快", 1},
	{"快点", 1}, {"快點", 1},
}

// Sentiment words (the angry words count as negative too).
var negativeKeywords = []keyword{
	{"disappointed", 1}, {"disappointing", 1}, {"unhappy", 1}, {"not happy", 2},
	{"not satisfied", 2}, {"dissatisfied", 1}, {"bad", 1}, {"frustrat*", 1}, {"annoy*", 1},
	{"upset", 1}, {"sucks", 1},
	{"失望", 1}, {"不满意", 2}, {"不滿意", 2}, {"不满", 1}, {"不滿", 1}, {"生气", 1}, {"生氣", 1},
	{"无语", 1}, {"無語", 1}, {"郁闷", 1}, {"鬱悶", 1}, {"差劲", 1},
}

var positiveKeywords = []keyword{
	{"thank*", 1}, {"thx", 1}, {"appreciate*", 1}, {"great", 1}, {"awesome", 1}, {"excellent", 1},
	{"perfect", 1}, {"love", 1}, {"helpful", 1}, {"happy", 1}, {"works now", 2}, {"working now", 2},
	{"resolved", 1}, {"satisfied", 1},
	{"谢谢", 1}, {"謝謝", 1}, {"感谢", 1}, {"感謝", 1}, {"多谢", 1}, {"多謝", 1}, {"好评", 1},
	{"好評", 1}, {"满意", 1}, {"滿意", 1}, {"辛苦", 1}, {"给力", 1}, {"給力", 1}, {"太好了", 1},
	{"可以用了", 2}, {"能用了", 2},
}

// normalizeText lower-cases text and folds the characters buyers type in many ways
// (curly apostrophes, full-width punctuation, runs of blanks) so phrases match.
func normalizeText(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\uff07", "'", "\uff01", "!", "\u3000", " ",
		"\t", " ", "\r", " ", "\n", " ").Replace(s)
	for strings.Contains(s, "  ") {
		s = strings.ReplaceAll(s, "  ", " ")
	}
	return s
}

// matchAll returns the phrases of kws found in the normalized text, and their total weight.
func matchAll(norm string, kws []keyword) ([]string, int) {
	var found []string
	total := 0
	for _, kw := range kws {
		if containsPhrase(norm, kw.phrase) {
			found = append(found, strings.TrimSuffix(kw.phrase, "*"))
			total += kw.weight
		}
	}
	return found, total
}

// containsPhrase reports whether the normalized text contains phrase (see keyword).
func containsPhrase(norm, phrase string) bool {
	prefix := strings.HasSuffix(phrase, "*")
	phrase = strings.TrimSuffix(phrase, "*")
	if !isASCII(phrase) {
		return strings.Contains(norm, phrase)
	}
	for from := 0; from < len(norm); {
		i := strings.Index(norm[from:], phrase)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(phrase)
		if (start == 0 || !isASCIIAlnum(norm[start-1])) && (prefix || end == len(norm) || !isASCIIAlnum(norm[end])) {
			return true
		}
		from = start + 1
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
