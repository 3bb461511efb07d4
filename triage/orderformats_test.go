package triage

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// sampleOf makes n order numbers with gen (deterministic).
func sampleOf(n int, seed uint64, gen func(r *rand.Rand) string) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	out := make([]string, n)
	for i := range out {
		out[i] = gen(r)
	}
	return out
}

func digitsN(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

func lettersN(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + r.IntN(26))
	}
	return string(b)
}

func alnumN(r *rand.Rand, n int) string {
	const set = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}

// dateN is a YYYYMMDD of 2026 followed by n digits.
func dateN(r *rand.Rand, n int) string {
	return fmt.Sprintf("2026%02d%02d", 1+r.IntN(12), 1+r.IntN(28)) + digitsN(r, n)
}

// Shop formats used by the tests, each with its generator.
var shopFormats = []struct {
	name string
	gen  func(r *rand.Rand) string
}{
	{"prefix+date", func(r *rand.Rand) string { return "KD" + dateN(r, 5) }},
	{"dated numeric", func(r *rand.Rand) string { return dateN(r, 9) }},
	{"underscored", func(r *rand.Rand) string { return "kd_" + digitsN(r, 4) + "_" + digitsN(r, 4) }},
	{"alnum dashes", func(r *rand.Rand) string { return alnumN(r, 4) + "-" + alnumN(r, 4) + "-" + alnumN(r, 4) }},
	{"one letter", func(r *rand.Rand) string { return "A" + digitsN(r, 8) }},
	{"ORD dashes", func(r *rand.Rand) string { return "ORD-2026-" + digitsN(r, 6) }},
	{"short prefix", func(r *rand.Rand) string { return "SO" + digitsN(r, 5) }},
	{"numeric 10", func(r *rand.Rand) string { return "7" + digitsN(r, 9) }},
	{"letters_digits", func(r *rand.Rand) string { return lettersN(r, 2) + "_" + digitsN(r, 6) }},
}

func TestLearnOrderFormatsShapes(t *testing.T) {
	tests := []struct {
		name   string
		sample []string
		want   []string
	}{
		{"prefix and date", sampleOf(50, 1, shopFormats[0].gen), []string{"KD+T8D5"}},
		{"dated numeric", sampleOf(50, 2, shopFormats[1].gen), []string{"T8D9"}},
		{"underscores, case", sampleOf(50, 3, shopFormats[2].gen), []string{"KD_D4_D4"}},
		{"one letter", sampleOf(50, 5, shopFormats[4].gen), []string{"A+D8"}},
		{"ORD dashes", sampleOf(50, 6, shopFormats[5].gen), []string{"ORD-D4-D6"}},
		{"two letters vary", sampleOf(50, 9, shopFormats[8].gen), []string{"L2_D6"}},
		{"full width and #", []string{"#ＫＤ123456", " kd223456 ", "Kd323456"}, []string{"KD+D6"}},
		{"rare shape ignored", append(sampleOf(60, 1, shopFormats[0].gen), "TEST-1"), []string{"KD+T8D5"}},
		{"two formats", append(sampleOf(30, 1, shopFormats[0].gen), sampleOf(20, 6, shopFormats[5].gen)...), []string{"KD+T8D5", "ORD-D4-D6"}},
		{"nothing", nil, []string{}},
		{"no digits", []string{"ABC", "DEF", "GHI"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := LearnOrderFormats(tt.sample)
			if got := f.Shapes(); !slices.Equal(got, tt.want) {
				t.Errorf("shapes %v, want %v", got, tt.want)
			}
		})
	}
	// Random groups of letters and digits generalise to mixed groups; a group that came out
	// all digits in a few numbers falls below the support and does not split the shape.
	f := LearnOrderFormats(sampleOf(200, 4, shopFormats[3].gen))
	if got := f.Shapes(); len(got) == 0 || got[0] != "A4-A4-A4" {
		t.Errorf("alnum shapes %v, want A4-A4-A4 first", got)
	}
	if f.Coverage() < 0.9 {
		t.Errorf("alnum coverage %.2f", f.Coverage())
	}
}

