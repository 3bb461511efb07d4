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

// Category keywords. Weights: 3 = says it outright, 2 = strong hint, 1 = weak hint.
var categoryKeywords = map[Category][]keyword{
	KeyInvalid: {
		{"invalid", 3}, {"not valid", 3}, {"isn't valid", 3}, {"is not valid", 3},
		{"doesn't work", 2}, {"does not work", 2}, {"doesnt work", 2}, {"not working", 2},
		{"isn't working", 2}, {"won't work", 2}, {"didn't work", 2}, {"did not work", 2},
		{"already used", 3}, {"already been used", 3}, {"already redeemed", 3},
		{"already been redeemed", 3}, {"already activated", 3}, {"been redeemed", 2},
		{"used key", 2}, {"wrong key", 3}, {"wrong region", 2}, {"region locked", 2}, {"region lock", 2},
		{"can't redeem", 3}, {"cannot redeem", 3}, {"cant redeem", 3}, {"unable to redeem", 3},
		{"can't activate", 3}, {"cannot activate", 3}, {"cant activate", 3}, {"unable to activate", 3},
		{"activation failed", 3}, {"redemption failed", 3}, {"redeem failed", 3},
		{"not recognized", 2}, {"not recognised", 2}, {"expired", 2}, {"error", 1}, {"fake", 2},
		// Chinese (simplified and traditional).
		{"无效", 3}, {"無效", 3}, {"失效", 3}, {"不能用", 3}, {"用不了", 3}, {"不可用", 3}, {"没法用", 3},
		{"已被使用", 3}, {"已被兑换", 3}, {"已被兌換", 3}, {"已使用", 2}, {"已兑换", 2}, {"已兌換", 2},
		{"兑换失败", 3}, {"兌換失敗", 3}, {"激活失败", 3}, {"激活失敗", 3}, {"无法激活", 3},
		{"無法激活", 3}, {"无法兑换", 3}, {"無法兌換", 3}, {"卡密错误", 3}, {"卡密錯誤", 3},
		{"卡密不对", 3}, {"卡密不對", 3}, {"激活码错误", 3}, {"兑换码错误", 3}, {"错误", 1}, {"錯誤", 1},
		{"过期", 2}, {"過期", 2}, {"假卡", 3}, {"锁区", 2}, {"鎖區", 2},
	},
	KeyMissing: {
		{"not received", 3}, {"didn't receive", 3}, {"did not receive", 3}, {"didnt receive", 3},
		{"haven't received", 3}, {"have not received", 3}, {"havent received", 3},
		{"never received", 3}, {"never got", 3}, {"didn't get", 2}, {"did not get", 2},
		{"didnt get", 2}, {"haven't got", 2}, {"havent got", 2}, {"haven't gotten", 2},
		{"not delivered", 3}, {"wasn't delivered", 3}, {"never delivered", 3}, {"never arrived", 3},
		{"where is my key", 3}, {"where's my key", 3}, {"wheres my key", 3}, {"no key", 2},
		{"missing", 2}, {"no email", 2}, {"nothing arrived", 3}, {"still waiting", 1},
		{"没收到", 3}, {"沒收到", 3}, {"未收到", 3}, {"没有收到", 3}, {"沒有收到", 3}, {"收不到", 3},
		{"没发货", 3}, {"沒發貨", 3}, {"未发货", 3}, {"未發貨", 3}, {"没有发货", 3}, {"不发货", 3},
		{"没到账", 3}, {"未到账", 3}, {"没给卡密", 3}, {"没有卡密", 3}, {"卡密呢", 3}, {"缺少", 1},
	},
	Refund: {
		{"refund*", 3}, {"money back", 3}, {"return my money", 3}, {"give me my money", 3},
		{"reimburse*", 3}, {"cancel my order", 2}, {"cancel the order", 2}, {"cancel order", 2},
		{"my money", 1},
		{"退款", 3}, {"退钱", 3}, {"退錢", 3}, {"退费", 3}, {"退費", 3}, {"退我钱", 3},
		{"退货", 2}, {"退貨", 2}, {"退回", 2}, {"返还", 2}, {"返還", 2}, {"取消订单", 2}, {"取消訂單", 2},
	},
	Dispute: {
		{"chargeback*", 3}, {"charge back", 3}, {"charge-back", 3}, {"dispute*", 3},
		{"paypal claim", 3}, {"opened a claim", 2}, {"open a claim", 2}, {"filed a claim", 2},
		{"file a claim", 2}, {"my bank", 2}, {"credit card company", 2}, {"card issuer", 2},
		{"unauthorized", 3}, {"unauthorised", 3}, {"didn't authorize", 3}, {"did not authorize", 3},
		{"stolen card", 3}, {"fraudulent charge", 3}, {"reverse the charge", 3},
		{"reverse the payment", 3}, {"reversed the payment", 3},
		{"拒付", 3}, {"争议", 3}, {"爭議", 3}, {"银行投诉", 3}, {"信用卡纠纷", 3}, {"盗刷", 3},
		{"盜刷", 3}, {"未经授权", 3}, {"未經授權", 3}, {"撤销付款", 3},
	},
	Account: {
		{"account", 1}, {"password", 3}, {"log in", 2}, {"login", 2}, {"log-in", 2}, {"sign in", 2},
		{"signin", 2}, {"sign-in", 2}, {"can't login", 3}, {"cannot log in", 3}, {"can't log in", 3},
		{"locked out", 3}, {"2fa", 3}, {"two-factor", 3}, {"verification code", 2},
		{"reset password", 3}, {"password reset", 3}, {"change my email", 3}, {"change email", 3},
		{"delete my account", 3}, {"username", 2},
		{"账号", 2}, {"帳號", 2}, {"账户", 2}, {"帳戶", 2}, {"密码", 3}, {"密碼", 3}, {"登录", 2},
		{"登陆", 2}, {"登錄", 2}, {"验证码", 2}, {"驗證碼", 2}, {"注销", 2}, {"改邮箱", 3},
		{"换绑", 3}, {"找回", 2},
	},
}

// categoryOrder breaks ties between equally scored categories: an explicit money request
// wins over a dispute threat, a dispute over key problems, and so on.
var categoryOrder = []Category{Refund, Dispute, KeyMissing, KeyInvalid, Account}

// threatKeywords make a ticket urgent: legal, police, chargeback and consumer-authority
// threats.
var threatKeywords = []keyword{
	{"chargeback*", 1}, {"charge back", 1}, {"charge-back", 1}, {"lawyer*", 1}, {"attorney*", 1},
	{"police", 1}, {"sue", 1}, {"suing", 1}, {"legal action", 1}, {"court", 1}, {"small claims", 1},
	{"consumer protection", 1}, {"report you", 1}, {"reporting you", 1}, {"ftc", 1},
	{"律师", 1}, {"律師", 1}, {"报警", 1}, {"報警", 1}, {"警察", 1}, {"起诉", 1}, {"起訴", 1},
	{"法院", 1}, {"消协", 1}, {"消協", 1}, {"12315", 1}, {"工商局", 1}, {"拒付", 1}, {"曝光", 1},
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
	{"投诉", 1}, {"投訴", 1}, {"愤怒", 1}, {"憤怒", 1}, {"他妈", 1}, {"他媽", 1}, {"什么破", 1},
}

// hurryKeywords raise urgency by one step.
var hurryKeywords = []keyword{
	{"urgent*", 1}, {"asap", 1}, {"immediately", 1}, {"right now", 1}, {"right away", 1},
	{"emergency", 1}, {"as soon as possible", 1}, {"hurry", 1},
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
