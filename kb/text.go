// Package kb is keydesk's knowledge base logic that does not touch a database: how article and
// query text becomes search units, how candidate articles are ranked for a buyer's question,
// how a highlighted snippet is cut, and how deflection figures are computed from events.
//
// Search units are what the full-text index holds and what a query looks for:
//   - Chinese (and other CJK) text is cut into overlapping two-character units (bigrams):
//     "卡密无法激活" → 卡密 密无 无法 法激 激活. No word segmentation is needed, and the
//     two-character words buyers type (卡密, 退款, 激活) are units of their own.
//   - Latin letters and digits form words, lower-cased and folded from full width, with a few
//     English suffixes stripped ("activated", "activation" → "activat") and stop words dropped.
//
// The store writes an article's units into its full-text index (SQLite FTS5 trigram, MariaDB
// Mroonga) in the same transaction as the article, and fetches candidates by any shared unit;
// Rank then orders them.
package kb

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQueryUnits caps the units one query looks for (a long description yields many).
const MaxQueryUnits = 48

// IsCJK reports whether r is a Han, kana or Hangul character.
func IsCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// fold maps full-width ASCII to ASCII and lower-cases.
func fold(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	return unicode.ToLower(r)
}

// englishStop are words too common to say what a question is about.
var englishStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but if of to in on at for from with by as is are was were be been being
		am i me my mine we our you your he she it its they them their this that these those there here what which who whom
		whose when where why how do does did done doing have has had having can could will would shall should may might
		must not no yes so too very just also only than then please pls plz hi hello hey thanks thank dear sir madam
		get got gets any some all about into up out again still now after before while because what's it's i'm don't
		can't cannot didn't doesn't isn't won't help need want`) {
		englishStop[w] = true
	}
}

// chineseStop are bigrams of filler words in buyers' questions.
var chineseStop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`我的 你们 我们 请问 怎么 什么 为什 么办 怎么办 一下 可以 是不 不是 这个 那个 一个 了吗 的吗 吗？ 谢谢 您好 你好 麻烦 帮我 帮忙 如何 为何 是否 现在 已经 还是 但是 就是 然后 没有 有没 一直 时候 知道 不知 问题`) {
		chineseStop[w] = true
	}
}

// suffixes are replaced on English words (first match in this order), keeping a stem of 3+
// letters: activation → activat, deliveries → deliver, codes → cod.
var suffixes = [][2]string{{"ations", "at"}, {"ation", "at"}, {"ings", ""}, {"ing", ""}, {"ions", ""}, {"ion", ""},
	{"ied", ""}, {"ies", ""}, {"ed", ""}, {"es", ""}, {"ly", ""}, {"s", ""}, {"e", ""}, {"y", ""}}

// Stem reduces an English word to a crude stem so inflections meet: redeemed, redeeming,
// redeem → redeem; activate, activated, activation → activat; keys → key.
func Stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	for _, s := range suffixes {
		if strings.HasSuffix(w, s[0]) && len(w)-len(s[0]) >= 3 {
			return w[:len(w)-len(s[0])] + s[1]
		}
	}
	return w
}

// synonyms maps a unit to other units that mean the same to a buyer (applied to queries only;
// the article keeps its own words). Written as plain words; init turns English ones into units.
var synonyms = map[string][]string{}

func init() {
	unit := func(w string) string {
		if IsCJK([]rune(w)[0]) {
			return w
		}
		return Stem(w)
	}
	for k, vs := range rawSynonyms {
		for _, v := range vs {
			synonyms[unit(k)] = append(synonyms[unit(k)], unit(v))
		}
	}
}

var rawSynonyms = map[string][]string{
	"激活码": {"卡密"}, "兑换码": {"卡密"}, "序列号": {"卡密"}, "cdk": {"卡密", "key"}, "cdkey": {"卡密", "key"},
	"code": {"key"}, "serial": {"key"}, "license": {"key"}, "licence": {"key"}, "voucher": {"key"},
	"卡号": {"卡密"}, "充值卡": {"卡密"},
	"退钱": {"退款"}, "返还": {"退款"}, "money": {"refund"}, "back": {"refund"}, "reimburse": {"refund"}, "chargeback": {"refund"},
	"没收": {"收到"}, "未收": {"收到"}, "没到": {"收到"}, "未收到": {"收到"},
	"兑换": {"激活"}, "redeem": {"activate"}, "activate": {"redeem"}, "使用": {"激活"},
	"不能": {"无法"}, "不了": {"无法"}, "失败": {"无法"}, "invalid": {"work"}, "fail": {"work"}, "broken": {"work"},
	"邮箱": {"邮件"}, "mail": {"email"}, "inbox": {"email"},
	"区服": {"地区"}, "国服": {"地区"}, "外服": {"地区"}, "country": {"region"},
	"号码": {"手机"}, "receipt": {"invoice"}, "发票": {"开票"},
}

