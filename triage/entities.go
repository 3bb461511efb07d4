package triage

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Order numbers and key fragments beyond the shapes of isOrderNumber. Shops number orders
// in several ways; besides the prefixed shape ("KD20261103001", "ORD-2026-000123") buyers
// paste:
//
//   - long numeric order numbers: 12 to 24 digits ("20261103085512347", the 17-digit
//     date-prefixed numbers, and the 18/19-digit numbers of payment platforms). 11-digit
//     runs are left alone: they are usually mobile numbers;
//   - alphanumeric numbers of two or three dash-joined groups of 4 with both letters and
//     digits ("B3K8-71QZ");
//   - any other run of letters and digits with at least minLabelledDigits digits that the
//     buyer labels as the order ("订单号 8812734512", "order #2291873344", "单号：a77310295"):
//     shops number orders in ways no list of shapes covers, and the label is what says
//     it. An 11-digit mobile number only counts when so labelled. A labelled number may
//     have a card key's shape ("order 20261202-3391", "订单 A20261204093": the label tells
//     it from a key) or only four digits (a web shop's "order #1043"; not a year, not a
//     quantity);
//   - a labelled number typed in groups ("订单号 20261201 1530 8812") or read out in Chinese
//     numerals by voice input ("订单号是七七八八一二零"), kept as written; NormalizeOrderNo
//     gives the form the lookup compares;
//   - none of these when a label right before it names another kind of number (投诉单号,
//     transaction id, 售后单号, ...), nor a number of an order's shape that no label names the
//     order in a clause about a contact, a case or a coupon ("加微信 kd8899").
//
// A key fragment is a 4- or 5-character run of letters and digits right after a position
// phrase ("前四位", "尾号", "starts with", "ending in", ...) or right before "开头"/"结尾"
// (then it needs a digit), or right after a key word ("卡密", "激活码", "code", "key", "PIN",
// ...; then it needs both a letter and a digit, so "code 2026" is a year, not a fragment).
// Buyers quote them to say which key failed; they are compared with the order's keys by the
// caller and shown masked (MaskKey masks anything this short completely).

const (
	minNumericOrder = 12
	maxNumericOrder = 24
	fragmentMin     = 4
	fragmentMax     = 5
	// contextWindow is how many bytes before a fragment are searched for a key word.
	contextWindow = 24
	// minLabelledDigits and maxLabelled bound a labelled order number of any shape.
	minLabelledDigits = 5
	maxLabelled       = 32
)

// orderLabels name the order right before its number (matched on lower-cased text, after
// separators such as ":" or "是" are trimmed); a "#" right before the number counts too.
var orderLabels = []string{"订单号", "订单号码", "订单编号", "订单编码", "订单id", "订单", "单号", "单子号", "单子",
	"商户单号", "商户订单号", "訂單號", "訂單編號", "訂單", "單號", "订单號", "訂单号", "订單號", "張單", "张单",
	"dingdanhao", "dingdan", "ddh",
	"order number", "order numbers", "order no.", "order no", "order nos", "order id", "order ids", "order ref",
	"order reference", "order code", "order num", "order", "orders", "purchase", "purchase id", "purchase number",
	"ord", "ord.", "ord no", "ord no.", "ref", "ref.", "ref no", "ref no.", "dd"}

// labelGap is what may stand between a label and its number besides "是" / "is": blanks,
// colons, "=", a dash, an opening bracket or quote ("订单号【2026120355】", "order id - 88120339").
const labelGap = " \t\r\n:：=-–—(（[【「『\"'“‘<《"

// orderNamedAfter follow a number to name it the order ("88120339是我的订单号", "88120339 这单").
var orderNamedAfter = []string{"是我的订单", "是订单号", "是我的单号", "这个订单", "这个单", "这单", "的订单", "号订单",
	"is my order", "is the order"}

// labelVerbs may stand between a label and its number ("order number is ...", "订单号：No.
// 2201833", "N0." typed with a zero).
var labelVerbs = []string{" is", " was", " =", " no.", " no", "no.", "n0.", "nr."}

