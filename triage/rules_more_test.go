package triage

import "testing"

// Rules and urgency cues added for the second fresh held-out round (issue 13).
func TestRuleAndUrgencyRefinements(t *testing.T) {
	tests := []struct {
		name        string
		text        string
		notIntent   Category // the reading must not be this ("" = no check)
		wantIntent  Category // the reading must be this ("" = no check)
		wantHurry   bool
		checkHurry  bool
		wantSpamCue bool
	}{
		{name: "wrong product is not a denied purchase", text: "激活以后是另一个游戏，不是我买的那个", notIntent: Dispute},
		{name: "denied purchase is still a dispute", text: "这笔扣款不是我买的，卡被盗刷了", wantIntent: Dispute},
		{name: "more payment platforms", text: "我已经在云闪付申请了退单", wantIntent: Dispute, wantHurry: true, checkHurry: true},
		{name: "disputing with a card company", text: "I'm disputing this charge with American Express.", wantIntent: Dispute},
		{name: "a threat is urgent", text: "if this isn't sorted by tonight I will complain to PayPal", wantHurry: true, checkHurry: true},
		{name: "spam folder is not an insult", text: "邮件没收到，垃圾邮件里也看了", checkHurry: true},
		{name: "acronyms are not shouting", text: "the PIN is wrong, PSN says invalid PIN", checkHurry: true},
		{name: "shouting still counts", text: "WHERE IS MY CODE", wantHurry: true, checkHurry: true},
		{name: "spam shouts for nothing", text: "恭喜您中奖了！！！点击链接领取", wantIntent: Other, checkHurry: true},
		{name: "not complaining", text: "Not complaining, just asking when you restock", checkHurry: true},
		// Cues found on the third and fourth development sets (issue 13, 2026-12-04).
		{name: "an order prefix is no pinyin kd", text: "balance is zero, order #KD-2026-44718", checkHurry: true},
		{name: "a spaced order prefix is no kd either", text: "订单 KD 88 1203 少了一张", checkHurry: true},
		{name: "kd alone still asks for speed", text: "kd kd 等着用", wantHurry: true, checkHurry: true},
		{name: "how long delivery took is no deadline", text: "Great shop, got my code in 2 minutes.", checkHurry: true},
		{name: "a deadline in minutes still counts", text: "send the code in 10 minutes or refund me", wantHurry: true, checkHurry: true},
		{name: "today after what happened", text: "thanks, the refund came through today", checkHurry: true},
		{name: "a deadline after today still counts", text: "paid today, need it by tonight", wantHurry: true, checkHurry: true},
		{name: "a price drop today", text: "昨天买的今天降了二十 能退差价吗", checkHurry: true},
		{name: "charged twice in mixed text", text: "被charge了两次，退一笔", wantHurry: true, checkHurry: true},
		{name: "a card swiped twice", text: "卡被刷了两次 退一笔给我", wantHurry: true, checkHurry: true},
		{name: "platform arbitration filed", text: "刚在京东申请了售后仲裁", wantHurry: true, checkHurry: true},
		{name: "marketplace customer service asked to step in", text: "已申请淘宝客服介入 你们看着办", wantHurry: true, checkHurry: true},
		// Threats to take it elsewhere, found on the corpus's urgency labels (issue 13, seventh session).
		{name: "a threat to go to a marketplace", text: "key用不了你们也不换，那就退款吧，不退我就去G2A开ticket", wantHurry: true, checkHurry: true},
		{name: "a threat to turn to a payment platform", text: "再不给我退款我就找支付宝了，最后说一次", wantHurry: true, checkHurry: true},
		{name: "a threat to a Taiwan consumer officer", text: "等了三天都沒處理，再不退費我就去找消保官", wantHurry: true, checkHurry: true},
		{name: "going to buy there is no threat", text: "没货的话那我就去淘宝买了", checkHurry: true},
		{name: "going to the bank to pay is no threat", text: "我明天去银行转账付款可以吗", checkHurry: true},
		{name: "a threat to go to the bank", text: "Last chance before I go to my bank: please refund the order.", wantHurry: true, checkHurry: true},
		{name: "raised with a marketplace", text: "if this isn't refunded I'll have to raise it with Shopee.", wantHurry: true, checkHurry: true},
		{name: "a paypal claim still open", text: "Just to confirm, my PayPal claim is still open.", wantHurry: true, checkHurry: true},
		{name: "went to the bank to top up is no threat", text: "I went to the bank to top up my card, can I pay now?", checkHurry: true},
		{name: "going to the bank to pay is no threat either", text: "I'll go to the bank tomorrow to pay for the order, is that ok?", checkHurry: true},
		{name: "charged me twice with a pronoun between", text: "支付宝扣了我两笔，每笔68元，退一笔", wantHurry: true, checkHurry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Classify("", "", tt.text)
			if tt.notIntent != "" && r.Inferred == tt.notIntent {
				t.Errorf("inferred %s (%v)", r.Inferred, r.Reasons)
			}
			if tt.wantIntent != "" && r.Inferred != tt.wantIntent {
				t.Errorf("inferred %s, want %s (%v)", r.Inferred, tt.wantIntent, r.Reasons)
			}
			if tt.checkHurry && r.Hurry != tt.wantHurry {
				t.Errorf("hurry %v, want %v (%v)", r.Hurry, tt.wantHurry, r.Reasons)
			}
		})
	}
}

