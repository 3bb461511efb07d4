package triage

import (
	"fmt"
	"math"
	"strings"
)

// Result is what Classify concluded about one ticket text.
type Result struct {
	// Category is the ticket's category: the buyer's chosen category if given and
	// valid, else Inferred.
	Category Category `json:"category"`
	// Inferred is what the text suggests (Other when nothing matched).
	Inferred Category `json:"inferred"`
	// Confidence in Inferred, 0..1 (0: no keyword matched). It grows with the weight of
	// the evidence and shrinks when another category scores close to it.
	Confidence float64 `json:"confidence"`
	// Urgency uses the same words as ticket priority.
	Urgency Urgency `json:"urgency"`
	// Sentiment is SentimentNegative, SentimentNeutral or SentimentPositive.
	Sentiment string `json:"sentiment"`
	// Entities found in the text. CardKeys are raw: see Redacted.
	Entities Entities `json:"entities"`
	// Reasons explain the category, urgency and sentiment in plain words. They quote
	// only keywords from this package's lists, never the buyer's text.
	Reasons []string `json:"reasons"`
}

// Redacted returns a copy safe to log, store in a ticket event or carry in a workflow
// payload: card keys are masked with MaskKey and e-mail local parts hidden.
func (r Result) Redacted() Result {
	r.Entities = r.Entities.Redacted()
	r.Reasons = append([]string(nil), r.Reasons...)
	return r
}

// Classify reads a ticket's subject and body (English or Chinese) and returns its
// category, urgency, sentiment and entities with the reasons. chosen is the category
// the buyer picked on the form ("" when none); it wins when valid.
//
// Urgency starts from the category (dispute high, other low, the rest normal). Threats
// ("chargeback", "lawyer", "police", "sue", "律师", "报警", "12315", ...) make it urgent;
// otherwise angry words, shouting in capitals or "!!!" raise it one step and hurry words ("asap", "urgent",
// "马上", ...) one more.
func Classify(chosen Category, subject, body string) Result {
	raw := strings.TrimSpace(subject + "\n" + body)
	// Match keywords on masked text, so that letters inside a card key never read as words.
	norm := normalizeText(Mask(raw))

	res := Result{Entities: ExtractEntities(raw)}

	// Category.
	scores := map[Category]int{}
	matched := map[Category][]string{}
	for _, c := range categoryOrder {
		matched[c], scores[c] = matchAll(norm, categoryKeywords[c])
	}
	best, second := Other, 0
	for _, c := range categoryOrder {
		if scores[c] > scores[best] {
			best = c
		}
	}
	for _, c := range categoryOrder {
		if c != best && scores[c] > second {
			second = scores[c]
		}
	}
	res.Inferred = best
	res.Confidence = confidence(scores[best], second)
	if best == Other {
		res.Reasons = append(res.Reasons, "no category keywords found in the text")
	} else {
		res.Reasons = append(res.Reasons, fmt.Sprintf("the text suggests %s (%s)", best, quoteList(matched[best])))
	}

	switch {
	case chosen.Valid():
		res.Category = chosen
		res.Reasons = append(res.Reasons, fmt.Sprintf("the buyer chose %s", chosen))
		if best != Other && best != chosen {
			res.Reasons = append(res.Reasons, fmt.Sprintf("the buyer chose %s but the text reads like %s; check the category", chosen, best))
		}
	case chosen == "":
		res.Category = best
		res.Reasons = append(res.Reasons, fmt.Sprintf("no category chosen, so the inferred category %s is used", best))
	default:
		res.Category = best
		res.Reasons = append(res.Reasons, fmt.Sprintf("the chosen category %q is not valid, so the inferred category %s is used", string(chosen), best))
	}

	// Urgency.
	res.Urgency = baseUrgency(res.Category)
	res.Reasons = append(res.Reasons, fmt.Sprintf("%s urgency is usual for %s", res.Urgency, res.Category))
	threats, _ := matchAll(norm, threatKeywords)
	angry, _ := matchAll(norm, angryKeywords)
	hurry, _ := matchAll(norm, hurryKeywords)
	shouting := isShouting(raw)
	exclaiming := strings.Contains(norm, "!!!")
	if len(threats) > 0 {
		res.Urgency = Urgent
		res.Reasons = append(res.Reasons, fmt.Sprintf("urgent: the buyer mentions %s", quoteList(threats)))
	} else {
		if len(angry) > 0 || shouting || exclaiming {
			res.Urgency = res.Urgency.Raise(1)
			var why []string
			if len(angry) > 0 {
				why = append(why, "angry words ("+quoteList(angry)+")")
			}
			if shouting {
				why = append(why, "shouting")
			}
			if exclaiming {
				why = append(why, "repeated exclamation marks")
			}
			res.Reasons = append(res.Reasons, fmt.Sprintf("urgency raised to %s: %s", res.Urgency, strings.Join(why, " and ")))
		}
		if len(hurry) > 0 {
			res.Urgency = res.Urgency.Raise(1)
			res.Reasons = append(res.Reasons, fmt.Sprintf("urgency raised to %s: the buyer asks for speed (%s)", res.Urgency, quoteList(hurry)))
		}
	}

	// Sentiment.
	pos, posW := matchAll(norm, positiveKeywords)
	neg, negW := matchAll(norm, negativeKeywords)
	score := float64(posW - negW - len(angry) - len(threats))
	if shouting {
		score--
	}
	if exclaiming {
		score--
	}
	complaint := false
	for _, c := range []Category{KeyInvalid, KeyMissing, Refund, Dispute} {
		if scores[c] > 0 {
			complaint = true
		}
	}
	if complaint {
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
	for _, set := range [][]string{neg, angry, threats, pos} {
		sentWhy = append(sentWhy, set...)
	}
	if len(sentWhy) > 0 || shouting || exclaiming {
		why := quoteList(sentWhy)
		if shouting {
			why = strings.TrimPrefix(why+", shouting", ", ")
		}
		if exclaiming {
			why = strings.TrimPrefix(why+", repeated exclamation marks", ", ")
		}
		res.Reasons = append(res.Reasons, fmt.Sprintf("sentiment %s (%s)", res.Sentiment, why))
	}

	if n := len(res.Entities.CardKeys); n > 0 {
		res.Reasons = append(res.Reasons, fmt.Sprintf("the text contains %d card-key-like %s (masked in previews)", n, plural(n, "string", "strings")))
	}
	return res
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

// confidence in the best category: the share of the evidence it holds, times how strong
// that evidence is (one outright keyword gives 0.6, more evidence approaches 1).
func confidence(best, second int) float64 {
	if best <= 0 {
		return 0
	}
	b, s := float64(best), float64(second)
	c := b / (b + s) * b / (b + 2)
	return math.Round(c*100) / 100
}

// isShouting reports whether most of the text's words are in capitals (at least 4 words
// of 3+ letters, 60% of them upper-case). Words with digits (keys, order numbers) do not
// count.
func isShouting(text string) bool {
	words, upper := 0, 0
	for _, tok := range strings.Fields(text) {
		tok = strings.Trim(tok, ".,;:!?'\"()[]{}<>")
		if len(tok) < 3 {
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
	return words >= 4 && upper*10 >= words*6
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
