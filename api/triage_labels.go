package api

// Issue 13: what the triage model read in the buyer's text, shown to agents on the staff ticket
// detail (inferred intent, confidence, mismatch with the buyer's pick, the latest correction,
// order numbers of the merchant found in the text, key fragments that match the ticket's
// order's keys), an agent's intent correction (POST /tickets/{id}/intent, audited; kept as a
// labelled ticket event, see store.IntentLabelKind) and the per-merchant export of those
// labels in the training corpus's line format (GET /triage/labels).
//
// A correction is a label: it does not change the category the ticket's workflow runs on
// (that would need a workflow update; see the issue 13 note).

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/triage"
)

// Audit actions of the triage routes.
const (
	AuditIntentLabel  = "triage.label"
	AuditLabelsExport = "triage.export"
)

func (s *Server) triageRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: V1 + "/tickets/:ticket/intent", Access: AccessStaff, Perm: Perm{rbac.ObjTickets, rbac.ActWork}, Handler: s.labelIntent,
			Doc: Doc{Tag: "tickets", Summary: "Correct (or confirm) the intent of the buyer's text: kept as a labelled example with who and when (audited); the ticket's category is not changed",
				Body: intentReq{}, Example: intentReq{Category: "account", Note: "asks to change the login e-mail"}, Resp: intentResp{},
				Headers: [][2]string{{"Idempotency-Key", "request id: a repeated key does not label twice"}}}},
		{Method: http.MethodGet, Path: V1 + "/triage/labels", Access: AccessStaff, Perm: Perm{rbac.ObjReports, rbac.ActRead}, Handler: s.exportLabels,
			Doc: Doc{Tag: "reports", Summary: "Agents' intent corrections of the merchant as training data: JSONL lines in the triage corpus's format (default) or CSV; the latest label per ticket, texts masked (audited)",
				Raw: "application/x-ndjson", Query: [][2]string{{"format", "jsonl (default) or csv"}, {"since", "RFC 3339 time (default: all)"}, {"limit", "1–10000 (default 10000)"}}}},
	}
}

type intentReq struct {
	// Category is the intent the text really has: key_invalid, key_missing, refund, dispute,
	// account or other.
	Category string `json:"category"`
	// Note optionally says why (internal, at most 500 characters).
	Note string `json:"note,omitempty"`
}

type intentResp struct {
	Label intentLabelView `json:"label"`
}

// intentLabelView is an agent's intent correction.
type intentLabelView struct {
	Category string    `json:"category"`
	ByID     *uint64   `json:"by_id,omitempty"`
	ByName   string    `json:"by_name,omitempty"`
	At       time.Time `json:"at"`
	Note     string    `json:"note,omitempty"`
}

// triageView is the staff detail's "triage": what the model read in the buyer's text.
type triageView struct {
	// Chosen is the buyer's pick ("" for "not sure"); Inferred the model's reading with its
	// Confidence (0..1) and Model version; Mismatch says pick and text disagree.
	Chosen     string  `json:"chosen_category"`
	Inferred   string  `json:"inferred_category"`
	Confidence float64 `json:"confidence"`
	Model      string  `json:"model,omitempty"`
	Mismatch   bool    `json:"mismatch"`
	// Label is the latest agent correction, if any.
	Label *intentLabelView `json:"label,omitempty"`
	// OrderSuggestions are orders of this merchant whose number appears in the buyer's text.
	OrderSuggestions []orderSuggestion `json:"order_suggestions"`
	// SuggestedOrder is the order of this merchant that the buyer's first message names in the
	// shop's own order formats, when it is not the order the ticket was filed under (kept on
	// the ticket when it was created; absent when there is none).
	SuggestedOrder *orderSuggestion `json:"suggested_order,omitempty"`
	// KeyMatches are key fragments quoted by the buyer that match a key of the ticket's order
	// (compared as keyed hashes of the keys' indexed tails; the fragment is shown masked).
	KeyMatches []keyMatch `json:"key_matches"`
}

type orderSuggestion struct {
	OrderNo string `json:"order_no"`
	OrderID uint64 `json:"order_id"`
	// Current is true when it is the order the ticket was filed under.
	Current bool `json:"current"`
	// OtherBuyer is true when the order's buyer e-mail is not the ticket's: the agent should
	// check before acting on it.
	OtherBuyer bool `json:"other_buyer"`
}

