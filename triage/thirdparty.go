package triage

import "regexp"

// A buyer who writes that their QQ, Alipay, Steam or game account was stolen, banned or
// frozen is asking about someone else's platform, not their account with the shop: by the
// labelling convention it is `other` (the shop cannot restore it). The model reads the
// account and login words and says `account`, so a rule reads whose account it is. It only
// turns `account` into `other`; it never applies when the message names the shop's own
// account, balance or points, a payment at the shop, or signing in to the shop with such an
// account ("用微信登录你们网站", "sign in with Apple"), which stay `account`.
var (
	// A platform's or game's name attached to an account word, as plainText spells it
	// (traditional characters folded, lower case, ASCII words spaced).
	thirdPartyAccountZH = regexp.MustCompile(`(qq|微信|支付宝|淘宝|抖音|快手|微博|b站|王者荣耀|王者|原神|和平精英|吃鸡|网易|steam|苹果|apple ?id|psn|xbox|epic|战网|暴雪|switch|任天堂|英雄联盟|lol|穿越火线|dnf|逆水寒|第五人格|蛋仔|崩坏|米哈游|roblox|堡垒之夜|fortnite|paypal|游戏)(里|上|的)?(的)?(游戏)?(号|账号|帐号|账户|帐户)`)
	thirdPartyAccountEN = regexp.MustCompile(`\b(steam|fortnite|epic|epic games|psn|playstation|xbox|apple|icloud|itunes|google|gmail|paypal|discord|riot|valorant|roblox|minecraft|battle ?net|blizzard|ubisoft|facebook|instagram|tiktok|whatsapp|telegram|wechat|alipay|qq|genshin|hoyoverse|nintendo|twitch|outlook|hotmail|game|gaming) (account|acc|id)\b`)
	// The same in pinyin ("wo de wang zhe hao bei feng le", "qq hao bei dao").
	thirdPartyAccountPinyin = regexp.MustCompile(`\b(qq|wang ?zhe|yuan ?shen|you ?xi|wei ?xin|zhi ?fu ?bao|zfb|steam)( de)? ?(hao|zhang ?hao|zhang ?hu)\b`)
	thirdPartyTroublePinyin = regexp.MustCompile(`\bbei ?(dao|feng|dong ?jie|xian ?zhi)\b|\bfeng ?hao\b|\bdong ?jie\b|\bzhao ?hui\b`)
	shopAccountPinyin       = regexp.MustCompile(`\bni ?men ?(de )?(wang ?zhan|dian|shang ?cheng|ping ?tai|xiao ?cheng ?xu)\b|\byu ?e\b|\bji ?fen\b`)
	// Or the platform's name as the subject of what happened to it ("QQ被盗了", "微信被封").
	thirdPartyHit = regexp.MustCompile(`(qq|微信|支付宝|steam|paypal)(又|也|突然|直接)?(被盗|被封|被冻结|被限制|冻结|封了)`)
	// What happened to it: stolen, banned, frozen, limited, locked, to be recovered.
	thirdPartyTrouble = regexp.MustCompile(`被盗|盗号|被封|封号|封了|冻结|找回|密码被改|改了密码|被改了|换绑|解封|被限制|限制登录|停机|\b(hack(ed)?|banned|suspended|locked|limited|stolen|recover|compromised|disabled|restricted|get (it|my account) back)\b`)
	// The shop's own account, balance, points or checkout, or signing in to the shop with a
	// platform's account: still `account`.
	shopAccountMarkers = regexp.MustCompile(`你们(的)?(网站|网页|店|商城|平台|小程序|app|这|那|家|系统|官网)|你家|本店|店铺|商城|小程序|网站|贵店|贵站|在你这|在这边|余额|积分|会员等级|付款|支付失败|付不了|结账|下单|登录你|登陆你|用(微信|qq|支付宝|苹果|apple ?id|google)(账号|帐号)?(登录|登陆)|\b(your|this) (site|store|shop|website|platform|app|page)\b|\b(on|with|at) you\b|\baccount (here|with you|on your)\b|\b(sign|log)(ged)? ?in with\b|\b(checkout|payment|pay with|balance|store credit|points)\b`)
)

// isThirdPartyAccountTrouble says whether plain text (plainText's spelling) is about trouble
// with a platform's or game's account that is not the shop's.
func isThirdPartyAccountTrouble(plain string) bool {
	named := thirdPartyAccountZH.MatchString(plain) || thirdPartyAccountEN.MatchString(plain) || thirdPartyHit.MatchString(plain)
	if named && thirdPartyTrouble.MatchString(plain) && !shopAccountMarkers.MatchString(plain) {
		return true
	}
	// Normalisation has already written some pinyin in characters ("bei feng" as 被封).
	trouble := thirdPartyTroublePinyin.MatchString(plain) || thirdPartyTrouble.MatchString(plain)
	return thirdPartyAccountPinyin.MatchString(plain) && trouble &&
		!shopAccountPinyin.MatchString(plain) && !shopAccountMarkers.MatchString(plain)
}
