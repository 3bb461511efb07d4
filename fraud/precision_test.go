package fraud

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRulePrecision(t *testing.T) {
	hit := func(rule string, pts int) Hit { return Hit{Rule: rule, Points: pts} }
	got := RulePrecision([]Label{
		{Denied: true, Hits: []Hit{hit("a", 20), hit("b", 10)}},
		{Denied: true, Hits: []Hit{hit("a", 20)}},
		{Denied: false, Hits: []Hit{hit("a", 20), hit("credit", -10)}},
		{Denied: false, Hits: []Hit{hit("credit", -10)}},
		{Denied: true, Hits: nil},
	})
	assert.Equal(t, []RuleStat{
		{Rule: "a", Fired: 3, Denied: 2, Approved: 1, Precision: 2.0 / 3},
		{Rule: "credit", Fired: 2, Approved: 2, Credit: true, Precision: 1},
		{Rule: "b", Fired: 1, Denied: 1, Precision: 1},
	}, got)
	assert.Empty(t, RulePrecision(nil))
}
