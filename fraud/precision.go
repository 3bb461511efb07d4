package fraud

import "sort"

// Label is a risk agent's decision on one assessed claim, with the rules the assessment
// fired: the ground truth the rules are measured against.
type Label struct {
	// Denied is true when the agent denied the claim, false when it approved it.
	Denied bool
	// Hits are the assessment's rule hits.
	Hits []Hit
}

// RuleStat is how one rule fared against the agents' decisions.
type RuleStat struct {
	Rule string `json:"rule"`
	// Fired is how many decided claims the rule fired on; Denied and Approved split them.
	Fired    int `json:"fired"`
	Denied   int `json:"denied"`
	Approved int `json:"approved"`
	// Credit is true for a rule that lowers the risk (negative points).
	Credit bool `json:"credit"`
	// Precision is the share of the rule's claims the agents agreed with: denied for a risk
	// rule, approved for a credit (0 when it never fired).
	Precision float64 `json:"precision"`
}

// RulePrecision measures every rule that fired on the labelled claims, most fired first
// (then by name). A pure function of its input.
func RulePrecision(labels []Label) []RuleStat {
	by := map[string]*RuleStat{}
	for _, l := range labels {
		for _, h := range l.Hits {
			st := by[h.Rule]
			if st == nil {
				st = &RuleStat{Rule: h.Rule}
				by[h.Rule] = st
			}
			st.Fired++
			if h.Points < 0 {
				st.Credit = true
			}
			if l.Denied {
				st.Denied++
			} else {
				st.Approved++
			}
		}
	}
	out := make([]RuleStat, 0, len(by))
	for _, st := range by {
		agree := st.Denied
		if st.Credit {
			agree = st.Approved
		}
		if st.Fired > 0 {
			st.Precision = float64(agree) / float64(st.Fired)
		}
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Fired != out[j].Fired {
			return out[i].Fired > out[j].Fired
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}
