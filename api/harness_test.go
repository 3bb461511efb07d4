package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// fakeTickets stands in for the Temporal-backed ticket service: Create writes the row with a
// token hash, Act records the update and answers a state (or a rejection), VerifyAccess is the
// real service's (store only).
type fakeTickets struct {
	st   *store.Store
	real *tickets.Service
	mu   sync.Mutex
	acts []fakeAct
	// reject makes Act refuse with this reason.
	reject string
	seq    int
	// pending makes Act answer tickets.Pending (the workflow is still applying it);
	// UpdateResult answers pending until done is set.
	pending, done bool
}

type fakeAct struct {
	Merchant, Ticket uint64
	Update           string
	Input            any
}

func (f *fakeTickets) Create(ctx context.Context, in tickets.CreateInput) (tickets.Created, error) {
	if in.ManualCheck { // the order check is the real service's
		return f.real.Create(ctx, in)
	}
	fields := map[string]string{}
	if in.OrderNo == "" {
		fields["order_no"] = "required"
	}
	if in.Email == "" {
		fields["email"] = "required"
	}
	if in.Description == "" {
		fields["description"] = "required"
	}
	if len(fields) > 0 {
		return tickets.Created{}, &tickets.ValidationError{Fields: fields}
	}
	f.mu.Lock()
	f.seq++
	n := f.seq
	f.mu.Unlock()
	tok := fmt.Sprintf("tok-%d-%d", time.Now().UnixNano(), n)
	var idem *string
	if in.IdempotencyKey != "" {
		k := in.IdempotencyKey
		idem = &k
	}
	t := models.Ticket{MerchantID: in.MerchantID, Ref: fmt.Sprintf("KD-F%d%d", time.Now().UnixNano()%1e9, n), Category: defaultStr(in.Category, "other"),
		Subject: in.Subject, Status: models.StatusNew, Priority: models.PriorityNormal, Queue: models.QueueGeneral,
		CustomerEmail: in.Email, CustomerContact: in.Contact, AccessTokenHash: auth.HashToken(tok), IdempotencyKey: idem}
	first := &models.Message{AuthorKind: models.AuthorCustomer, Body: in.Description, RequestID: "first"}
	if err := f.st.CreateTicket(ctx, &t, first); err != nil {
		return tickets.Created{}, err
	}
	return tickets.Created{Ticket: t, AccessToken: tok, StatusURL: "http://x/t/" + t.Ref + "#token=" + tok}, nil
}

func (f *fakeTickets) Act(ctx context.Context, merchantID, ticketID uint64, update string, input any) (workflows.State, error) {
	t, err := f.st.TicketByID(ctx, merchantID, ticketID)
	if err != nil {
		return workflows.State{}, err
	}
	f.mu.Lock()
	f.acts = append(f.acts, fakeAct{merchantID, ticketID, update, input})
	reject, pending := f.reject, f.pending
	f.mu.Unlock()
	if reject != "" {
		return workflows.State{}, tickets.Rejected(reject)
	}
	if pending {
		return workflows.State{}, &tickets.Pending{TicketID: t.ID, UpdateID: "u-slow"}
	}
	return workflows.State{TicketID: t.ID, MerchantID: t.MerchantID, Ref: t.Ref, Status: t.Status, Queue: t.Queue, Priority: t.Priority,
		RequestIDs: []string{"x"}, Risk: &workflows.Risk{Score: 50, Decision: "review"}}, nil
}

// UpdateResult answers a pending action: pending until done, then the ticket's state.
func (f *fakeTickets) UpdateResult(ctx context.Context, merchantID, ticketID uint64, updateID string) (workflows.State, error) {
	f.mu.Lock()
	done := f.done
	f.mu.Unlock()
	if !done {
		return workflows.State{}, &tickets.Pending{TicketID: ticketID, UpdateID: updateID}
	}
	return f.State(ctx, merchantID, ticketID)
}