// numberLabels name the order only when nothing of a word stands before them and the clause
// is not about a case or a contact: "编号「P1004」" or "編號 NO.5520198" on their own are the
// order's number; "商品编号", "会员编号" and "投诉…编号是" are not.
var numberLabels = []string{"编号", "編號", "编码"}

// orderListJoins join a second order number to a labelled one ("订单 1234567、1234568",
// "orders 1234567 and 1234568", "订单 88120 88121", "order 4491 or maybe 4419"): it is
// labelled too.
var orderListJoins = []string{",", "，", "、", "/", "和", "跟", "及", "还有", "and", "&", "+", "", "or", "or maybe",
	"或", "或者", "还是"}

// positionWords precede a key fragment and say which part of the key it is; keyWords name
// the key (both matched on lower-cased text).
var (
	positionWords = []string{
		"前四位", "前4位", "后四位", "后4位", "後四位", "前五位", "后五位", "尾号", "尾數", "尾数", "开头是", "开头为",
		"starts with", "start with", "begins with", "beginning with", "ending", "ends with", "last 4",
		"first 4", "last four", "first four",
	}
	keyWords = []string{"卡密", "激活码", "兑换码", "兌換碼", "卡号", "序列号", "充值码", "礼品卡", "密码",
		"key", "code", "pin", "serial"}
)

// keyContextAfter follow a key fragment.
var keyContextAfter = []string{"开头", "開頭", "结尾", "結尾"}

type entitySpan struct {
	start, end int
	kind       string // "order", "key" (a whole key-like string) or "frag"
}

type extraction struct {
	spans  []entitySpan // sorted, not overlapping
	orders []string     // as written
	rules  []orderRule  // which rule found each of orders (same index)
	frags  []string     // as written
}

// orderRule says which rule of extractOrderAndFragments found an order number.
// ExtractOrderNumbers keeps every labelled one and may drop the others when the merchant's
// order formats are known and none fits.
type orderRule int

const (
	ruleShape    orderRule = iota // a shape of its own: prefixed, YYMMDD-15 or 12–24 digits
	ruleLabelled                  // labelled, named the order after it, or listed after one
	ruleBare                      // a bare 8–11 digit number
	ruleAlnum                     // dash-grouped letters and digits ("B3K8-71QZ")
)

