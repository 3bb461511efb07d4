package hanfold

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"我的帳號是台服 港服點數卡不能用": "我的账号是台服 港服点数卡不能用",
		"儲值失敗":                   "充值失敗", // 敗 is not in the list: only the listed characters fold
		"already simplified 已兑换": "already simplified 已兑换",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
