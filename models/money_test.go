package models

import (
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"
)

func TestFormatMoney(t *testing.T) {
	cases := []struct {
		minor int64
		cur   string
		want  string
	}{
		{1000, "CNY", "¥10.00"},
		{1000, "cny", "¥10.00"},
		{5, "USD", "$0.05"},
		{0, "EUR", "€0.00"},
		{-1500, "CNY", "-¥15.00"},
		{1500, "JPY", "¥1500"},
		{1234, "XYZ", "12.34 XYZ"},
		{1234, "KWD", "1.234 KWD"},
		{99, "", "0.99"},
		{math.MinInt64, "USD", "-$92233720368547758.08"},
	}
	for _, c := range cases {
		if got := FormatMoney(c.minor, c.cur); got != c.want {
			t.Errorf("FormatMoney(%d, %q) = %q, want %q", c.minor, c.cur, got, c.want)
		}
	}
}

// TestFormatMoneyRoundTrips: the digits of the output, read back, are the minor units.
func TestFormatMoneyRoundTrips(t *testing.T) {
	r := rand.New(rand.NewSource(16))
	for i := 0; i < 2000; i++ {
		minor := r.Int63n(1e12) - 5e11
		for _, cur := range []string{"CNY", "JPY", "KWD", "ABC"} {
			s := FormatMoney(minor, cur)
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, s)
			back, err := strconv.ParseInt(digits, 10, 64)
			if strings.HasPrefix(s, "-") {
				back = -back
			}
			if err != nil || back != minor {
				t.Fatalf("%d %s -> %q -> %d", minor, cur, s, back)
			}
			if i := strings.IndexByte(s, '.'); (i >= 0) != (CurrencyDecimals(cur) > 0) {
				t.Fatalf("%q has the wrong decimals for %s", s, cur)
			}
		}
	}
}
