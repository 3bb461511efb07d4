package triage

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// OrderFormatsEvaluation compares order-number extraction on a labelled set (every
// example's Entities.OrderNumbers are all the order numbers of its text) from the text
// alone (ExtractEntities) with extraction in learned formats (ExtractOrderNumbers), with and
// without dropping unlabelled numbers that fit no learned format.
type OrderFormatsEvaluation struct {
	TextOnly, Learned, LearnedKeepUnmatched Score
	// Examples were read; WithFormats of them had learned formats (Known).
	Examples, WithFormats int
}

// EvaluateOrderFormats reads every example with the formats formatsOf gives it (for
// example, those of the example's shop, learned from the shop's orders).
func EvaluateOrderFormats(examples []Example, formatsOf func(Example) OrderFormats) OrderFormatsEvaluation {
	var ev OrderFormatsEvaluation
	for _, e := range examples {
		f := formatsOf(e)
		ev.Examples++
		if f.Known() {
			ev.WithFormats++
		}
		ev.TextOnly.sets(e.Entities.OrderNumbers, ExtractEntities(e.Text).OrderNumbers)
		ev.Learned.sets(e.Entities.OrderNumbers, ExtractOrderNumbers(e.Text, f))
		keep := f
		keep.keepUnmatched = true
		ev.LearnedKeepUnmatched.sets(e.Entities.OrderNumbers, ExtractOrderNumbers(e.Text, keep))
	}
	return ev
}

// EvaluateOrderFormatsLeaveOneOut is EvaluateOrderFormats for a set without shops (the
// corpus, a fresh set): each example is read with the formats learned from the labelled
// order numbers of the set's examples of other groups (Example.Group), so its own numbers,
// and those of its template, never teach the format they are read with. All of a set's
// numbers are pooled as if one shop had written them, which makes the formats broader (and
// the dropping of unmatched numbers rarer) than a real shop's.
func EvaluateOrderFormatsLeaveOneOut(examples []Example) OrderFormatsEvaluation {
	type numbered struct {
		group string
		nos   []string
	}
	var all []numbered
	for _, e := range examples {
		if len(e.Entities.OrderNumbers) > 0 {
			all = append(all, numbered{e.Group, e.Entities.OrderNumbers})
		}
	}
	cache := map[string]OrderFormats{}
	return EvaluateOrderFormats(examples, func(e Example) OrderFormats {
		if f, ok := cache[e.Group]; ok {
			return f
		}
		var sample []string
		for _, n := range all {
			if n.group != e.Group {
				sample = append(sample, n.nos...)
			}
		}
		f := LearnOrderFormats(sample)
		cache[e.Group] = f
		return f
	})
}

// ReadOrderFormatShops reads a file of shops' order-number samples and buyer messages
// (triage/testdata/orderformats_shops.tsv: '#' comments; "shop", name, comma-separated
// sample; "msg", shop, language, comma-separated order numbers of the text, text; fields
// separated by tabs). Each message becomes an Example whose Group is its shop.
func ReadOrderFormatShops(r io.Reader) (samples map[string][]string, msgs []Example, err error) {
	samples = map[string][]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "shop" && len(f) == 3:
			samples[f[1]] = strings.Split(f[2], ",")
		case f[0] == "msg" && len(f) == 5:
			if _, ok := samples[f[1]]; !ok {
				return nil, nil, fmt.Errorf("order format shops line %d: unknown shop %q", n, f[1])
			}
			e := Example{ID: fmt.Sprintf("ofs:%d", n), Group: f[1], Lang: f[2], Text: f[4], Intent: Other,
				Entities: LabelledEntity{OrderNumbers: []string{}}}
			if f[3] != "" {
				e.Entities.OrderNumbers = strings.Split(f[3], ",")
			}
			msgs = append(msgs, e)
		default:
			return nil, nil, fmt.Errorf("order format shops line %d: want shop (3 fields) or msg (5 fields)", n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read order format shops: %w", err)
	}
	return samples, msgs, nil
}
