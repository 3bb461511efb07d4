package api

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/triage"
)

func TestBuyerFindings(t *testing.T) {
	msgs := []models.Message{
		{ID: 1, AuthorKind: models.AuthorCustomer, Body: "订单号20261103085512347的卡密不能用，尾号5TW1"},
		{ID: 2, AuthorKind: models.AuthorAgent, Body: "Is it order ORD-2026-000999? key ending in 7777"},
		{ID: 3, AuthorKind: models.AuthorCustomer, Body: "sorry, the order is B3K8-71QZ, the code ends with 9XZ2", Internal: true},
		{ID: 4, AuthorKind: models.AuthorCustomer, Body: "again: 20261103085512347, code starts with ab12 … ending in 5tw1"},
	}
	orders, frags := buyerFindings("Order KD20261103001", msgs)
	if strings.Join(orders, ",") != "KD20261103001,20261103085512347,5TW1,ab12,5tw1" {
		t.Errorf("orders %v (agents' messages and internal ones are not the buyer's words)", orders)
	}
	var got []string
	for _, f := range frags {
		got = append(got, f.Fragment+"@"+uitoa(f.MessageID))
	}
	// 5tw1 is 5TW1 again (keys are compared without case).
	if strings.Join(got, ",") != "5TW1@1,ab12@4" {
		t.Errorf("fragments %v", got)
	}
}

func TestOrderSuggestions(t *testing.T) {
	cur := uint64(2)
	found := []models.Order{{ID: 1, OrderNo: "A-2002", BuyerEmail: "x@b.test"}, {ID: 2, OrderNo: "A-1001", BuyerEmail: "Buyer@A.test"}}
	got := orderSuggestions([]string{"X1", "A-1001", "A-2002", "A-1001"}, found, &cur, "buyer@a.test")
	if len(got) != 2 || got[0].OrderNo != "A-1001" || !got[0].Current || got[0].OtherBuyer || got[1].OrderNo != "A-2002" || got[1].Current || !got[1].OtherBuyer {
		t.Errorf("suggestions %+v", got)
	}
	if got := orderSuggestions(nil, nil, nil, ""); got == nil || len(got) != 0 {
		t.Errorf("no candidates: %#v", got)
	}
}

