package triage

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCorpusShape(t *testing.T) {
	all, err := Corpus()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(all), 600)
	ids := map[string]bool{}
	langs := map[string]int{}
	intents := map[Category]int{}
	for _, e := range all {
		assert.False(t, ids[e.ID], "duplicate id %s", e.ID)
		ids[e.ID] = true
		langs[e.Lang]++
		intents[e.Intent]++
		assert.Contains(t, []string{"zh", "en", "mixed"}, e.Lang, e.ID)
		assert.Contains(t, []string{"high", "normal"}, e.Urgency, e.ID)
		assert.NotEmpty(t, e.Text, e.ID)
		for _, o := range e.Entities.OrderNumbers {
			assert.Contains(t, e.Text, o, e.ID)
		}
		for _, k := range e.Entities.KeyFragments {
			assert.Contains(t, e.Text, k, e.ID)
		}
	}
	share := func(l string) float64 { return float64(langs[l]) / float64(len(all)) }
	assert.InDelta(t, 0.6, share("zh"), 0.07)
	assert.InDelta(t, 0.3, share("en"), 0.07)
	assert.InDelta(t, 0.1, share("mixed"), 0.05)
	for _, c := range Categories() {
		assert.GreaterOrEqual(t, intents[c], 60, c)
	}
}

func TestSplitIsFixedAndDisjoint(t *testing.T) {
	tune, held, err := Split()
	require.NoError(t, err)
	all, _ := Corpus()
	assert.Equal(t, len(all), len(tune)+len(held))
	ratio := float64(len(held)) / float64(len(all))
	assert.True(t, ratio >= 0.2 && ratio <= 0.35, "held-out share %.2f", ratio)
	tuneGroups := map[string]bool{}
	for _, e := range tune {
		tuneGroups[e.Group] = true
	}
	for _, e := range held {
		assert.False(t, tuneGroups[e.Group], "group %s in both splits", e.Group)
		assert.True(t, HeldOut(e.Group))
	}
	// The rule is a pure function of the group name.
	assert.Equal(t, HeldOut("h:0042"), HeldOut("h:0042"))
}