func TestExtractOrderNumbersWithFormats(t *testing.T) {
	kd := LearnOrderFormats(sampleOf(50, 1, shopFormats[0].gen))
	under := LearnOrderFormats(sampleOf(50, 3, shopFormats[2].gen))
	one := LearnOrderFormats(sampleOf(50, 5, shopFormats[4].gen))
	alnum := LearnOrderFormats(sampleOf(200, 4, shopFormats[3].gen))
	num := LearnOrderFormats(sampleOf(50, 8, shopFormats[7].gen))
	so := LearnOrderFormats(sampleOf(50, 7, shopFormats[6].gen))
	tests := []struct {
		name string
		f    OrderFormats
		text string
		want []string
	}{
		{"underscored, no label", under, "kd_2026_0042 还没发货", []string{"KD_2026_0042"}},
		{"underscored, full width", under, "ｋｄ＿２０２６＿００４２ 没到", []string{"KD_2026_0042"}},
		{"underscored, en", under, "I paid for kd_1234_5678 an hour ago", []string{"KD_1234_5678"}},
		{"one letter, unlabelled", one, "A77310295 的卡密打不开", []string{"A77310295"}},
		{"one letter, other letter is not invented", one, "B77310295 的卡密打不开", []string{}},
		{"alnum three groups", alnum, "我买的 7QKM-2X9P-RT4A 还没收到", []string{"7QKM-2X9P-RT4A"}},
		{"alnum after a key word is a key", alnum, "卡密 7QKM-2X9P-RT4A 无效", []string{}},
		{"prefix and date", kd, "KD2026110308123 没到货", []string{"KD2026110308123"}},
		{"a model name is dropped: the shop's orders are KD…", kd, "RTX4090 的码怎么用", []string{}},
		{"a parcel number is dropped", kd, "SF1402239918734 显示签收了", []string{}},
		{"a model name without formats is read as text alone reads it", OrderFormats{}, "RTX4090 的码怎么用", []string{"RTX4090"}},
		{"a bare number is kept: the buyer may paste a payment number", kd, "88120339 还没到", []string{"88120339"}},
		{"the label names the whole number, not its digits", LearnOrderFormats(sampleOf(50, 9, shopFormats[8].gen)), "你好，MZ_300128 这单能退吗", []string{"MZ_300128"}},
		{"labelled number kept whatever its shape", kd, "订单号 88120339 还没到", []string{"88120339"}},
		{"bare number kept: shop has that shape", num, "7712093311 还没到", []string{"7712093311"}},
		{"numeric shape: a QQ id is not an order", num, "加我QQ 7712093311", []string{}},
		{"numeric shape: an amount is not an order", num, "付了 7712093311 元", []string{}},
		{"numeric shape: mobile is not an order", LearnOrderFormats(sampleOf(50, 8, func(r *rand.Rand) string { return "3" + digitsN(r, 10) })),
			"13812345678 没收到", []string{}},
		{"short prefix: 7 characters with a letter prefix", so, "SO12345 还没到", []string{"SO12345"}},
		{"short prefix of another shop is not invented", so, "XY12345 还没到", []string{}},
		{"list with slash", num, "7712093311/7712093312 都没到", []string{"7712093311", "7712093312"}},
		{"sentence end", under, "My order is kd_2026_0042.", []string{"KD_2026_0042"}},
		{"piece of a learned number is not a second one", LearnOrderFormats(sampleOf(50, 10, func(r *rand.Rand) string { return "ORD_2" + digitsN(r, 10) })),
			"ORD_20261103001 没到", []string{"ORD_20261103001"}},
		{"email is not an order", under, "mail kd_2026_0042@example.com", []string{}},
		{"no formats: text only", OrderFormats{}, "88120339 还没到, kd_2026_0042", []string{"88120339"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ExtractOrderNumbers(tt.text, tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("ExtractOrderNumbers(%q) = %v, want %v (shapes %v)", tt.text, got, tt.want, tt.f.Shapes())
			}
		})
	}
}

// Without formats ExtractOrderNumbers is ExtractEntities' order numbers, on every corpus text.
func TestExtractOrderNumbersWithoutFormatsIsTextOnly(t *testing.T) {
	exs, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exs {
		if got, want := ExtractOrderNumbers(e.Text, OrderFormats{}), ExtractEntities(e.Text).OrderNumbers; !slices.Equal(got, want) {
			t.Fatalf("%s: %v, ExtractEntities %v", e.ID, got, want)
		}
	}
}

// Texts an order number is put into: at the start, in the middle and at the end, zh, en and
// mixed, labelled or not.
var orderPlaces = []string{
	"%s 还没收到卡密",
	"你好，我昨天买的 %s 一直没发货，麻烦看下",
	"你好，我昨天买的%s一直没发货",
	"订单号：%s",
	"单号%s，急！",
	"Hi, I paid for %s but got nothing",
	"order %s never arrived",
	"my order number is %s, please check",
	"Bought %s yesterday. Still waiting!!",
	"客服 %s 这单的码用不了 can you help",
	"%s",
	"(%s) 退款 please",
	"请查 %s。谢谢",
}

