package kb

import (
	"math"
	"sort"
	"strings"
)

// Field weights of a matched unit: in the title or tags it says what the article is about.
const (
	weightTitle = 3.0
	weightBody  = 1.0
	// langBonus multiplies the score of an article in the language the question is written in.
	langBonus = 1.25
	// MinScore is the least score an article needs to be suggested at all.
	MinScore = 1.5
	// relativeCut drops articles scoring under this share of the best one.
	relativeCut = 0.3
)

// Doc is a candidate article as Rank sees it.
type Doc struct {
	ID       uint64
	Title    string
	Tags     string
	Body     string
	Language string
}

// Scored is a ranked article with the query units it matched (for highlighting).
type Scored struct {
	Doc
	Score   float64
	Matched []string
}

// QueryLanguage guesses the language a question is written in: "zh-CN" when it holds more
// CJK characters than Latin letters, "en" when it holds Latin letters only, else fallback.
func QueryLanguage(text, fallback string) string {
	var cjk, latin int
	for _, r := range text {
		switch {
		case IsCJK(r):
			cjk++
		case r < 128 && (r|0x20) >= 'a' && (r|0x20) <= 'z':
			latin++
		}
	}
	switch {
	case cjk > 0 && cjk*2 >= latin:
		return "zh-CN"
	case latin > 0 && cjk == 0:
		return "en"
	}
	return fallback
}

// sameLanguage compares "zh", "zh-CN", "zh-Hans" and "en", "en-US" by their first part.
func sameLanguage(a, b string) bool {
	first := func(s string) string {
		s, _, _ = strings.Cut(strings.ToLower(s), "-")
		return s
	}
	return a != "" && first(a) == first(b)
}

// Rank scores candidate articles for the query units and returns those scoring at least
// MinScore, best first (ties: the candidates' order). corpus is how many published articles
// the merchant has: with it a unit's inverse document frequency is computed from the
// candidates, which are every article holding any query unit (the store's index query).
// Each query unit found in an article adds weight × idf × 3 when it is in the title or tags,
// × 1 when only in the body; an article in the question's language (lang) scores 25% more.
func Rank(q []Unit, docs []Doc, corpus int, lang string) []Scored {
	return RankDF(q, docs, corpus, nil, lang)
}

// RankDF is Rank with the merchant's document frequencies of the query units known (df; nil:
// counted among the candidates, which then must be every article holding a query unit).
// With df known, candidates may be fetched by the query's rarer units only.
func RankDF(q []Unit, docs []Doc, corpus int, df map[string]int, lang string) []Scored {
	if len(q) == 0 || len(docs) == 0 {
		return nil
	}
	if corpus < len(docs) {
		corpus = len(docs)
	}
	type sets struct{ title, body map[string]bool }
	ds := make([]sets, len(docs))
	count := df == nil
	if count {
		df = map[string]int{}
	}
	want := map[string]bool{}
	for _, u := range q {
		want[u.Text] = true
	}
	for i, d := range docs {
		ds[i] = sets{title: map[string]bool{}, body: map[string]bool{}}
		eachUnit(d.Title+"\n"+d.Tags, func(u string) {
			if want[u] {
				ds[i].title[u] = true
			}
		})
		eachUnit(d.Body, func(u string) {
			if want[u] {
				ds[i].body[u] = true
			}
		})
		if !count {
			continue
		}
		for u := range want {
			if ds[i].title[u] || ds[i].body[u] {
				df[u]++
			}
		}
	}
	out := make([]Scored, 0, len(docs))
	for i, d := range docs {
		var score float64
		var matched []string
		for _, u := range q {
			var w float64
			switch {
			case ds[i].title[u.Text]:
				w = weightTitle
			case ds[i].body[u.Text]:
				w = weightBody
			default:
				continue
			}
			idf := math.Log(1 + float64(corpus)/float64(max(df[u.Text], 1)))
			score += u.Weight * idf * w
			matched = append(matched, u.Text)
		}
		if sameLanguage(d.Language, lang) {
			score *= langBonus
		}
		if score >= MinScore {
			out = append(out, Scored{Doc: d, Score: score, Matched: matched})
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	// Drop the tail far below the best: a buyer reads the first few, and an article sharing one
	// common word with the question is noise next to one that answers it.
	for i := range out {
		if out[i].Score < relativeCut*out[0].Score {
			return out[:i]
		}
	}
	return out
}

// PruneUnits picks the units worth fetching candidates by: those some article holds (df > 0),
// rarest first, while the articles they reach stay within budget (at least minUnits, at most
// maxUnits). Common units still count in RankDF for the candidates fetched; they only stop
// widening the fetch (a unit in most articles says little, and fetching by it is what is slow).
func PruneUnits(q []Unit, df map[string]int, budget, minUnits, maxUnits int) []Unit {
	var have []Unit
	for _, u := range q {
		if df[u.Text] > 0 {
			have = append(have, u)
		}
	}
	sort.SliceStable(have, func(i, j int) bool { return df[have[i].Text] < df[have[j].Text] })
	out := make([]Unit, 0, min(len(have), maxUnits))
	reach := 0
	for _, u := range have {
		if len(out) >= maxUnits || (len(out) >= minUnits && reach+df[u.Text] > budget) {
			break
		}
		out = append(out, u)
		reach += df[u.Text]
	}
	return out
}
