package fraud

import (
	"regexp"
	"sort"
	"strings"

	"github.com/keydesk/keydesk/internal/hanfold"
)

// Claim-text flags: what the buyer's own words say about the claim (ClaimTextFlags).
const (
	// TextChargebackThreat: the buyer threatens a chargeback or a bank dispute.
	TextChargebackThreat = "chargeback_threat"
	// TextNewAddress: the buyer asks for the key to be sent to a new or different address
	// or account (the classic account-takeover request).
	TextNewAddress = "new_address"
	// TextAlreadyUsed: the buyer says the key was already used or worked before.
	TextAlreadyUsed = "already_used"
	// TextReportedUsed: the text says the key is already used or redeemed, most often
	// quoting the redeem page (who used it is not said; an admission raises TextAlreadyUsed
	// too). Ruleset 2026-12.3.
	TextReportedUsed = "reported_used"
	// TextRegionLocked: the buyer says the key does not work in their region or country.
	// Ruleset 2026-12.4.
	TextRegionLocked = "region_locked"
	// TextNewContext: the buyer says why they write from somewhere new: a new phone, the
	// office, a trip, or a key bought as a gift for someone else. Ruleset 2026-12.11.
	TextNewContext = "new_context"
	// TextOneOfMany: the buyer says one key of several failed ("1 of the 25 keys", "有一张",
	// "第23个"), the rest worked. Ruleset 2026-12.13.
	TextOneOfMany = "one_of_many"
)

// oneOfMany matches a claim about a single key of several: "one of the 5 codes", "1 out of
// 10", "um dos 10", "uno de los", "有一张", "其中一个", "第7张", "10 me se 1". Read by
// ClaimTextFlags besides the phrases (it needs word boundaries and digits), on text whose
// traditional characters are already folded (張 as 张).
var oneOfMany = regexp.MustCompile(`(?i)\b(one|1)\s+(of|out of)\s+(the\s+|my\s+|these\s+|those\s+|your\s+)?(\d+|giveaway|codes|keys|cards|licen[cs]es)\b` +
	`|\b(um|uma)\s+d[oa]s\s+\d+|\b(uno|una)\s+de\s+(los|las)\s+\d+|\b\d+\s+(me|mein|moddhe)\s+se\s+(1|ek)\b` +
	`|有一张|有张|有一个激活|有一个提示|有一个显示|有一个不能|有一个用不了|其中一个|其中一张|其中1|里有1[张个]|里有一[张个]|中有一[张个]|第\s*\d+\s*[个张]`)