// Unit is one query unit with its weight (1 for typed units, less for synonyms).
type Unit struct {
	Text   string
	Weight float64
}

// Units returns the distinct search units of text in order of first appearance (stop words
// dropped). A lone CJK character between non-CJK text is a unit of its own.
func Units(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if u != "" && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	eachUnit(text, add)
	return out
}

// eachUnit calls f for every unit of text, repeats included.
func eachUnit(text string, f func(string)) {
	var word []rune
	var cjk []rune
	flushWord := func() {
		if len(word) > 0 {
			w := string(word)
			word = word[:0]
			if englishStop[w] {
				return
			}
			if len(w) == 1 && !unicode.IsDigit(rune(w[0])) {
				return
			}
			f(Stem(w))
		}
	}
	flushCJK := func() {
		switch {
		case len(cjk) == 1:
			f(string(cjk))
		case len(cjk) > 1:
			for i := 0; i+1 < len(cjk); i++ {
				b := string(cjk[i : i+2])
				if !chineseStop[b] {
					f(b)
				}
			}
		}
		cjk = cjk[:0]
	}
	for _, r := range text {
		r = fold(r)
		switch {
		case IsCJK(r):
			flushWord()
			cjk = append(cjk, r)
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)), r == '\'' && len(word) > 0:
			flushCJK()
			word = append(word, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK()
			word = append(word, r)
		default:
			flushWord()
			flushCJK()
		}
	}
	flushWord()
	flushCJK()
}

// QueryUnits returns the units a typed question looks for: its own (weight 1) and their
// synonyms (weight 0.6) not already typed, at most MaxQueryUnits in all (typed ones first).
// Whole CJK words in the synonym table (激活码, 兑换码) are looked up in the text too.
func QueryUnits(text string) []Unit {
	own := Units(text)
	if len(own) > MaxQueryUnits {
		own = own[:MaxQueryUnits]
	}
	have := map[string]bool{}
	out := make([]Unit, 0, len(own))
	for _, u := range own {
		have[u] = true
		out = append(out, Unit{u, 1})
	}
	lower := strings.ToLower(text)
	var extra []string
	for _, u := range own {
		extra = append(extra, synonyms[u]...)
	}
	for k, vs := range synonyms {
		if utf8.RuneCountInString(k) > 2 && IsCJK([]rune(k)[0]) && strings.Contains(lower, k) {
			extra = append(extra, vs...)
		}
	}
	for _, u := range extra {
		if len(out) >= MaxQueryUnits {
			break
		}
		if !have[u] {
			have[u] = true
			out = append(out, Unit{u, 0.6})
		}
	}
	return out
}

// ArticleUnits returns the units an article is indexed under: its title, tags and body.
func ArticleUnits(title, tags, body string) []string {
	return Units(title + "\n" + tags + "\n" + body)
}

// IndexText renders units for the full-text index: each unit framed by "|" ("|卡密|密无|"),
// so a trigram phrase query for "|卡密|" matches only articles with that whole unit (the
// SQLite FTS5 trigram tokenizer needs three characters; the frame supplies them for bigrams).
func IndexText(units []string) string {
	if len(units) == 0 {
		return ""
	}
	return "|" + strings.Join(units, "|") + "|"
}

// MatchFTS5 renders units as an FTS5 query: any of the framed units ("|u|" phrases, OR).
func MatchFTS5(units []Unit) string {
	parts := make([]string, 0, len(units))
	for _, u := range units {
		parts = append(parts, `"|`+strings.ReplaceAll(u.Text, `"`, `""`)+`|"`)
	}
	return strings.Join(parts, " OR ")
}

// MatchBoolean renders units as a MySQL/MariaDB boolean-mode query (any unit; Mroonga indexes
// the units with TokenDelimit, space-separated). Units hold only letters, digits and CJK, so
// nothing in them is an operator.
func MatchBoolean(units []Unit) string {
	parts := make([]string, 0, len(units))
	for _, u := range units {
		parts = append(parts, u.Text)
	}
	return strings.Join(parts, " ")
}

// SpaceText renders units space-separated (the MySQL/MariaDB index column).
func SpaceText(units []string) string { return strings.Join(units, " ") }
