package kb

import (
	"sort"
	"time"
)

// Event kinds the buyer's form reports (kb_events.kind).
const (
	// EventShown: the article was among the suggestions shown while the buyer typed.
	EventShown = "shown"
	// EventOpened: the buyer opened the article (expanded it or followed its page).
	EventOpened = "opened"
	// EventSubmitted: the buyer sent the form in this session (article 0).
	EventSubmitted = "submitted"
)

// EventKinds lists the kinds a form may report.
var EventKinds = []string{EventShown, EventOpened, EventSubmitted}

// SettleAfter is how long after its last event a session that opened an article and sent
// nothing counts as deflected; younger ones are still "pending" (the buyer may be reading).
const SettleAfter = 30 * time.Minute

// Event is one recorded form event.
type Event struct {
	Session   string
	Kind      string
	ArticleID uint64
	At        time.Time
}

// ArticleDeflection is one article's figures over a period. Sessions count once each.
type ArticleDeflection struct {
	ArticleID uint64
	// Shown: sessions the article was suggested in. Opened: sessions that opened it.
	Shown, Opened int
	// Submitted: sessions that opened it and then sent the form anyway. Deflected: sessions
	// that opened it and sent nothing for SettleAfter. Pending: opened, too recent to tell.
	Submitted, Deflected, Pending int
	// Rate is Deflected / (Deflected + Submitted), 0 when neither.
	Rate float64
}

// DeflectionTotals sums a period over all articles, counting sessions once.
type DeflectionTotals struct {
	// Sessions that were shown a suggestion, opened one, opened one and submitted, opened one
	// and left without submitting; SubmittedWithout: sessions that submitted without opening.
	Shown, Opened, Submitted, Deflected, Pending, SubmittedWithout int
	Rate                                                           float64
}

// Deflection computes per-article and overall deflection from a period's events (any order).
// Articles are sorted by deflected sessions, then opened, then id.
func Deflection(events []Event, now time.Time) ([]ArticleDeflection, DeflectionTotals) {
	type sess struct {
		shown, opened map[uint64]bool
		submitted     bool
		last          time.Time
	}
	ss := map[string]*sess{}
	for _, e := range events {
		s := ss[e.Session]
		if s == nil {
			s = &sess{shown: map[uint64]bool{}, opened: map[uint64]bool{}}
			ss[e.Session] = s
		}
		if e.At.After(s.last) {
			s.last = e.At
		}
		switch e.Kind {
		case EventShown:
			s.shown[e.ArticleID] = true
		case EventOpened:
			s.opened[e.ArticleID] = true
		case EventSubmitted:
			s.submitted = true
		}
	}
	by := map[uint64]*ArticleDeflection{}
	get := func(id uint64) *ArticleDeflection {
		if by[id] == nil {
			by[id] = &ArticleDeflection{ArticleID: id}
		}
		return by[id]
	}
	var tot DeflectionTotals
	for _, s := range ss {
		if len(s.shown) > 0 {
			tot.Shown++
		}
		for id := range s.shown {
			get(id).Shown++
		}
		settled := now.Sub(s.last) >= SettleAfter
		if len(s.opened) == 0 {
			if s.submitted {
				tot.SubmittedWithout++
			}
			continue
		}
		tot.Opened++
		switch {
		case s.submitted:
			tot.Submitted++
		case settled:
			tot.Deflected++
		default:
			tot.Pending++
		}
		for id := range s.opened {
			a := get(id)
			a.Opened++
			switch {
			case s.submitted:
				a.Submitted++
			case settled:
				a.Deflected++
			default:
				a.Pending++
			}
		}
	}
	out := make([]ArticleDeflection, 0, len(by))
	for _, a := range by {
		if d := a.Deflected + a.Submitted; d > 0 {
			a.Rate = float64(a.Deflected) / float64(d)
		}
		out = append(out, *a)
	}
	if d := tot.Deflected + tot.Submitted; d > 0 {
		tot.Rate = float64(tot.Deflected) / float64(d)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Deflected != out[j].Deflected {
			return out[i].Deflected > out[j].Deflected
		}
		if out[i].Opened != out[j].Opened {
			return out[i].Opened > out[j].Opened
		}
		return out[i].ArticleID < out[j].ArticleID
	})
	return out, tot
}
