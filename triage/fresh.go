package triage

import (
	_ "embed" // the fresh held-out sets are embedded for `keydesk bench triage`
	"fmt"
	"strings"
)

// freshTSV is a second held-out set (testdata/fresh_heldout.tsv): buyer messages written by
// hand for it, not from the corpus's templates or hand-written lines. Nothing trains or
// tunes on it, but its misses guided lexicon and rule work on 2026-12-04 (issue 13), so it
// is no longer a clean measure; `keydesk bench triage` reports it apart from the corpus's
// own held-out split.
//
//go:embed testdata/fresh_heldout.tsv
var freshTSV string

// fresh2TSV is a third held-out set (testdata/fresh_heldout2.tsv): 340 buyer messages written
// by hand in a marketplace-chat voice (very short lines, long rambling ones, pinyin and its
// abbreviations, traditional characters, typos, emojis), apart from the corpus and from
// fresh_heldout.tsv, labelled with intent, language, urgency and the order numbers the text
// contains. It was written before the model it measures was changed; nothing trains, tunes or
// chooses features or rules on it.
//
//go:embed testdata/fresh_heldout2.tsv
var fresh2TSV string

// fresh3TSV is a fourth held-out set (testdata/fresh_heldout3.tsv): 307 buyer messages written
// by hand by a new writer who had not read the corpus's hand-written lines or the other fresh
// sets, covering gift-card balance questions, region / currency and platform mismatches,
// auto-renewal, invoices, payment methods, mistyped delivery e-mails, masked keys, resellers and
// API talk, forwarded marketplace chats, voice-to-text without punctuation and very short
// lines; labelled like fresh_heldout2.tsv. Its file header states the labelling conventions.
// Nothing trains, tunes or chooses features or rules on it, and its misses are never listed.
//
//go:embed testdata/fresh_heldout3.tsv
var fresh3TSV string

// fresh4TSV is a fifth held-out set (testdata/fresh_heldout4.tsv): 384 buyer messages written
// by hand by another new writer who had read neither the corpus nor the other fresh sets'
// messages and never ran the model on them while writing (zh 56% with pinyin, traditional
// characters, typos, homophone mistakes and voice-to-text; en 29%; mixed 15%), labelled like
// fresh_heldout3.tsv, whose conventions its header keeps and extends. It is reserved for judging
// a finished model change once: `keydesk bench triage` reports it only with --final, never
// lists its misses, and nothing trains, tunes or chooses features or rules on it.
//
//go:embed testdata/fresh_heldout4.tsv
var fresh4TSV string

// fresh5TSV is a sixth held-out set (testdata/fresh_heldout5.tsv): 330 buyer messages written
// by hand by a further new writer who had read neither the corpus, the development set, the
// lexicon and rule files nor the other fresh sets' messages, and never ran the model on them
// while writing (55 per intent; zh 54.5% with pinyin and initials, traditional characters,
// typos, homophone mistakes and voice-to-text; en 30.6%; mixed 14.8%; 82 with order numbers
// among phone, QQ / WeChat, case and amount distractors), labelled with fresh_heldout4.tsv's
// columns and conventions, which its header keeps. Like set 4 it is reserved for judging a
// finished model change once: `keydesk bench triage` reports it only with --final, never lists
// its misses, and nothing trains, tunes or chooses features or rules on it.
//
//go:embed testdata/fresh_heldout5.tsv
var fresh5TSV string

// fresh6TSV is a seventh held-out set (testdata/fresh_heldout6.tsv): 300 buyer messages
// written by hand by a further new writer who read only the headers of fresh_heldout4.tsv and
// fresh_heldout5.tsv and nothing else of the repository, and never ran the model on them (50
// per intent; zh 60% with 24 pinyin lines, en 30% in many voices, mixed 10%, the mix of the
// issue's own held-out set; mostly marketplace chat, like fresh_heldout2.tsv, but labelled with
// fresh_heldout4.tsv's conventions; 83 with order numbers). Like sets 4 and 5 it is reserved for
// judging a finished model change once: `keydesk bench triage` reports it only with --final,
// never lists its misses, and nothing trains, tunes or chooses features or rules on it.
//
//go:embed testdata/fresh_heldout6.tsv
var fresh6TSV string

// fresh7TSV is an eighth held-out set (testdata/fresh_heldout7.tsv): 300 buyer messages
// written by hand by a further new writer who read only the headers of fresh_heldout4.tsv and
// fresh_heldout5.tsv and never ran the model on them (50 per intent; zh 60% with 30 pinyin
// lines, en 30%, mixed 10%), stressing how messages arrive: e-mails with greetings and
// signatures, chat bursts pasted into one line, marketplace chat, voice-to-text, ramblers and
// several topics in one message. Written 2026-12-06 when lr1-ac556414fd was the model; like
// sets 4 to 6 it is reserved for judging a finished model change once (--final only, misses
// never listed, nothing trains, tunes or chooses features or rules on it).
//
//go:embed testdata/fresh_heldout7.tsv
var fresh7TSV string

// fresh8TSV is a ninth held-out set (testdata/fresh_heldout8.tsv): 300 buyer messages written
// by hand by a further new writer who read only the headers of fresh_heldout4.tsv and
// fresh_heldout5.tsv and never ran the model on them (50 per intent; zh 60% with 30 pinyin
// lines, en 30%, mixed 10%), stressing terse mobile-chat lines, pinyin-input typos and
// homophones, quoted platform errors and self-corrections. Written 2026-12-06 after the
// third-party account rule; its first reading is the clean estimate for the model and rules of
// that day. Like sets 4 to 7 it is reserved for judging a finished model change once.
//
//go:embed testdata/fresh_heldout8.tsv
var fresh8TSV string

