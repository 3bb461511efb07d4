package triage

import (
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Confidence thresholds of the category decision (see Decide). They were chosen on
// grouped 5-fold cross-validation over the tuning split only (TestCrossValidatedSettings):
// at 0.85 the model with its rules was right 99.7% of the time and covered 83% of the
// messages; at 0.5 it was right 97.4% of the time and covered 97%.
const (
	// ConfidentAt is the confidence from which an inference overrides the buyer's pick.
	ConfidentAt = 0.85
	// UsableAt is the confidence from which an inference is used when the buyer picked
	// nothing, "not sure" or "other"; below it the ticket stays "other" for an agent.
	UsableAt = 0.5
)

// Result is what Classify concluded about one ticket text.
type Result struct {
	// Category is the ticket's category (see Decide). It is never Dispute: chargeback
	// disputes come from the payment gateway only; a buyer's complaint about a payment is
	// an agent-handled "other" ticket with urgency Urgent.
	Category Category `json:"category"`
	// Chosen is the buyer's valid pick ("" when none, "not sure" or invalid).
	Chosen Category `json:"chosen,omitempty"`
	// Inferred is what the text suggests.
	Inferred Category `json:"inferred"`
	// Confidence in Inferred, 0..1: the model's probability (or the rule's confidence).
	Confidence float64 `json:"confidence"`
	// Mismatch is true when the buyer picked a specific category and the text reads as
	// another one: the agent should check it.
	Mismatch bool `json:"mismatch"`
	// ModelVersion names the model that inferred the category.
	ModelVersion string `json:"model_version"`
	// Urgency uses the same words as ticket priority.
	Urgency Urgency `json:"urgency"`
	// Hurry is true when the buyer signals urgency in the text (repeated ? or !, 急,
	// deadlines, threats, complaints to a platform, shouting, angry words).
	Hurry bool `json:"hurry"`
	// Sentiment is SentimentNegative, SentimentNeutral or SentimentPositive.
	Sentiment string `json:"sentiment"`
	// Entities found in the text. CardKeys and KeyFragments are raw: see Redacted.
	Entities Entities `json:"entities"`
	// Reasons explain the category, urgency and sentiment in plain words. They quote
	// only words from this package's lists, never the buyer's text.
	Reasons []string `json:"reasons"`
}

// Redacted returns a copy safe to log, store in a ticket event or carry in a workflow
// payload: card keys are masked with MaskKey and e-mail local parts hidden.
func (r Result) Redacted() Result {
	r.Entities = r.Entities.Redacted()
	r.Reasons = append([]string(nil), r.Reasons...)
	return r
}

// Decision is the outcome of Decide.
type Decision struct {
	Category Category
	Mismatch bool
	// Why explains the decision in plain words.
	Why string
}

// Decide picks a ticket's category from the buyer's pick and the inference. It is the rule
// the product follows:
//
//   - no pick ("" for none or "not sure"): the inferred category when its confidence is at
//     least UsableAt, else Other;
//   - the pick "other" is a pick like any other (the buyer says it is none of the listed
//     problems): only a confident inference (ConfidentAt) overrides it, since a weakly
//     inferred key_invalid would otherwise send a vague message down the automatic
//     replacement path;
//   - a specific pick that the text agrees with: the pick;
//   - a specific pick the text contradicts: the inferred category when its confidence is
//     at least ConfidentAt, else the pick; Mismatch is set (so an agent checks) when the
//     contradicting inference is at least UsableAt;
//   - the result is never Dispute (a buyer cannot open a gateway dispute): it becomes Other,
//     and so does a pick of Dispute (the API refuses it; Decide is safe anyway).
func Decide(chosen, inferred Category, confidence float64) Decision {
	var d Decision
	switch {
	case chosen == Dispute:
		d = Decision{Category: Other, Mismatch: inferred != Dispute && inferred != Other && confidence >= UsableAt,
			Why: "the buyer chose dispute: a buyer's payment complaint is handled by an agent, never as a gateway dispute"}
		return d
	case chosen == "" || !chosen.Valid():
		if confidence >= UsableAt {
			d = Decision{Category: inferred, Why: fmt.Sprintf("no specific category chosen, so the inferred category %s is used (confidence %.2f ≥ %.2f)", inferred, confidence, UsableAt)}
		} else {
			d = Decision{Category: Other, Why: fmt.Sprintf("no specific category chosen and the inference %s is not sure enough (%.2f < %.2f): an agent decides", inferred, confidence, UsableAt)}
		}
	case chosen == inferred:
		d = Decision{Category: chosen, Why: fmt.Sprintf("the buyer chose %s and the text agrees", chosen)}
	case confidence >= ConfidentAt:
		d = Decision{Category: inferred, Mismatch: true, Why: fmt.Sprintf("the buyer chose %s but the text clearly reads as %s (confidence %.2f ≥ %.2f), so %s is used; check the category", chosen, inferred, confidence, ConfidentAt, inferred)}
	case inferred != Other && confidence >= UsableAt:
		d = Decision{Category: chosen, Mismatch: true, Why: fmt.Sprintf("the buyer chose %s; the text reads more like %s (confidence %.2f), check the category", chosen, inferred, confidence)}
	default:
		d = Decision{Category: chosen, Why: fmt.Sprintf("the buyer chose %s; the text does not say clearly what it is about", chosen)}
	}
	if d.Category == Dispute {
		d.Category = Other
		d.Why += "; a buyer's payment complaint is handled by an agent, never as a gateway dispute"
	}
	return d
}

// Classify reads a ticket's subject and body (Chinese, English, both, pinyin) with the
// built-in model and returns its category (see Decide), inferred intent and confidence,
// urgency, sentiment and entities with the reasons. chosen is the buyer's pick ("" for
// none or "not sure").
//
// Urgency starts from the category (other low, the rest normal). Threats ("chargeback",
// "lawyer", "12315", "律师", "报警", "投诉", ...) and complaints already filed with a payment
// platform make it urgent; otherwise angry words, shouting, repeated "!" and repeated "?"
// raise it one step and hurry words and deadlines ("asap", "tonight", "急", "今晚", ...) one more.
// Hurry words include pinyin and initials ("jiji", "mashang", "kd"), traditional characters,
// deadlines in many forms ("下午三点前", "一小时内", "before 5pm", "within the hour", "by EOD")
// and money taken twice (urgency.go); time words of a pre-sale question, a quoted promise or
// a denial ("no rush", "不急") do not count.
func Classify(chosen Category, subject, body string) Result {
	raw := strings.TrimSpace(subject + "\n" + body)
	res := Result{Entities: ExtractEntities(raw)}
	if chosen != "" && chosen.Valid() {
		res.Chosen = chosen
	}

	// Intent.
	clauses := tokens(normalize(raw))
	pred := Prediction{Intent: Other}
	read, words := 0, 0
	if m, err := BuiltinModel(); err == nil && raw != "" {
		pred = m.readClauses(clauses)
		res.ModelVersion = m.Version()
		read, words = m.Readable(raw)
	}
	res.Inferred, res.Confidence = pred.Intent, math.Round(pred.Confidence*1000)/1000
	switch {
	case raw == "":
		res.Reasons = append(res.Reasons, "the text is empty")
	case pred.Rule == "thanks":
		res.Reasons = append(res.Reasons, "the buyer thanks for something that now works (rule)")
	case pred.Rule == "dispute":
		res.Reasons = append(res.Reasons, "the buyer says a payment was disputed or not authorised (rule)")
	case pred.Rule == "login-code":
		res.Reasons = append(res.Reasons, fmt.Sprintf("the buyer's sign-in code for the shop fails, not a card's code, so it reads as account (rule, confidence %.2f)", res.Confidence))
	case pred.Rule == "presale":
		res.Reasons = append(res.Reasons, fmt.Sprintf("the buyer asks before buying, so it reads as other (rule, confidence %.2f)", res.Confidence))
	case pred.Rule == "resolved":
		res.Reasons = append(res.Reasons, fmt.Sprintf("the message ends with the matter settled (works now, never mind), so it reads as other (rule, confidence %.2f)", res.Confidence))
	case pred.Rule == "third-party-account":
		res.Reasons = append(res.Reasons, fmt.Sprintf("the account in trouble is another platform's (QQ, Alipay, a game), not the shop's, so it reads as other (rule, confidence %.2f)", res.Confidence))
	case pred.Rule == "threat":
		res.Reasons = append(res.Reasons, fmt.Sprintf("the buyer only threatens a complaint, so it reads as %s (rule, confidence %.2f)", res.Inferred, res.Confidence))
	default:
		res.Reasons = append(res.Reasons, fmt.Sprintf("the model reads it as %s (confidence %.2f)", res.Inferred, res.Confidence))
	}
	if chosen != "" && !chosen.Valid() {
		res.Reasons = append(res.Reasons, fmt.Sprintf("the chosen category %q is not valid, so it is ignored", string(chosen)))
	}
	d := Decide(res.Chosen, res.Inferred, res.Confidence)
	if unreadable(read, words) && d.Category == res.Inferred && res.Chosen != "" && res.Chosen != res.Inferred && res.Chosen != Other && res.Chosen != Dispute {
		// A text the model mostly cannot read (German, Russian, Thai...) gives its prior,
		// often a confident "other": that says nothing against the buyer's pick.
		d = Decision{Category: res.Chosen, Mismatch: res.Inferred != Other && res.Inferred != Dispute,
			Why: fmt.Sprintf("the buyer chose %s; the model knows only %d of the text's %d words (another language), so its reading %s (%.2f) does not override the pick", res.Chosen, read, words, res.Inferred, res.Confidence)}
	}
	res.Category, res.Mismatch = d.Category, d.Mismatch
	res.Reasons = append(res.Reasons, d.Why)

	// Urgency.
	norm := normalizeText(Mask(stripToneNumbers(raw)))
	sig := urgencySignals(raw, norm, clauses)
	if spamOrPhishing(res.Inferred, norm, clauses) {
		sig = signals{} // "URGENT!!! claim your prize": spam and phishing shout, nobody is waiting
		res.Reasons = append(res.Reasons, "reads as spam or phishing: its urgency cues are ignored")
	}
	buyerDispute := res.Inferred == Dispute && res.Confidence >= UsableAt || chosen == Dispute
	res.Hurry = sig.any() || buyerDispute
	res.Urgency = baseUrgency(res.Category)
	res.Reasons = append(res.Reasons, fmt.Sprintf("%s urgency is usual for %s", res.Urgency, res.Category))
	switch {
	case len(sig.threats) > 0 || buyerDispute:
		res.Urgency = Urgent
		if len(sig.threats) > 0 {
			res.Reasons = append(res.Reasons, fmt.Sprintf("urgent: the buyer mentions %s", quoteList(sig.threats)))
		} else {
			res.Reasons = append(res.Reasons, "urgent: the buyer complained to a payment platform or bank")
		}
	default:
		if len(sig.angry) > 0 || sig.shouting || sig.exclaiming || sig.questioning {
			res.Urgency = res.Urgency.Raise(1)
			var why []string
			if len(sig.angry) > 0 {
				why = append(why, "angry words ("+quoteList(sig.angry)+")")
			}
			if sig.shouting {
				why = append(why, "shouting")
			}
			if sig.exclaiming {
				why = append(why, "repeated exclamation marks")
			}
			if sig.questioning {
				why = append(why, "repeated question marks")
			}
			res.Reasons = append(res.Reasons, fmt.Sprintf("urgency raised to %s: %s", res.Urgency, strings.Join(why, " and ")))
		}
		if len(sig.hurry) > 0 {
			res.Urgency = res.Urgency.Raise(1)
			res.Reasons = append(res.Reasons, fmt.Sprintf("urgency raised to %s: the buyer asks for speed (%s)", res.Urgency, quoteList(sig.hurry)))
		}
	}

	// Sentiment.
	pos, posW := matchAll(norm, positiveKeywords)
	neg, negW := matchAll(norm, negativeKeywords)
	score := float64(posW - negW - len(sig.angry) - len(sig.threats))
	if sig.shouting {
		score--
	}
	if sig.exclaiming {
		score--
	}
	if res.Inferred != Other && res.Inferred != Account && res.Confidence >= UsableAt {
		score -= 0.5 // a problem report is mildly negative even when politely worded
	}
	switch {
	case score <= -1:
		res.Sentiment = SentimentNegative
	case score >= 1:
		res.Sentiment = SentimentPositive
	default:
		res.Sentiment = SentimentNeutral
	}
	var sentWhy []string
	for _, set := range [][]string{neg, sig.angry, sig.threats, pos} {
		sentWhy = append(sentWhy, set...)
	}
	if len(sentWhy) > 0 || sig.shouting || sig.exclaiming {
		why := quoteList(sentWhy)
		if sig.shouting {
			why = strings.TrimPrefix(why+", shouting", ", ")
		}
		if sig.exclaiming {
			why = strings.TrimPrefix(why+", repeated exclamation marks", ", ")
		}
		res.Reasons = append(res.Reasons, fmt.Sprintf("sentiment %s (%s)", res.Sentiment, why))
	}

	if n := len(res.Entities.CardKeys); n > 0 {
		res.Reasons = append(res.Reasons, fmt.Sprintf("the text contains %d card-key-like %s (masked in previews)", n, plural(n, "string", "strings")))
	}
	if n := len(res.Entities.KeyFragments); n > 0 {
		res.Reasons = append(res.Reasons, fmt.Sprintf("the text quotes %d key %s", n, plural(n, "fragment", "fragments")))
	}
	return res
}

// signals are the urgency cues found in a text.
type signals struct {
	threats, angry, hurry             []string
	shouting, exclaiming, questioning bool
}

func (s signals) any() bool {
	return len(s.threats) > 0 || len(s.angry) > 0 || len(s.hurry) > 0 || s.shouting || s.exclaiming || s.questioning
}

var (
	repeatedQuestion    = regexp.MustCompile(`[?？]\s*[?？]`)
	repeatedExclamation = regexp.MustCompile(`[!！]\s*[!！]`)
	// notComplaint removes phrases that deny a complaint or a hurry ("不是投诉", "not a
	// complaint", "not a dispute", "不急") and the spam folder ("垃圾邮件", which is not an insult).
	notComplaint = strings.NewReplacer("不是投诉", "", "不是要投诉", "", "不是来投诉", "", "不想投诉", "", "不投诉", "",
		"not chargeback", "", "won't chargeback", "", "wont chargeback", "", "no chargeback", "", "不会拒付", "", "不拒付", "",
		"not a complaint", "", "not complaining", "", "not to complain", "", "not a dispute", "", "not disputing", "",
		"no dispute", "", "won't dispute", "", "not opening a dispute", "", "not filing a dispute", "", "不急", "", "不着急", "", "no rush", "", "not urgent", "",
		// the spam folder is not an insult
		"垃圾邮件", "", "垃圾箱", "", "垃圾邮箱", "", "垃圾桶", "")
)

// urgencySignals finds the urgency cues in raw text (norm is its normalizeText(Mask(...)),
// clauses its tokens(normalize(...))).
func urgencySignals(raw, norm string, clauses [][]token) signals {
	norm = notComplaint.Replace(norm)
	var s signals
	s.threats, _ = matchAll(norm, threatKeywords)
	if r := ruleVerdict(clauses); r == Dispute {
		s.threats = append(s.threats, "a complaint to a payment platform or bank")
	}
	more, _ := matchAll(notThreat.Replace(norm), moreThreats)
	s.threats = append(s.threats, more...)
	if zhGoTo.MatchString(norm) || enGoTo.MatchString(norm) {
		s.threats = appendNew(s.threats, "taking it to a platform or bank")
	}
	more, _ = matchAll(norm, pinyinThreats)
	s.threats = append(s.threats, more...)
	s.angry, _ = matchAll(norm, angryKeywords)
	calm := pinyinDenial.Replace(notHurry.Replace(norm))
	// Order numbers are no words ("KD-2026-44718" is no "kd", 快点), and "today" after what
	// happened is no deadline ("the refund came through today", "I got it from you today").
	calm = orderLikeToken.ReplaceAllString(calm, " ")
	calm = pastToday.ReplaceAllString(calm, "$1$2")
	s.hurry, _ = matchAll(calm, hurryKeywords)
	for _, kws := range [][]keyword{moreHurry, pinyinHurry} {
		more, _ = matchAll(calm, kws)
		s.hurry = appendNew(s.hurry, more...)
	}
	if pinyinJiMatch(calm) {
		s.hurry = appendNew(s.hurry, "ji")
	}
	s.hurry = appendNew(s.hurry, deadlineMatches(calm)...)
	s.shouting = isShouting(raw) || isShoutedSentence(raw)
	s.exclaiming = repeatedExclamation.MatchString(raw) || strings.Count(raw, "!")+strings.Count(raw, "！") >= 3
	s.questioning = repeatedQuestion.MatchString(raw) || mixedRun.MatchString(raw)
	return s
}

func baseUrgency(c Category) Urgency {
	switch c {
	case Dispute:
		return High
	case Other:
		return Low
	default:
		return Normal
	}
}

// isShouting reports whether most of the text's words are in capitals (at least 2 words
// of 3+ letters, 60% of them upper-case). Words with digits (keys, order numbers) do not
// count.
func isShouting(text string) bool {
	words, upper := 0, 0
	for _, tok := range strings.Fields(text) {
		tok = strings.Trim(tok, ".,;:!?'\"()[]{}<>，。！？")
		if len(tok) < 3 || acronyms[tok] {
			continue
		}
		letters, caps := true, true
		for i := 0; i < len(tok); i++ {
			c := tok[i]
			switch {
			case c >= 'A' && c <= 'Z':
			case c >= 'a' && c <= 'z':
				caps = false
			default:
				letters = false
			}
		}
		if !letters {
			continue
		}
		words++
		if caps {
			upper++
		}
	}
	return upper >= 2 && words >= 2 && upper*10 >= words*6
}

func quoteList(items []string) string {
	const maxShown = 4
	q := make([]string, 0, maxShown+1)
	for i, it := range items {
		if i == maxShown {
			q = append(q, fmt.Sprintf("and %d more", len(items)-maxShown))
			break
		}
		q = append(q, fmt.Sprintf("%q", it))
	}
	return strings.Join(q, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// spamOrPhishing says whether a message read as intent is advertising or phishing, whose
// urgency cues are ignored: phishing the model reads as an account matter counts too.
func spamOrPhishing(intent Category, norm string, clauses [][]token) bool {
	if intent != Other && intent != Account {
		return false
	}
	plain := plainText(clauses)
	if intent == Other && (isSpam(norm) || isPhishingRequest(plain)) {
		return true
	}
	return isPhishing(norm) || isDomainNotice(norm, plain)
}

// spamMarkers are what unsolicited advertising and phishing write (lower case).
var spamMarkers = []keyword{
	{"http*", 1}, {"www", 1}, {"bit.ly", 1}, {"click the link", 1}, {"click here", 1}, {"claim your", 1},
	{"congratulations", 1}, {"you've been selected", 1}, {"you have been selected", 1}, {"you have won", 1},
	{"work from home", 1}, {"verify your store", 1},
	{"点击链接", 1}, {"点击下方", 1}, {"中奖", 1}, {"加微信", 1}, {"加v", 1}, {"加qq", 1}, {"刷单", 1},
	{"兼职", 1}, {"日赚", 1}, {"返现", 1}, {"领红包", 1},
	{"congrats", 1}, {"you've won", 1}, {"click to claim", 1}, {"investment opportunity", 1},
	{"double your", 1}, {"恭喜您", 1}, {"恭喜你", 1},
	// bought followers, domain-renewal scams, advance-fee letters
	{"followers", 1}, {"best price guaranteed", 1}, {"renew now at", 1}, {"million usd", 1}, {"million dollars", 1},
	{"next of kin", 1}, {"beneficiary", 1},
}

// isSpam reports whether normalised text reads as advertising or phishing.
func isSpam(norm string) bool {
	_, n := matchAll(norm, spamMarkers)
	return n > 0 || isPhishing(norm)
}

// phishingMarkers are what a message pretending to be a platform asks for: verify or confirm
// at a link, or lose the account. A buyer reporting their own account problem does not write
// them, so they also silence a message the model reads as account.
var phishingMarkers = []keyword{
	{"verify now", 1}, {"verify your details", 1}, {"confirm your identity", 1}, {"confirm your details", 1},
	{"at the link", 1}, {"the link below", 1}, {"clicking below", 1}, {"click below", 1}, {"avoid suspension", 1},
	{"open the file", 1}, {"invoice attached", 1},
	{"點擊連結", 1}, {"点击连结", 1}, {"点击链接完成", 1}, {"下载安全app", 1},
}

// isPhishing reports whether normalised text reads as phishing.
func isPhishing(norm string) bool {
	_, n := matchAll(norm, phishingMarkers)
	return n > 0
}

// acronyms are written in capitals without shouting.
var acronyms = map[string]bool{
	"PIN": true, "PSN": true, "API": true, "CDK": true, "VPN": true, "USD": true, "CNY": true, "RMB": true, "EUR": true,
	"GBP": true, "HKD": true, "JPY": true, "DLC": true, "SMS": true, "APP": true, "IOS": true, "FAQ": true, "VIP": true,
	"OTP": true, "VAT": true, "CEO": true, "NBA": true, "FIFA": true, "GTA": true, "EA": true, "PUBG": true,
	"AMEX": true, "VISA": true, "URL": true, "PDF": true, "PC": true, "SKU": true, "UTC": true, "GMT": true,
}