// Property: an order number of a learned shape is found wherever it stands in zh / en text,
// and a shape the merchant never used is never read as an order number where the text
// alone would not read it.
func TestOrderFormatsProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 42))
	for fi, sf := range shopFormats {
		f := LearnOrderFormats(sampleOf(100, uint64(100+fi), sf.gen))
		for range 40 {
			no := sf.gen(r)
			if !f.Matches(no) {
				continue // a random group of letters and digits that came out all digits
			}
			place := orderPlaces[r.IntN(len(orderPlaces))]
			text := fmt.Sprintf(place, no)
			got := ExtractOrderNumbers(text, f)
			if !slices.Contains(got, NormalizeOrderNo(no)) {
				t.Errorf("%s: %q not found in %q (shapes %v): %v", sf.name, no, text, f.Shapes(), got)
			}
		}
		// Other shops' numbers in the same places: found only where the text alone finds them.
		for oi, other := range shopFormats {
			if oi == fi {
				continue
			}
			for range 10 {
				no := other.gen(r)
				if f.Matches(no) {
					continue // the shapes overlap (two formats of the same length)
				}
				text := fmt.Sprintf(orderPlaces[r.IntN(len(orderPlaces))], no)
				textOnly := ExtractEntities(text).OrderNumbers
				for _, o := range ExtractOrderNumbers(text, f) {
					if !slices.Contains(textOnly, o) && !f.Matches(o) {
						t.Errorf("%s formats invented %q in %q", sf.name, o, text)
					}
				}
				if strings.Contains(text, "订单号") || strings.Contains(text, "order number") {
					if want := textOnly; !slices.Equal(ExtractOrderNumbers(text, f), want) && len(want) > 0 &&
						!slices.Contains(ExtractOrderNumbers(text, f), NormalizeOrderNo(no)) && slices.Contains(want, NormalizeOrderNo(no)) {
						t.Errorf("%s formats lost the labelled %q in %q", sf.name, no, text)
					}
				}
			}
		}
	}
}

// On the hand-written shops file, formats learned from each shop's sample find at least every
// order number the text alone finds, with no lower precision, and dropping the numbers that fit
// no format loses no order number; on the corpus (formats learned leave-one-group-out)
// nothing the text alone finds is lost.
func TestOrderFormatsMeasured(t *testing.T) {
	f, err := os.Open("testdata/orderformats_shops.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples, msgs, err := ReadOrderFormatShops(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) < 10 || len(msgs) < 100 {
		t.Fatalf("%d shops, %d messages", len(samples), len(msgs))
	}
	formats := map[string]OrderFormats{}
	for name, s := range samples {
		formats[name] = LearnOrderFormats(s)
	}
	ev := EvaluateOrderFormats(msgs, func(e Example) OrderFormats { return formats[e.Group] })
	t.Logf("shops: text only %.1f%% / %.1f%%, learned %.1f%% / %.1f%%, learned keeping unmatched %.1f%% / %.1f%%",
		100*ev.TextOnly.Recall(), 100*ev.TextOnly.Precision(), 100*ev.Learned.Recall(), 100*ev.Learned.Precision(),
		100*ev.LearnedKeepUnmatched.Recall(), 100*ev.LearnedKeepUnmatched.Precision())
	if ev.Learned.Recall() < ev.TextOnly.Recall() || ev.Learned.Precision() < ev.TextOnly.Precision() {
		t.Errorf("learned formats read worse than the text alone: %+v vs %+v", ev.Learned, ev.TextOnly)
	}
	if ev.Learned.TP != ev.LearnedKeepUnmatched.TP || ev.Learned.Precision() < ev.LearnedKeepUnmatched.Precision() {
		t.Errorf("dropping unmatched numbers: %+v, keeping them: %+v", ev.Learned, ev.LearnedKeepUnmatched)
	}
	corpus, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	cv := EvaluateOrderFormatsLeaveOneOut(corpus)
	if cv.Learned.TP < cv.TextOnly.TP || cv.Learned.FP > cv.TextOnly.FP {
		t.Errorf("corpus: learned %+v, text only %+v", cv.Learned, cv.TextOnly)
	}
}

// Property: on any text (random pieces of Chinese, Latin letters, digits, full-width
// characters and the separators of order numbers) ExtractOrderNumbers does not fail, finds
// only what the text alone finds or what fits a learned shape, and finds nothing without
// formats that ExtractEntities would not.
func TestExtractOrderNumbersOnRandomText(t *testing.T) {
	pieces := []string{"订单", "号", "卡密", "QQ", "order", " ", "#", "＃", "-", "_", ".", "/", "：", "，", "KD", "kd", "ORD", "SO", "A",
		"2026", "1103", "0042", "7712093311", "13812345678", "５", "ｋｄ", "＿", "元", "is", "\n", "B3K8", "71QZ", "@", "x@y.com"}
	r := rand.New(rand.NewPCG(3, 3))
	var fs []OrderFormats
	for i, sf := range shopFormats {
		fs = append(fs, LearnOrderFormats(sampleOf(60, uint64(300+i), sf.gen)))
	}
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		text := b.String()
		textOnly := ExtractEntities(text).OrderNumbers
		if got := ExtractOrderNumbers(text, OrderFormats{}); !slices.Equal(got, textOnly) {
			t.Fatalf("%q without formats: %v, text alone %v", text, got, textOnly)
		}
		f := fs[r.IntN(len(fs))]
		for _, o := range ExtractOrderNumbers(text, f) {
			if !slices.Contains(textOnly, o) && !f.Matches(o) {
				t.Fatalf("%q: %q is neither read from the text alone nor of a learned shape %v", text, o, f.Shapes())
			}
		}
	}
}
