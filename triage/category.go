package triage

import (
	"errors"
	"fmt"
	"strings"
)

// Category is what a ticket is about. It decides the ticket's automatic path (see
// DESIGN.md, "The ticket workflow"). KeyInvalid, KeyMissing and Refund have the same
// string values as the matching fraud.ClaimKind values.
type Category string

// The ticket categories.
const (
	KeyInvalid Category = "key_invalid" // the delivered key does not work
	KeyMissing Category = "key_missing" // the key never arrived
	Refund     Category = "refund"      // the buyer wants the money back
	Dispute    Category = "dispute"     // chargeback / payment dispute
	Account    Category = "account"     // login, password, e-mail change and the like
	Other      Category = "other"       // anything else
)

var categories = []Category{KeyInvalid, KeyMissing, Refund, Dispute, Account, Other}

// Categories returns every category in display order. The slice is a fresh copy.
func Categories() []Category {
	return append([]Category(nil), categories...)
}

// Valid reports whether c is one of the categories.
func (c Category) Valid() bool {
	for _, k := range categories {
		if c == k {
			return true
		}
	}
	return false
}

// IsClaim reports whether the category is a claim the fraud check scores (key_invalid,
// key_missing, refund).
func (c Category) IsClaim() bool {
	return c == KeyInvalid || c == KeyMissing || c == Refund
}

// ErrInvalidCategory is wrapped by the error ParseCategory returns.
var ErrInvalidCategory = errors.New("triage: invalid category")

// ParseCategory parses a category name. It is lenient about case, surrounding blanks and
// the separator ("Key-Invalid", "key invalid" and "key_invalid" are the same); an empty
// or unknown name is an error wrapping ErrInvalidCategory.
func ParseCategory(s string) (Category, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	norm = strings.NewReplacer("-", "_", " ", "_").Replace(norm)
	if c := Category(norm); c.Valid() {
		return c, nil
	}
	if norm == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidCategory)
	}
	names := make([]string, len(categories))
	for i, c := range categories {
		names[i] = string(c)
	}
	return "", fmt.Errorf("%w: %q (want one of %s)", ErrInvalidCategory, s, strings.Join(names, ", "))
}

// Urgency is how fast a ticket needs attention. The words are the same as ticket
// priority, so Priority(urgency) is a plain conversion.
type Urgency string

// The urgencies, lowest first.
const (
	Low    Urgency = "low"
	Normal Urgency = "normal"
	High   Urgency = "high"
	Urgent Urgency = "urgent"
)

var urgencies = []Urgency{Low, Normal, High, Urgent}

// Urgencies returns every urgency, lowest first.
func Urgencies() []Urgency {
	return append([]Urgency(nil), urgencies...)
}

// Valid reports whether u is one of the urgencies.
func (u Urgency) Valid() bool { return u.Rank() >= 0 }

// Rank orders urgencies: low 0, normal 1, high 2, urgent 3; -1 for an unknown value.
func (u Urgency) Rank() int {
	for i, k := range urgencies {
		if u == k {
			return i
		}
	}
	return -1
}

// Raise returns the urgency n steps higher, stopping at Urgent. An unknown urgency is
// treated as Normal.
func (u Urgency) Raise(n int) Urgency {
	r := u.Rank()
	if r < 0 {
		r = Normal.Rank()
	}
	return urgencies[max(0, min(len(urgencies)-1, r+n))]
}

// ParseUrgency parses an urgency (or ticket priority) name, case-insensitively.
func ParseUrgency(s string) (Urgency, error) {
	u := Urgency(strings.ToLower(strings.TrimSpace(s)))
	if u.Valid() {
		return u, nil
	}
	return "", fmt.Errorf("triage: invalid urgency %q (want low, normal, high or urgent)", s)
}

// Sentiment values of Result.Sentiment.
const (
	SentimentNegative = "negative"
	SentimentNeutral  = "neutral"
	SentimentPositive = "positive"
)

// NotSure is the form's "not sure / 不确定" choice. ParseChoice reads it (and an empty
// choice) as no pick.
const NotSure = "not_sure"

// ErrBuyerDispute is wrapped by the error ParseChoice returns for "dispute": chargeback
// disputes come from the payment gateway, a buyer cannot open one.
var ErrBuyerDispute = errors.New("triage: a buyer cannot choose dispute")

// ParseChoice parses the category a buyer picked. "", "not sure" (any separator or case),
// "unsure" and "不确定" mean no pick and return "". "dispute" is refused with an error
// wrapping ErrBuyerDispute; anything else is ParseCategory's.
func ParseChoice(s string) (Category, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	norm = strings.NewReplacer("-", "_", " ", "_").Replace(norm)
	switch norm {
	case "", NotSure, "unsure", "不确定", "不確定":
		return "", nil
	}
	c, err := ParseCategory(s)
	if err != nil {
		return "", err
	}
	if c == Dispute {
		return "", fmt.Errorf("%w: chargeback disputes come from the payment gateway; choose another category or %q", ErrBuyerDispute, NotSure)
	}
	return c, nil
}
