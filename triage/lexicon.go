package triage

import "strings"

// A small domain lexicon used as extra model features and for pinyin. The model learns how
// much each concept counts; the lexicon only says which surface forms mean the same thing,
// so that a phrasing never seen in training still shares a feature with one that was.

// pinyinWords maps pinyin (syllables written together, as buyers type them with or
// without spaces) to the Chinese words they stand for. Only multi-syllable words of this
// domain are listed, so English words are not mistaken for pinyin.
var pinyinWords = map[string]string{
	"kami": "卡密", "jihuoma": "激活码", "duihuanma": "兑换码", "duihuan": "兑换", "jihuo": "激活",
	"tuikuan": "退款", "tuiqian": "退钱", "meishoudao": "没收到", "shoudao": "收到", "meiyou": "没有",
	"fahuo": "发货", "meifahuo": "没发货", "yongbuliao": "用不了", "bunengyong": "不能用", "wuxiao": "无效",
	"cuowu": "错误", "mima": "密码", "zhanghao": "账号", "denglu": "登录", "dengbushang": "登不上",
	"denglubushang": "登录不上", "wangji": "忘记", "zhaohui": "找回", "yanzhengma": "验证码",
	"zhifubao": "支付宝", "weixin": "微信", "tousu": "投诉", "jiufen": "纠纷", "jufu": "拒付",
	"yinhang": "银行", "shenqing": "申请", "yijing": "已经", "shiyong": "使用", "beishiyong": "被使用",
	"dingdan": "订单", "xiexie": "谢谢", "dianka": "点卡", "kayi": "卡已", "shibai": "失败",
	"keyiyong": "可以用", "nengyong": "能用", "tishi": "提示", "zenme": "怎么", "haimei": "还没",
	"youmeiyou": "有没有", "kefu": "客服", "jiaji": "加急", "kuaidian": "快点", "mashang": "马上",
	"daozhang": "到账", "daozhangle": "到账了", "shoudaole": "收到了", "haole": "好了", "keyiyongle": "可以用了",
	"tuihuo": "退货", "quxiao": "取消", "buyao": "不要", "buxiang": "不想",
	"zhishoudao": "只收到", "maile": "买了", "shaole": "少了",
	"haimeimai": "还没买", "meimai": "没买", "haimeifu": "还没付", "xiadan": "下单", "mianzhi": "面值",
	"youjian": "邮件", "daifahuo": "待发货", "nianka": "年卡", "yueka": "月卡",
	// more words of the domain
	"xuliehao": "序列号", "chongzhika": "充值卡", "chongzhi": "充值", "lipinka": "礼品卡", "guoqi": "过期",
	"shixiao": "失效", "shuru": "输入", "xianshi": "显示", "baocuo": "报错", "bucunzai": "不存在",
	"suoqu": "锁区", "meiqu": "美区", "gangqu": "港区", "riqu": "日区", "guoqu": "国区", "quyu": "区域",
	"beifeng": "被封", "fengle": "封了", "dongjie": "冻结", "zhuce": "注册", "zhuxiao": "注销",
	"youxiang": "邮箱", "shoujihao": "手机号", "huanbang": "换绑", "bangding": "绑定", "wangle": "忘了",
	"chongzhimima": "重置密码", "dengru": "登录", "tuikuanle": "退款了", "tuihui": "退回", "kouqian": "扣钱",
	"koukuan": "扣款", "liangci": "两次", "daoshua": "盗刷", "xinyongka": "信用卡", "zhengyi": "争议",
	"shensu": "申诉", "jieru": "介入", "meidao": "没到", "haimeidao": "还没到", "meifa": "没发",
	"fama": "发码", "dengle": "等了", "bantian": "半天", "zaima": "在吗", "laoban": "老板",
	"daili": "代理", "pifa": "批发", "jiage": "价格", "duoshaoqian": "多少钱", "youhuo": "有货",
	"buhuo": "补货", "fapiao": "发票", "jiyong": "急用", "ganjin": "赶紧",
	"xiexielaoban": "谢谢老板", "haoping": "好评", "jiejuele": "解决了", "dingdanhao": "订单号",
	// pinyin initials buyers type for the commonest words
	"ne": "呢", "haojiu": "好久", "denglehaojiu": "等了好久",
	"km": "卡密", "jhm": "激活码", "dhm": "兑换码", "tk": "退款", "zh": "账号", "dd": "订单", "ddh": "订单号",
	"xlh": "序列号", "yzm": "验证码", "kf": "客服", "fh": "发货", "mfh": "没发货",
}

