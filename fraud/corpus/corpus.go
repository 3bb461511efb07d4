// Package corpus is keydesk's labelled corpus of key-claim scenarios: each one a shop's
// history (orders, reveals, earlier claims and their outcomes, chargebacks, refunds), one
// new claim, and what a fraud analyst would decide about it (allow, review or deny) and
// why. The corpus is replayed through the real AssessKeyClaim activity over a real
// database (activities/fraudreplay) by a test and by `keydesk bench fraud`.
//
// The labels are an analyst's, written per pattern in the generator (gen_test.go), never
// read back from the scorer. A fixed rule splits the corpus into a tuning part (about 70%)
// and a held-out part (about 30%, see SplitOf); rules are tuned on the tuning part only and
// the held-out part is reported separately.
//
// The data lives in testdata/scenarios.json and is embedded in the binary, with twenty sets
// written by hand apart from the rules (testdata/independent*.json, LoadSet).
package corpus

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed testdata/scenarios.json
var scenariosJSON []byte

// independentFS holds the hand-written sets, testdata/<name>.json for every name in Sets
// after "corpus". Each was written by a writer who read only this file's format and the
// product's policy, never the rules, their reasons, the generated scenarios or the other
// sets: they measure the rules on cases their authors did not imagine. A set's tuning part
// may be read when changing a rule (except sets 7, 11, 13, 15, 17, 19 and 20, measurements only); its held-out
// part (SplitOf) is only reported. Who wrote each, and what its first reading measured:
//   - independent, independent2: the first writers; set 2 after 2026-12.3's first changes.
//   - independent3: Chinese 发卡网 shops, after five of 2026-12.3's six changes.
//   - independent4: European and US key shops; first reading on 2026-12.3.
//   - independent5: top-up and gift-card shops for Southeast Asia, CIS and Chinese buyers
//     (zh, en, ru, vi, id, th, ms); first reading on 2026-12.4.
//   - independent6: the risk lead of a mainland / Taiwan / Hong Kong shop (75% Chinese);
//     first reading on 2026-12.5.
//   - independent7: the customer-service lead of a mainland card shop (78% Chinese); read
//     once on 2026-12.6, never tuned on.
//   - independent8: a Western gift-card and licence-key marketplace (54% English, 20%
//     Chinese, 14% Spanish and Portuguese); first reading on 2026-12.6.
//   - independent9: the risk lead of a Chinese automatic card-delivery platform (62%
//     Chinese); first reading on 2026-12.7.
//   - independent10: a gift-card and top-up shop for South Asia and the Gulf (Hinglish,
//     Urdu and Bengali in Latin script, Arabic); first reading on 2026-12.8.
//   - independent11: a bilingual shop for overseas Chinese and local buyers in Malaysia,
//     Singapore, Australia, Canada and the US (46% Chinese); read once on 2026-12.9, never
//     tuned on.
//   - independent12: a former chargeback analyst running risk for a console and PC game-key
//     shop for mainland, Hong Kong and Taiwan buyers and expats (54% Chinese, 36% English);
//     first reading on 2026-12.9.
//   - independent13: the owner-operator of a licence-key and game-key shop for consumers and
//     offices in the UK, EU, US and India and Chinese-speaking buyers abroad (56% English,
//     36% Chinese); read once on 2026-12.10, never tuned on.
//   - independent14: the customer-service and risk lead of a Taobao / Xianyu virtual-goods
//     store with its own web shop (memberships, top-ups, point cards; 70% Chinese); first
//     reading on 2026-12.10.
//   - independent15: support and fraud review of a US gaming gift-card store (teenagers,
//     parents, Chinese families in North America; 64% English, 30% Chinese); read once on
//     2026-12.11, never tuned on.
//   - independent16: the e-commerce operations manager of a Chinese software-licence reseller
//     (its own shop and JD / Tmall stores; schools, small businesses, resellers; 66% Chinese);
//     first reading on 2026-12.11.
//   - independent17: a trust-and-safety agent of a global game-key marketplace (50% English,
//     26% Chinese, 24% nine other languages); read once on 2026-12.12, never tuned on.
//   - independent18: the customer-care lead of a European key and gift-card shop (44%
//     English, 26% Chinese, 30% eight other European languages); first reading on 2026-12.12.
//   - independent19: a Chinese shop's after-sales lead of ten years (58% Chinese, 31%
//     English, Japanese and Korean); read once on 2026-12.13, never tuned on.
//   - independent20: the fraud and after-sales supervisor of an automatic card-key shop
//     (60% Chinese, 30% English); read once on 2026-12.14, never tuned on.
//   - independent21: the risk-control engineer of a Chinese 发卡网 platform hosting hundreds of
//     small merchants (top-up codes, game CDKs, video and cloud-drive memberships; 75% Chinese);
//     first reading on 2026-12.14 (the clean estimate for it), then tuned on.
//   - independent22: the trust-and-safety lead of a Singapore gift-card and game-key shop
//     selling across Southeast Asia, Hong Kong, Taiwan and Australia (English 50%, Chinese,
//     Malay, Thai, Vietnamese, Indonesian). Planned as measurement only, read once on
//     2026-12.14 (its whole-set reading is the clean estimate), then its tuning part was used
//     because that reading was the lowest in many sets; its held-out part is never read line
//     by line.
//   - independent23: the after-sales and risk supervisor of a Hangzhou card-key shop for
//     mainland and overseas Chinese buyers (65% Chinese, 25% English, 10% Japanese or Korean);
//     read once on 2026-12.15, never tuned on.
//
//go:embed testdata/independent*.json
var independentFS embed.FS