type keyMatch struct {
	// Fragment is the quoted fragment masked ("****"); MessageID the buyer message quoting it.
	Fragment  string `json:"fragment"`
	MessageID uint64 `json:"message_id,omitempty"`
	// CardKeyID is the key it matches: the key shown as "•••• (id N)" in the order.
	CardKeyID uint64 `json:"card_key_id"`
}

// maxOrderCandidates caps the order-number candidates looked up per ticket.
const maxOrderCandidates = 30

// quotedFragment is a key fragment in a buyer's message.
type quotedFragment struct {
	MessageID uint64
	Fragment  string // as written: a secret, never sent or logged
}

// orderTokenRE is a run of letters, digits, '-' and '_' that could be a shop's order number
// in any format; the merchant's orders decide which ones are (see ticketTriage).
var orderTokenRE = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_-]{2,62}[A-Za-z0-9]`)

// buyerFindings returns the distinct order-number candidates and key fragments that the
// buyer's own words hold: the subject and every public message written by the buyer.
// Candidates are the order numbers triage.ExtractEntities recognises (upper-cased) and
// every other token of 4+ letters, digits, '-' or '_' with a digit, as written (shops
// number orders in their own formats: only numbers the merchant has count, ticketTriage
// checks), at most maxOrderCandidates in order of appearance.
func buyerFindings(subject string, msgs []models.Message) (orders []string, frags []quotedFragment) {
	seenO, seenF := map[string]bool{}, map[string]bool{}
	addOrder := func(o string) {
		if !seenO[o] && len(orders) < maxOrderCandidates {
			seenO[o] = true
			orders = append(orders, o)
		}
	}
	scan := func(id uint64, text string) {
		e := triage.ExtractEntities(text)
		for _, o := range e.OrderNumbers {
			addOrder(o)
		}
		for _, o := range orderTokenRE.FindAllString(text, -1) {
			if strings.ContainsAny(o, "0123456789") {
				addOrder(o)
			}
		}
		for _, f := range e.KeyFragments {
			if g := store.NormalizeKeyText(f); !seenF[g] {
				seenF[g] = true
				frags = append(frags, quotedFragment{id, f})
			}
		}
	}
	scan(0, subject)
	for _, m := range msgs {
		if m.AuthorKind == models.AuthorCustomer && !m.Internal {
			scan(m.ID, m.Body)
		}
	}
	return orders, frags
}

// orderSuggestions keeps the found orders in the order their numbers appear in the text
// (candidates), each once, marking the ticket's own order and orders of another buyer (e-mail
// other than email, ignoring case).
func orderSuggestions(candidates []string, found []models.Order, current *uint64, email string) []orderSuggestion {
	byNo := map[string]models.Order{}
	for _, o := range found {
		byNo[o.OrderNo] = o
	}
	out := []orderSuggestion{}
	seen := map[uint64]bool{}
	for _, c := range candidates {
		o, ok := byNo[c]
		if !ok || seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		out = append(out, orderSuggestion{OrderNo: o.OrderNo, OrderID: o.ID, Current: current != nil && *current == o.ID,
			OtherBuyer: !strings.EqualFold(strings.TrimSpace(o.BuyerEmail), strings.TrimSpace(email))})
	}
	return out
}

// latestIntentLabel returns the last intent correction among a ticket's events (nil if none).
func latestIntentLabel(evs []models.TicketEvent) *intentLabelView {
	for i := len(evs) - 1; i >= 0; i-- {
		e := evs[i]
		if e.Kind != store.IntentLabelKind {
			continue
		}
		var d store.IntentLabelData
		if err := e.Data.Decode(&d); err != nil || d.Category == "" {
			continue
		}
		return &intentLabelView{Category: d.Category, ByID: e.ActorID, ByName: d.ByName, At: e.CreatedAt, Note: d.Note}
	}
	return nil
}

// ticketTriage builds the detail's triage view from the ticket row, its messages and events.
func (s *Server) ticketTriage(ctx context.Context, m uint64, t models.Ticket, msgs []models.Message, evs []models.TicketEvent) (*triageView, error) {
	v := &triageView{Chosen: t.ChosenCategory, Inferred: t.InferredCategory, Confidence: float64(t.InferredConfidence) / 1000,
		Model: t.TriageModel, Mismatch: t.CategoryMismatch, Label: latestIntentLabel(evs),
		OrderSuggestions: []orderSuggestion{}, KeyMatches: []keyMatch{}}
	orders, frags := buyerFindings(t.Subject, msgs)
	found, err := s.d.Store.OrdersByNumbers(ctx, m, orders)
	if err != nil {
		return nil, err
	}
	v.OrderSuggestions = orderSuggestions(orders, found, t.OrderID, t.CustomerEmail)
	if v.SuggestedOrder, err = s.suggestedOrder(ctx, m, t); err != nil {
		return nil, err
	}
	if len(frags) == 0 || t.OrderID == nil || s.d.Box == nil {
		return v, nil
	}
	ds, _, err := s.d.Store.OrderHistory(ctx, m, *t.OrderID)
	if err != nil {
		return nil, err
	}
	var keyIDs []uint64
	for _, d := range ds {
		keyIDs = append(keyIDs, d.CardKeyID)
	}
	hashOf := map[string]string{} // fragment → gram hash
	var hashes []string
	for _, f := range frags {
		if g := store.KeyFragmentGram(f.Fragment); g != "" {
			h := s.d.Box.Hash(store.KeyGramScope(m), g)
			hashOf[f.Fragment] = h
			hashes = append(hashes, h)
		}
	}
	hits, err := s.d.Store.KeyGramMatches(ctx, m, hashes, keyIDs)
	if err != nil {
		return nil, err
	}
	for _, f := range frags {
		for _, id := range hits[hashOf[f.Fragment]] {
			v.KeyMatches = append(v.KeyMatches, keyMatch{Fragment: triage.MaskKey(f.Fragment), MessageID: f.MessageID, CardKeyID: id})
		}
	}
	return v, nil
}

// suggestedOrder is the ticket's suggested order, read again by merchant and id (an id of
// another merchant's order is never shown), or nil.
func (s *Server) suggestedOrder(ctx context.Context, m uint64, t models.Ticket) (*orderSuggestion, error) {
	if t.SuggestedOrderID == nil || t.OrderID != nil && *t.OrderID == *t.SuggestedOrderID {
		return nil, nil
	}
	o, err := s.d.Store.OrderByID(ctx, m, *t.SuggestedOrderID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &orderSuggestion{OrderNo: o.OrderNo, OrderID: o.ID,
		OtherBuyer: !strings.EqualFold(strings.TrimSpace(o.BuyerEmail), strings.TrimSpace(t.CustomerEmail))}, nil
}

// labelIntent records an agent's correction (or confirmation) of the buyer text's intent.
func (s *Server) labelIntent(c *gin.Context) error {
	var req intentReq
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	cat, catErr := triage.ParseCategory(req.Category)
	fe := fieldErrors{}
	fe.check(catErr != nil, "category", "one of key_invalid, key_missing, refund, dispute, account, other")
	fe.check(utf8.RuneCountInString(req.Note) > 500, "note", "at most 500 characters")
	if err := fe.err(); err != nil {
		return err
	}
	t, err := s.pathTicket(c)
	if err != nil {
		return err
	}
	ctx, m, id := c.Request.Context(), t.MerchantID, t.ID
	a := s.actor(c)
	now := s.now().UTC().Truncate(time.Microsecond)
	d := store.IntentLabelData{Category: string(cat), Inferred: t.InferredCategory, Confidence: t.InferredConfidence,
		Model: t.TriageModel, Chosen: t.ChosenCategory, ByName: a.Name, Note: strings.TrimSpace(triage.Mask(req.Note))}
	var actorID *uint64
	if a.UserID != 0 {
		uid := a.UserID
		actorID = &uid
	}
	ev := models.TicketEvent{MerchantID: m, TicketID: id, EventKey: "intent:" + idempotencyKey(c), Kind: store.IntentLabelKind,
		ActorKind: models.AuthorAgent, ActorID: actorID, Data: models.MustJSON(d), CreatedAt: now}
	err = s.d.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Store.AppendTicketEvents(ctx, []models.TicketEvent{ev}); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditIntentLabel, TargetType: "ticket", TargetID: uitoa(id), Merchant: m,
			Data: map[string]any{"category": d.Category, "inferred": d.Inferred, "chosen": d.Chosen, "role": a.Role}})
	})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, intentResp{Label: intentLabelView{Category: d.Category, ByID: actorID, ByName: d.ByName, At: now, Note: d.Note}})
	return nil
}

// labelLine is one exported label: the fields of triage.Example (so the corpus reader takes
// the line as it is) and what the model had read.
type labelLine struct {
	ID       string                `json:"id"`
	Group    string                `json:"group"`
	Lang     string                `json:"lang"`
	Pinyin   bool                  `json:"pinyin"`
	Text     string                `json:"text"`
	Intent   string                `json:"intent"`
	Urgency  string                `json:"urgency"`
	Entities triage.LabelledEntity `json:"entities"`
	// Source says where the label comes from ("agent"); the rest is what the model had read.
	Source     string    `json:"source"`
	TicketID   uint64    `json:"ticket_id"`
	Inferred   string    `json:"inferred"`
	Confidence float64   `json:"confidence"`
	Chosen     string    `json:"chosen"`
	Model      string    `json:"model,omitempty"`
	LabelledBy uint64    `json:"labelled_by,omitempty"`
	LabelledAt time.Time `json:"labelled_at"`
}

// toLabelLine turns a stored label into an export line. Entities are what the extractor
// finds in the (masked) text, not hand labels.
func toLabelLine(merchant uint64, l store.IntentLabel) labelLine {
	text := strings.TrimSpace(l.Subject + "\n" + l.Body)
	e := triage.ExtractEntities(text)
	ref := fmt.Sprintf("agent:%d:%d", merchant, l.TicketID)
	urg := "normal"
	if l.Priority == models.PriorityHigh || l.Priority == models.PriorityUrgent {
		urg = "high"
	}
	line := labelLine{ID: ref, Group: ref, Lang: textLang(text), Text: text, Intent: l.Data.Category, Urgency: urg,
		Entities: triage.LabelledEntity{OrderNumbers: e.OrderNumbers, KeyFragments: e.KeyFragments, Emails: []string{}},
		Source:   "agent", TicketID: l.TicketID, Inferred: l.Data.Inferred, Confidence: float64(l.Data.Confidence) / 1000,
		Chosen: l.Data.Chosen, Model: l.Data.Model, LabelledAt: l.CreatedAt.UTC()}
	if l.ActorID != nil {
		line.LabelledBy = *l.ActorID
	}
	return line
}

// textLang names a text's language the way the corpus does: "zh" (Chinese, possibly with
// order numbers or a stray word), "en" (no Chinese), "mixed" (Chinese and at least two
// English words).
func textLang(text string) string {
	han, words := 0, 0
	inWord := 0
	flush := func() {
		if inWord >= 2 {
			words++
		}
		inWord = 0
	}
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			flush()
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			inWord++
		case unicode.IsDigit(r):
			inWord = -1000 // an order number or key, not a word
		default:
			flush()
		}
	}
	flush()
	switch {
	case han == 0:
		return "en"
	case words >= 2:
		return "mixed"
	}
	return "zh"
}

// csvCell keeps a spreadsheet from reading a cell as a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportLabels writes the merchant's intent labels as JSONL (the corpus format) or CSV.
func (s *Server) exportLabels(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	format := c.DefaultQuery("format", "jsonl")
	fe := fieldErrors{}
	fe.check(format != "jsonl" && format != "csv", "format", "jsonl or csv")
	var since time.Time
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		fe.check(err != nil, "since", "RFC 3339 time")
		since = t
	}
	limit := store.MaxIntentLabels
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		fe.check(err != nil || n < 1 || n > store.MaxIntentLabels, "limit", "1 to 10000")
		limit = n
	}
	if err := fe.err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	labels, err := s.d.Store.IntentLabels(ctx, m, since, limit)
	if err != nil {
		return err
	}
	if err := s.audit(ctx, c, auditEntry{Action: AuditLabelsExport, TargetType: "merchant", TargetID: uitoa(m), Merchant: m,
		Data: map[string]any{"format": format, "labels": len(labels)}}); err != nil {
		return err
	}
	name := fmt.Sprintf("intent-labels-%d.%s", m, format)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	if format == "csv" {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Status(http.StatusOK)
		w := csv.NewWriter(c.Writer)
		_ = w.Write([]string{"id", "ticket_id", "lang", "intent", "inferred", "confidence", "chosen", "model", "labelled_by", "labelled_at", "text"})
		for _, l := range labels {
			x := toLabelLine(m, l)
			_ = w.Write([]string{x.ID, uitoa(x.TicketID), x.Lang, x.Intent, x.Inferred, strconv.FormatFloat(x.Confidence, 'f', 3, 64),
				x.Chosen, x.Model, uitoa(x.LabelledBy), x.LabelledAt.Format(time.RFC3339), csvCell(x.Text)})
		}
		w.Flush()
		return nil
	}
	c.Header("Content-Type", "application/x-ndjson; charset=utf-8")
	c.Status(http.StatusOK)
	enc := json.NewEncoder(c.Writer)
	enc.SetEscapeHTML(false)
	for _, l := range labels {
		_ = enc.Encode(toLabelLine(m, l))
	}
	return nil
}