// extractOrderAndFragments finds order numbers (all shapes), whole key-like strings and key
// fragments in text whose e-mail addresses are already masked or replaced.
func extractOrderAndFragments(text string) extraction {
	var ex extraction
	keys := keySpans(text)
	lower := strings.ToLower(text)
	cands := orderCandidates(text)
	for i := 0; i < len(cands); i++ {
		c := cands[i]
		if j, ok := spacedOrder(text, lower, cands, i, keys); ok {
			// "订单号 20261201 1530 8812": one number typed in groups.
			keys = dropOverlapping(keys, c.start, cands[j].end)
			ex.addOrder(c.start, cands[j].end, text[c.start:cands[j].end], ruleLabelled, nil)
			i = j
			continue
		}
		s := text[c.start:c.end]
		// labelled says whether the buyer names the number the order (rules found by shape
		// alone record it too, for ExtractOrderNumbers).
		labelled := func() bool {
			return orderLabelled(lower, c.start) || namedAfter(lower, c.end) || listedAfter(lower, ex.last(), c.start, c.end)
		}
		if overlaps(keys, c.start, c.end) {
			// A key-shaped string the buyer labels the order ("order 20261202-3391",
			// "订单 A20261204093", "order id: 9f3k-2026-7781") is the order: shops number
			// orders in such shapes, and the label is what tells them from keys. Mask still
			// hides it, as it hides every key shape.
			if !isLabelledOrder(s) || !labelled() {
				continue
			}
			keys = dropOverlapping(keys, c.start, c.end)
			ex.addOrder(c.start, c.end, s, ruleLabelled, nil)
			continue
		}
		if otherNumberLabelled(lower, c.start) {
			// "投诉单号 2001…", "tracking number 7730…": another kind of number. One with
			// letters is read as a number too, so the model never sees a reference's (or a
			// key's) letters.
			if !allDigits(s) {
				ex.spans = append(ex.spans, entitySpan{c.start, c.end, "num"})
			}
			continue
		}
		switch {
		case (isOrderNumber(s) || isNumericOrder(s)) && (labelled() || !otherNumberContext(lower, c.start)):
			ex.addOrder(c.start, c.end, s, ruleShape, labelled)
		case isLabelledOrder(s) && labelled():
			ex.addOrder(c.start, c.end, s, ruleLabelled, nil)
		case isShortOrder(s) && labelled() && !shortOrderIsQuantity(lower, c.end):
			ex.addOrder(c.start, c.end, s, ruleLabelled, nil)
		case isBareOrder(s) && bareOrderContext(lower, c.start, c.end):
			ex.addOrder(c.start, c.end, s, ruleBare, labelled)
		case isAlnumOrder(text, c):
			if keyContext(lower, c.start, c.end) == noContext {
				ex.addOrder(c.start, c.end, s, ruleAlnum, labelled)
			} else {
				// A piece of a key ("卡密 B3K8-71QZ"): not an order, and the model reads it
				// as a key, never as the words of a secret.
				ex.spans = append(ex.spans, entitySpan{c.start, c.end, "key"})
			}
		case len(c.groups) == 1 && isFragment(s, keyContext(lower, c.start, c.end)):
			ex.add(c.start, c.end, "frag", s)
		}
	}
	for _, r := range chineseNumeralRuns(text) {
		// "订单号是七七八八一二零": an order number read out by voice input.
		if orderLabelled(lower, r.start) {
			ex.addOrder(r.start, r.end, text[r.start:r.end], ruleLabelled, nil)
		}
	}
	for _, k := range keys {
		ex.spans = append(ex.spans, entitySpan{k.start, k.end, "key"})
	}
	sortSpans(ex.spans)
	return ex
}

// Spaced order numbers: buyers type a long number in groups ("订单号 20261201 1530 8812",
// "订单 KD 88 1203"). Right after an order label, a first group (up to 10 digits, or a
// prefix of up to 4 letters) and the groups of 2 to 6 digits that follow it, each after one
// space, are one number when it has at least minSpacedOrder characters and minLabelledDigits
// digits, its groups are not all as long as the first (that is a list: "订单 88120 88121";
// but three or more groups of four digits are one number), it is not a date or a mobile
// number, and no quantity, amount or time follows it.
const minSpacedOrder = 8

// notSpacedOrderAfter, after the last group, make it a quantity, an amount or a time
// ("order 88120339 30 mins ago").
var notSpacedOrderAfter = append([]string{"min", "hour", "hr", "day", "week", "month", "year", "pm", "am",
	"分钟", "小时", "天", "周", "号"}, notShortOrderAfter...)

// spacedOrder says whether cands[i] starts a labelled order number typed in groups, and the
// index of its last group.
func spacedOrder(text, lower string, cands []candidate, i int, keys []span) (int, bool) {
	c := cands[i]
	first := text[c.start:c.end]
	if len(c.groups) != 1 || !(allDigits(first) && len(first) <= 10 || allLetters(first) && len(first) <= 4) ||
		!orderLabelled(lower, c.start) {
		return 0, false
	}
	j, alike := i, allDigits(first)
	for j+1 < len(cands) {
		next := cands[j+1]
		g := text[next.start:next.end]
		if text[cands[j].end:next.start] != " " || len(next.groups) != 1 || !allDigits(g) || len(g) < 2 || len(g) > 6 {
			break
		}
		alike = alike && len(g) == len(first)
		j++
	}
	end := cands[j].end
	joined := strings.ReplaceAll(text[c.start:end], " ", "")
	// Three or more groups of four digits are one number typed like a card's ("订单号 4921
	// 0083 7765 1120"), not a list of four-digit orders.
	alike = alike && !(len(first) == 4 && j-i >= 2)
	// A run of digit groups in a key's shape is the order when labelled so, as a key-shaped
	// order number is (extractOrderAndFragments); groups with letters stay a key.
	if j == i || alike || len(joined) < minSpacedOrder || countDigits(joined) < minLabelledDigits ||
		overlaps(keys, c.start, end) && !allDigits(joined) || hasAnyPrefix(strings.TrimLeft(lower[end:], " "), notSpacedOrderAfter) {
		return 0, false
	}
	if allDigits(joined) && len(joined) <= maxBareOrder && !isBareOrder(joined) {
		return 0, false // a date ("2026 12 01") or a mobile number ("138 1234 5678")
	}
	return j, true
}

