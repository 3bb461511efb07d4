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
