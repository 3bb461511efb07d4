package triage

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaskKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"AB12-CD34-EF56-GH9Z", "AB**-****-****-**9Z"},
		{"ABCDE-FGHIJ-KLMNO", "AB***-*****-***NO"},
		{"1234 5678 9012 3456", "12** **** **** **56"},
		{"AbC123xyz789Tok", "Ab***********ok"},
		{"ABCD1234", "AB****34"}, // 8 characters: the shortest kept at the ends
		{"ABC-1234", "***-****"}, // 7 characters: fully masked, separator kept
		{"ABCD", "****"},
		{"", ""},
		{"--", "--"},
		{"卡密一二三四五六七八", "卡密******七八"}, // letters of any script count
		{"AB**-****-****-**9Z", "AB**-****-****-**9Z"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := MaskKey(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, len([]rune(tt.in)), len([]rune(got)), "length and separators are kept")
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"grouped key", "my key AB12-CD34-EF56-GH9Z fails", "my key AB**-****-****-**9Z fails"},
		{"steam key all letters", "code ABCDE-FGHIJ-KLMNO", "code AB***-*****-***NO"},
		{"xbox key", "KX7P2-M9QRT-4HZ8W-N3CVB-Y6FJD", "KX***-*****-*****-*****-***JD"},
		{"numeric gift card", "card 1234-5678-9012-3456.", "card 12**-****-****-**56."},
		{"marketplace dated order is not a key", "拼单 201203-123456789012345 没到", "拼单 201203-123456789012345 没到"},
		{"other uneven numeric groups stay masked", "card 123456-1234567890123456", "card 12****-**************56"},
		{"spaced gift card", "card 1234 5678 9012 3456 thanks", "card 12** **** **** **56 thanks"},
		{"two long groups", "ABCD1234-EFGH5678", "AB******-******78"},
		{"long run", "token=AbC123xyz789Tok&x=1", "token=Ab***********ok&x=1"},
		{"lowercase hex", "id 3f2a9c0d1e4b5a69", "id 3f************69"},
		{"key in chinese text", "卡密AB12CD34EF56GH78不能用", "卡密AB************78不能用"},
		{"key after short prefix", "ID-ABCD-1234-EFGH-5678-ok", "ID-AB**-****-****-**78-ok"},
		{"email", "mail bob.smith@example.com now", "mail b***@example.com now"},
		{"email with plus", "x+tag@mail.example.co.uk", "x***@mail.example.co.uk"},
		{"two keys", "A: AB12-CD34-EF56, B: ZZ99-YY88-XX77", "A: AB**-****-**56, B: ZZ**-****-**77"},
		{"a key shape labelled the order is still hidden", "order QX7M-21TT-8804 missing", "order QX**-****-**04 missing"},

		// Kept.
		{"order number", "order ORD-2026-000123 please", "order ORD-2026-000123 please"},
		{"order number no dash", "order KD20261103001", "order KD20261103001"},
		{"order number lowercase", "order ord-2026-000123", "order ord-2026-000123"},
		{"order number shop prefix", "SHOP-2026-000123", "SHOP-2026-000123"},
		{"normal words", "The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog."},
		{"hyphenated words", "state-of-the-art, well-known, iPhone-15-Pro-Max", "state-of-the-art, well-known, iPhone-15-Pro-Max"},
		{"date and time", "on 2026-11-03 at 14:05", "on 2026-11-03 at 14:05"},
		{"phone", "call 138-0013-8000 or +86 138 0013 8000", "call 138-0013-8000 or +86 138 0013 8000"},
		{"long numeric order id", "订单号 202611031405001234", "订单号 202611031405001234"},
		{"long word", "Supercalifragilistic", "Supercalifragilistic"},
		{"short alnum", "PS5 and XBOX1 and 2FA", "PS5 and XBOX1 and 2FA"},
		{"sentence of 4-letter words", "have been with this shop 2026", "have been with this shop 2026"},
		{"empty", "", ""},
		{"chinese only", "卡密不能用，请退款", "卡密不能用，请退款"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Mask(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, got, Mask(got), "idempotent")
		})
	}
}

