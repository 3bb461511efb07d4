package triage

import "testing"

func TestIsClosingThanks(t *testing.T) {
	cases := []struct {
		text string
		want bool
	}{
		{"谢谢", true},
		{"收到了，谢谢！", true},
		{"可以用了 感谢", true},
		{"Thanks!", true},
		{"works now, thank you so much", true},
		{"all good now", true},
		{"thx", true},
		{"好评，发货很快", true},
		{"退款已到账 辛苦了", true},
		{"Refund hit my account this morning, appreciate it.", true},
		{"退款不用了 码已经能用了", true},
		{"不用退了 帮我补发一个", false},
		{"钱还没到账 谢谢", false},
		{"no refund needed, just send a replacement please", false},
		{"Thanks for the fast delivery. Unfortunately Windows says the product key is blocked", false},
		{"谢谢 发货很快 不过提示已被使用", false},
		{"上次的没问题 这次的码显示被用过了", false},
		{"已使用，谢谢", true},
		{"I already used it, thanks", true},
		{"Great service, code arrived in a minute.", true},
		{"好评 会回购", true},
		{"", false},
		{"   ", false},
		{"谢谢，能开发票吗？", false},
		{"Thanks, but the second code still fails", false},
		{"thanks? it does not work", false},
		{"谢谢，但是还是用不了", false},
		{"The key does not work", false},
		{"我要退款", false},
		{"Thank you, please send the invoice for order 20261103 to my company's accounting team at finance@acme.example", false},
		{"Thank you. Also, I ordered three codes and got only two, and I would like the missing one sent to my other account please as soon as you can", false},
	}
	for _, c := range cases {
		if got := IsClosingThanks(c.text); got != c.want {
			t.Errorf("IsClosingThanks(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}
