package triage

import (
	"fmt"
	"strings"
	"testing"
)

// finalFreshSets are the fresh sets reserved for judging a finished change (--final).
var finalFreshSets = []func() ([]Example, error){FreshHeldOut4, FreshHeldOut5, FreshHeldOut6, FreshHeldOut7, FreshHeldOut8, FreshHeldOut9}

func TestFreshHeldOutSetsLoad(t *testing.T) {
	for i, load := range append([]func() ([]Example, error){FreshHeldOut2, FreshHeldOut3}, finalFreshSets...) {
		t.Run(fmt.Sprintf("fresh%d", i+2), func(t *testing.T) { checkFreshSet(t, load) })
	}
}

// TestFreshHeldOutFinalNotInCorpus keeps the final checks clean: no message of the fourth
// to ninth fresh set may be in the corpus (either split), compared case- and blank-insensitively.
// A failure names the set's IDs only, so that the test never shows its lines.
func TestFreshHeldOutFinalNotInCorpus(t *testing.T) {
	corpus, err := Corpus()
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool, len(corpus))
	for _, e := range corpus {
		seen[normText(e.Text)] = true
	}
	for _, load := range finalFreshSets {
		ex, err := load()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ex {
			if seen[normText(e.Text)] {
				t.Errorf("%s is also a corpus message: train on other lines, keep the final set unseen", e.ID)
			}
		}
	}
}

// normText lower-cases s and collapses its blanks.
func normText(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// checkFreshSet checks a fresh held-out set's size, intent and language coverage and order labels.
func checkFreshSet(t *testing.T, load func() ([]Example, error)) {
	t.Helper()
	ex, err := load()
	if err != nil {
		t.Fatal(err)
	}
	// 300 as written; a few lines equal to corpus messages may have been removed unread.
	if len(ex) < 290 {
		t.Fatalf("fresh held-out set has %d messages, want >= 290", len(ex))
	}
	perIntent := map[Category]int{}
	perLang := map[string]int{}
	withOrder := 0
	for _, e := range ex {
		perIntent[e.Intent]++
		perLang[e.Lang]++
		if len(e.Entities.OrderNumbers) > 0 {
			withOrder++
		}
	}
	for _, c := range Categories() {
		if perIntent[c] < 40 {
			t.Errorf("intent %s: %d messages, want >= 40", c, perIntent[c])
		}
	}
	for _, l := range []string{"zh", "en", "mixed"} {
		if perLang[l] == 0 {
			t.Errorf("no %s messages", l)
		}
	}
	if withOrder < 40 {
		t.Errorf("%d messages hold an order number, want >= 40", withOrder)
	}
}

func TestParseFresh(t *testing.T) {
	tests := []struct {
		name    string
		tsv     string
		orders  bool
		wantErr string
		want    []string // order numbers of the only example
	}{
		{name: "four fields", tsv: "# c\nrefund\ten\tnormal\trefund pls\n"},
		{name: "orders", tsv: "refund\tzh\thigh\t扣了两次 SO-1234567 和 SO-1234568\tSO-1234567, SO-1234568\n", orders: true,
			want: []string{"SO-1234567", "SO-1234568"}},
		{name: "no orders", tsv: "other\tpinyin\tnormal\tzai ma\t\n", orders: true},
		{name: "missing fifth field", tsv: "other\ten\tnormal\thi\n", orders: true, wantErr: "want 5"},
		{name: "order not in text", tsv: "other\ten\tnormal\thi\tSO-1\n", orders: true, wantErr: "not in the text"},
		{name: "bad intent", tsv: "nope\ten\tnormal\thi\n", wantErr: "bad labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, err := parseFresh("t", tt.tsv, tt.orders)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(ex) != 1 {
				t.Fatalf("got %d examples, err %v", len(ex), err)
			}
			if strings.Join(ex[0].Entities.OrderNumbers, ",") != strings.Join(tt.want, ",") {
				t.Errorf("orders = %v, want %v", ex[0].Entities.OrderNumbers, tt.want)
			}
		})
	}
}
