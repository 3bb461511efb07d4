package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keydesk/keydesk/triage"
)

// The texts -cvsave writes are the texts -cvon reads back, including texts with newlines and
// quotes, so CV on the former messages finds every one of them.
func TestSavedTextsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cv.jsonl")
	ex := []triage.Example{{Text: "订单号：\n5512093378 卡密呢"}, {Text: `key "invalid"`}, {Text: "refund"}}
	require.NoError(t, saveTexts(path, ex))
	got, err := loadTexts(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"订单号：\n5512093378 卡密呢": true, `key "invalid"`: true, "refund": true}, got)
	_, err = loadTexts(filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}

// The sums add right answers and messages over the sets (not their percentages), and the
// two-set line keeps the form earlier rounds were recorded in.
func TestSumLine(t *testing.T) {
	a := triage.Evaluation{Correct: 250, N: 264}
	b := triage.Evaluation{Correct: 290, N: 313}
	c := triage.Evaluation{Correct: 1, N: 3}
	assert.Equal(t, "dev+dev2  540/577 (93.6%)", sumLine("dev+dev2", a, b))
	assert.Equal(t, "dev+dev2+dev3 541/580 (93.3%)", sumLine("dev+dev2+dev3", a, b, c))
	assert.Equal(t, "none      0/0 (0.0%)", sumLine("none"))
}