func TestTextLang(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"付款了但是没收到卡密，订单号20261103085512347", "zh"},
		{"我的key不能用", "zh"},
		{"付款了但是没有收到 code，order 20260207766128998", "mixed"},
		{"The code says it was already redeemed", "en"},
		{"ORD-2026-000123 key AB12", "en"},
		{"", "en"},
	} {
		if got := textLang(tt.text); got != tt.want {
			t.Errorf("textLang(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(1)": "'=HYPERLINK(1)", "+1": "'+1", "-x": "'-x", "@a": "'@a", "ok": "ok", "": ""} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

// The agent view's triage block, an agent's correction and the per-merchant export.
func TestTicketTriageViewCorrectionAndExport(t *testing.T) {
	st := testdb.SQLite(t)
	e := newEnv(t, st, RateLimits{})
	ctx := context.Background()
	// Another order of shop A named in the text, one of shop B that must not be suggested, and
	// a second key delivered on the ticket's order whose tail the buyer quotes.
	other := models.Order{MerchantID: e.mA.ID, OrderNo: "A-2002", ProductID: e.orderA.ProductID, Quantity: 1, Amount: 500, Currency: "USD",
		BuyerEmail: "buyer@a.test", PaidAt: e.now, Status: models.OrderDelivered}
	e.must(st.DB(ctx).Create(&other).Error)
	pB := models.Product{MerchantID: e.mB.ID, SKU: "SKU-B", Name: "Game B", Price: 1000, Currency: "USD"}
	e.must(st.DB(ctx).Create(&pB).Error)
	e.must(st.DB(ctx).Create(&models.Order{MerchantID: e.mB.ID, OrderNo: "B-3003", ProductID: pB.ID, Quantity: 1, Amount: 500, Currency: "USD",
		BuyerEmail: "x@b.test", PaidAt: e.now, Status: models.OrderDelivered}).Error)
	secret := "K7Q2-9XZ4-M3P8-5TW1"
	key := models.CardKey{MerchantID: e.mA.ID, ProductID: e.orderA.ProductID, BatchID: e.keyA.BatchID,
		SecretCipher: e.box.Seal([]byte(secret), store.CardKeyAAD(e.orderA.ProductID)),
		SecretHash:   e.box.Hash(store.CardKeyHashScope(e.orderA.ProductID), secret), Status: models.KeyDelivered, OrderID: &e.orderA.ID}
	e.must(st.DB(ctx).Create(&key).Error)
	e.must(st.DB(ctx).Create(&models.Delivery{MerchantID: e.mA.ID, OrderID: e.orderA.ID, CardKeyID: key.ID, Kind: models.DeliveryReissue}).Error)
	var hs []string
	for _, g := range store.KeyTailGrams(secret) {
		hs = append(hs, e.box.Hash(store.KeyGramScope(e.mA.ID), g))
	}
	e.must(st.IndexKeyGrams(ctx, e.mA.ID, key.ID, hs))

	c := createTriagedTicket(t, st, e.mA.ID, e.orderA.ID, triage.KeyInvalid, "login",
		"I cannot log in to my account, please reset my password. Orders A-2002 and B-3003, the key ending in 5TW1 works, 尾号0000")
	path := V1 + "/tickets/" + uitoa(c.Ticket.ID)

	get := func() (staffTicketResp, string) {
		t.Helper()
		w := e.do(http.MethodGet, path, nil, bearerHdr(e.tokens["agent"]))
		if w.Code != http.StatusOK {
			t.Fatalf("detail: %d %s", w.Code, w.Body)
		}
		raw := w.Body.String()
		var r staffTicketResp
		e.must(json.Unmarshal([]byte(raw), &r))
		return r, raw
	}
	r, raw := get()
	tr := r.Triage
	if tr == nil {
		t.Fatal("no triage block in the staff detail")
	}
	tk, err := st.TicketByID(ctx, e.mA.ID, c.Ticket.ID)
	e.must(err)
	if tr.Inferred != tk.InferredCategory || tr.Inferred == "" || tr.Chosen != "key_invalid" || tr.Model == "" ||
		int(tr.Confidence*1000+0.5) != tk.InferredConfidence || tr.Mismatch != tk.CategoryMismatch {
		t.Errorf("triage %+v for row %+v", tr, tk)
	}
	if tr.Inferred == "account" && !tr.Mismatch {
		t.Errorf("a key_invalid pick on an account text should be a mismatch: %+v", tr)
	}
	var sugg []string
	for _, o := range tr.OrderSuggestions {
		sugg = append(sugg, o.OrderNo)
		if o.OrderNo == "A-2002" && (o.Current || o.OrderID != other.ID) {
			t.Errorf("suggestion %+v", o)
		}
	}
	if strings.Join(sugg, ",") != "A-2002" {
		t.Errorf("order suggestions %v, want only A-2002 (B-3003 is another merchant's)", sugg)
	}
	if len(tr.KeyMatches) != 1 || tr.KeyMatches[0].CardKeyID != key.ID || tr.KeyMatches[0].Fragment != "****" || tr.KeyMatches[0].MessageID == 0 {
		t.Errorf("key matches %+v, want the fragment 5TW1 on key %d only", tr.KeyMatches, key.ID)
	}
	if tr.Label != nil {
		t.Errorf("label before any correction: %+v", tr.Label)
	}
	if strings.Contains(raw, secret) || strings.Contains(raw, "K7Q2") {
		t.Error("the detail carries the key's secret")
	}

	// Corrections: validation, permission, merchant isolation, then a good one.
	if w := e.do(http.MethodPost, path+"/intent", map[string]any{"category": "refundz"}, bearerHdr(e.tokens["agent"])); w.Code != http.StatusBadRequest ||
		errorOf(t, w).Fields["category"] == "" {
		t.Errorf("bad category: %d %s", w.Code, w.Body)
	}
	if w := e.do(http.MethodPost, path+"/intent", map[string]any{"category": "account"}, bearerHdr(e.tokens["norole"])); w.Code != http.StatusForbidden {
		t.Errorf("no role: %d", w.Code)
	}
	if w := e.do(http.MethodPost, path+"/intent", map[string]any{"category": "account"}, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusNotFound {
		t.Errorf("other merchant: %d", w.Code)
	}
	w := e.do(http.MethodPost, path+"/intent", map[string]any{"category": "Account", "note": "password reset, not a key"}, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusOK {
		t.Fatalf("correct: %d %s", w.Code, w.Body)
	}
	var lr intentResp
	e.must(json.Unmarshal(w.Body.Bytes(), &lr))
	if lr.Label.Category != "account" || lr.Label.ByID == nil || *lr.Label.ByID != e.users["agent"].ID || lr.Label.ByName != "agent" || lr.Label.At.IsZero() {
		t.Errorf("label %+v", lr.Label)
	}
	r, _ = get()
	if r.Triage.Label == nil || r.Triage.Label.Category != "account" || r.Triage.Label.Note != "password reset, not a key" {
		t.Errorf("label in the detail: %+v", r.Triage.Label)
	}
	if tk2, _ := st.TicketByID(ctx, e.mA.ID, c.Ticket.ID); tk2.Category != tk.Category {
		t.Errorf("the correction changed the ticket's category %q → %q", tk.Category, tk2.Category)
	}
	var audits []models.AuditEntry
	e.must(st.DB(ctx).Where("action = ? AND target_id = ?", AuditIntentLabel, uitoa(c.Ticket.ID)).Find(&audits).Error)
	if len(audits) != 1 || audits[0].ActorID == nil || *audits[0].ActorID != e.users["agent"].ID || audits[0].MerchantID == nil || *audits[0].MerchantID != e.mA.ID {
		t.Errorf("audit lines %+v", audits)
	}
	// A later correction wins.
	if w := e.do(http.MethodPost, path+"/intent", map[string]any{"category": "other"}, bearerHdr(e.tokens["supervisor"])); w.Code != http.StatusOK {
		t.Fatalf("second correction: %d", w.Code)
	}
	if w := e.do(http.MethodPost, path+"/intent", map[string]any{"category": "account"}, bearerHdr(e.tokens["supervisor"])); w.Code != http.StatusOK {
		t.Fatalf("third correction: %d", w.Code)
	}

	// Export: supervisors (reports.read), not agents; the latest label per ticket; JSONL lines
	// the corpus reader takes as examples; CSV too; nothing of another merchant.
	if w := e.do(http.MethodGet, V1+"/triage/labels", nil, bearerHdr(e.tokens["agent"])); w.Code != http.StatusForbidden {
		t.Errorf("agent export: %d", w.Code)
	}
	w = e.do(http.MethodGet, V1+"/triage/labels", nil, bearerHdr(e.tokens["supervisor"]))
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("export: %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	var lines []labelLine
	sc := bufio.NewScanner(strings.NewReader(w.Body.String()))
	for sc.Scan() {
		var ex triage.Example
		e.must(json.Unmarshal(sc.Bytes(), &ex))
		if !ex.Intent.Valid() || ex.ID == "" || ex.Group == "" || ex.Text == "" || ex.Lang != "mixed" {
			t.Errorf("not a corpus example: %s", sc.Text())
		}
		var l labelLine
		e.must(json.Unmarshal(sc.Bytes(), &l))
		lines = append(lines, l)
	}
	if len(lines) != 1 || lines[0].Intent != "account" || lines[0].TicketID != c.Ticket.ID || lines[0].LabelledBy != e.users["supervisor"].ID ||
		lines[0].Inferred != tk.InferredCategory || !strings.Contains(lines[0].Text, "cannot log in") {
		t.Errorf("export lines %+v", lines)
	}
	w = e.do(http.MethodGet, V1+"/triage/labels?format=csv", nil, bearerHdr(e.tokens["admin"]))
	rows, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if w.Code != http.StatusOK || err != nil || len(rows) != 2 || rows[0][3] != "intent" || rows[1][3] != "account" {
		t.Errorf("csv export: %d %v %v", w.Code, err, rows)
	}
	if w := e.do(http.MethodGet, V1+"/triage/labels?format=xml", nil, bearerHdr(e.tokens["admin"])); w.Code != http.StatusBadRequest {
		t.Errorf("bad format: %d", w.Code)
	}
	if w := e.do(http.MethodGet, V1+"/triage/labels", nil, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != "" {
		t.Errorf("another merchant's export: %d %q", w.Code, w.Body)
	}
	var n int64
	e.must(st.DB(ctx).Model(&models.AuditEntry{}).Where("action = ?", AuditLabelsExport).Count(&n).Error)
	if n != 3 {
		t.Errorf("export audit lines %d, want 3", n)
	}
}

// createTriagedTicket stores a ticket as the ticket service does: the text classified, the
// pick, inference, confidence and model on the row, the buyer's first message masked.
func createTriagedTicket(t *testing.T, st *store.Store, merchant, order uint64, chosen triage.Category, subject, body string) struct{ Ticket models.Ticket } {
	t.Helper()
	res := triage.Classify(chosen, subject, body)
	oid := order
	now := time.Now().UTC().Truncate(time.Microsecond)
	tk := models.Ticket{MerchantID: merchant, Ref: "KD-T" + strconv.FormatInt(now.UnixNano()%1e9, 10), OrderID: &oid, Category: string(res.Category),
		Subject: triage.Mask(subject), Status: models.StatusNew, Priority: string(res.Urgency), Queue: models.QueueGeneral,
		CustomerEmail: "buyer@a.test", ChosenCategory: string(res.Chosen), InferredCategory: string(res.Inferred),
		InferredConfidence: int(math.Round(res.Confidence * 1000)), TriageModel: res.ModelVersion, CategoryMismatch: res.Mismatch,
		CreatedAt: now, UpdatedAt: now}
	first := &models.Message{AuthorKind: models.AuthorCustomer, AuthorName: "buyer@a.test", Body: triage.Mask(body), RequestID: "submission", CreatedAt: now}
	if err := st.CreateTicket(context.Background(), &tk, first); err != nil {
		t.Fatal(err)
	}
	return struct{ Ticket models.Ticket }{tk}
}