// textPhrases are matched case-insensitively as substrings of the claim text: English and
// Chinese first, and the other languages buyers write in where a phrase is unambiguous.
// Short, high-precision phrases only: a missed phrase costs a signal, a wrong one costs an
// honest buyer.
var textPhrases = map[string][]string{
	TextChargebackThreat: {
		"chargeback", "charge back", "charge-back", "dispute the charge", "dispute with my bank", "dispute it with",
		"file a dispute", "open a dispute", "call my bank", "contact my bank", "report to my bank", "reverse the payment",
		"paypal dispute", "paypal claim", "dispute with", "dispute this with", "dispute the payment",
		// Spanish, Portuguese, German, French: the bank-side words, never "refund" alone.
		"contracargo", "disputa con mi banco", "disputa con el banco", "reclamo al banco", "desconocer el cargo",
		"estorno no cartão", "estorno no cartao", "contestar a compra", "contestar no cartão", "abrir disputa",
		"rückbuchung", "zurückbuchen", "zurückbuchung", "rétrofacturation", "opposition bancaire", "faire opposition",
		// Hinglish and Arabic: a UPI or card complaint is the same dispute.
		"upi complaint", "upi dispute", "upi pe complaint", "bank me complaint", "bank mein complaint", "bank ko complaint",
		"raise a dispute", "dispute raise", "نزاع مع البنك", "نزاع بنكي", "شكوى للبنك", "اشتكي للبنك", "اعتراض على العملية",
		"拒付", "撤销付款", "找银行", "联系银行", "投诉到银行", "向银行申诉", "信用卡争议", "发起争议", "申请争议", "退单到银行",
	},
	TextNewAddress: {
		// "Another e-mail" alone is often an explanation ("my account uses another e-mail"),
		// not a request: only asking for the key to go there counts.
		"new email", "new e-mail", "new mail address", "to a different email", "to another email", "to my other email",
		"new address", "send the key to", "send to this email", "send to my new", "email has changed", "changed my email",
		"lost access to my email", "no longer have access",
		"新邮箱", "新的邮箱", "换了邮箱", "发到另一个邮箱", "发到别的邮箱", "发我另一个邮箱", "发到这个邮箱", "发送到这个", "发到我的新", "邮箱登不上", "邮箱不能用了",
		// The same for the other contacts a Chinese buyer gives: QQ, WeChat, another number.
		"发到我另一个", "发我另一个", "发到另一个", "另一个qq", "别的qq", "另一个微信", "别的微信",
	},
	TextAlreadyUsed: {
		// First person only: "this code has already been redeemed" quoted from a redeem
		// page is an honest complaint about a key someone else used, not an admission.
		"i already used", "i used it", "used it already", "i redeemed it", "i already redeemed", "worked before",
		"was working", "worked yesterday", "it worked at first", "used it once",
		"我已经用了", "我用过了", "我已经兑换", "之前能用", "昨天还能用", "用了一次", "我已经激活",
		// Someone of the buyer's own family used it: the key worked.
		"my brother used", "my brother redeemed", "my sister used", "my sister redeemed", "my son used", "my son redeemed", "my kid used", "my kid redeemed",
		"被我弟弟", "被我妹妹", "被我儿子", "被我女儿", "被我弟", "被我妹",
		"he already used", "she already used", "brother already used", "sister already used", "son already used", "daughter already used",
		// Redeemed, but on the wrong account: the key worked.
		// ("redeemed it on my …" alone also retells an honest attempt, so it is left out.)
		"accidentally redeemed", "accidently redeemed", "redeemed it by mistake", "redeemed by mistake",
		"on the wrong account", "into the wrong account",
		"cuenta equivocada", "conta errada", "falschen konto", "mauvais compte",
		"galti se redeem", "apne account pe redeem", "apne account me redeem", "bete ne redeem", "beti ne redeem", "bhai ne redeem",
		// The redeem page said it worked: the key was consumed (the credit may be slow).
		// "兑换成功" alone is left out: "没有兑换成功" is the opposite.
		"兑换成功了", "充值成功了", "显示兑换成功", "显示充值成功", "提示兑换成功", "提示充值成功",
		"不小心兑换", "兑换到我的小号", "兑换到小号", "兑换到了小号", "兑到小号", "兑换到别的账号", "兑换错账号", "兑换错了账号", "充错账号", "充错号", "充到别的账号",
	},
	TextReportedUsed: {
		"already used", "already been used", "has been used", "already redeemed", "already been redeemed",
		"redeemed already", "used already", "claimed already",
		"has been redeemed", "already claimed", "already been claimed", "been used by", "used by someone",
		"已使用", "已被使用", "已经被使用", "被使用过", "已经被用", "被用过", "被别人用", "已被兑换", "已经被兑换", "已兑换过", "已被领取", "已经使用", "显示已兑换", "提示已兑换",
	},
	TextNewContext: {
		// Said unasked by buyers who changed phones, claim from work or a trip, or gave the
		// key away; "new email" is not here (that is TextNewAddress).
		"new phone", "changed my phone", "changed phones", "switched phones", "phone broke", "my phone died", "new laptop",
		"at work", "from work", "work pc", "work computer", "office pc", "office computer", "on holiday", "on vacation",
		"travelling", "traveling", "business trip", "as a gift", "a gift for", "gift for my", "birthday",
		"bought this for my", "bought it for my", "bought this for him", "bought this for her", "my mom bought", "my mum bought", "my dad bought",
		"my friend gave", "my friend give", "gave it to my", "gave this to my", "bought this for me", "bought it for me",
		"for my nephew", "for my niece", "for my son", "for my daughter", "from his phone", "from her phone", "from my phone", "on his email", "on her email",
		// The same in the other languages buyers write in: a gift, a new phone, at work.
		"regalo", "celular nuevo", "móvil nuevo", "celular novo", "do celular", "de presente", "prezent", "z telefonu", "nowy telefon", "w pracy",
		"geschenk", "neues handy", "vom handy", "auf der arbeit", "cadeau", "nouveau téléphone", "au travail", "nieuwe telefoon", "op mijn werk",
		"hediye", "yeni telefon", "ของขวัญ",
		"新手机", "换手机", "换了手机", "手机坏了", "手机摔坏", "旧手机", "在公司", "公司电脑", "公司的电脑", "单位电脑", "办公室",
		"出差", "旅游", "旅行", "在国外", "回国", "送朋友", "送给", "送人", "礼物", "生日", "给朋友买", "帮朋友买", "给孩子买", "给儿子买", "给女儿买", "给家人买",
		"给我买的", "帮我买的", "买给我", "送我的",
		// Abroad, or writing from a phone or another computer (2026-12.15); "人在" alone is
		// "anyone there?", so only with a place.
		"人在国外", "人在海外", "在海外", "出国", "人在澳洲", "人在澳大利亚", "人在美国", "人在日本", "人在英国", "人在加拿大",
		"人在新加坡", "在外地", "用手机", "新电脑", "换了电脑",
	},
	TextRegionLocked: {
		// What a redeem page says and how buyers retell it; "region free?" asked before
		// buying is not a claim, and the bare word "region" is left out for it.
		"your region", "my region", "this region", "wrong region", "another region", "different region",
		"region lock", "region-lock", "region restrict", "in your country", "in this country",
		"in my country", "wrong country", "other country's key", "sua região", "minha região", "tu región", "mi región",
		"us region", "eu region", "uk region",
		// The same in the other languages buyers write in: Spanish, Portuguese, French,
		// German, Polish, Turkish, Russian, Vietnamese, Indonesian.
		"región incorrecta", "otra región", "su región", "esta región", "região errada", "outra região", "nesta região",
		"bloqueio regional", "votre région", "ma région", "mauvaise région", "cette région",
		"falsche region", "deiner region", "ihrer region", "meiner region", "regionssperre", "region gesperrt",
		"twoim regionie", "moim regionie", "tym regionie", "zły region", "innego regionu",
		"bölge hata", "bölgede", "bölgeniz", "bölge kilit", "farklı bölge", "yanlış bölge", "вашем регионе", "моем регионе", "моём регионе", "другой регион", "другого региона", "не тот регион",
		"khu vực", "wilayah anda", "wilayah lain", "beda region", "region lain",
		"锁区", "区域限制", "地区限制", "区域不符", "地区不符", "所在地区", "所在的地区", "所在区域", "该地区", "此地区", "当前地区", "不支持此地区", "外区", "区服不对",
		// A card's region alone ("国区steam卡") names the product, not a lock: these say the
		// account is of another region, or ask to change region.
		"国区账号", "美区账号", "港区账号", "日区账号", "土区账号", "账号是国区", "账号是美区", "账号是港区", "账号是日区",
		"换成港区", "换成美区", "换成国区", "换成日区", "换区", "跨区",
		// The same said of a game's server ("国服账号"), as the redeem page words it ("在您的
		// 国家/地区不可用"), or as the buyer blames the shop for it ("发错区了", "买错区").
		"国服账号", "美服账号", "港服账号", "日服账号", "台服账号", "账号是国服", "账号是美服", "账号是港服", "账号是日服",
		"您的地区", "你的地区", "您的国家", "你的国家", "国家/地区", "国家或地区", "错区",
		// The buyer's own wording of the page's message, and Taiwan's and Hong Kong's
		// account regions (2026-12.15).
		"我的地区", "我的国家", "我这个地区", "账号是台湾区", "账号是台区", "台湾区账号", "台区账号", "账号是香港区", "香港区账号",
	},
}

// ClaimTextFlags returns the flags the claim text raises (sorted, no duplicates). It is a
// pure function of the text. Traditional characters are read as simplified ones (帳號 as 账号,
// 鎖區 as 锁区), so the phrases are written once.
func ClaimTextFlags(text string) []string {
	t := strings.ToLower(hanfold.Fold(text))
	var out []string
	if oneOfMany.MatchString(t) {
		out = append(out, TextOneOfMany)
	}
	for flag, phrases := range textPhrases {
		for _, p := range phrases {
			if strings.Contains(t, p) {
				out = append(out, flag)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}
