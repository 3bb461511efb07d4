package triage

import (
	_ "embed" // the development sets are read by a test
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

//go:embed testdata/dev_tmodel.tsv
var devTSV string

//go:embed testdata/dev_tmodel2.tsv
var dev2TSV string

//go:embed testdata/dev_tmodel3.tsv
var dev3TSV string

//go:embed testdata/dev_tmodel4.tsv
var dev4TSV string

//go:embed testdata/dev_tmodel5.tsv
var dev5TSV string

//go:embed testdata/dev_tmodel6.tsv
var dev6TSV string

//go:embed testdata/dev_tmodel7.tsv
var dev7TSV string

//go:embed testdata/dev_tmodel8.tsv
var dev8TSV string

//go:embed testdata/dev_tmodel9.tsv
var dev9TSV string

//go:embed testdata/dev_tmodel10.tsv
var dev10TSV string

//go:embed testdata/dev_tmodel11.tsv
var dev11TSV string

//go:embed testdata/dev_tmodel12.tsv
var dev12TSV string

//go:embed testdata/dev_tmodel13.tsv
var dev13TSV string

//go:embed testdata/dev_tmodel14.tsv
var dev14TSV string

//go:embed testdata/dev_tmodel15.tsv
var dev15TSV string

func TestKeptFeatures(t *testing.T) {
	feats := make([]int32, 2000)
	for i := range feats {
		feats[i] = int32(i)
	}
	d := trainDoc{feats: feats, id: "x"}
	tests := []struct {
		name     string
		doc      trainDoc
		dropout  float64
		min, max int
	}{
		{"no dropout keeps all", d, 0, 2000, 2000},
		{"0.3 drops about 30%", d, 0.3, 1330, 1470},
		{"0.9 drops about 90%", d, 0.9, 150, 250},
		{"a single feature is never dropped", trainDoc{feats: []int32{7}, id: "y"}, 0.99, 1, 1},
		{"never all of them", trainDoc{feats: []int32{1, 2}, id: "z"}, 0.999999, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := keptFeatures(tt.doc, 3, tt.dropout)
			assert.GreaterOrEqual(t, len(k), tt.min)
			assert.LessOrEqual(t, len(k), tt.max)
			assert.Equal(t, k, keptFeatures(tt.doc, 3, tt.dropout), "deterministic")
		})
	}
	// Another epoch or another example drops other features.
	assert.NotEqual(t, keptFeatures(d, 3, 0.3), keptFeatures(d, 4, 0.3))
	assert.NotEqual(t, keptFeatures(d, 3, 0.3), keptFeatures(trainDoc{feats: feats, id: "w"}, 3, 0.3))
}

// Dropout changes the trained weights but keeps training deterministic.
func TestTrainWithDropout(t *testing.T) {
	tune, _, err := Split()
	require.NoError(t, err)
	sub := tune[:300]
	o := DefaultTrainOptions
	o.Dropout = 0
	plain, err := Train(sub, o).MarshalBinary()
	require.NoError(t, err)
	o.Dropout = 0.3
	a, err := Train(sub, o).MarshalBinary()
	require.NoError(t, err)
	b, err := Train(sub, o).MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, a, b)
	assert.NotEqual(t, plain, a)
}

// The development sets the model settings are chosen on parse, cover every intent, are
// never part of the corpus (so they are never trained on); the sets from dev3 on share no
// message with the sets before them.
func TestDevSetIsApartFromTheCorpus(t *testing.T) {
	all, err := Corpus()
	require.NoError(t, err)
	inCorpus := map[string]bool{}
	for _, e := range all {
		inCorpus[normalize(e.Text)] = true
	}
	// A message in two development sets would be counted twice in their sum. dev2 repeats
	// two short lines of dev (written before this check), so only the sets from dev3 on are held to it.
	inDev := map[string]string{}
	for _, set := range []struct {
		name, tsv string
		min       int
		apart     bool
	}{{"dev", devTSV, 240, true}, {"dev2", dev2TSV, 280, false}, {"dev3", dev3TSV, 300, true}, {"dev4", dev4TSV, 290, true}, {"dev5", dev5TSV, 230, true},
		{"dev6", dev6TSV, 230, true}, {"dev7", dev7TSV, 170, true},
		{"dev8", dev8TSV, 170, true}, {"dev9", dev9TSV, 170, true},
		{"dev10", dev10TSV, 170, true}, {"dev11", dev11TSV, 230, true},
		{"dev12", dev12TSV, 230, true}, {"dev13", dev13TSV, 230, true},
		{"dev14", dev14TSV, 230, true}, {"dev15", dev15TSV, 230, true}} {
		t.Run(set.name, func(t *testing.T) {
			dev, err := ParseLabelledTSV(set.name, set.tsv)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(dev), set.min)
			counts := map[Category]int{}
			for _, e := range dev {
				counts[e.Intent]++
			}
			for _, c := range Categories() {
				assert.GreaterOrEqual(t, counts[c], 20, c)
			}
			for _, e := range dev {
				n := normalize(e.Text)
				assert.False(t, inCorpus[n], "%s message in the corpus: %s", set.name, e.Text)
				if other, ok := inDev[n]; ok && other != set.name && set.apart {
					t.Errorf("%s message also in %s: %s", set.name, other, e.Text)
				}
			}
			for _, e := range dev {
				inDev[normalize(e.Text)] = set.name
			}
		})
	}
}

// An ensemble's weights are the mean of its members', each member fitted with its own
// dropout masks and example order; one member is the single model.
func TestTrainMembersAverageTheirWeights(t *testing.T) {
	tune, _, err := Split()
	require.NoError(t, err)
	sub := tune[:300]
	o := DefaultTrainOptions
	member := func(i int) *Model {
		m := &Model{vocab: map[string]int32{}, bias: make([]float64, len(intents)), temp: 1}
		docs := m.buildVocab(sub)
		m.weights = make([]float64, len(m.vocab)*len(intents))
		m.fit(docs, o, i)
		return m
	}
	m0, m1, m2 := member(0), member(1), member(2)
	require.NotEqual(t, m0.weights, m1.weights, "members draw different masks")
	o.Members = 3
	ens := Train(sub, o)
	require.Len(t, ens.weights, len(m0.weights))
	for i := range ens.weights {
		require.InDelta(t, (m0.weights[i]+m1.weights[i]+m2.weights[i])/3, ens.weights[i], 1e-12, i)
	}
	for c := range ens.bias {
		require.InDelta(t, (m0.bias[c]+m1.bias[c]+m2.bias[c])/3, ens.bias[c], 1e-12, c)
	}
	o.Members = 1
	single := Train(sub, o)
	assert.Equal(t, m0.weights, single.weights)
}