func TestMaskSecrets(t *testing.T) {
	// A key shaped like an order number, and one written without separators.
	got := MaskSecrets("key ABCD-12345678 and ab12cd34ef56 and AB12-CD34-EF56", "ABCD-12345678", "AB12-CD34-EF56", "x")
	assert.Equal(t, "key AB**-******78 and AB********56 and AB**-****-**56", got)
	assert.Equal(t, "ABCD-12345678", Mask("ABCD-12345678"), "Mask alone keeps order-number shapes")
	assert.Equal(t, "a short word", MaskSecrets("a short word", "a", "or", ""), "tiny secrets are ignored")
	assert.Equal(t, "mail b***@example.com", MaskSecrets("mail bob@example.com"))
}

func TestExtractEntities(t *testing.T) {
	e := ExtractEntities("orders ORD-2026-000123, ORD-2026-000123 and KD20261103001; keys AB12-CD34-EF56-GH9Z " +
		"AB12-CD34-EF56-GH9Z 1234 5678 9012 3456; mail a@b.io, A@B.io")
	assert.Equal(t, []string{"ORD-2026-000123", "KD20261103001"}, e.OrderNumbers)
	assert.Equal(t, []string{"AB12-CD34-EF56-GH9Z", "1234 5678 9012 3456"}, e.CardKeys)
	assert.Equal(t, []string{"a@b.io"}, e.Emails)

	empty := ExtractEntities("")
	assert.NotNil(t, empty.OrderNumbers)
	assert.NotNil(t, empty.Emails)
	assert.NotNil(t, empty.CardKeys)
	assert.Empty(t, empty.CardKeys)
}

func TestOrderNumberShape(t *testing.T) {
	for _, s := range []string{"ORD-2026-000123", "ORD2026000123", "KD20261103001", "AB-1234", "SHOP-12345", "abcde-1234-56"} {
		assert.True(t, isOrderNumber(s), s)
	}
	for _, s := range []string{"A-1234", "ABCDEF-1234", "ORD-123", "ORD-2026-000123-1", "ORD-2026-ABC", "1234-5678", "AB12-CD34"} {
		assert.False(t, isOrderNumber(s), s)
	}
}

// --- property tests ---

const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

// randomKey generates card keys in the shapes shops sell. Every key has a letter or digit
// mix that cannot be read as an order number.
func randomKey(r *rand.Rand) string {
	pick := func(set string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[r.IntN(len(set))]
		}
		return string(b)
	}
	const letters, digits = "ABCDEFGHJKLMNPQRSTUVWXYZ", "0123456789"
	switch r.IntN(6) {
	case 0: // XXXX-XXXX-XXXX-XXXX with at least one digit
		g := make([]string, 3+r.IntN(3))
		for i := range g {
			g[i] = pick(alnum, 4)
		}
		g[0] = pick(alnum, 3) + pick(digits, 1) // a digit in the first group: never an order number
		return strings.Join(g, "-")
	case 1: // XXXXX-XXXXX-XXXXX, letters only
		g := make([]string, 3+r.IntN(3))
		for i := range g {
			g[i] = pick(letters, 5)
		}
		return strings.Join(g, "-")
	case 2: // numeric gift card, hyphenated or spaced
		g := make([]string, 4)
		for i := range g {
			g[i] = pick(digits, 4)
		}
		return strings.Join(g, []string{"-", " "}[r.IntN(2)])
	case 3: // long run with letters and digits, lower or upper case
		k := pick(letters, 1) + pick(digits, 1) + pick(alnum, 10+r.IntN(14)) + pick(letters, 1)
		if r.IntN(2) == 0 {
			k = strings.ToLower(k)
		}
		return k
	case 4: // two long groups
		return pick(letters, 2) + pick(alnum, 6) + "-" + pick(alnum, 6) + pick(digits, 1) + pick(letters, 1)
	default: // PSN-style 4-4-4 with a letter in the last group
		return pick(alnum, 4) + "-" + pick(digits, 4) + "-" + pick(alnum, 3) + pick(letters, 1)
	}
}

