package fraud

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"  Alice@Example.COM ":   "alice@example.com",
		"a.li.ce+shop@gmail.com": "alice@gmail.com",
		"A.Lice@googlemail.com":  "alice@gmail.com",
		"bob+x@example.org":      "bob@example.org",
		"b.o.b@example.org":      "b.o.b@example.org",
		"no-at-sign":             "no-at-sign",
		"+tag@example.org":       "+tag@example.org",
		"trailing@":              "trailing@",
		"王小明+1@QQ.com":           "王小明@qq.com",
	} {
		assert.Equal(t, want, NormalizeEmail(in), in)
		assert.Equal(t, NormalizeEmail(in), NormalizeEmail(NormalizeEmail(in)), "idempotent: %s", in)
	}
}

func TestDisposableDomains(t *testing.T) {
	for d, want := range map[string]bool{
		"mailinator.com": true, "MAILINATOR.COM": true, "sub.yopmail.com": true, "yopmail.com.": true,
		"gmail.com": false, "qq.com": false, "notmailinator.com": false, "": false, "com": false,
	} {
		assert.Equal(t, want, IsDisposableDomain(d), d)
	}
	assert.Equal(t, "example.com", EmailDomain("X@Example.com"))
	assert.Equal(t, "", EmailDomain("nobody"))
}

func TestNetworks(t *testing.T) {
	assert.Equal(t, "198.51.100.0/24", NetworkOf("198.51.100.7"))
	assert.Equal(t, "198.51.100.0/24", NetworkOf("::ffff:198.51.100.7"))
	assert.Equal(t, "2001:db8:1::/48", NetworkOf("2001:db8:1:2::3"))
	assert.Equal(t, "", NetworkOf("garbage"))
	assert.Equal(t, "198.51.100.%", NetworkLikePattern("198.51.100.7"))
	assert.Equal(t, "", NetworkLikePattern("2001:db8::1"))
	assert.True(t, SameNetwork("203.0.113.1", "203.0.113.200"))
	assert.False(t, SameNetwork("203.0.113.1", "203.0.114.1"))
	assert.False(t, SameNetwork("", ""))
}

func TestClaimTextFlags(t *testing.T) {
	for text, want := range map[string][]string{
		"The key says invalid, please help":                                        nil,
		"Fix this or I will file a CHARGEBACK":                                     {TextChargebackThreat},
		"不给我换我就去银行拒付":                                                              {TextChargebackThreat},
		"I lost access to my email, send the key to new@x.com":                     {TextNewAddress},
		"请发到我的新邮箱":                                                                 {TextNewAddress},
		"I already used it and now it says invalid, chargeback!":                   {TextAlreadyUsed, TextChargebackThreat, TextReportedUsed},
		"卡密已经用了一次，现在显示无效":                                                          {TextAlreadyUsed},
		"PSN says 'this code has already been used'":                               {TextReportedUsed},
		"今天去充才发现显示已使用":                                                             {TextReportedUsed},
		"My key never arrived. Order A-1001. Please send to my email":              nil,
		"Steam: 'this product is not available in your region'":                    {TextRegionLocked},
		"激活时提示该地区不可用":                                                              {TextRegionLocked},
		"Is this key region free? It says invalid":                                 nil,
		"买的是美区的卡，我账号是国区的，用不了":                                                      {TextRegionLocked},
		"国区steam卡 充值提示无效":                                                          nil,
		"港服點數卡兌換顯示鎖區":                                                              {TextRegionLocked},
		"卡密已被使用 我沒有用過":                                                             {TextReportedUsed},
		"我账号登录的是另一个邮箱，订单是用gmail买的。兑换显示已被使用":                                        {TextReportedUsed},
		"请把卡密发到另一个邮箱 x@y.z":                                                        {TextNewAddress},
		"老板，码被我弟弟拿去充到他自己的号上了 可以帮我换一个吗":                                             {TextAlreadyUsed},
		"Sorry, I accidentally redeemed it on my old Xbox profile":                 {TextAlreadyUsed},
		"Tried to redeem it on my PS5, it says invalid":                            nil,
		"手滑兑换错了账号，能再给一个吗":                                                          {TextAlreadyUsed},
		"El código dice que no es válido en tu región":                             {TextRegionLocked},
		"O cartão não funciona na minha conta, região errada":                      {TextRegionLocked},
		"Code ungültig, falsche Region angezeigt":                                  {TextRegionLocked},
		"Bu kod bölgenizde kullanılamaz diyor":                                     {TextRegionLocked},
		"Код не работает в вашем регионе":                                          {TextRegionLocked},
		"Replace it today or I dispute this with Visa":                             {TextChargebackThreat},
		"Si no me responden pido un contracargo":                                   {TextChargebackThreat},
		"Quero o reembolso por favor":                                              nil,
		"显示充值成功了，但是余额一直没到":                                                         {TextAlreadyUsed},
		"卡密没有兑换成功，提示无效":                                                            nil,
		"邮箱一直收不到，能发到我另一个QQ吗":                                                       {TextNewAddress},
		"code nahi chala, aaj nahi mila to UPI complaint kar dunga":                {TextChargebackThreat},
		"الكود ما يشتغل، بفتح نزاع مع البنك":                                       {TextChargebackThreat},
		"bhai ne galti se apne account pe redeem kar liya":                         {TextAlreadyUsed},
		"code redeem nahi ho raha, invalid bol raha hai":                           nil,
		"兑换时提示：此商品在您的地区不可用":                                                        {TextRegionLocked},
		"我是国服账号，买的美服点卡充不进去":                                                        {TextRegionLocked},
		"充不进去，你们是不是发错区了":                                                           {TextRegionLocked},
		"请问这张卡是哪个区的？提示错误代码":                                                        nil,
		"My son already used it on his Switch, can I get another":                  {TextAlreadyUsed, TextReportedUsed},
		"换了新手机，登录后兑换提示无效":                                                          {TextNewContext},
		"Bought this as a gift for my nephew, he says it is invalid":               {TextNewContext},
		"I'm at work right now, the code says invalid":                             {TextNewContext},
		"code invalid send new one fast":                                           nil,
		"我男朋友在你们这给我买的礼品卡，兑换提示无效":                                                   {TextNewContext},
		"Pisze z telefonu bo jestem w pracy, kod nie działa":                       {TextNewContext},
		"One of the 5 codes (the 3rd one) says invalid, the other 4 redeemed fine": {TextOneOfMany},
		"30张里有1张提示已使用 其他都正常":                                                       {TextOneOfMany, TextReportedUsed},
		"40个密钥激活了39台，第23个提示无效":                                                     {TextOneOfMany},
		"Um dos 10 códigos deu inválido":                                           {TextOneOfMany},
		"6 of the 30 keys are invalid":                                             nil,
		"20张里面有6张用不了":                                                              nil,
		"這批有一張顯示已使用":                                                               {TextOneOfMany, TextReportedUsed},
		// 2026-12.15: word order, abroad and from a phone, the buyer's own region words.
		"someone used my code?? it says redeemed already": {TextReportedUsed},
		"人在澳洲，登腾讯视频兑换提示激活码无效":                             {TextNewContext},
		"序號輸入顯示無效，我現在用手機跟你們聯絡":                            {TextNewContext},
		"人在吗 卡密无效":                                        nil,
		"說這張卡在我的地區無法使用，我的帳號是台灣區":                          {TextRegionLocked},
	} {
		got := ClaimTextFlags(text)
		if len(want) == 0 {
			assert.Empty(t, got, text)
			continue
		}
		assert.ElementsMatch(t, want, got, text)
		assert.IsNonDecreasing(t, got, text)
	}
}