// countDigits is the number of ASCII digits in s.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// overlaps says whether any of spans overlaps [start, end).
func overlaps(spans []span, start, end int) bool {
	for _, k := range spans {
		if start < k.end && k.start < end {
			return true
		}
	}
	return false
}

// dropOverlapping returns spans without those overlapping [start, end).
func dropOverlapping(spans []span, start, end int) []span {
	out := spans[:0:0]
	for _, k := range spans {
		if !(start < k.end && k.start < end) {
			out = append(out, k)
		}
	}
	return out
}

// last is the span found last (zero when none): candidates come in text order.
func (ex *extraction) last() entitySpan {
	if len(ex.spans) == 0 {
		return entitySpan{}
	}
	return ex.spans[len(ex.spans)-1]
}

// addOrder adds an order number found by rule r; labelled (nil when r is ruleLabelled)
// says whether the buyer labels it all the same, which then is the rule recorded.
func (ex *extraction) addOrder(start, end int, s string, r orderRule, labelled func() bool) {
	if labelled != nil && labelled() {
		r = ruleLabelled
	}
	ex.add(start, end, "order", s)
	ex.rules = append(ex.rules, r)
}

func (ex *extraction) add(start, end int, kind, s string) {
	ex.spans = append(ex.spans, entitySpan{start, end, kind})
	switch kind {
	case "order":
		ex.orders = append(ex.orders, s)
	case "frag":
		ex.frags = append(ex.frags, s)
	}
}

func sortSpans(sp []entitySpan) {
	for i := 1; i < len(sp); i++ {
		for j := i; j > 0 && sp[j].start < sp[j-1].start; j-- {
			sp[j], sp[j-1] = sp[j-1], sp[j]
		}
	}
}

// isNumericOrder: 12 to 24 digits.
func isNumericOrder(s string) bool {
	return len(s) >= minNumericOrder && len(s) <= maxNumericOrder && allDigits(s)
}

// A labelled number of shortOrderDigits digits is an order number too: web shops count orders
// from 1001 ("Shopify order #1043", "订单 #2231", "order 6612"). Not a year, and not when a
// quantity or an amount follows ("订单 7781 个码", "order 1000 robux").
const shortOrderDigits = 4

// notShortOrderAfter, right after a short labelled number, make it a quantity or an amount.
var notShortOrderAfter = append([]string{"codes", "code", "keys", "key", "cards", "card", "pcs", "items", "units",
	"copies", "licen", "seats", "张", "个", "份", "件", "套", "年", "月", "日", "号"}, notOrderAfter...)

// shortOrderIsQuantity says whether what follows a short number makes it a quantity, an
// amount or a decimal ("1234.50").
func shortOrderIsQuantity(lower string, end int) bool {
	if end+1 < len(lower) && (lower[end] == '.' || lower[end] == ',') && lower[end+1] >= '0' && lower[end+1] <= '9' {
		return true
	}
	return hasAnyPrefix(strings.TrimLeft(lower[end:], " "), notShortOrderAfter)
}

// isShortOrder: exactly shortOrderDigits digits that do not read as a year.
func isShortOrder(s string) bool {
	if len(s) != shortOrderDigits || !allDigits(s) {
		return false
	}
	return s[:2] != "19" && s[:2] != "20"
}

