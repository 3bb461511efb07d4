package triage

import (
	"regexp"
	"strings"
)

// Rules that override the model where a rule is clearly better: a message that only
// thanks for something that now works (the model sees "refund", "code", "到账" and reads a
// request), phishing that asks for the buyer's card details, a complaint already filed with
// a payment platform, bank, marketplace or 12315 (rare words the model has seen too few
// times to trust), and a threat to complain, which is read as what it accompanies
// (Model.readClauses). All read the same normalised, negation-aware text as the model's
// concept features, so "不是投诉" or "I don't want a refund" never trigger them.

// ruleConfidence is the confidence a rule's verdict gets when the model disagrees.
const ruleConfidence = 0.9

// problemMarkers show that a thanking message still has a problem.
var problemMarkers = []string{
	"but", "however", "still", "not", "never", "didn't", "haven't", "again", "another", "except", "only", "why",
	"吗", "但", "可是", "不过", "还没", "还是", "为什么", "怎么", "只", "又", "没收到", "没有", "未收到", "没发", "用不了", "不能用", "错误", "无效", "失败",
	"没到账", "未到账", "补发", "重发", "换一个", "resend", "replacement", "send another",
	"unfortunately", "blocked", "error", "invalid", "doesn't work", "does not work", "can't", "cannot", "fails", "failed",
	"wrong", "expired", "已被使用", "被封", "过期", "不对",
	// a redeem page's "already used" in the passive ("上次买的没问题，这次刚买就显示被用过了"
	// names a problem even though it says 没问题 about an earlier order); not 已使用 or
	// "already used", which also close a ticket ("已使用，谢谢", "I already used it, thanks")
	"被用过", "已经被用", "被使用", "已被兑换", "已经被兑换", "already been used", "has been used",
}

// closureMarkers say that the matter is settled.
var closureMarkers = []string{
	"works now", "working now", "works", "worked", "came through", "came thru", "went through", "went thru", "arrived", "resolved", "sorted",
	"got it", "you can close", "all good", "no need", "received",
	"可以用了", "能用了", "用上了", "充好了", "解决了", "没问题了", "收到了", "到账了", "充值成功", "可以关闭",
	"不用处理", "已经收到", "收到收到", "兑换成功", "激活成功", "处理好了", "好了",
	"is in my account", "refund's in", "refund is in", "money's in", "came in", "got the refund", "got my refund", "refund received", "all set",
	"已到账", "退款到了", "钱到了", "钱已经到了", "钱收到了", "hit my account", "refund came", "refund has come",
	"works perfectly", "works fine", "fast delivery", "quick delivery", "great service", "发货很快", "发货速度很快", "速度很快",
}

// thanksMarkers express thanks or praise.
var thanksMarkers = []string{"thanks", "thank you", "thank", "thx", "cheers", "appreciate", "great service",
	"ty", "tq", "tysm", "tyvm", "thnx", "thanx", "tks", "谢谢", "感谢", "多谢", "辛苦", "好评", "不用处理", "会回购", "还会再来",
	"谢啦", "谢了", "感恩"}

// disputeMarkers on their own mean a payment was disputed or not authorised.
var disputeMarkers = []string{
	"chargeback", "charge back", "unauthorized", "unauthorised", "didn't authorize", "did not authorize",
	"don't recognize this charge", "someone used my card", "card was stolen", "card was used without",
	"拒付", "盗刷", "不是我买的", "不是我操作", "撤销付款", "交易纠纷", "未授权交易", "未经授权",
	// complaints already filed with a consumer office or a marketplace's claim process
	"打了12315", "打过12315", "已经打12315", "投诉到12315", "报了12315", "找了12315", "向12315", "12315投诉了", "12315那边",
	"a to z claim", "a to z guarantee", "not received case", "filed a dispute", "opened a dispute",
}

// conditionalMarkers turn a dispute word into a threat.
var conditionalMarkers = []string{"or i", "or i'm", "or i am", "if i don't", "if i do not", "if not", "or else", "i will", "i'll", "if you", "if this", "otherwise", "unless",
	"i'm going to", "going to file", "否则", "不然", "再不", "再拖", "要是", "如果", "就去", "就要", "我要去", "我会去", "准备去",
	"的话", "我就", "就找", "就申请", "or chargeback", "or a chargeback", "or dispute", "can dispute", "可以拒付"}

// alreadyFiled says a complaint has been made, whatever the buyer offers next ("我在PayPal开了
// 争议 … 如果你们直接退款我就关掉").
var alreadyFiled = []string{"已经投诉", "已投诉", "开了争议", "已经申请拒付", "已经拒付", "申请了拒付", "已经发起", "已发起",
	"already filed", "already opened", "have filed", "i filed", "i've filed", "i opened", "i've opened", "filed a chargeback",
	"opened a dispute", "filed a dispute", "filed a claim", "opened a claim"}