// concepts maps surface forms (lower-case; ASCII forms match whole words, others as
// substrings) to a concept feature.
var concepts = map[string][]string{
	"key": {"key", "keys", "code", "codes", "pin", "gift card", "gift cards", "card", "cards", "voucher",
		"卡密", "激活码", "兑换码", "序列号", "卡号", "充值码", "礼品卡", "点卡", "充值卡", "码", "卡"},
	"receive": {"instantly", "instant delivery", "supposed to be sent", "supposed to arrive", "still waiting", "shown up", "show up", "showed up", "forgot to send", "resend", "auto delivery", "自动发货", "发给我", "发过来", "receive", "received", "recieved", "recieve", "got", "get", "gotten", "arrive", "arrived",
		"delivered", "delivery", "sent", "send", "came", "收到", "发货", "发卡", "到账", "发过来", "出卡", "给我发"},
	"absent": {"星号", "asterisk", "asterisks", "masked", "wheres", "where's the", "where is the", "where are my", "where is my", "where's my", "enver", "nveer", "nevr", "hasn't", "hasnt", "forgot", "少一张", "少了", "只到了", "只收到", "never", "no", "nothing", "not", "haven't", "havent", "didn't", "didnt", "still", "yet",
		"empty", "blank", "missing", "only", "rest", "awaiting", "pending", "processing", "stuck", "delivery failed",
		"out of stock", "没", "未", "没有", "还没", "空", "只", "少", "剩下", "待发", "处理中", "正在发货", "发货失败", "缺货", "库存不足"},
	"broken": {"dead", "unknown code", "won't redeem", "doesn't redeem", "none of them redeem", "not redeem", "not recognised", "not recognized", "unrecognised", "unrecognized", "isn't recognised", "isn't recognized", "无法识别", "不识别", "识别不了", "character missing", "characters missing", "too short", "charactre", "missing characters", "not valid in", "balance of zero", "zero balance", "different value", "different game", "wrong game", "already in my account", "already owned", "少一位", "少了一位", "坏的", "不符", "余额显示0", "已经在账户里", "不是我买的那个", "面值不对", "面额不对", "invalid", "invaild", "not valid", "doesn't work", "doesnt work", "dosent work", "don't work",
		"not work", "won't work", "can't redeem", "cannot redeem", "can't activate", "cannot activate", "unable",
		"not working", "won't", "fails", "failed", "error", "wrong", "incorrect", "incorect", "rejected",
		"expired", "redeemed", "used", "activated", "claimed", "region", "locked", "restricted", "fake",
		"无效", "失效", "错误", "不对", "不正确", "用不了", "不能用", "已被", "已使用", "被使用", "兑换过",
		"激活过", "过期", "锁区", "区域", "失败", "假", "不存在", "充不", "用过", "被人", "别人", "盗用"},
	"money": {"refnud", "reverse my purchase", "money back", "get back my money", "refund", "refunds", "refunded", "refnd", "money", "reimburse", "return", "cancel",
		"charged", "twice", "退款", "退钱", "退掉", "退了", "退回", "退我", "退一", "退差价", "原路", "取消订单", "扣了两次", "多付", "买错", "拍错", "买重复", "退"},
	"platform": {"paypal", "alipay", "bank", "visa", "stripe", "issuer", "credit card", "card company",
		"支付宝", "微信支付", "微信", "银行", "发卡行", "信用卡", "支付平台"},
	"complain": {"未授权", "未经授权", "unauthorized charge", "unauthroized", "disputing", "disputed", "charged back", "unauthroized", "unauthorised", "did not buy", "didn't buy", "did not make", "didn't make", "not me", "不是我本人", "不是本人", "dispute", "chargeback", "claim", "complaint", "reported", "reversing", "reverse",
		"unauthorized", "unauthorised", "authorize", "fraud", "fraudulent", "stolen", "recognize",
		"投诉", "纠纷", "争议", "拒付", "盗刷", "撤销", "申诉", "不认", "盗用我"},
	"account": {"two factor", "two-step", "two step", "2 step", "authenticator", "receipt", "tax", "merge", "accounts", "合并", "两个账号", "account", "login", "log", "sign", "password", "username", "2fa", "two-factor",
		"verification", "email", "invoice", "billing", "payment method", "payment methods", "hacked",
		"suspended", "banned", "credit", "profile", "账号", "账户", "帐号", "登录", "登陆", "登不", "密码", "验证码",
		"邮箱", "手机号", "换绑", "绑定", "注册", "注销", "发票", "余额", "会员", "积分", "冻结", "封", "付款方式"},
	"login": {"two factor", "two step", "authenticator", "login code", "sign-in code", "sms code", "text code", "logs me out", "logged out", "log me out", "merge", "短信", "掉线", "退出登录", "合并", "login", "log in", "log into", "logging in", "sign in", "sign into", "signin", "2fa", "two-factor",
		"verification code", "locked out", "reset link", "password reset", "reset my password", "my account", "profile",
		"登录", "登陆", "登不", "登进", "进不去账", "验证码", "账号", "账户", "帐号", "实名", "个人中心"},
	"thanks": {"thanks", "thank", "thx", "cheers", "appreciate", "great", "谢谢", "感谢", "辛苦", "好评", "多谢"},
	"resolved": {"充进去了", "充上了", "没事了", "all fine now", "works", "worked", "working now", "resolved", "sorted", "arrived", "came through",
		"got it", "fine", "可以用了", "能用了", "用上了", "充好了", "解决了", "没问题", "收到了", "到账了", "成功"},
	"question": {"do you", "is there", "can the", "how do", "how long", "when will", "are your", "does",
		"有没有", "请问", "能不能", "吗", "怎么", "什么时候", "是否", "想问"},
	"spam": {"click", "won", "prize", "congratulations", "bit.ly", "http", "www", "selected", "reward", "rewards",
		"bank details", "claim your", "free gift", "中奖", "领取", "点击", "加微信", "加qq", "刷单", "红包", "返现", "免单", "日赚"},
	"presale": {"stack", "叠加", "abroad", "another country", "overseas", "海外", "国外", "送给朋友", "as a present", "as a gift", "thinking of buying", "before buying", "before i buy", "planning to buy", "region free", "region specific", "which region", "global", "first time buying", "first time", "how to redeem", "how do i redeem", "where do i enter", "怎么兑换", "怎么用", "不会用", "第一次买", "买之前", "还没买", "没买", "还没付", "还没下单", "下单前", "付款前", "haven't bought", "not bought yet", "haven't paid yet", "before paying", "before i pay", "before i order", "全球通用", "通用吗", "how much", "price", "prices", "in stock", "restock", "stock", "wholesale", "bulk", "discount", "reseller",
		"can this", "can i use", "can the", "be used in", "be used abroad", "valid in", "work in", "legit", "official",
		"多少钱", "价格", "有货", "补货", "批发", "代理", "优惠", "折扣", "能用吗", "可以用吗", "能不能用", "正规", "官方", "有没有"},
	"unused": {"unopened", "unused", "not used", "never used", "haven't redeemed", "not redeemed", "untouched", "never redeemed",
		"没用过", "未使用", "没兑换", "还没用", "没激活", "未兑换", "还没兑换", "没拆"},
	"paymethod": {"payment method", "payment methods", "payment options", "pay with", "pay by", "accept", "checkout",
		"付款方式", "支付方式", "付款吗", "支付吗", "银行卡付款", "信用卡付款", "花呗"},
}