// isLabelledOrder: up to maxLabelled letters, digits and dashes with at least
// minLabelledDigits digits (the shape a labelled order number needs).
func isLabelledOrder(s string) bool {
	if len(s) > maxLabelled {
		return false
	}
	digits := countDigits(s)
	// A number with letters as well ("XQ-7781-KD") needs one digit fewer: the letters
	// already tell it from a quantity or a year.
	if digits == minLabelledDigits-1 && strings.IndexFunc(s, isASCIILetter) >= 0 && len(s) >= 6 {
		return true
	}
	return digits >= minLabelledDigits
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// orderLabelled says whether an order label ("订单号", "order #", ...) ends right before
// start, with only spaces and separators (":", "：", "是", "为", "#") between, in the same
// clause.
func orderLabelled(lower string, start int) bool {
	before := strings.TrimRight(window(lower, start), labelGap)
	if strings.HasSuffix(before, "#") || strings.HasSuffix(before, "＃") {
		return true
	}
	return endsWithLabel(before, orderLabels) ||
		endsWithBareLabel(before) && !hasAnyWord(sentenceBefore(lower, start), otherNumberWords)
}

// sentenceBefore is up to 3×contextWindow bytes of lower before start, from the last clause
// break in them: a bare "编号" may come a while after what it numbers ("在黑猫投诉上发了帖子
// 编号是 …").
func sentenceBefore(lower string, start int) string {
	return fromClauseBreak(windowOf(lower, start, 3*contextWindow))
}

// endsWithBareLabel says whether before ends with one of numberLabels that no Han character
// precedes.
func endsWithBareLabel(before string) bool {
	before = trimLabelGap(before)
	for _, w := range numberLabels {
		if rest, ok := strings.CutSuffix(before, w); ok {
			r, _ := utf8.DecodeLastRuneInString(rest)
			return rest == "" || !unicode.Is(unicode.Han, r)
		}
	}
	return false
}

// endsWithLabel says whether before, once separators, "是" and label verbs are trimmed from
// its end, ends with one of labels starting a word.
func endsWithLabel(before string, labels []string) bool {
	before = trimLabelGap(before)
	for _, w := range labels {
		if strings.HasSuffix(before, w) && wordStart(before, len(before)-len(w)) {
			return true
		}
	}
	return false
}

// trimLabelGap trims separators, "是" (Cantonese "係") and label verbs from the end of before.
func trimLabelGap(before string) string {
	before = strings.TrimRight(before, labelGap+"是为為係")
	for _, v := range labelVerbs {
		before = strings.TrimRight(strings.TrimSuffix(before, v), labelGap)
	}
	return before
}

// Bare numbers: 8 to 11 digits with no label are read as an order number unless the words
// around them say they are something else (a QQ / WeChat id, a phone, a card or case number,
// an amount) or they are a date (20261203) or an 11-digit mobile number. Buyers paste the
// order number alone ("88120339 还没到"); the product checks it against the merchant's orders.
const (
	minBareOrder = 8
	maxBareOrder = 11
)

// notOrderBefore, in the same clause before a bare number, say it is not an order number.
var notOrderBefore = []string{"qq", "q号", "微信", "wechat", "weixin", "vx", "wx", "v信", "电话", "手机", "联系",
	"phone", "tel", "mobile", "whatsapp", "telegram", "call", "工单", "case", "ticket", "身份证", "税号", "tax",
	"卡号", "card", "账号", "account", "id", "uid", "用户", "会员", "密码", "password", "pin", "验证码", "code", "编号",
	"¥", "￥", "$", "rmb", "usd", "金额", "余额", "balance", "付了", "paid", "花了", "共", "total"}

// otherNumberLabels name, right before a number, another kind of number than the order:
// payment-platform complaints and transactions (a WeChat Pay bill's "交易单号" is WeChat's,
// its "商户单号" the shop's), parcels, invoices, cases. Some end in an
// order label ("投诉单号" ends in "单号"), so they are looked for first.
var otherNumberLabels = []string{"投诉单号", "投诉编号", "投诉号", "投诉单", "投诉", "申诉号", "申诉编号", "举报编号",
	"交易单号", "交易号", "流水号", "支付单号", "支付订单号", "微信支付单号", "支付宝订单号", "支付宝交易号", "转账单号", "退款单号",
	"快递单号", "运单号", "物流单号", "快递号", "发票号", "发票号码", "工单号", "案件号", "案件编号", "案件編號", "序列号", "退款编号", "售后单号",
	"售后编号", "受理号", "受理编号", "服务单号", "subscription id", "sub id",
	// A payment's transaction number in Taiwan's wording (街口 / LINE Pay "交易編號"), a utility
	// or phone account's 户号, a Taiwanese company's tax id (統編), and a business buyer's own
	// purchase order or quotation numbers: none is the shop's order.
	"交易编号", "交易編號", "交易序号", "交易序號", "户号", "戶號", "统编", "統編", "统一编号", "統一編號",
	"采购单号", "採購單號", "采购订单号", "採購訂單號", "采购单", "報價單號", "报价单号", "报价单",
	"po number", "po no", "po", "p.o.", "purchase order number", "purchase order no", "purchase order",
	"quote number", "quote ref", "quote", "quotation number", "quotation ref", "quotation",
	"transaction id", "transaction", "txn id", "txn", "tracking number", "tracking no", "tracking", "invoice number",
	"invoice no", "invoice", "case number", "case id", "case no", "case ref", "case reference", "case", "claim number",
	"claim id", "claim ref", "claim", "dispute ref", "complaint ref", "ticket ref",
	"dispute id", "complaint number", "complaint id", "complaint", "ticket number", "ticket id", "ticket"}

// otherNumberWords, anywhere in the clause before a number of an order's shape that no label
// names the order, say it is a contact, account, parcel or case number instead ("加微信
// xx8899", "電話 +8613812345678", "投诉 200120261204998877").
var otherNumberWords = []string{"qq", "q号", "微信", "wechat", "weixin", "vx", "wx", "v信", "电话", "手机", "phone",
	"tel", "mobile", "whatsapp", "telegram", "工单", "身份证", "税号", "tax", "卡号", "uid", "投诉", "申诉",
	"complaint", "争议", "纠纷", "dispute", "交易单号", "交易号", "流水号", "transaction", "txn", "快递", "运单", "物流", "tracking", "发票号", "invoice no",
	"序列号", "serial", "验证码", "case", "claim", "受理", "售后", "退款编号", "subscription", "reference",
	"chargeback", "拒付", "优惠码", "优惠券", "折扣码", "coupon", "promo", "voucher",
	"交易编号", "交易編號", "户号", "戶號", "统编", "統編", "purchase order", "po number", "quotation"}

// otherNumberLabelled says whether a label of another kind of number ends right before start.
func otherNumberLabelled(lower string, start int) bool {
	return endsWithLabel(strings.TrimRight(window(lower, start), labelGap+"#＃"), otherNumberLabels)
}

// otherNumberContext says whether the clause before start names another kind of number.
func otherNumberContext(lower string, start int) bool {
	return hasAnyWord(clauseBefore(lower, start), otherNumberWords)
}

// notOrderAfter, right after a bare number, say it is a quantity, an amount or a time.
var notOrderAfter = []string{"元", "块", "rmb", "usd", "美元", "日元", "积分", "点", "分", "秒", "次", "个", "张", "人",
	"points", "coins", "gems", "robux", "v-bucks", "yuan", "dollars", "yen", "元宝", "钻", "金币", "@"}

// isBareOrder: 8 to 11 digits, not an 11-digit mobile number or a YYYYMMDD date.
func isBareOrder(s string) bool {
	if len(s) < minBareOrder || len(s) > maxBareOrder || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return false
	}
	if len(s) == 11 && s[0] == '1' {
		return false
	}
	if len(s) == 8 && (s[:2] == "19" || s[:2] == "20") && s[4:6] >= "01" && s[4:6] <= "12" && s[6:] >= "01" && s[6:] <= "31" {
		return false
	}
	return true
}

