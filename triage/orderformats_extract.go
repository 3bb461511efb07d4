package triage

import "strings"

// ExtractOrderNumbers finds the order numbers in text as ExtractEntities does
// (Entities.OrderNumbers: upper-cased, without duplicates), reading them also in the
// merchant's own formats f:
//
//   - a token of a learned, distinctive shape (see below) is an order number without a
//     label, unless the words around it say it is something else: a key ("卡密 …", "starts
//     with …"), and for a shape of digits only also a QQ / WeChat id, a phone, an amount and
//     the other things a bare number is not (as for ExtractEntities' bare numbers), or an
//     11-digit mobile number when no sample number looked like one;
//   - when the learned shapes cover at least DropUnmatchedCoverage of the sample, an order
//     number ExtractEntities found by its shape alone (a bare, long numeric, prefixed or
//     dash-grouped number nobody labelled as the order) is dropped when it fits none of
//     them: a shop whose orders all read "KD…" has no order "88120339". Numbers the buyer
//     labels as the order are always kept, whatever their shape.
//
// A shape is distinctive when it has letters every sample shares ("ORD-D4-D6", "KD+T8D5")
// and at least 5 letters and digits, or at least 8 letters and digits in more than one group
// or digits only ("A4-A4", "L2_D4_D4", "T8D9"); a one-group mix of letters and digits
// ("A10") looks like a key and only counts when labelled. With the zero OrderFormats the
// result is exactly ExtractEntities(text).OrderNumbers.
//
// A shop whose order numbers have the shape of card keys ("7QKM-2X9P-RT4A": Mask hides such
// strings) gets them read as order numbers here, so a key of that shape pasted by the buyer
// may be among the result: like Entities.CardKeys, never log or persist the result as such
// (look the numbers up, keep what the lookup finds).
func ExtractOrderNumbers(text string, f OrderFormats) []string {
	scan := maskEmails(text)
	ex := extractOrderAndFragments(scan)
	folded := foldWidth(scan)
	orders, rules := ex.orders, ex.rules
	if folded != scan {
		fx := extractOrderAndFragments(folded)
		orders, rules = append(append([]string{}, orders...), fx.orders...), append(append([]orderRule{}, rules...), fx.rules...)
	}
	drop := f.Known() && f.Coverage() >= DropUnmatchedCoverage && !f.keepUnmatched
	out := []string{}
	seen := map[string]bool{}
	add := func(s string) {
		if u := NormalizeOrderNo(s); !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for i, s := range orders {
		if drop && rules[i] != ruleLabelled && strings.IndexFunc(s, isASCIILetter) >= 0 && !f.Matches(s) {
			continue
		}
		add(s)
	}
	if !f.Known() {
		return out
	}
	textOnly := len(out)
	lower := asciiLower(folded)
	keys := keySpans(folded)
	for _, tk := range orderTokens(folded) {
		s := folded[tk.start:tk.end]
		if seen[NormalizeOrderNo(s)] {
			continue
		}
		sh, ok := f.match(strings.ToUpper(s))
		if !ok {
			continue
		}
		labelled := orderLabelled(lower, tk.start) || namedAfter(lower, tk.end)
		if !labelled && !learnedContextOK(sh, lower, s, tk, keys) {
			continue
		}
		add(s)
	}
	return dropPieces(out, textOnly)
}

// dropPieces removes from out[:textOnly] the numbers that are a piece of a number found in
// a learned format (out[textOnly:]): "300128" of "MZ_300128" (a label such as "这单" after it
// names the whole number, not the piece).
func dropPieces(out []string, textOnly int) []string {
	if textOnly == len(out) {
		return out
	}
	kept := out[:0:0]
	for i, s := range out {
		piece := false
		for _, l := range out[textOnly:] {
			piece = piece || i < textOnly && strings.Contains(l, s)
		}
		if !piece {
			kept = append(kept, s)
		}
	}
	return kept
}

// learnedContextOK says whether an unlabelled token of the learned shape sh reads as an
// order number where it stands.
func learnedContextOK(sh *orderShape, lower, s string, tk span, keys []span) bool {
	if !sh.distinctive() || keyContext(lower, tk.start, tk.end) != noContext {
		return false
	}
	if !sh.digitsOnly() {
		return true
	}
	for _, k := range keys {
		if tk.start < k.end && k.start < tk.end {
			return false // part of spaced key groups ("1234 5678 9012 3456")
		}
	}
	if len(s) == 11 && s[0] == '1' && !sh.groups[0].mobileOK {
		return false
	}
	return !hasAnyWord(clauseBefore(lower, tk.start), notOrderIdentity) &&
		!hasAnyPrefix(strings.TrimLeft(lower[tk.end:], " "), notOrderAfter)
}

// notOrderIdentity are the words of notOrderBefore that name another kind of number (a QQ
// id, a phone, a card, a case, an account): the amount words ("paid", "付了", "¥") are left
// out, since a number of the shop's own order shape after "I paid for" is the order.
var notOrderIdentity = func() []string {
	amount := map[string]bool{"¥": true, "￥": true, "$": true, "rmb": true, "usd": true, "金额": true, "余额": true,
		"balance": true, "付了": true, "paid": true, "花了": true, "共": true, "total": true}
	var out []string
	for _, w := range notOrderBefore {
		if !amount[w] {
			out = append(out, w)
		}
	}
	return out
}()

// hasAnyWord is hasAny with whole words for words in Latin letters ("id" is not in "paid";
// digits may touch them: "qq12345678").
func hasAnyWord(s string, words []string) bool {
	for _, w := range words {
		for from := 0; ; {
			i := strings.Index(s[from:], w)
			if i < 0 {
				break
			}
			i += from
			end := i + len(w)
			if !isASCIILetter(rune(w[0])) || (i == 0 || !isASCIILetter(rune(s[i-1]))) && (end == len(s) || !isASCIILetter(rune(s[end]))) {
				return true
			}
			from = i + 1
		}
	}
	return false
}

// digitsOnly says whether the shape is one group of digits.
func (sh *orderShape) digitsOnly() bool {
	return len(sh.groups) == 1 && sh.groups[0].kind == gDigits
}

// distinctive says whether a token of the shape is an order number without a label (see
// ExtractOrderNumbers).
func (sh *orderShape) distinctive() bool {
	alnum := sh.length - len(sh.seps)
	for _, g := range sh.groups {
		if g.lit != "" && alnum >= 5 {
			return true
		}
	}
	if alnum < 8 {
		return false
	}
	return len(sh.groups) > 1 || sh.digitsOnly()
}

// orderTokens are the maximal runs of ASCII letters and digits joined by single separators
// ('-', '_', '/', '.'), and, when such a run has '/' or '.', also its pieces between them
// ("7712093311/7712093312" is two numbers; "KD123.", a sentence's end, is "KD123"). Pieces
// longer than maxOrderToken are left out.
func orderTokens(s string) []span {
	var out []span
	i := 0
	for i < len(s) {
		if !isASCIIAlnum(s[i]) {
			i++
			continue
		}
		start, j := i, i
		for {
			for j < len(s) && isASCIIAlnum(s[j]) {
				j++
			}
			if j+1 < len(s) && strings.IndexByte(orderSeparators, s[j]) >= 0 && isASCIIAlnum(s[j+1]) {
				j++
				continue
			}
			break
		}
		// A letter or digit run glued to the token on the left (a word in Latin letters)
		// makes it part of a longer word: none here, runs are maximal.
		if j-start <= maxOrderToken {
			out = append(out, span{start, j})
		}
		if strings.ContainsAny(s[start:j], "/.") {
			p := start
			for k := start; k <= j; k++ {
				if k == j || s[k] == '/' || s[k] == '.' {
					if k-p <= maxOrderToken && p < k {
						out = append(out, span{p, k})
					}
					p = k + 1
				}
			}
		}
		i = j
	}
	return out
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay those of s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