func (f *fakeTickets) State(ctx context.Context, merchantID, ticketID uint64) (workflows.State, error) {
	t, err := f.st.TicketByID(ctx, merchantID, ticketID)
	if err != nil {
		return workflows.State{}, err
	}
	return workflows.State{TicketID: t.ID, MerchantID: t.MerchantID, Ref: t.Ref, Status: t.Status}, nil
}

func (f *fakeTickets) VerifyAccess(ctx context.Context, ref, token string) (models.Ticket, error) {
	return f.real.VerifyAccess(ctx, ref, token)
}

func (f *fakeTickets) ResendLink(ctx context.Context, merchantID uint64, orderNo, contact string) error {
	return nil
}

// AcceptManualCheck and RejectManualCheck are the real service's (store only: the ticket's
// workflow start fails without Temporal and is logged, as when Temporal is down).
func (f *fakeTickets) AcceptManualCheck(ctx context.Context, merchantID, id, agentID uint64, orderNo string, record tickets.Recorder) (tickets.Accepted, error) {
	return f.real.AcceptManualCheck(ctx, merchantID, id, agentID, orderNo, record)
}

func (f *fakeTickets) RejectManualCheck(ctx context.Context, merchantID, id, agentID uint64, reason string, record tickets.Recorder) (models.ManualCheck, error) {
	return f.real.RejectManualCheck(ctx, merchantID, id, agentID, reason, record)
}

func (f *fakeTickets) lastAct() fakeAct {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.acts) == 0 {
		return fakeAct{}
	}
	return f.acts[len(f.acts)-1]
}

// env is a running API over a fresh database with two merchants.
type env struct {
	t      *testing.T
	st     *store.Store
	srv    *Server
	h      http.Handler
	auth   *auth.Service
	rbac   *rbac.Enforcer
	box    *secretbox.Box
	fake   *fakeTickets
	secret []byte
	now    time.Time

	mA, mB     models.Merchant
	users      map[string]models.User // "agent", "risk_agent", "supervisor", "admin", "other_admin"
	tokens     map[string]string
	ticketA    models.Ticket
	ticketA2   models.Ticket
	tokenA     string
	tokenA2    string
	orderA     models.Order
	keyA       models.CardKey
	secretKeyA string
	victims    int
}

const testPassword = "correct horse battery"