// Labels (Scenario.Expected) and decisions.
const (
	Allow  = "allow"
	Review = "review"
	Deny   = "deny"
)

// Splits.
const (
	Tune    = "tune"
	HeldOut = "heldout"
)

// Event kinds.
const (
	EventOrder      = "order"
	EventReveal     = "reveal"
	EventClaim      = "claim"
	EventChargeback = "chargeback"
	EventRefund     = "refund"
)

// Outcomes of an earlier claim (Event.Outcome).
const (
	OutcomeReissued = "reissued" // a replacement key was delivered (automatically or approved)
	OutcomeDenied   = "denied"   // a risk agent denied it
	OutcomeOpen     = "open"     // nothing decided yet
)

// Scenario is one labelled case.
type Scenario struct {
	// ID is "<archetype>-<nnn>"; nnn decides the split (SplitOf).
	ID        string `json:"id"`
	Archetype string `json:"archetype"`
	Split     string `json:"split"`
	// Expected is the analyst's decision (allow, review, deny); Why says why, in words.
	Expected string `json:"expected"`
	Why      string `json:"why"`
	// Product is the product every order of the scenario buys.
	Product Product `json:"product"`
	// Background is how many ordinary orders other buyers placed in the last 90 days
	// (the merchant's norm for value signals).
	Background int `json:"background"`
	// BackgroundAmount is the amount of each background order (0: the product's price).
	BackgroundAmount int64 `json:"background_amount,omitempty"`
	// Settings is the merchant's settings document (JSON), empty for the defaults.
	Settings json.RawMessage `json:"settings,omitempty"`
	// Events is the history, oldest first; Claim is the claim to decide.
	Events []Event `json:"events"`
	Claim  Event   `json:"claim"`
}

// Product is the scenario's product.
type Product struct {
	Price  int64 `json:"price"` // minor units
	Shared bool  `json:"shared,omitempty"`
}

// Event is one thing that happened, AtH hours relative to the claim (negative: before).
type Event struct {
	AtH  float64 `json:"at_h"`
	Kind string  `json:"kind"`
	// Order names the order (scenario-local label) the event is about.
	Order string `json:"order"`
	// Who made it: e-mail, IP, first-party device id ("" unknown).
	Email  string `json:"email,omitempty"`
	IP     string `json:"ip,omitempty"`
	Device string `json:"device,omitempty"`
	// Order: amount (minor units; 0 = the product's price x qty), quantity and the key
	// batch its key came from ("A" when empty).
	Amount int64  `json:"amount,omitempty"`
	Qty    int    `json:"qty,omitempty"`
	Batch  string `json:"batch,omitempty"`
	// Claim: category (key_invalid, key_missing), the buyer's words, and for an earlier
	// claim its outcome.
	Category string `json:"category,omitempty"`
	Text     string `json:"text,omitempty"`
	Outcome  string `json:"outcome,omitempty"`
}

