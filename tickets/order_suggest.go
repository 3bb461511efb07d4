package tickets

// Issue 13 item 4: the order a buyer's text names. A new ticket's subject and body are read
// in the merchant's own order formats (triage.ExtractOrderNumbers with formats learned from
// the merchant's newest orders, cached per merchant for orderFormatsTTL); the numbers found
// are looked up among that merchant's orders only, compared normalised (letter case,
// full-width characters, a leading '#'), and the first one that exists and is not the order
// the ticket is filed under is kept on the ticket as its suggested order.

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/triage"
)

const (
	// orderFormatSample is how many of a merchant's newest order numbers its formats are
	// learned from.
	orderFormatSample = 500
	// orderFormatsTTL is how long learned formats are used before they are read again.
	orderFormatsTTL = 5 * time.Minute
	// maxSuggestCandidates caps the numbers of one ticket looked up (with their spellings,
	// within the store's 50 per lookup).
	maxSuggestCandidates = 15
)

// formatsCache holds each merchant's learned order formats with the time they were read.
type formatsCache struct {
	mu sync.Mutex
	m  map[uint64]formatsEntry
}

type formatsEntry struct {
	f  triage.OrderFormats
	at time.Time
}

// orderFormats returns the merchant's order formats, learned again from its newest orders
// when the cached ones are older than orderFormatsTTL. A failed read keeps the formats it had
// (none at first: the text is then read alone) and is logged.
func (s *Service) orderFormats(ctx context.Context, merchantID uint64) triage.OrderFormats {
	now := s.now()
	s.formats.mu.Lock()
	e, ok := s.formats.m[merchantID]
	s.formats.mu.Unlock()
	if ok && now.Sub(e.at) < orderFormatsTTL && !now.Before(e.at) {
		return e.f
	}
	nos, err := s.o.Store.RecentOrderNumbers(ctx, merchantID, orderFormatSample)
	if err != nil {
		s.o.Log.Warn("order formats: reading the merchant's newest orders failed; the text is read alone", "merchant", merchantID, "err", err)
		return e.f
	}
	f := triage.LearnOrderFormats(nos)
	s.formats.mu.Lock()
	if s.formats.m == nil {
		s.formats.m = map[uint64]formatsEntry{}
	}
	s.formats.m[merchantID] = formatsEntry{f: f, at: now}
	s.formats.mu.Unlock()
	return f
}

// suggestOrder returns the id of the first order of the merchant that the subject or body
// names and that is not the order current, or nil. Lookup failures are logged: a suggestion
// never stops a ticket.
func (s *Service) suggestOrder(ctx context.Context, merchantID uint64, subject, body string, current uint64) *uint64 {
	text := subject + "\n" + body
	cands := triage.ExtractOrderNumbers(text, s.orderFormats(ctx, merchantID))
	if len(cands) == 0 {
		return nil
	}
	if len(cands) > maxSuggestCandidates {
		cands = cands[:maxSuggestCandidates]
	}
	found, err := s.o.Store.OrdersByNumbers(ctx, merchantID, orderNoSpellings(text, cands))
	if err != nil {
		s.o.Log.Warn("order suggestion: looking up the numbers in the text failed", "merchant", merchantID, "err", err)
		return nil
	}
	return pickSuggestion(merchantID, cands, found, current)
}

// pickSuggestion is the first candidate (normalised, in text order) that is an order of the
// merchant other than current.
func pickSuggestion(merchantID uint64, cands []string, found []models.Order, current uint64) *uint64 {
	byNo := map[string]models.Order{}
	for _, o := range found {
		if o.MerchantID == merchantID {
			byNo[triage.NormalizeOrderNo(o.OrderNo)] = o
		}
	}
	for _, c := range cands {
		if o, ok := byNo[c]; ok && o.ID != current {
			id := o.ID
			return &id
		}
	}
	return nil
}

// orderTokenRE is a run of letters, digits and the separators order numbers use.
var orderTokenRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_./-]*[A-Za-z0-9]`)

// orderNoSpellings are the spellings an order number may be stored in for the normalised
// candidates: upper-case, lower-case, and as the buyer typed it when that mixes cases (order
// numbers are compared exactly by the database).
func orderNoSpellings(text string, cands []string) []string {
	want := map[string]bool{}
	for _, c := range cands {
		want[c] = true
	}
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, c := range cands {
		add(c)
		add(strings.ToLower(c))
	}
	for _, tk := range orderTokenRE.FindAllString(text, -1) {
		if want[triage.NormalizeOrderNo(tk)] {
			add(tk)
		}
	}
	return out
}