// onlyThreatens says whether a message threatens a complaint on a condition and says
// nothing of one made ("refund me today or I file a chargeback"): by the labelling rule it
// is the intent the threat accompanies, never a dispute.
func onlyThreatens(clauses [][]token) bool {
	full := conceptText(clauses)
	return threatens(full) && !containsAny(full, []string{"已经", "已", "already", "filed", "opened", "submitted", "了"})
}

// threatens says whether concept text holds a conditional complaint and no phrase of one
// already made.
func threatens(full string) bool {
	return containsAny(full, conditionalMarkers) && !containsAny(full, alreadyFiled)
}

// wrongItem says the buyer got another product than the one bought ("激活出来不是我买的那个
// 游戏"): "不是我买的" there does not deny the purchase.
var wrongItem = strings.NewReplacer("不是我买的那", "", "不是我买的游戏", "", "不是我买的版本", "", "不是我买的面值", "",
	"不是我买的商品", "", "不是我买的区", "")

// platformMarkers and complaintMarkers together (in one clause) mean a complaint filed with
// a payment platform or bank.
var (
	platformMarkers = []string{"paypal", "alipay", "bank", "visa", "mastercard", "amex", "american express", "stripe", "klarna",
		"apple pay", "google pay", "card issuer", "credit card company", "card company",
		"支付宝", "微信支付", "微信", "银行", "发卡行", "信用卡", "支付平台", "云闪付", "银联", "京东支付", "白条", "花呗",
		"抖音支付", "财付通", "淘宝", "闲鱼", "拼多多", "平台介入", "平台客服", "京东", "抖音", "快手",
		"ebay", "shopee", "lazada", "g2a", "eneba", "kinguin", "buyer protection", "消委会", "消費者委員會", "消费者委员会"}
	complaintMarkers = []string{"dispute", "disputing", "disputed", "claim", "complaint", "reported", "reversing", "reverse", "contacted", "escalated",
		"投诉", "纠纷", "争议", "申诉", "报给", "申请拒付", "介入", "仲裁", "小法庭", "退单", "调单", "撤销", "报咗", "投诉咗"}
)

// settledMarkers say on their own that nothing more is needed.
var settledMarkers = []string{"没问题了", "没问题", "没事了", "不用处理了", "可以关闭", "可以关了", "关闭工单", "关掉工单", "you can close",
	"close the ticket", "close this ticket", "all sorted",
	"all good now", "issue resolved", "problem solved", "问题解决了", "问题已经解决", "已经好了", "搞定了",
	"退款不用了", "不用退了", "不用退款了", "不退了", "no refund needed", "no need to refund", "no need for a refund",
	"don't need the refund", "don't need a refund anymore"}

// A message pretending to be the shop or a platform asks for what no buyer asks a shop
// for: their own card number, CVV or password, or a click on a link to collect a refund or
// prize. It is `other` (spam), whatever refund or key words it carries.
var (
	phishingAsks    = []string{"请提供", "提供您的", "提供你的", "输入您的", "reply with your", "provide your", "send us your", "send us the", "enter your", "confirm your card"}
	phishingSecrets = []string{"cvv", "card number", "卡号", "密码", "验证码", "password", "otp", "security code", "sms code"}
	phishingLures   = []string{"领取退款", "领取奖品", "领取补偿", "领取赔偿", "点击领取", "被抽中", "claim your refund", "claim your prize",
		"to avoid cancellation", "to avoid suspension", "to receive your refund", "填写银行卡", "银行卡信息", "customs fee",
		"pay the fee", "redelivery fee", "verify your card", "verify at", "verify your payment"}
)

// A notice that an account is restricted, sent with a link to "restore" it, is phishing
// too: it speaks of the reader's account ("your account", 您的账户), never the writer's,
// and a buyer whose own shop account is locked writes "my account" / 我的账号 (account).
var (
	noticeLinks   = []string{"http*", "www", "click*", "link*", "below", "点击", "链接", "网址", "下方", "以下"}
	noticeYour    = []string{"your account", "your store", "your shop", "your password", "your membership", "your payment", "your order", "您的订单", "dear user", "dear merchant", "dear customer", "您的账户", "您的帐户", "您的账号", "您的帐号", "您的支付账户", "您的店铺", "您的会员", "账号异常", "帐号异常", "账户异常"}
	noticeThreats = []string{"restrict*", "limited", "suspend*", "on hold", "locked", "expires today", "will be closed", "deactivated", "unpaid invoice", "限制", "冻结", "停权", "封禁", "异常", "违规"}
	noticeMine    = []string{"my", "i", "我"}
)