// SplitOf is the fixed split rule: the scenario's number within its archetype (the digits
// after the last "-") modulo 10 in {1, 4, 7} is held out, everything else is for tuning.
// About 30% of every archetype is held out, and adding scenarios never moves old ones.
func SplitOf(id string) string {
	i := strings.LastIndexByte(id, '-')
	n, err := strconv.Atoi(id[i+1:])
	if i < 0 || err != nil {
		return HeldOut // malformed ids are never tuned on
	}
	switch n % 10 {
	case 1, 4, 7:
		return HeldOut
	}
	return Tune
}

// Load returns the embedded scenarios, checked: known labels and kinds, unique ids, the
// split matching SplitOf.
func Load() ([]Scenario, error) {
	return Parse(scenariosJSON)
}

// Sets names the embedded sets LoadSet knows, in the order benchmarks print them.
var Sets = []string{"corpus", "independent", "independent2", "independent3", "independent4", "independent5", "independent6", "independent7", "independent8", "independent9", "independent10", "independent11", "independent12", "independent13", "independent14", "independent15", "independent16", "independent17", "independent18", "independent19", "independent20", "independent21", "independent22", "independent23"}

// LoadSet returns an embedded set by name (see Sets), checked like Load's.
func LoadSet(name string) ([]Scenario, error) {
	if name == "corpus" {
		return Load()
	}
	if slices.Contains(Sets[1:], name) {
		data, err := fs.ReadFile(independentFS, "testdata/"+name+".json")
		if err != nil {
			return nil, fmt.Errorf("corpus: set %s: %w", name, err)
		}
		return Parse(data)
	}
	return nil, fmt.Errorf("corpus: no set %q (known: %s)", name, strings.Join(Sets, ", "))
}

// Parse decodes and checks a corpus document (see Load).
func Parse(data []byte) ([]Scenario, error) {
	var out []Scenario
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("corpus: decode: %w", err)
	}
	seen := map[string]bool{}
	for _, s := range out {
		switch {
		case seen[s.ID]:
			return nil, fmt.Errorf("corpus: duplicate id %s", s.ID)
		case s.Expected != Allow && s.Expected != Review && s.Expected != Deny:
			return nil, fmt.Errorf("corpus: %s: unknown label %q", s.ID, s.Expected)
		case s.Split != SplitOf(s.ID):
			return nil, fmt.Errorf("corpus: %s: split %q, the rule says %q", s.ID, s.Split, SplitOf(s.ID))
		case s.Why == "":
			return nil, fmt.Errorf("corpus: %s: no reason for the label", s.ID)
		case s.Claim.Kind != EventClaim || s.Claim.Order == "":
			return nil, fmt.Errorf("corpus: %s: the claim must be a claim event on an order", s.ID)
		}
		seen[s.ID] = true
		for _, e := range s.Events {
			switch e.Kind {
			case EventOrder, EventReveal, EventClaim, EventChargeback, EventRefund:
			default:
				return nil, fmt.Errorf("corpus: %s: unknown event kind %q", s.ID, e.Kind)
			}
		}
	}
	return out, nil
}

// Outcome is what the product did with one scenario's claim.
type Outcome struct {
	Scenario *Scenario
	// Decision is the assessment's decision; GotKey whether a replacement was delivered.
	Decision string
	GotKey   bool
	Score    int
	Rules    []string
	// Latency is the time from the claim to its decision (assessment, and the reissue
	// when allowed).
	Latency time.Duration
}

// Matrix is a confusion matrix: Counts[expected][decided].
type Matrix struct {
	Counts map[string]map[string]int
	// Fraud: expected deny; FraudKey: of those, got a key. Abnormal: expected review or
	// deny; Held: of those, decided review or deny. Honest: expected allow; HonestAuto: of
	// those, got a key automatically; HonestDenied: of those, denied.
	Fraud, FraudKey, Abnormal, Held, Honest, HonestAuto, HonestDenied, Total, Exact int
}

