package triage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStripToneNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"wo3 de ka3 mi4 hai2 mei2 dao4", "wo de ka mi hai mei dao"},
		{"Tui4 kuan3 shen1 qing3 le", "Tui kuan shen qing le"},
		{"lü4 shi1 han2", "lü shi han"},
		// two tone words are not enough: product names keep their digits
		{"my ps5 and win7 keys", "my ps5 and win7 keys"},
		{"ka3 mi4 fails", "ka3 mi4 fails"},
		// a non-syllable with a digit keeps it; order numbers and keys are untouched
		{"wo3 mai3 de ka3 order KD20261203 key AB3K-9XQ2 box1", "wo mai de ka order KD20261203 key AB3K-9XQ2 box1"},
		{"no digits at all", "no digits at all"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, stripToneNumbers(tt.in), tt.in)
	}
}

// Pinyin with tone numbers reads as the same pinyin without them: the same features, the
// same intent and urgency.
func TestToneNumberedPinyinReadsAsPinyin(t *testing.T) {
	for _, tt := range []struct{ toned, plain string }{
		{"wo3 de ma3 hai2 mei2 dao4 ji2 yong4 jin1 wan3 yao4 chong1 zhi2", "wo de ma hai mei dao ji yong jin wan yao chong zhi"},
		{"ka3 mi4 yong4 bu4 liao3, ti2 shi4 dui4 huan4 ma3 cuo4 wu4", "ka mi yong bu liao, ti shi dui huan ma cuo wu"},
		{"tui4 kuan3 shen1 qing3 le, qing3 chu3 li3", "tui kuan shen qing le, qing chu li"},
	} {
		assert.Equal(t, features(tt.plain), features(tt.toned), tt.toned)
		a, b := Classify("", "", tt.toned), Classify("", "", tt.plain)
		assert.Equal(t, b.Inferred, a.Inferred, tt.toned)
		assert.Equal(t, b.Hurry, a.Hurry, tt.toned)
	}
}
