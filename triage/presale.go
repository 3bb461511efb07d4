package triage

import "strings"

// Two readings the model gets wrong because the words of a request are all there:
//
//   - A question asked before buying ("if the code doesn't work can I get a refund? haven't
//     bought yet") is `other` by the labelling convention: nothing was bought, so there is no
//     key, order or refund to act on. The buyer says so in a few fixed ways.
//   - A message that ends resolved ("…says invalid — never mind, typed it wrong, works now")
//     is read by its last word: every set's convention labels a self-corrected message by its
//     final statement, and the model sees the complaint before it.

// notBoughtYet say that the writer has not bought (or not ordered) yet.
var notBoughtYet = []string{"还没买", "还没有买", "没买呢", "还没下单", "还没有下单", "还没拍", "还没付款呢",
	"拍之前问", "买之前问", "买之前先问", "下单前问", "下单之前问", "购买前问", "先问问再买", "想买先问", "买前问",
	"before i buy", "before i order", "before i purchase", "asking before", "ask before i",
	"haven't bought yet", "haven't bought it yet", "havent bought yet", "havent bought it yet", "have not bought yet", "not bought yet",
	"haven't ordered yet", "havent ordered yet", "not ordered yet", "no order yet", "haven't purchased yet", "not purchased yet", "not a customer yet",
	"hai mei mai", "mai zhi qian wen", "xia dan qian wen"}

// paidWords say money has moved, which makes "还没下单" a payment problem, not a question.
var paidWords = []string{"付了", "付款了", "已付", "扣了", "扣款", "扣钱", "paid", "charged", "debited", "payment went", "money was taken"}

// askedEarlier say the question was asked before an earlier purchase ("买之前问过你们").
var askedEarlier = []string{"问过", "asked", "told me", "you said", "说能", "说可以"}

// isPresaleQuestion says whether plain text asks before buying.
func isPresaleQuestion(plain string) bool {
	return containsAny(plain, notBoughtYet) && !containsAny(plain, paidWords) && !containsAny(plain, askedEarlier)
}

// resolvedMarkers close a message that began with a problem: the buyer found the fault was
// theirs or that it now works.
var resolvedMarkers = []string{"never mind", "nevermind", "nvm", "disregard", "ignore my", "ignore this", "works now", "working now", "it works",
	"no refund needed", "no need", "sorry for the noise",
	"redeemed fine", "activated fine", "worked fine", "all good now", "my bad", "my mistake", "my fault", "wrong chat",
	"兑换成功了", "激活成功了", "充值成功了", "可以用了", "能用了", "找到了", "不用处理了", "不用管", "不用退了", "没事了", "打扰了",
	"看错了", "输错了", "搞错了", "是我的问题", "hao le", "zhao dao le"}

// stillWants are what a buyer asks for after a resolved part ("不用退了，换一张能用的").
var stillWants = []string{"换一张", "换张", "换个", "换一个", "再发", "重新发", "补发", "补一张", "send me", "send a new", "send another",
	"replace", "refund me", "退给我", "退我", "give me"}

// endsResolved says whether plain text's last resolution comes after its last problem and
// nothing is asked for after it.
func endsResolved(plain string) bool {
	at := lastIndexAny(plain, resolvedMarkers)
	if at < 0 {
		return false
	}
	tail := plain[at:]
	return lastIndexAny(plain, problemMarkers) < at && !containsAny(tail, problemMarkers) && !containsAny(tail, stillWants)
}

// lastIndexAny is the byte offset of the last phrase of phrases in plain, or -1: an ASCII
// phrase on word boundaries, a Chinese one not negated ("不能用了" is no "能用了").
func lastIndexAny(plain string, phrases []string) int {
	last := -1
	for _, p := range phrases {
		p = strings.ToLower(p)
		for from := 0; from < len(plain); {
			i := strings.Index(plain[from:], p)
			if i < 0 {
				break
			}
			start := from + i
			if start > last && standsAlone(plain, start, start+len(p), p) {
				last = start
			}
			from = start + 1
		}
	}
	return last
}

// standsAlone says whether p, found in plain at [start, end), is a whole phrase: an ASCII one
// between non-alphanumeric bytes, a Chinese one not right after 不, 没 or 还.
func standsAlone(plain string, start, end int, p string) bool {
	if isASCII(p) {
		return (start == 0 || !isASCIIAlnum(plain[start-1])) && (end == len(plain) || !isASCIIAlnum(plain[end]))
	}
	before := plain[:start]
	return !strings.HasSuffix(before, "不") && !strings.HasSuffix(before, "没") && !strings.HasSuffix(before, "还")
}
