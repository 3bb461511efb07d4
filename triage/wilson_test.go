package triage

import (
	"math"
	"testing"
)

// TestWilson95 checks the interval against values computed apart (Python, the same formula;
// 44/50 gives the textbook 76.2–94.4%).
func TestWilson95(t *testing.T) {
	cases := []struct {
		k, n   int
		lo, hi float64
	}{
		{44, 50, 0.7619, 0.9438},
		{50, 50, 0.9287, 1},
		{0, 10, 0, 0.2775},
		{287, 300, 0.9273, 0.9745},
		{0, 0, 0, 1},
	}
	for _, c := range cases {
		lo, hi := Wilson95(c.k, c.n)
		if math.Abs(lo-c.lo) > 5e-4 || math.Abs(hi-c.hi) > 5e-4 {
			t.Errorf("Wilson95(%d, %d) = %.4f–%.4f, want %.4f–%.4f", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

// TestWilson95Properties: the interval holds the measured rate, stays in [0, 1], and narrows
// as the same rate is read on more messages.
func TestWilson95Properties(t *testing.T) {
	for n := 1; n <= 400; n += 7 {
		for k := 0; k <= n; k += 1 + n/13 {
			lo, hi := Wilson95(k, n)
			p := float64(k) / float64(n)
			if lo < 0 || hi > 1 || lo > p+1e-12 || hi < p-1e-12 {
				t.Fatalf("Wilson95(%d, %d) = %v–%v does not hold %v within [0, 1]", k, n, lo, hi, p)
			}
			lo4, hi4 := Wilson95(4*k, 4*n)
			if hi4-lo4 >= hi-lo {
				t.Fatalf("Wilson95(%d, %d) width %v is not narrower than Wilson95(%d, %d) width %v", 4*k, 4*n, hi4-lo4, k, n, hi-lo)
			}
		}
	}
}
