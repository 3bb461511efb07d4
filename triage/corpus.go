package triage

import (
	"bufio"
	"bytes"
	_ "embed" // the labelled corpus is embedded
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sync"
)

// corpusJSONL is the project's labelled corpus of buyer messages (testdata/corpus.jsonl,
// written by testdata/gencorpus.py from testdata/corpus_hand.txt and its templates).
//
//go:embed testdata/corpus.jsonl
var corpusJSONL []byte

// Example is one labelled buyer message of the corpus.
type Example struct {
	// ID is unique in the corpus; Group is the template (or hand-written line) it comes
	// from. The split is decided per group, see HeldOut.
	ID    string `json:"id"`
	Group string `json:"group"`
	// Lang is "zh", "en" or "mixed"; Pinyin marks Chinese written in pinyin.
	Lang   string   `json:"lang"`
	Pinyin bool     `json:"pinyin"`
	Text   string   `json:"text"`
	Intent Category `json:"intent"`
	// Urgency is "high" when the buyer signals urgency (repeated question marks, 急,
	// deadlines, threats, platform complaints), else "normal".
	Urgency  string         `json:"urgency"`
	Entities LabelledEntity `json:"entities"`
}

// LabelledEntity lists the entities a corpus message holds.
type LabelledEntity struct {
	OrderNumbers []string `json:"order_numbers"`
	KeyFragments []string `json:"key_fragments"`
	Emails       []string `json:"emails"`
}

// heldOutPercent is the share of groups kept out of training and tuning.
const heldOutPercent = 28

// HeldOut reports whether a corpus group belongs to the held-out split: FNV-1a (32 bit) of
// the group name, modulo 100, below 28. The rule is fixed; the model is trained and its
// thresholds chosen on the other groups only. Because the split is per group (template or
// hand-written line), no held-out phrasing is seen while training.
func HeldOut(group string) bool {
	h := fnv.New32a()
	_, _ = h.Write([]byte(group))
	return h.Sum32()%100 < heldOutPercent
}

var (
	corpusOnce sync.Once
	corpus     []Example
	errCorpus  error
)

// Corpus returns the embedded labelled corpus (a fresh copy of the slice).
func Corpus() ([]Example, error) {
	corpusOnce.Do(func() { corpus, errCorpus = parseCorpus(corpusJSONL) })
	return append([]Example(nil), corpus...), errCorpus
}

// Split returns the corpus's tuning and held-out examples.
func Split() (tune, heldOut []Example, err error) {
	all, err := Corpus()
	if err != nil {
		return nil, nil, err
	}
	for _, e := range all {
		if HeldOut(e.Group) {
			heldOut = append(heldOut, e)
		} else {
			tune = append(tune, e)
		}
	}
	return tune, heldOut, nil
}

func parseCorpus(b []byte) ([]Example, error) {
	var out []Example
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e Example
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("triage corpus line %d: %w", n, err)
		}
		if !e.Intent.Valid() {
			return nil, fmt.Errorf("triage corpus line %d: invalid intent %q", n, e.Intent)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("triage corpus: %w", err)
	}
	return out, nil
}
