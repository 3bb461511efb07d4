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