func newEnv(t *testing.T, st *store.Store, limits RateLimits) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: st, secret: []byte("0123456789abcdef0123456789abcdef"), now: time.Now().UTC(),
		users: map[string]models.User{}, tokens: map[string]string{}}
	var err error
	if e.box, err = secretbox.New(bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	if e.rbac, err = rbac.New(ctx, st); err != nil {
		t.Fatal(err)
	}
	e.auth = auth.New(auth.Opts{Store: st, Secret: e.secret, BcryptCost: bcrypt.MinCost})
	e.fake = &fakeTickets{st: st, real: tickets.New(tickets.Opts{Store: st, Box: e.box, PublicURL: "http://keydesk.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})}
	if limits == (RateLimits{}) {
		limits = RateLimits{Public: Limit{rate.Inf, 1}, Login: Limit{rate.Inf, 1}, Integration: Limit{rate.Inf, 1}}
	}
	e.srv, err = newServer(Deps{Store: st, Tickets: e.fake, RBAC: e.rbac, Auth: e.auth, Box: e.box,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PublicURL: "http://keydesk.test", RateLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	if e.h, err = e.srv.engine(); err != nil {
		t.Fatal(err)
	}
	e.seed(ctx)
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) seed(ctx context.Context) {
	e.mA = models.Merchant{Slug: "shop-a", Name: "Shop A", Timezone: "UTC"}
	e.mB = models.Merchant{Slug: "shop-b", Name: "Shop B", Timezone: "UTC"}
	e.must(e.st.DB(ctx).Create(&e.mA).Error)
	e.must(e.st.DB(ctx).Create(&e.mB).Error)
	for _, r := range rbac.AllRoles {
		e.users[r] = e.addUser(ctx, r+"@a.test", e.mA.ID, r)
	}
	e.users["other_admin"] = e.addUser(ctx, "admin@b.test", e.mB.ID, rbac.RoleAdmin)
	e.users["norole"] = e.addUser(ctx, "norole@a.test", e.mA.ID, "")
	for name, u := range e.users {
		tok, _, err := e.auth.IssueAccess(u)
		e.must(err)
		e.tokens[name] = tok
	}
	p := models.Product{MerchantID: e.mA.ID, SKU: "SKU-A", Name: "Game", Price: 1000, Currency: "USD"}
	e.must(e.st.DB(ctx).Create(&p).Error)
	e.orderA = models.Order{MerchantID: e.mA.ID, OrderNo: "A-1001", ProductID: p.ID, Quantity: 1, Amount: 1000, Currency: "USD",
		BuyerEmail: "buyer@a.test", PaidAt: e.now, Status: models.OrderDelivered}
	e.must(e.st.DB(ctx).Create(&e.orderA).Error)
	e.secretKeyA = "AAAA-BBBB-CCCC-DDDD"
	batch := models.KeyBatch{MerchantID: e.mA.ID, ProductID: p.ID, Label: "b1", Source: "seed", Status: models.BatchActive}
	e.must(e.st.DB(ctx).Create(&batch).Error)
	e.keyA = models.CardKey{MerchantID: e.mA.ID, ProductID: p.ID, BatchID: batch.ID, SecretCipher: e.box.Seal([]byte(e.secretKeyA), store.CardKeyAAD(p.ID)),
		SecretHash: e.box.Hash(store.CardKeyHashScope(p.ID), e.secretKeyA), Status: models.KeyDelivered, OrderID: &e.orderA.ID}
	e.must(e.st.DB(ctx).Create(&e.keyA).Error)
	e.must(e.st.DB(ctx).Create(&models.Delivery{MerchantID: e.mA.ID, OrderID: e.orderA.ID, CardKeyID: e.keyA.ID, Kind: models.DeliveryInitial}).Error)
	c1, err := e.fake.Create(ctx, tickets.CreateInput{MerchantID: e.mA.ID, OrderNo: "A-1001", Email: "buyer@a.test", Subject: "A-secret-subject", Description: "my key does not work"})
	e.must(err)
	c2, err := e.fake.Create(ctx, tickets.CreateInput{MerchantID: e.mA.ID, OrderNo: "A-1001", Email: "buyer@a.test", Subject: "second", Description: "another"})
	e.must(err)
	e.ticketA, e.tokenA, e.ticketA2, e.tokenA2 = c1.Ticket, c1.AccessToken, c2.Ticket, c2.AccessToken
	e.must(e.st.AddMessages(ctx, []models.Message{{MerchantID: e.mA.ID, TicketID: e.ticketA.ID, AuthorKind: models.AuthorAgent,
		Body: "INTERNAL-NOTE-TEXT", Internal: true, RequestID: "note-1"}}))
}

func (e *env) addUser(ctx context.Context, email string, merchant uint64, role string) models.User {
	h, err := e.auth.HashPassword(testPassword)
	e.must(err)
	m := merchant
	u := models.User{MerchantID: &m, Email: email, Name: strings.Split(email, "@")[0], PasswordHash: h, Active: true}
	e.must(e.st.CreateUser(ctx, &u))
	if role != "" {
		e.must(e.rbac.Grant(ctx, u.ID, role, merchant))
	}
	return u
}

// do sends a request; body may be a string (sent raw) or a value (JSON encoded).
func (e *env) do(method, path string, body any, hdr map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		e.must(err)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = "192.0.2.10:1234"
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func bearerHdr(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok}
}

// errorOf decodes the error shape, failing when the body does not have it.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) Error {
	t.Helper()
	var b struct {
		Error *Error `json:"error"`
	}
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Error == nil {
		t.Fatalf("status %d: body is not the error shape: %v: %s", w.Code, err, w.Body.String())
	}
	if b.Error.Code == "" || b.Error.Message == "" || b.Error.RequestID == "" {
		t.Fatalf("error shape incomplete: %+v", b.Error)
	}
	return *b.Error
}

func base64URL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