func TestDistinctUnlinked(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	me := Reporter{Email: "me@x.com", Device: "d-me", IP: "192.0.2.1", At: t0}
	ring := []Reporter{
		{Email: "r1@x.com", Device: "d-ring", IP: "203.0.113.1", At: t0.Add(-time.Hour)},
		{Email: "r2@x.com", Device: "d-ring", IP: "198.51.100.1", At: t0.Add(-2 * time.Hour)},
		{Email: "r3@x.com", Device: "d-r3", IP: "198.51.100.77", At: t0.Add(-3 * time.Hour)}, // same /24 as r2
	}
	assert.Equal(t, 1, DistinctUnlinked(me, ring, 7*24*time.Hour), "a ring counts once")
	far := Reporter{Email: "far@x.com", Device: "d-far", IP: "198.51.100.9", At: t0.Add(-30 * 24 * time.Hour)}
	assert.Equal(t, 2, DistinctUnlinked(me, append(ring, far), 7*24*time.Hour), "a /24 link expires with the window")
	member := Reporter{Email: "r9@x.com", Device: "d-ring", At: t0}
	assert.Equal(t, 0, DistinctUnlinked(member, ring, 7*24*time.Hour), "the claimant's own ring is not other buyers")
	assert.Equal(t, 0, DistinctUnlinked(me, []Reporter{{Email: "me@x.com"}}, time.Hour), "the same mailbox")
	assert.Equal(t, 0, DistinctUnlinked(me, nil, time.Hour))
	indep := []Reporter{{Email: "a@x.com", IP: "192.0.3.1"}, {Email: "b@x.com", IP: "192.0.4.1"}, {Email: "c@x.com", IP: "192.0.5.1"}}
	assert.Equal(t, 3, DistinctUnlinked(me, indep, time.Hour))
}

func TestLinkableIP(t *testing.T) {
	for ip, want := range map[string]bool{
		"203.0.113.7": true, "198.51.100.1": true, "8.8.8.8": true, "2001:db8::1": true, "::ffff:203.0.113.7": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "192.168.0.9": false, "172.16.4.4": false,
		"100.64.0.1": false, "100.127.255.254": false, "169.254.1.1": false, "fe80::1": false, "fd00::1": false,
		"0.0.0.0": false, "": false, "garbage": false,
	} {
		assert.Equal(t, want, LinkableIP(ip), ip)
	}
	// Two reporters behind one proxy address are not linked by it.
	assert.Equal(t, 2, DistinctUnlinked(Reporter{Email: "me@x"}, []Reporter{{Email: "a@x", IP: "127.0.0.1"}, {Email: "b@x", IP: "127.0.0.1"}}, time.Hour))
}