// conceptFeatures returns "k:<concept>" for each concept present in the normalised text,
// and "k:<a>+<b>" for the pairs that matter together.
func conceptFeatures(norm string) []string {
	var present []string
	has := map[string]bool{}
	for _, name := range conceptNames {
		for _, w := range concepts[name] {
			if containsPhrase(norm, w) {
				present = append(present, name)
				has[name] = true
				break
			}
		}
	}
	out := make([]string, 0, len(present)+4)
	for _, p := range present {
		out = append(out, "k:"+p)
	}
	for _, pair := range conceptPairs {
		if has[pair[0]] && has[pair[1]] {
			out = append(out, "k:"+pair[0]+"+"+pair[1])
		}
	}
	return out
}

var conceptNames = []string{"key", "receive", "absent", "broken", "money", "platform", "complain",
	"account", "login", "thanks", "resolved", "question", "spam", "presale", "paymethod", "unused"}

var conceptPairs = [][2]string{{"receive", "absent"}, {"key", "broken"}, {"key", "absent"},
	{"platform", "complain"}, {"thanks", "resolved"}, {"money", "thanks"}, {"key", "resolved"},
	{"account", "broken"}, {"question", "key"}, {"login", "broken"}, {"login", "absent"}, {"login", "receive"},
	{"question", "money"}, {"question", "account"}, {"money", "absent"}, {"money", "receive"},
	{"question", "presale"}, {"question", "paymethod"}, {"presale", "key"},
	{"unused", "money"}, {"unused", "key"}}

// transliteratePinyin rewrites runs of Latin words that spell a listed pinyin word into
// Chinese, longest match first (up to 5 syllables).
func transliteratePinyin(c []token) []token {
	out := make([]token, 0, len(c))
	for i := 0; i < len(c); {
		matched := 0
		var han string
		if !c[i].han {
			joined := ""
			for n := 1; n <= 5 && i+n <= len(c) && !c[i+n-1].han; n++ {
				joined += c[i+n-1].text
				if h, ok := pinyinWords[joined]; ok {
					matched, han = n, h
				}
			}
		}
		if matched == 0 {
			out = append(out, c[i])
			i++
			continue
		}
		for _, r := range han {
			out = append(out, token{text: string(r), han: true})
		}
		i += matched
	}
	return out
}

// isPinyinLike is a cheap check used in tests and the bench: most words are pinyin
// syllables found in pinyinWords.
func isPinyinLike(text string) bool {
	n := 0
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if _, ok := pinyinWords[w]; ok {
			n++
		}
	}
	return n >= 2
}
