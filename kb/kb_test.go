package kb

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestUnits(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"卡密无法激活", []string{"卡密", "密无", "无法", "法激", "激活"}},
		{"我的卡密怎么办", []string{"的卡", "卡密", "密怎"}},
		{"My key was REDEEMED already", []string{"key", "redeem", "alread"}},
		{"Activation failed; activated keys", []string{"activat", "fail", "key"}},
		{"ＳＴＥＡＭ key 激活不了", []string{"steam", "key", "激活", "活不", "不了"}},
		{"退 款", []string{"退", "款"}},
		{"", nil},
		{"the and of", nil},
		{"error 0x80070057", []string{"error", "0x80070057"}},
	} {
		if got := Units(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Units(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{"redeemed": "redeem", "redeeming": "redeem", "redeem": "redeem",
		"activate": "activat", "activation": "activat", "activated": "activat", "keys": "key", "key": "key",
		"deliveries": "deliver", "delivery": "deliver", "codes": "cod", "code": "cod", "refunds": "refund"} {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestQueryUnitsSynonyms(t *testing.T) {
	got := QueryUnits("激活码用不了 refund my money")
	have := map[string]float64{}
	for _, u := range got {
		have[u.Text] = u.Weight
	}
	if have["卡密"] != 0.6 || have["激活"] != 1 || have["refund"] != 1 {
		t.Errorf("units %v", got)
	}
	long := QueryUnits(strings.Repeat("这是一段很长的描述文字没有重复", 20) + "abcdefghijklmnopqrstuvwxyz")
	if len(long) > MaxQueryUnits {
		t.Errorf("%d units", len(long))
	}
}

func TestIndexAndMatchText(t *testing.T) {
	if got := IndexText([]string{"卡密", "key"}); got != "|卡密|key|" {
		t.Error(got)
	}
	if got := MatchFTS5([]Unit{{"卡密", 1}, {"key", 1}}); got != `"|卡密|" OR "|key|"` {
		t.Error(got)
	}
	if got := MatchBoolean([]Unit{{"卡密", 1}, {"key", 1}}); got != "卡密 key" {
		t.Error(got)
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("前言文字", 30) + "卡密无法激活时请先确认地区。" + strings.Repeat("后面的说明", 30)
	for _, c := range []struct {
		name, text string
		units      []string
		width      int
		want       string
	}{
		{"merged CJK marks", "卡密无法激活", []string{"卡密", "密无", "激活"}, 20, "<mark>卡密无</mark>法<mark>激活</mark>"},
		{"english stem marks the word", "Your key was redeemed. Redeem again?", []string{"redeem"}, 80, "Your key was <mark>redeemed</mark>. <mark>Redeem</mark> again?"},
		{"not inside a word", "prekey key", []string{"key"}, 80, "prekey <mark>key</mark>"},
		{"escaped", "<b>卡密</b> & co", []string{"卡密"}, 80, "&lt;b&gt;<mark>卡密</mark>&lt;/b&gt; &amp; co"},
		{"cut by runes around the hit", long, []string{"卡密"}, 20, "…字前言文字<mark>卡密</mark>无法激活时请先确认地区。后…"},
		{"no hit: the start", "第一行\n第二行", nil, 4, "第一行 …"},
	} {
		if got := Snippet(c.text, c.units, c.width); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestRank(t *testing.T) {
	docs := []Doc{
		{ID: 1, Title: "卡密无法使用", Tags: "卡密,无效,激活", Body: "请确认兑换的平台和地区正确。", Language: "zh-CN"},
		{ID: 2, Title: "退款说明", Tags: "退款", Body: "未查看的卡密可在购买后14天内退款。", Language: "zh-CN"},
		{ID: 3, Title: "My key does not work", Tags: "key,invalid,activate", Body: "Check the region.", Language: "en"},
		{ID: 4, Title: "Refunds", Tags: "refund,money", Body: "Unrevealed keys can be refunded.", Language: "en"},
	}
	top := func(q, lang string) []uint64 {
		var ids []uint64
		for _, s := range Rank(QueryUnits(q), docs, 10, QueryLanguage(q, lang)) {
			ids = append(ids, s.ID)
		}
		return ids
	}
	for _, c := range []struct {
		q    string
		want uint64
	}{
		{"我的卡密激活不了", 1}, {"我要退款", 2}, {"my key is invalid", 3}, {"I want my money back", 4}, {"steam 激活码 无效", 1},
	} {
		if got := top(c.q, "en"); len(got) == 0 || got[0] != c.want {
			t.Errorf("%q: %v, want %d first", c.q, got, c.want)
		}
	}
	if got := top("今天天气很好", "zh-CN"); len(got) != 0 {
		t.Errorf("unrelated question suggests %v", got)
	}
	if got := QueryLanguage("steam key 激活不了", "en"); got != "zh-CN" {
		t.Error(got)
	}
}

func TestDeflection(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	old := now.Add(-2 * time.Hour)
	ev := []Event{
		{"s1", EventShown, 1, old}, {"s1", EventShown, 2, old}, {"s1", EventOpened, 1, old}, // deflected by 1
		{"s2", EventShown, 1, old}, {"s2", EventOpened, 1, old}, {"s2", EventSubmitted, 0, old}, // opened, submitted anyway
		{"s3", EventShown, 2, old}, {"s3", EventSubmitted, 0, old}, // submitted without opening
		{"s4", EventShown, 2, now}, {"s4", EventOpened, 2, now}, // pending
		{"s5", EventOpened, 1, old}, {"s5", EventOpened, 1, old}, // repeat counts once: deflected
	}
	arts, tot := Deflection(ev, now)
	want := []ArticleDeflection{
		{ArticleID: 1, Shown: 2, Opened: 3, Submitted: 1, Deflected: 2, Rate: 2.0 / 3},
		{ArticleID: 2, Shown: 3, Opened: 1, Pending: 1},
	}
	if !reflect.DeepEqual(arts, want) {
		t.Errorf("articles\n got %+v\nwant %+v", arts, want)
	}
	wantTot := DeflectionTotals{Shown: 4, Opened: 4, Submitted: 1, Deflected: 2, Pending: 1, SubmittedWithout: 1, Rate: 2.0 / 3}
	if tot != wantTot {
		t.Errorf("totals %+v, want %+v", tot, wantTot)
	}
}

func TestPruneUnits(t *testing.T) {
	df := map[string]int{"卡密": 900, "激活": 400, "法激": 3, "key": 1200}
	q := []Unit{{"卡密", 1}, {"激活", 1}, {"密怎", 1}, {"法激", 1}, {"key", 1}}
	texts := func(us []Unit) string {
		var s []string
		for _, u := range us {
			s = append(s, u.Text)
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		budget, min, max int
		want             string
	}{
		{1500, 2, 16, "法激,激活,卡密"}, // unknown 密怎 dropped; key would pass the budget
		{100, 2, 16, "法激,激活"},     // at least two
		{5000, 1, 2, "法激,激活"},     // at most two
	} {
		if got := texts(PruneUnits(q, df, c.budget, c.min, c.max)); got != c.want {
			t.Errorf("budget %d: %s, want %s", c.budget, got, c.want)
		}
	}
	if got := PruneUnits([]Unit{{"无", 1}}, df, 10, 1, 5); len(got) != 0 {
		t.Errorf("no article holds it: %v", got)
	}
}
