package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keydesk/keydesk/triage"
)

// Round lines are read as gencorpus.py reads corpus_hand.txt: markup stripped, one group per
// line numbered by its place in the file, comments and blank lines skipped but counted.
func TestParseHandLines(t *testing.T) {
	got, err := parseHandLines("# -- refund: a theme\nrefund|h|m|退款 order [[o:KD20261201]] now!!\r\n\nother|n|p|xie xie [[e:a@b.io]]\n", 101)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, triage.Example{ID: "h:0102", Group: "h:0102", Lang: "mixed", Text: "退款 order KD20261201 now!!",
		Intent: triage.Refund, Urgency: "high"}, got[0])
	assert.Equal(t, triage.Example{ID: "h:0104", Group: "h:0104", Lang: "zh", Pinyin: true, Text: "xie xie a@b.io",
		Intent: triage.Other, Urgency: "normal"}, got[1])
	for _, bad := range []string{"refund|h|z", "refnd|h|z|text", "refund|x|z|text", "refund|h|q|text"} {
		_, err := parseHandLines(bad, 1)
		assert.Error(t, err, bad)
	}
}

// The lines whose group falls in the held-out split stay out of the tuning split, as they
// would after gencorpus.py, and the messages before the round are kept as they are.
func TestRoundTune(t *testing.T) {
	tune := []triage.Example{{ID: "x", Group: "x", Text: "a", Intent: triage.Other}}
	var round string
	for range 40 {
		round += "other|n|e|thanks a lot\n"
	}
	got, n, err := roundTune(tune, 5000, round)
	require.NoError(t, err)
	assert.Equal(t, tune[0], got[0])
	assert.Equal(t, n, len(got)-1)
	held := 0
	for i := range 40 {
		g := fmt.Sprintf("h:%04d", 5002+i)
		if triage.HeldOut(g) {
			held++
		}
	}
	assert.Positive(t, held, "some of 40 groups fall in the held-out split")
	assert.Equal(t, 40-held, n)
	for _, e := range got[1:] {
		assert.False(t, triage.HeldOut(e.Group), e.Group)
	}
}

func TestVerdict(t *testing.T) {
	base := reading{"all dev": 1000, "cv-orig": 5000}
	for _, tt := range []struct {
		dev, cv int
		in      bool
	}{{1001, 5000, true}, {1010, 4985, true}, {1010, 4984, false}, {1000, 5100, false}, {999, 5050, false}} {
		in, why := verdict(base, reading{"all dev": tt.dev, "cv-orig": tt.cv})
		assert.Equal(t, tt.in, in, why)
	}
}