// bareDomain is a web address typed without "http" or "www" ("tb-verify.cc", "paypa1-help.co",
// whose digits normalisation has made "<num>"), not an e-mail's domain: a restricted-account
// notice's link often comes like that.
var bareDomain = regexp.MustCompile(`(?i)(^|[^a-z0-9@.>-])(?:[a-z0-9]|<num>)(?:[a-z0-9-]|<num>)*\.(cc|com|net|org|top|xyz|cn|io|co|me|info|vip|shop|site|online|club|live|link|app)\b`)

// isRestrictedNotice says whether plain text warns the reader of a restriction on their account
// (the reader's account, a restriction, no "my" / 我): what a restricted-account notice says
// besides its link.
func isRestrictedNotice(plain string) bool {
	return containsAny(plain, noticeYour) && containsAny(plain, noticeThreats) && !containsAny(plain, noticeMine)
}

// isDomainNotice says whether a restricted-account notice names a bare web address to go to:
// phishing as well, read on the normalised text, which keeps the address whole.
func isDomainNotice(norm, plain string) bool {
	return bareDomain.MatchString(norm) && isRestrictedNotice(plain)
}

// isPhishingRequest says whether plain text asks for a buyer's secrets, lures with a
// refund or prize, or warns of a restricted account with a link to restore it.
func isPhishingRequest(plain string) bool {
	return containsAny(plain, phishingAsks) && containsAny(plain, phishingSecrets) || containsAny(plain, phishingLures) ||
		containsAny(plain, noticeLinks) && isRestrictedNotice(plain)
}

// ruleVerdict returns the rule's intent, or "" when no rule applies.
func ruleVerdict(clauses [][]token) Category {
	full := wrongItem.Replace(conceptText(clauses))
	plain := plainText(clauses)
	if isPhishingRequest(plain) {
		return Other
	}
	if !containsAny(plain, problemMarkers) &&
		(containsAny(plain, settledMarkers) || containsAny(plain, thanksMarkers) && containsAny(plain, closureMarkers)) {
		return Other
	}
	if threatens(full) {
		return "" // a threat ("refund me or I file a chargeback") is not a filed dispute
	}
	if containsAny(full, disputeMarkers) {
		return Dispute
	}
	for _, c := range clauses {
		t := wrongItem.Replace(conceptText([][]token{c}))
		if containsAny(t, platformMarkers) && containsAny(t, complaintMarkers) {
			return Dispute
		}
	}
	return ""
}

// plainText is the clauses as text, negated tokens included.
func plainText(clauses [][]token) string {
	var b strings.Builder
	for _, c := range clauses {
		for i, t := range c {
			if i > 0 && !t.han && !c[i-1].han {
				b.WriteByte(' ')
			}
			b.WriteString(t.text)
		}
		b.WriteString(" , ")
	}
	return b.String()
}

func containsAny(norm string, phrases []string) bool {
	for _, p := range phrases {
		if containsPhrase(norm, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// A sign-in code of the shop (a verification, SMS or 2FA code) that fails is an account
// matter, though "code" and "expired" are a card key's words too. It is not one when the
// message is about goods the shop delivered: a shared streaming login, a game account, a
// card or a key, whose sign-in code is part of what was sold (key_invalid).
var (
	// Phrases as plainText spells them: "2fa" reads "<num> fa", hyphens part words.
	loginCodes     = []string{"verification code", "login code", "log in code", "sign in code", "sms code", "<num> fa", "<num> step", "two step", "otp", "authenticator", "验证码", "短信码", "动态码", "登录码"}
	loginCodeFails = []string{"expired", "invalid", "not working", "doesn't work", "does not work", "wrong", "incorrect", "失效", "过期", "无效", "错误", "不对", "不正确", "用不了"}
	deliveredGoods = []string{"shared", "share", "合租", "共享", "成品号", "netflix", "spotify", "disney", "chatgpt", "hbo", "youtube", "vpn", "streaming",
		"you sent", "you gave", "u sent", "u gave", "the account you", "你们给的", "你们发的", "你给的", "你发的", "发的账号", "给的账号", "奈飞", "会员号", "原主人", "owner",
		"gift", "card", "key", "卡密", "兑换码", "激活码", "礼品卡", "steam", "psn", "xbox", "游戏号", "game account"}
)

// isLoginCodeProblem says whether plain text is about the shop's own sign-in code failing.
func isLoginCodeProblem(plain string) bool {
	return containsAny(plain, loginCodes) && containsAny(plain, loginCodeFails) && !containsAny(plain, deliveredGoods)
}