// fresh9TSV is a tenth held-out set (testdata/fresh_heldout9.tsv): buyer messages written by
// hand by a further new writer who read only the headers of fresh_heldout4.tsv and
// fresh_heldout5.tsv and never ran the model on them (50 per intent as written; zh 60% with
// pinyin, en 30%, mixed 10%), a cross-section of an ordinary week's inbox. Written 2026-12-06
// after the pre-sale and resolved rules; its first reading is the clean estimate for them.
//
//go:embed testdata/fresh_heldout9.tsv
var fresh9TSV string

// FreshHeldOut returns the fresh held-out set. Its examples carry intent, language and
// urgency labels only (no entity labels).
func FreshHeldOut() ([]Example, error) {
	return parseFresh("fresh", freshTSV, false)
}

// FreshHeldOut2 returns the second fresh held-out set. Its examples carry intent, language
// and urgency labels and the order numbers of the text (Entities.OrderNumbers; no other
// entity labels).
func FreshHeldOut2() ([]Example, error) {
	return parseFresh("fresh2", fresh2TSV, true)
}

// FreshHeldOut3 returns the third fresh held-out set, labelled like FreshHeldOut2.
func FreshHeldOut3() ([]Example, error) {
	return parseFresh("fresh3", fresh3TSV, true)
}

// FreshHeldOut4 returns the fourth fresh held-out set, labelled like FreshHeldOut2. It is
// the final check of a finished model change: read its figures once, never its misses, and
// never tune on it.
func FreshHeldOut4() ([]Example, error) {
	return parseFresh("fresh4", fresh4TSV, true)
}

// FreshHeldOut5 returns the fifth fresh held-out set, labelled like FreshHeldOut4. Like it,
// it is a final check of a finished model change: read its figures once, never its misses,
// and never tune on it.
func FreshHeldOut5() ([]Example, error) {
	return parseFresh("fresh5", fresh5TSV, true)
}

// FreshHeldOut6 returns the sixth fresh held-out set, labelled like FreshHeldOut4 and, like
// it, a final check of a finished model change.
func FreshHeldOut6() ([]Example, error) {
	return parseFresh("fresh6", fresh6TSV, true)
}

// FreshHeldOut7 returns the seventh fresh held-out set, labelled like FreshHeldOut4 and, like
// it, a final check of a finished model change.
func FreshHeldOut7() ([]Example, error) {
	return parseFresh("fresh7", fresh7TSV, true)
}

// FreshHeldOut8 returns the eighth fresh held-out set, labelled like FreshHeldOut4 and, like
// it, a final check of a finished model change.
func FreshHeldOut8() ([]Example, error) {
	return parseFresh("fresh8", fresh8TSV, true)
}

// FreshHeldOut9 returns the ninth fresh held-out set, labelled like FreshHeldOut4 and, like
// it, a final check of a finished model change.
func FreshHeldOut9() ([]Example, error) {
	return parseFresh("fresh9", fresh9TSV, true)
}

// parseFresh reads a fresh held-out TSV: intent, lang (zh, en, mixed, pinyin), urgency (high
// or normal), text and, when withOrders, a fifth field of comma-separated order numbers.
// Lines that are blank or start with "#" are skipped; IDs are prefix:NNN.
func parseFresh(prefix, tsv string, withOrders bool) ([]Example, error) {
	fields := 4
	if withOrders {
		fields = 5
	}
	var out []Example
	for n, line := range strings.Split(tsv, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", fields)
		if len(f) != fields {
			return nil, fmt.Errorf("%s held-out line %d: want %d tab-separated fields", prefix, n+1, fields)
		}
		e := Example{ID: fmt.Sprintf("%s:%03d", prefix, len(out)+1), Intent: Category(f[0]), Lang: f[1], Urgency: f[2], Text: f[3]}
		e.Group = e.ID
		if e.Lang == "pinyin" {
			e.Lang, e.Pinyin = "zh", true
		}
		if !e.Intent.Valid() || (e.Lang != "zh" && e.Lang != "en" && e.Lang != "mixed") || (e.Urgency != "high" && e.Urgency != "normal") {
			return nil, fmt.Errorf("%s held-out line %d: bad labels %q %q %q", prefix, n+1, f[0], f[1], f[2])
		}
		if withOrders {
			for _, o := range strings.Split(strings.TrimSpace(f[4]), ",") {
				if o = strings.TrimSpace(o); o == "" {
					continue
				}
				if !strings.Contains(e.Text, o) {
					return nil, fmt.Errorf("%s held-out line %d: order number %q is not in the text", prefix, n+1, o)
				}
				e.Entities.OrderNumbers = append(e.Entities.OrderNumbers, o)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// EvaluateIntentAndUrgency reads a set labelled with intents and urgencies only: the intent
// by the model and its rules (no buyer pick), urgency against Result.Hurry.
func EvaluateIntentAndUrgency(m *Model, examples []Example) Report {
	return evaluateFresh(m, examples, false)
}

// EvaluateIntentOrdersAndUrgency is EvaluateIntentAndUrgency plus order-number extraction
// (Result.Entities.OrderNumbers against Entities.OrderNumbers), for a set whose every
// example lists the order numbers its text holds (FreshHeldOut2).
func EvaluateIntentOrdersAndUrgency(m *Model, examples []Example) Report {
	return evaluateFresh(m, examples, true)
}

func evaluateFresh(m *Model, examples []Example, orders bool) Report {
	r := Report{Intent: Evaluate(examples, m.Read)}
	for _, e := range examples {
		res := Classify("", "", e.Text)
		if orders {
			r.Orders.sets(e.Entities.OrderNumbers, res.Entities.OrderNumbers)
		}
		r.Urgency.flag(e.Urgency == "high", res.Hurry)
	}
	return r
}
