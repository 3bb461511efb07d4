package triage

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestReadChineseNumerals(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"七七八八一二零", "7788120", true},
		{"幺三八零零一二", "1380012", true},
		{"两千零二十六一二零一五五", "2026120155", true},
		{"二零二六一二零一", "20261201", true},
		{"十五", "15", true},
		{"三百", "300", true},
		{"两千零六", "2006", true},
		{"一百二十三四五", "12345", true},
		{"七七八八a", "", false},
		{"七十a", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := readChineseNumerals(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestNormalizeOrderNoReadsWrittenForms(t *testing.T) {
	for in, want := range map[string]string{
		"No.88124":           "88124",
		"NO.5520198":         "5520198",
		"n0.2201833":         "2201833",
		"#1043":              "1043",
		"20261201 1530 8812": "2026120115308812",
		"ｋｄ８８１２":             "KD8812",
		"七七八八一二零":            "7788120",
		"KD 88 1203":         "KD881203",
		"NO.":                "NO.",
		"NOVA-12345":         "NOVA-12345",
	} {
		assert.Equal(t, want, NormalizeOrderNo(in), in)
	}
}

// Every string of Chinese digits (no units) reads as the same number of ASCII digits.
func TestReadChineseDigitsProperty(t *testing.T) {
	digits := []rune("零一二三四五六七八九")
	for n := 1; n < 500; n++ {
		var in []rune
		want := ""
		for x := n * 7919; x > 0; x /= 10 {
			in = append([]rune{digits[x%10]}, in...)
			want = string(rune('0'+x%10)) + want
		}
		got, ok := readChineseNumerals(string(in))
		if !ok || got != want {
			t.Fatalf("%s: got %q %v, want %q", string(in), got, ok, want)
		}
	}
}
