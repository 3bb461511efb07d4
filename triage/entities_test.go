package triage

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExtractOrderNumbersAndFragments(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		orders []string
		frags  []string
	}{
		{"17-digit numeric", "订单号20261103085512347没发货", []string{"20261103085512347"}, nil},
		{"19-digit platform number", "order 6586650543471606997 missing", []string{"6586650543471606997"}, nil},
		{"alphanumeric with dash", "订单号B3K8-71QZ，买了5个", []string{"B3K8-71QZ"}, nil},
		{"lower-case alphanumeric", "order b3k8-71qz please", []string{"B3K8-71QZ"}, nil},
		{"prefixed", "KD20261102017 and ORD-2026-004411", []string{"KD20261102017", "ORD-2026-004411"}, nil},
		{"mobile number is not an order", "call me 13812345678", nil, nil},
		{"short number is not an order", "bought 5 codes for 2026", nil, nil},
		{"fragment after 前四位", "激活码无效，前4位QX7M", nil, []string{"QX7M"}},
		{"fragment after 尾号", "卡被人用过了，尾号8KD2", nil, []string{"8KD2"}},
		{"fragment before 开头", "以7H2WP开头的那个码", nil, []string{"7H2WP"}},
		{"fragment after ending", "code ending P3Q9 says redeemed", nil, []string{"P3Q9"}},
		{"fragment after starts with", "it starts with 9xz2", nil, []string{"9xz2"}},
		{"word after key is not a fragment", "the code just fails", nil, nil},
		{"no context, no fragment", "I have AB12 in my notes", nil, nil},
		{"a year after a key word is not a fragment", "code 2026 failed", nil, nil},
		{"numeric fragment after a position phrase", "礼品卡尾号1234用不了", nil, []string{"1234"}},
		{"fragment and order together", "订单B3K8-71QZ的卡密后四位是X9Y8", []string{"B3K8-71QZ"}, []string{"X9Y8"}},
		{"dash group after key word is a key piece, not an order", "key AB12-CD34 fails", nil, nil},
		{"labelled 10-digit order", "订单号：8812734512 没收到", []string{"8812734512"}, nil},
		{"labelled after 是", "我的订单是 7731029456，码用不了", []string{"7731029456"}, nil},
		{"hash-labelled order", "order #2291873344 never arrived", []string{"2291873344"}, nil},
		{"labelled lower-case alphanumeric", "单号 a77310295 退款", []string{"A77310295"}, nil},
		{"labelled mobile-length number", "order number 13812345678", []string{"13812345678"}, nil},
		{"unlabelled 10 digits stay unread", "I paid 8812734512 points?", nil, nil},
		{"label in another clause does not count", "订单没到，我QQ 8812734512", nil, nil},
		{"three digits after a label stay unread", "order #123 is fine", nil, nil},
		{"a web shop's four-digit order", "order #1234 never came", []string{"1234"}, nil},
		{"four digits after a Chinese label", "退款 订单 #2231 谢谢", []string{"2231"}, nil},
		{"four digits at the end of a sentence", "I want a refund. Order 6612.", []string{"6612"}, nil},
		{"a year after a label is no order", "order 2026 batch", nil, nil},
		{"a quantity after a label is no order", "order 1000 codes for my team", nil, nil},
		{"an amount after a label is no order", "order 1234.50 charged", nil, nil},
		{"ord as a label", "key fails, ord 99821", []string{"99821"}, nil},
		{"ref as a label, underscore-joined", "Ref: so_88127 expired", []string{"SO_88127"}, nil},
		{"Cantonese 係 after a label", "cancel order 退钱 please order 係 241201BX7KQ9TM", []string{"241201BX7KQ9TM"}, nil},
		{"Cantonese 係 after a label, prefixed", "我已经 open 咗 PayPal dispute order 係 KD-61177", []string{"KD-61177"}, nil},
		{"a case ref is no order", "Chargeback filed with my bank. Case ref CB-884120.", nil, nil},
		{"a claim ref is no order", "claim ref 88120339 opened with eBay", nil, nil},
		{"underscore-joined with a letter group", "我的单号 ORD_77812_B", []string{"ORD_77812_B"}, nil},
		{"pinyin initials dd", "mima cuowu, dd 7734210", []string{"7734210"}, nil},
		{"mixed simplified and traditional label", "订单號 7QX2-KP41-MM8D", []string{"7QX2-KP41-MM8D"}, nil},
		{"a list without a join", "两笔 订单 88120 88121 都没到", []string{"88120", "88121"}, nil},
		{"four-digit groups typed like a card's", "我在抖音下的单 订单号 4921 0083 7765 1120 想取消", []string{"4921 0083 7765 1120"}, nil},
		{"three four-digit groups", "Order 4412 9087 3321 shows delivered", []string{"4412 9087 3321"}, nil},
		{"two four-digit orders are a list", "订单 1043 1044 都没到", []string{"1043", "1044"}, nil},
		{"an eBay order number", "fyi ebay case is open. item not as described. 24-11947-81203", []string{"24-11947-81203"}, nil},
		{"a list with or", "order 4491 or maybe 4419", []string{"4491", "4419"}, nil},
		{"pieces of one number are one number", "订单号 20261201 1530 8812", []string{"20261201 1530 8812"}, nil},
		{"a prefix and groups after a label", "能部分退款吗 订单 KD 88 1203", []string{"KD 88 1203"}, nil},
		{"spaced groups then a time are no number", "order 88120339 30 mins ago", []string{"88120339"}, nil},
		{"a spaced mobile number is no order", "订单 138 1234 5678", nil, nil},
		{"a spaced date is no order", "订单 2026 12 01 买的", nil, nil},
		{"numbers alike stay a list", "orders 88120339 88120340", []string{"88120339", "88120340"}, nil},
		{"编号 alone labels the order", "兑换码说已经被兑换过了 编号「P10048823」", []string{"P10048823"}, nil},
		{"編號 then NO.", "我的訂單 還沒收到序號 編號 NO.5520198", []string{"5520198"}, nil},
		{"No. typed with a zero", "订单号：N0.2201833", []string{"2201833"}, nil},
		{"a product number is no order", "商品编号 P10048823 有货吗", nil, nil},
		{"编号 of a complaint post is no order", "我在黑猫投诉上发了帖子 编号是17329001", nil, nil},
		{"an order read out digit by digit", "订单号是七七八八一二零", []string{"七七八八一二零"}, nil},
		{"an order read out with a year", "订单是两千零二十六一二零一五五", []string{"两千零二十六一二零一五五"}, nil},
		{"numerals without a label are no order", "我买了三四五六七张", nil, nil},
		{"a refund number", "退款编号 RF9920183 订单是 88401922", []string{"88401922"}, nil},
		{"a subscription id", "subscription id SUB-88120, order 7720019", []string{"7720019"}, nil},
		{"an after-sales number", "京东订单 288176251003 售后单号 AS20261201", []string{"288176251003"}, nil},
		{"a coupon code", "优惠码 NEW2026 用不了", nil, nil},
		{"a bank's acceptance number", "银行受理号 2026120100881 订单 DD551203", []string{"DD551203"}, nil},
		{"label with a verb", "my order number is 88120339, nothing came", []string{"88120339"}, nil},
		{"label 订单号码", "订单号码：5512093378 卡密呢", []string{"5512093378"}, nil},
		{"pinyin label with a number", "dingdanhao 2026120399 wei fahuo", []string{"2026120399"}, nil},
		{"plural label and a list", "orders 7712093311 and 7712093312 both failed", []string{"7712093311", "7712093312"}, nil},
		{"list after a label in Chinese", "订单 55120933、55120934 都没到", []string{"55120933", "55120934"}, nil},
		{"a list join alone does not label", "我QQ 8812734512 和 8812734513", nil, nil},
		{"label inside a word does not count", "I prefer 8812734", nil, nil},
		{"order code label", "Order code: tb77120933", []string{"TB77120933"}, nil},
		{"label then a bracket", "订单号【2026120355】还没发", []string{"2026120355"}, nil},
		{"label, dash, number", "Order ID - 88120339 missing", []string{"88120339"}, nil},
		{"label on the line before", "订单号：\n5512093378", []string{"5512093378"}, nil},
		{"named after the number", "88120339是我的订单号，卡密无效", []string{"88120339"}, nil},
		{"named after in English", "55120933 is my order, nothing arrived", []string{"55120933"}, nil},
		{"labelled letters with four digits", "订单号 XQ-7781-KD 没到", []string{"XQ-7781-KD"}, nil},
		{"four digits alone stay unread after a label", "订单 7781 个码", nil, nil},
		{"a phone number before other words is not named", "13812345678是我的电话", nil, nil},
		{"bare 8-digit number", "88120339 还没到货", []string{"88120339"}, nil},
		{"bare 10-digit number in English", "never got my code, 5512093378", []string{"5512093378"}, nil},
		{"a QQ number is not an order", "加我qq 88120339", nil, nil},
		{"a bare mobile number is not an order", "13812345678 打我电话", nil, nil},
		{"a date is not an order", "20261203 买的", nil, nil},
		{"an amount is not an order", "一共10000000积分", nil, nil},
		{"a card number is not an order", "card 55120933 declined", nil, nil},
		{"full-width digits", "订单号：２０２６１２０３８８１２ 没到", []string{"202612038812"}, nil},
		{"full-width long numeric", "单号２０２６１１０３０８５５１２３４７没发货", []string{"20261103085512347"}, nil},
		{"marketplace dated order", "拼单 201203-123456789012345 卡密无效", []string{"201203-123456789012345"}, nil},
		{"labelled date-dash order of a key's shape", "my order 20261130-4417 came empty", []string{"20261130-4417"}, nil},
		{"labelled grouped order of a key's shape", "订单号: QX7M-21TT-8804 没收到", []string{"QX7M-21TT-8804"}, nil},
		{"labelled letter and 11 digits", "订单 B20261130555 退款", []string{"B20261130555"}, nil},
		{"labelled order with a short first group", "单号：77-20261130-5501", []string{"77-20261130-5501"}, nil},
		{"unlabelled key shape stays a key", "QX7M-21TT-8804 用不了", nil, nil},
		{"complaint number ending in an order label", "投诉单号 200120261130887766 请处理", nil, nil},
		{"short complaint number", "已经投诉了，投诉单号4409182736", nil, nil},
		{"tracking number", "tracking number 773012345678 shows delivered", nil, nil},
		{"transaction id", "PayPal transaction id 8TR55120933881", nil, nil},
		{"a WeChat id of an order's shape", "加微信 kd8899 便宜", nil, nil},
		{"a phone with the country code", "电话 8613812345678 联系我", nil, nil},
		{"a number after 编号", "平台给的编号 55120933", nil, nil},
		{"a WeChat Pay transaction number", "微信付的 交易单号 4200001987202612031234567890 没到账", nil, nil},
		{"a WeChat Pay bill's merchant number is the shop's", "商户单号 KD20261203000917 没到账", []string{"KD20261203000917"}, nil},
		{"编号 of a PayPal dispute", "我在PayPal开了争议 编号 PP-D-77120938", nil, nil},
		{"a case number in traditional characters", "momo 已經提出申訴了，案件編號 MC-77120458", nil, nil},
		{"張單 names the order", "唔該幫我睇下 張單 HK-2026-118402 俾咗錢", []string{"HK-2026-118402"}, nil},
		{"purchased is no case word", "I purchased 20261103085512347 yesterday", []string{"20261103085512347"}, nil},
		{"an order label wins over a contact word", "微信付的 订单号 KD20261130001", []string{"KD20261130001"}, nil},
		// Numbers of other kinds that business and Taiwanese buyers quote (2026-12-06).
		{"a business buyer's purchase order", "PO 4500012345 for 20 Office keys", nil, nil},
		{"a PO number of an order's shape", "Our PO number is PO-2026-11873, please put it on the invoice", nil, nil},
		{"a purchase order beside the shop's ref", "Ref: 20261204-7781 (our purchase order 5500231)", []string{"20261204-7781"}, nil},
		{"a quotation reference", "quote ref Q-88123 for 50 licences", nil, nil},
		{"a 街口 transaction number beside the order", "街口支付交易編號 20261203001234567 訂單 KD2026120399887", []string{"KD2026120399887"}, nil},
		{"a utility account's 户号", "户号 3301234567 电费充值没到", nil, nil},
		{"a Taiwanese tax id", "統編 24536806 要打在發票上", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ExtractEntities(tt.text)
			if tt.orders == nil {
				tt.orders = []string{}
			}
			if tt.frags == nil {
				tt.frags = []string{}
			}
			assert.Equal(t, tt.orders, e.OrderNumbers)
			assert.Equal(t, tt.frags, e.KeyFragments)
		})
	}
}