// bareOrderContext says whether nothing around a bare number says it is something else.
func bareOrderContext(lower string, start, end int) bool {
	return keyContext(lower, start, end) == noContext &&
		!hasAny(clauseBefore(lower, start), notOrderBefore) &&
		!hasAnyPrefix(strings.TrimLeft(lower[end:], " "), notOrderAfter)
}

// window is up to contextWindow bytes of lower before start, cut at a rune boundary.
func window(lower string, start int) string { return windowOf(lower, start, contextWindow) }

// windowOf is up to n bytes of lower before start, cut at a rune boundary.
func windowOf(lower string, start, n int) string {
	from := max(0, start-n)
	for from > 0 && !utf8.RuneStart(lower[from]) {
		from--
	}
	return lower[from:start]
}

// clauseBefore is the window before start, from the last clause break in it.
func clauseBefore(lower string, start int) string { return fromClauseBreak(window(lower, start)) }

// fromClauseBreak is before from its last clause break on.
func fromClauseBreak(before string) string {
	if i := strings.LastIndexAny(before, ",.;!?，。；！？\n"); i >= 0 {
		return before[i+1:]
	}
	return before
}

// hasAny says whether s contains any of words.
func hasAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// hasAnyPrefix says whether s starts with any of words.
func hasAnyPrefix(s string, words []string) bool {
	for _, w := range words {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// namedAfter says whether words right after end (spaces and a closing bracket or quote
// skipped) name the number the order.
func namedAfter(lower string, end int) bool {
	return hasAnyPrefix(strings.TrimLeft(lower[end:], " \t)）]】」』\"'”’>》"), orderNamedAfter)
}

// wordStart says whether a Latin label starting at i in s begins a word ("ref" in "ref",
// not in "prefer"); labels in Chinese always do.
func wordStart(s string, i int) bool {
	return i == 0 || !isASCIIAlnum(s[i-1]) || !isASCIIAlnum(s[i])
}

// listedAfter says whether the order number prev ends just before [start, end), with only a
// list join ("、", ",", "and", ...) or spaces between, in the same clause.
func listedAfter(lower string, prev entitySpan, start, end int) bool {
	if prev.kind != "order" || prev.end > start {
		return false
	}
	gap := strings.TrimSpace(lower[prev.end:start])
	if gap == "" && end-start != prev.end-prev.start {
		// Numbers side by side are a list only when alike ("88120 88121"), not the
		// pieces of one number typed with spaces ("20261201 1530 8812").
		return false
	}
	for _, j := range orderListJoins {
		if gap == j {
			return true
		}
	}
	return false
}

// isAlnumOrder: 2 or 3 dash-joined groups of exactly 4 letters and digits, with both
// letters and digits in all.
func isAlnumOrder(text string, c candidate) bool {
	if len(c.groups) < 2 || len(c.groups) > 3 {
		return false
	}
	var letter, digit bool
	for _, g := range c.groups {
		if g.end-g.start != 4 {
			return false
		}
		for k := g.start; k < g.end; k++ {
			if text[k] >= '0' && text[k] <= '9' {
				digit = true
			} else {
				letter = true
			}
		}
	}
	return letter && digit
}

// How strongly the words around a candidate say it is part of a key.
const (
	noContext       = iota
	keyNounContext  // after a key word
	positionContext // after a position phrase or before 开头 / 结尾
)

// isFragment: 4 or 5 letters and digits with a digit; after a mere key word it also needs
// a letter.
func isFragment(s string, context int) bool {
	if len(s) < fragmentMin || len(s) > fragmentMax || context == noContext || !strings.ContainsAny(s, "0123456789") {
		return false
	}
	if context == keyNounContext {
		return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0
	}
	return true
}

// keyContext says whether a position phrase or key word ends shortly before [start,end) in
// the same clause, or a closing word ("开头") follows it.
func keyContext(lower string, start, end int) int {
	before := clauseBefore(lower, start)
	switch {
	case hasAnyPrefix(strings.TrimLeft(lower[end:], " "), keyContextAfter), hasAny(before, positionWords):
		return positionContext
	case hasAny(before, keyWords):
		return keyNounContext
	}
	return noContext
}
