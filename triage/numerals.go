package triage

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Order numbers read out by voice input come as Chinese numerals: digit by digit
// ("七七八八一二零", 幺 for one as in phone numbers) or, for a year-like head, as a number
// ("两千零二十六一二零一五五": 2026 then 120155).

// minChineseOrderRunes is the fewest numerals a labelled order number read out so has.
const minChineseOrderRunes = 5

// chineseDigits are the numerals read as one digit; chineseUnits multiply the digit before.
var (
	chineseDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '幺': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5,
		'六': 6, '七': 7, '八': 8, '九': 9}
	chineseUnits = map[rune]int{'十': 10, '百': 100, '千': 1000}
)

func isChineseNumeral(r rune) bool {
	_, d := chineseDigits[r]
	_, u := chineseUnits[r]
	return d || u
}

// chineseNumeralRuns are the byte spans of runs of at least minChineseOrderRunes Chinese
// numerals in s.
func chineseNumeralRuns(s string) []span {
	var out []span
	start, n := -1, 0
	flush := func(end int) {
		if start >= 0 && n >= minChineseOrderRunes {
			out = append(out, span{start, end})
		}
		start, n = -1, 0
	}
	for i, r := range s {
		if !isChineseNumeral(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
		}
		n++
	}
	flush(len(s))
	return out
}

// readChineseNumerals turns a string of Chinese numerals into ASCII digits: a digit followed
// by a unit (十 百 千) starts a number read as such ("两千零二十六" is 2026), every other
// numeral is one digit. ok is false when s holds anything else.
func readChineseNumerals(s string) (digits string, ok bool) {
	rs := []rune(s)
	if len(rs) == 0 {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(rs); {
		d, isDigit := chineseDigits[rs[i]]
		isUnit := isUnitRune(rs[i])
		switch {
		case !isDigit && !isUnit:
			return "", false
		case isUnit || i+1 < len(rs) && isUnitRune(rs[i+1]):
			v, n := readChineseNumber(rs[i:])
			b.WriteString(strconv.Itoa(v))
			i += n
		default:
			b.WriteByte(byte('0' + d))
			i++
		}
	}
	return b.String(), true
}

func isUnitRune(r rune) bool { _, ok := chineseUnits[r]; return ok }

// readChineseNumber reads one number written with units from the start of rs ("两千零二十六",
// "十五", "三百"): the value and the runes it took. It ends after a digit that no unit follows.
func readChineseNumber(rs []rune) (value, n int) {
	pending := -1
	for n < len(rs) {
		r := rs[n]
		if u, ok := chineseUnits[r]; ok {
			if pending < 0 {
				pending = 1 // "十五" is fifteen
			}
			value += pending * u
			pending = -1
			n++
			continue
		}
		d, ok := chineseDigits[r]
		if !ok {
			return value, n // not a numeral: the caller rejects it
		}
		if d == 0 {
			n++ // 零 holds an empty place: "两千零六"
			continue
		}
		if n+1 < len(rs) && isUnitRune(rs[n+1]) {
			pending = d
			n++
			continue
		}
		return value + d, n + 1
	}
	return value, n
}

// chineseNumeralsToDigits replaces s by its digits when it is made of Chinese numerals only.
func chineseNumeralsToDigits(s string) string {
	if s == "" || utf8.RuneCountInString(s) < 2 {
		return s
	}
	if d, ok := readChineseNumerals(s); ok {
		return d
	}
	return s
}