var fillers = []string{
	"my key", "doesn't work", "order ORD-2026-000123", "卡密", "不能用", "请退款", "mail me at bob@example.com",
	"thanks", "!!!", "2026-11-03", "KD20261103001", "ID", "ok", "(", ")", ":", "，", "key=", "\n", "  ",
}

func randomText(r *rand.Rand, keys []string) string {
	var parts []string
	for range r.IntN(6) {
		parts = append(parts, fillers[r.IntN(len(fillers))])
	}
	for _, k := range keys {
		parts = append(parts, k)
		for range r.IntN(3) {
			parts = append(parts, fillers[r.IntN(len(fillers))])
		}
	}
	seps := []string{" ", ", ", "\n", "：", " - ", "。"}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(seps[r.IntN(len(seps))])
		}
		b.WriteString(p)
	}
	return b.String()
}

func TestPropertyMaskHidesGeneratedKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(20261103, 1))
	for i := range 5000 {
		keys := make([]string, 1+r.IntN(3))
		for k := range keys {
			keys[k] = randomKey(r)
		}
		text := randomText(r, keys)
		masked := Mask(text)
		ctx := fmt.Sprintf("run %d: %q -> %q", i, text, masked)
		for _, k := range keys {
			require.NotContains(t, masked, k, ctx)
			// Not even the middle of the key survives.
			compact := strings.NewReplacer("-", "", " ", "").Replace(k)
			require.NotContains(t, strings.NewReplacer("-", "", " ", "").Replace(masked), compact[2:len(compact)-2], ctx)
			if !strings.Contains(k, " ") { // adjacent spaced keys merge into one span
				require.Contains(t, masked, MaskKey(k), ctx)
			}
		}
		require.Equal(t, masked, Mask(masked), "not idempotent: %s", ctx)
		if strings.Contains(text, "ORD-2026-000123") {
			require.Contains(t, masked, "ORD-2026-000123", "order number lost: %s", ctx)
		}
		require.NotContains(t, masked, "bob@", ctx)
		e := ExtractEntities(text)
		for _, k := range keys {
			if !strings.Contains(k, " ") {
				require.Contains(t, e.CardKeys, k, ctx)
			}
		}
	}
}

func TestPropertyMaskIdempotentOnArbitraryText(t *testing.T) {
	r := rand.New(rand.NewPCG(20261103, 2))
	const chars = "AB9z0-- @.._卡*!\n" + alnum
	for i := range 20000 {
		b := make([]byte, r.IntN(60))
		for j := range b {
			b[j] = chars[r.IntN(len(chars))]
		}
		s := strings.ToValidUTF8(string(b), "?")
		once := Mask(s)
		require.Equal(t, once, Mask(once), "run %d: %q", i, s)
	}
}

func TestMaskChainedEmails(t *testing.T) {
	got := Mask("x 2A@3E.NZ@A.PV y")
	assert.Equal(t, "x 2***@3***@A.PV y", got)
	assert.Equal(t, got, Mask(got))
}

func TestPropertyMaskKeyIdempotent(t *testing.T) {
	r := rand.New(rand.NewPCG(20261103, 3))
	for range 2000 {
		k := randomKey(r)
		once := MaskKey(k)
		require.Equal(t, once, MaskKey(once), k)
		require.NotEqual(t, k, once, k)
	}
}

// FuzzMask checks idempotency on arbitrary input; the seeds run with every go test.
func FuzzMask(f *testing.F) {
	for _, s := range []string{
		"AB12-CD34-EF56 a@b.co 1234 5678 9012", "x 2A@3E.NZ@A.PV y", "ID-ABCD-1234-EFGH-5678-ok",
		"卡密AB12CD34EF56GH78不能用", "ORD-2026-000123", "AB**-****-****-**9Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Mask(s)
		if Mask(once) != once {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, Mask(once))
		}
	})
}