func TestIsShoutingIgnoresAcronyms(t *testing.T) {
	for text, want := range map[string]bool{
		"PIN PSN wrong":           false,
		"VISA AMEX card":          false,
		"FIX THIS NOW":            true,
		"PLEASE send my CODE now": false,
	} {
		if got := isShouting(text); got != want {
			t.Errorf("isShouting(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestIsSpam(t *testing.T) {
	for text, want := range map[string]bool{
		"claim your prize at http://x.example": true,
		"加微信领红包":                               true,
		"my code doesn't work":                 false,
		"卡密用不了":                                false,
	} {
		if got := isSpam(normalizeText(text)); got != want {
			t.Errorf("isSpam(%q) = %v, want %v", text, got, want)
		}
	}
}

// Phishing that the model reads as an account matter raises no urgency; the buyer's own
// account problem, written with the same urgency cues, still does.
func TestPhishingReadAsAccountIsNotUrgent(t *testing.T) {
	for text, wantHurry := range map[string]bool{
		"URGENT: your account will be suspended. Verify your payment details at the link below!!": false,
		"【蝦皮】您的賣場帳號異常，請於24小時內點擊連結完成驗證":                                                            false,
		"Final notice: invoice attached, open the file to avoid suspension of your account":       false,
		"URGENT: I can't log in to my account, the 2FA code never comes!!":                        true,
		"账号登不上了，验证码一直收不到，急！！":                                                                     true,
	} {
		r := Classify("", "", text)
		if r.Hurry != wantHurry {
			t.Errorf("%q: Hurry = %v (read as %s), want %v", text, r.Hurry, r.Inferred, wantHurry)
		}
	}
	for text, want := range map[string]bool{
		"confirm your identity at the link below":     true,
		"点击连结完成验证":                                    true,
		"點擊連結完成驗證":                                    true,
		"i can't verify my email, the link is broken": false,
	} {
		if got := isPhishing(normalizeText(text)); got != want {
			t.Errorf("isPhishing(%q) = %v, want %v", text, got, want)
		}
	}
}

// A message that asks the buyer for their card number, CVV or password, or lures with a
// refund or prize to collect, is `other` and never urgent, whatever refund or key words it
// carries; a buyer giving their own gift card's number and PIN is not phishing.
func TestPhishingRequestIsOther(t *testing.T) {
	for text, want := range map[string]bool{
		"URGENT: order KD-55671 flagged. Reply with your card number and CVV to avoid cancellation.": true,
		"恭喜您的订单被抽中，请提供卡号和密码领取奖品":                                                                     true,
		"【通知】您的订单存在异常，请点击链接领取退款":                                                                     true,
		"【平台通知】您的订单存在异常，请点击链接填写银行卡信息办理退款":                                                            true,
		"Your package could not be delivered. Pay the 1.99 customs fee here: bit.ly/x":               true,
		"Notice: your order payment failed. Verify your card at secure-pay-check.top within 24h.":    true,
		"【PayPal】您的账户已被限制，请点击下方链接登录恢复":                                                               true,
		"Dear user, your account has been suspended. Click the link below to restore access.":        true,
		"Your membership is on hold: update your payment at http://billing-check.top today":          true,
		"my account was suspended and the link in your e-mail does not work":                         false,
		"Dear user, your store account is locked: send us the sms code to unlock it":                 true,
		"【紧急】您的订单支付异常，请在24小时内点击链接办理退款":                                                               true,
		"your order page shows an error when I click the link in the e-mail":                         false,
		"我的账号被限制了，点击登录没反应":                                                                           false,
		"the link to your store on the marketplace is broken":                                        false,
		"卡号 8812 密码 5531 充值提示已使用":                                                                    false,
		"退款什么时候到？": false,
	} {
		clauses := tokens(normalize(text))
		if got := isPhishingRequest(plainText(clauses)); got != want {
			t.Errorf("isPhishingRequest(%q) = %v, want %v", text, got, want)
		}
		if r := Classify("", "", text); want && (r.Inferred != Other || r.Hurry) {
			t.Errorf("%q: read as %s, hurry %v; want other, not urgent", text, r.Inferred, r.Hurry)
		}
	}
}

// A restricted-account notice that names a bare web address ("tb-verify.cc") instead of a
// link word is phishing too, and never urgent; a buyer naming a site about their own account
// is not such a notice.
func TestDomainNoticeIsNotUrgent(t *testing.T) {
	for text, want := range map[string]bool{
		"【淘宝官方】您的店铺账户存在异常 请于24小时内登录 tb-verify.cc 核实身份 否则将冻结资金":                                    true,
		"Dear customer, your account is restricted. Log in at paypa1-help.co today to restore it": true,
		"您的账号异常已被冻结，请登录 www.kd-safe.top 解冻":                                                       true,
		"我的账号被冻结了 在 steam.com 上登不进去 急！":                                                           false,
		"your account page says limited, my email is buyer@qq.com, urgent!!":                      false,
		"your account is limited!! write to help@kd-shop.com":                                     false,
		"账号被冻结了，今晚要用！！":                                                                           false,
	} {
		norm := normalize(text)
		if got := isDomainNotice(norm, plainText(tokens(norm))) || isPhishing(norm) || isPhishingRequest(plainText(tokens(norm))); got != want {
			t.Errorf("%q: read as a phishing notice %v, want %v", text, got, want)
		}
		if r := Classify("", "", text); r.Hurry == want {
			t.Errorf("%q: hurry %v, want %v", text, r.Hurry, !want)
		}
	}
}

// Complaints already filed with 12315 or through a marketplace's claim process are disputes
// by rule, also when the buyer offers to withdraw them on a condition; the same words as a
// threat, or support contacted about a product, are not.
func TestFiledComplaintRules(t *testing.T) {
	for text, want := range map[string]Category{
		"我已经打了12315 你们等着吧":                                          Dispute,
		"已申请京东客服介入 退款还没到":                                           Dispute,
		"Amazon A-to-z claim submitted, the card had zero balance":  Dispute,
		"Since you refused, I escalated it to G2A buyer protection": Dispute,
		"再不退款我就打12315":                                              "",
		"I contacted Steam support and they say the key is used":    "",
		"京东买的 卡密用不了":                                                "",
		"我報咗消委會 你哋自己睇住辦":                                            Dispute,
		"再唔退錢我就報消委會":                                                "",
		// a complaint already made stays one when the buyer offers to withdraw it on a condition
		"我在PayPal开了争议 如果你们直接退款我就关掉":                                               Dispute,
		"I already filed a chargeback with my bank, if you refund I'll cancel it": Dispute,
		"如果今天不退款我就去支付宝投诉":                                                         "",
		"refund me or I'll file a chargeback with my bank":                        "",
	} {
		if got := ruleVerdict(tokens(normalize(text))); got != want {
			t.Errorf("ruleVerdict(%q) = %q, want %q", text, got, want)
		}
	}
}

// A threat to complain is read as the intent it accompanies, never as a dispute; a
// complaint already made is not a threat.
func TestThreatIsNoDispute(t *testing.T) {
	for text, want := range map[string]bool{
		"Refund me today or I'm filing a chargeback with my bank.":                                                 true,
		"This is the second key and it's ALSO invalid. If I don't get a working one today I'm filing a chargeback": true,
		"再不退款我就去支付宝投诉":                                                                                             true,
		"I already filed a chargeback, if you refund I'll cancel it":                                               false,
		"已经在支付宝投诉了 如果不处理就去12315":                                                                                   false,
		"my card was charged twice":                                                                                false,
		"老板退钱啊，不退的话我直接找微信支付投诉":                                                                                     true,
		"今天之内不给我退款 我就信用卡拒付":                                                                                        true,
		"refund asap or chargeback on my card":                                                                     true,
		"I'm told by my bank I can dispute the charge, but refund me and we're done":                               true,
		"已经投诉了，你们不回复的话我就再找平台":                                                                                      false,
	} {
		if got := onlyThreatens(tokens(normalize(text))); got != want {
			t.Errorf("onlyThreatens(%q) = %v, want %v", text, got, want)
		}
	}
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"Refund me today or I'm filing a chargeback with my bank.",
		"This is the second key you sent me and it's ALSO invalid. If I don't get a working one today I'm filing a chargeback."} {
		if p := m.Read(text); p.Intent == Dispute {
			t.Errorf("%q read as a dispute (%.2f)", text, p.Confidence)
		}
	}
}

// The shop's own sign-in code that fails is account; the sign-in code of a delivered login,
// or a card's code, is not.
func TestLoginCodeProblem(t *testing.T) {
	for text, want := range map[string]bool{
		"The verification code says expired the moment I type it in.":    true,
		"登录验证码输进去提示已失效":                                                  true,
		"2fa code not working since I changed phone, can't get in":       true,
		"the shared Netflix login asks for a verification code, expired": false,
		"合租的号要验证码，发到原主人邮箱了，提示过期":                                         false,
		"the gift card code says expired":                                false,
		"兑换码过期了":                                                         false,
		"I got the verification code, thanks":                            false,
	} {
		if got := isLoginCodeProblem(plainText(tokens(normalize(text)))); got != want {
			t.Errorf("isLoginCodeProblem(%q) = %v, want %v", text, got, want)
		}
	}
	if r := Classify("", "", "The login code you text me is always invalid by the time I enter it"); r.Inferred == KeyInvalid {
		t.Errorf("a failing sign-in code read as key_invalid: %v", r.Reasons)
	}
}

// Someone else's platform account in trouble is `other`; the shop's own account, a payment at
// the shop or signing in to the shop with such an account stays `account` (issue 13, 2026-12-06).
func TestThirdPartyAccountTrouble(t *testing.T) {
	for text, want := range map[string]bool{
		"我的QQ号被盗了，密码也被改了，能帮我找回来吗":                                          true,
		"支付宝账号被冻结了 咋整":                                                     true,
		"My Fortnite account got hacked, how do I get it back?":            true,
		"原神的号被封了 怎么申诉":                                                     true,
		"Steam 账号被限制了是怎么回事":                                                true,
		"我在你们商城的账号被盗了，不是游戏账号":                                              false,
		"你们网站的账号登不上，是不是被封了":                                                false,
		"用微信登录你们网站一直失败，微信号被封了吗":                                            false,
		"PayPal account limited, is there another way to pay at checkout?": false,
		"my account on your site got locked after the password reset":      false,
		"游戏号会不会被冻结啊 买之前问问":                                                 true,
		"怎么查余额": false,
		"wo de wang zhe hao bei feng le zen me ban a": true,
		"qq hao bei dao le":                           true,
		"我的王者荣耀号被盗了，腾讯客服一直不回":                         true,
		"ni men wang zhan de zhang hao bei feng le":   false,
	} {
		if got := isThirdPartyAccountTrouble(plainText(tokens(normalize(text)))); got != want {
			t.Errorf("isThirdPartyAccountTrouble(%q) = %v, want %v", text, got, want)
		}
	}
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"我QQ号被盗了 密码也被改了 你们能帮我找回来吗", "My Fortnite account got hacked and they changed the email, can you help me get it back?"} {
		if p := m.Read(text); p.Intent != Other {
			t.Errorf("Read(%q) = %s (rule %q), want other", text, p.Intent, p.Rule)
		}
	}
	for _, text := range []string{"我在你们商城的账号被盗了", "I can't log in to my account on your site, it says locked"} {
		if p := m.Read(text); p.Intent != Account {
			t.Errorf("Read(%q) = %s (rule %q), want account", text, p.Intent, p.Rule)
		}
	}
}

// A question asked before buying and a message that ends resolved are `other`, whatever
// request words come before (issue 13, 2026-12-06).
func TestPresaleAndResolved(t *testing.T) {
	plain := func(s string) string { return plainText(tokens(normalize(s))) }
	for text, want := range map[string]bool{
		"还没买，想问下码用不了能退款吗":                                                 true,
		"If the key doesn't work can I get a refund? Asking before I buy": true,
		"not bought yet, when would a top-up arrive after paying?":        true,
		"买之前问过你们说能在日本用，结果兑换提示地区不可用":                                       false,
		"付了钱还没下单成功，钱扣了":                                                   false,
		"I haven't bought anything since August, refund the renewals":     false,
	} {
		if got := isPresaleQuestion(plain(text)); got != want {
			t.Errorf("isPresaleQuestion(%q) = %v, want %v", text, got, want)
		}
	}
	for text, want := range map[string]bool{
		"此兑换码无效 ……啊不好意思，刚才输错了一位，现在兑换成功了，不用处理了":                                             true,
		"The key says region mismatch -- never mind, I switched profile and it works now":  true,
		"works now but the second key is still invalid":                                    false,
		"给孙子买的游戏卡 他说是别人用过的 不能用了":                                                           false,
		"不用退了，换一张能用的给我":                                                                    false,
		"旧号不用了，想换绑手机":                                                                      false,
		"Never mind, tried again and it activated. No refund needed, sorry for the noise.": true,
	} {
		if got := endsResolved(plain(text)); got != want {
			t.Errorf("endsResolved(%q) = %v, want %v", text, got, want)
		}
	}
	m, err := BuiltinModel()
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Read("Never mind, I was looking at an old order. Code's there."); p.Intent != Other {
		t.Errorf("a resolved message read as %s (rule %q)", p.Intent, p.Rule)
	}
	if p := m.Read("卡密无效，麻烦换一张"); p.Intent != KeyInvalid {
		t.Errorf("a plain invalid-key claim read as %s (rule %q)", p.Intent, p.Rule)
	}
}