// Tally builds the confusion matrix of the outcomes.
func Tally(outs []Outcome) Matrix {
	m := Matrix{Counts: map[string]map[string]int{}}
	for _, l := range []string{Allow, Review, Deny} {
		m.Counts[l] = map[string]int{}
	}
	for _, o := range outs {
		exp := o.Scenario.Expected
		m.Counts[exp][o.Decision]++
		m.Total++
		if exp == o.Decision {
			m.Exact++
		}
		switch exp {
		case Deny:
			m.Fraud++
			if o.GotKey {
				m.FraudKey++
			}
		case Allow:
			m.Honest++
			if o.GotKey {
				m.HonestAuto++
			}
			if o.Decision == Deny {
				m.HonestDenied++
			}
		}
		if exp != Allow {
			m.Abnormal++
			if o.Decision == Review || o.Decision == Deny {
				m.Held++
			}
		}
	}
	return m
}

// Rate is n/d (0 when d is 0).
func Rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// String prints the matrix and the three rates.
func (m Matrix) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %7s %7s %7s\n", "expected \\ got", Allow, Review, Deny)
	for _, e := range []string{Allow, Review, Deny} {
		fmt.Fprintf(&b, "%-16s %7d %7d %7d\n", e, m.Counts[e][Allow], m.Counts[e][Review], m.Counts[e][Deny])
	}
	fmt.Fprintf(&b, "known fraud gets a key:   %3d / %3d = %5.1f%%\n", m.FraudKey, m.Fraud, 100*Rate(m.FraudKey, m.Fraud))
	fmt.Fprintf(&b, "abnormal claims held:     %3d / %3d = %5.1f%%\n", m.Held, m.Abnormal, 100*Rate(m.Held, m.Abnormal))
	fmt.Fprintf(&b, "honest auto-resolved:     %3d / %3d = %5.1f%% (denied: %d)\n", m.HonestAuto, m.Honest, 100*Rate(m.HonestAuto, m.Honest), m.HonestDenied)
	fmt.Fprintf(&b, "exact label:              %3d / %3d = %5.1f%%\n", m.Exact, m.Total, 100*Rate(m.Exact, m.Total))
	return b.String()
}

// Issue 12's targets for the corpus (benchmark figures; the replay tests assert them on the
// tuning split only, so the held-out split stays unseen).
const (
	MaxFraudKeyRate       = 0.02 // known fraud gets a key
	MinAbnormalHeld       = 0.92 // abnormal claims held (review or deny)
	MinHonestAutoResolved = 0.90 // honest claims resolved automatically (and none denied)
)

// TargetMisses lists, in words, the targets m misses (none: all met).
func TargetMisses(m Matrix) []string {
	var out []string
	if r := Rate(m.FraudKey, m.Fraud); r > MaxFraudKeyRate {
		out = append(out, fmt.Sprintf("known fraud got a key in %.1f%% of cases, target <= %.0f%%", 100*r, 100*MaxFraudKeyRate))
	}
	if r := Rate(m.Held, m.Abnormal); r < MinAbnormalHeld {
		out = append(out, fmt.Sprintf("%.1f%% of abnormal claims held, target >= %.0f%%", 100*r, 100*MinAbnormalHeld))
	}
	if r := Rate(m.HonestAuto, m.Honest); r < MinHonestAutoResolved {
		out = append(out, fmt.Sprintf("%.1f%% of honest claims resolved automatically, target >= %.0f%%", 100*r, 100*MinHonestAutoResolved))
	}
	if m.HonestDenied > 0 {
		out = append(out, fmt.Sprintf("%d honest claims denied, target 0", m.HonestDenied))
	}
	return out
}

// Disagreements lists the outcomes decided otherwise than their label, one line each with
// the rules that fired, sorted.
func Disagreements(outs []Outcome) []string {
	var out []string
	for _, o := range outs {
		if o.Decision != o.Scenario.Expected {
			out = append(out, o.Scenario.ID+": want "+o.Scenario.Expected+", got "+o.Decision+" ("+strings.Join(o.Rules, " ")+")")
		}
	}
	sort.Strings(out)
	return out
}