func TestKeyFragmentsAreRedacted(t *testing.T) {
	e := ExtractEntities("卡密前四位QX7M")
	assert.Equal(t, []string{"QX7M"}, e.KeyFragments)
	assert.Equal(t, []string{"****"}, e.Redacted().KeyFragments)
}

// Property: order numbers of the shop's formats are found wherever they sit in Chinese or
// English text, key fragments are found after a position phrase, and mobile numbers are
// never read as order numbers.
func TestPropertyEntities(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	const alnum, digits = "ABCDEFGHJKMNPQRSTUVWXYZ23456789", "0123456789"
	pick := func(set string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[r.IntN(len(set))]
		}
		return string(b)
	}
	before := []string{"订单号", "订单", "order ", "Order #", "单号：", "my order is ", "订单号是 ", ""}
	after := []string{"没发货", " never arrived", "，卡密无效", " pls refund", "？？", "", "。谢谢"}
	for range 500 {
		var order string
		switch r.IntN(3) {
		case 0:
			order = "2026" + pick(digits, 13) // 17 digits
		case 1:
			order = pick("123456789", 1) + pick(digits, 17+r.IntN(2))
		default:
			order = pick(alnum, 3) + pick(digits, 1) + "-" + pick(digits, 1) + pick(alnum, 3)
		}
		text := before[r.IntN(len(before))] + order + after[r.IntN(len(after))]
		e := ExtractEntities(text)
		require.Equal(t, []string{order}, e.OrderNumbers, text)
		require.Empty(t, e.CardKeys, text)

		frag := pick(alnum, 3+r.IntN(2)) + pick(digits, 1)
		text = []string{"卡密前四位", "尾号", "code ending in ", "key starts with ", "激活码后四位是"}[r.IntN(5)] + frag + after[r.IntN(len(after))]
		require.Equal(t, []string{frag}, ExtractEntities(text).KeyFragments, text)

		phone := "1" + pick("3456789", 1) + pick(digits, 9)
		text = "我的手机" + phone + after[r.IntN(len(after))]
		require.Empty(t, ExtractEntities(text).OrderNumbers, text)
	}
}
