package api

// Regression tests of issue 14 at the API edge (the ticket service's own tests are in
// tickets/hardening_test.go, the outbound URL policy's in internal/netguard and
// TestWebhookURLPolicy).

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/go-sql-driver/mysql"
	"go.temporal.io/api/serviceerror"
	"golang.org/x/time/rate"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/keydesk/keydesk/internal/auth"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// withTickets rebuilds the env's router over another ticket service.
func (e *env) withTickets(ts TicketService) {
	e.t.Helper()
	e.srv.d.Tickets = ts
	h, err := e.srv.engine()
	e.must(err)
	e.h = h
}

// TestIdempotencyKeyReuseIsA422 (finding 1): the service's refusal of a reused key reaches
// the client as 422 idempotency_key_reused in the error shape, with no ticket data.
func TestIdempotencyKeyReuseIsA422(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	e.withTickets(&errTicketsCreate{fakeTickets: e.fake, err: tickets.ErrIdempotencyKeyReused})
	w := e.do("POST", V1+"/tickets", `{"merchant":"shop-a","order_no":"A-1001","email":"buyer@a.test","subject":"s","description":"d"}`,
		map[string]string{"Idempotency-Key": "order-A-1001"})
	er := errorOf(t, w)
	if w.Code != http.StatusUnprocessableEntity || er.Code != CodeIdempotencyReused || er.Fields["Idempotency-Key"] == "" {
		t.Fatalf("reused key: %d %+v", w.Code, er)
	}
	if strings.Contains(w.Body.String(), "token") || strings.Contains(w.Body.String(), "KD-") {
		t.Fatalf("reused key answer carries ticket data: %s", w.Body.String())
	}
	// The OpenAPI document names the answer, and the 503 every route may give.
	var spec struct {
		Paths map[string]map[string]struct {
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	e.must(json.Unmarshal(e.do("GET", "/api/openapi.json", nil, nil).Body.Bytes(), &spec))
	resp := spec.Paths[V1+"/tickets"]["post"].Responses
	if resp["422"] == nil || resp["503"] == nil {
		t.Fatalf("POST /tickets responses: %v", resp)
	}
}

type errTicketsCreate struct {
	*fakeTickets
	err error
}

func (f *errTicketsCreate) Create(context.Context, tickets.CreateInput) (tickets.Created, error) {
	return tickets.Created{}, f.err
}

// TestStaffEmailsDoNotLeakAcrossMerchants (finding 4): an admin of shop B creating a user
// with shop A's staff e-mail gets a new account of B (nothing says A has that person); both
// accounts sign in with their own passwords; a clash inside B is still refused.
func TestStaffEmailsDoNotLeakAcrossMerchants(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	other := bearerHdr(e.tokens["other_admin"])
	w := e.do("POST", V1+"/users", createUserReq{Email: "agent@a.test", Name: "Also at B", Roles: []string{"agent"}}, other)
	var created createUserResp
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &created) != nil || created.Password == "" {
		t.Fatalf("B creates a user with A's staff e-mail: %d %s", w.Code, w.Body.String())
	}
	if created.User.MerchantID == nil || *created.User.MerchantID != e.mB.ID {
		t.Fatalf("new user belongs to %v", created.User.MerchantID)
	}
	login := func(pw string) (int, loginResp) {
		w := e.do("POST", V1+"/auth/login", loginReq{Email: "AGENT@a.test", Password: pw}, nil)
		var r loginResp
		_ = json.Unmarshal(w.Body.Bytes(), &r)
		return w.Code, r
	}
	if code, r := login(testPassword); code != http.StatusOK || r.User.ID != e.users["agent"].ID {
		t.Fatalf("A's agent login: %d %+v", code, r.User)
	}
	if code, r := login(created.Password); code != http.StatusOK || r.User.ID != created.User.ID {
		t.Fatalf("B's new user login: %d %+v", code, r.User)
	}
	w = e.do("POST", V1+"/users", createUserReq{Email: "agent@a.test", Name: "Twice", Roles: []string{"agent"}}, other)
	if er := errorOf(t, w); w.Code != http.StatusBadRequest || !strings.Contains(er.Fields["email"], "this shop") {
		t.Fatalf("clash inside B: %d %+v", w.Code, er)
	}
}

// TestRefreshFamilyAndLogout (finding 5): replaying a rotated refresh token revokes the
// whole family, including the newest refresh token and the access tokens issued with it;
// logout denies the access token it was called with, in every API process (a second server
// over the same database); changing a password to the same password is refused.
func TestRefreshFamilyAndLogout(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	login := func() loginResp {
		w := e.do("POST", V1+"/auth/login", loginReq{Email: "agent@a.test", Password: testPassword}, nil)
		var r loginResp
		if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &r) != nil {
			t.Fatalf("login: %d %s", w.Code, w.Body.String())
		}
		return r
	}
	refresh := func(tok string) (int, loginResp) {
		w := e.do("POST", V1+"/auth/refresh", refreshReq{RefreshToken: tok}, nil)
		var r loginResp
		_ = json.Unmarshal(w.Body.Bytes(), &r)
		return w.Code, r
	}
	me := func(h http.Handler, access string) int {
		req := httptest.NewRequest("GET", V1+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}

	first := login()
	code, second := refresh(first.RefreshToken)
	if code != http.StatusOK || me(e.h, second.AccessToken) != http.StatusOK {
		t.Fatalf("rotation: %d", code)
	}
	if code, _ := refresh(first.RefreshToken); code != http.StatusUnauthorized {
		t.Fatalf("replayed refresh token: %d", code)
	}
	if code, _ := refresh(second.RefreshToken); code != http.StatusUnauthorized {
		t.Fatalf("the family's newest refresh token still works after a replay: %d", code)
	}
	if c := me(e.h, second.AccessToken); c != http.StatusUnauthorized {
		t.Fatalf("the family's access token still works after a replay: %d", c)
	}
	// Another login (another family) is untouched.
	other := login()
	if me(e.h, other.AccessToken) != http.StatusOK {
		t.Fatal("an unrelated session died")
	}

	// Logout denies the access token, here and in a second API process.
	srv2, err := newServer(Deps{Store: e.st, Tickets: e.fake, RBAC: e.rbac, Auth: auth.New(auth.Opts{Store: e.st, Secret: e.secret}),
		Box: e.box, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.must(err)
	h2, err := srv2.engine()
	e.must(err)
	if me(h2, other.AccessToken) != http.StatusOK {
		t.Fatal("second process refuses a live token")
	}
	if w := e.do("POST", V1+"/auth/logout", logoutReq{RefreshToken: other.RefreshToken}, bearerHdr(other.AccessToken)); w.Code != http.StatusNoContent {
		t.Fatalf("logout: %d %s", w.Code, w.Body.String())
	}
	if c1, c2 := me(e.h, other.AccessToken), me(h2, other.AccessToken); c1 != http.StatusUnauthorized || c2 != http.StatusUnauthorized {
		t.Fatalf("access token after logout: %d here, %d in another process", c1, c2)
	}
	if code, _ := refresh(other.RefreshToken); code != http.StatusUnauthorized {
		t.Fatalf("refresh after logout: %d", code)
	}

	third := login()
	w := e.do("POST", V1+"/auth/password", passwordReq{CurrentPassword: testPassword, NewPassword: testPassword}, bearerHdr(third.AccessToken))
	if er := errorOf(t, w); w.Code != http.StatusBadRequest || er.Fields["new_password"] == "" {
		t.Fatalf("same password accepted: %d %+v", w.Code, er)
	}
}

// TestDatabaseFaultsAre503 (finding 6): with the database refusing writes (read-only here;
// locked, busy, deadlocked and unreachable databases are classified alike), a write answers
// 503 with Retry-After in the error shape, not 500; /readyz fails although a ping works, and
// recovers when writes do.
func TestDatabaseFaultsAre503(t *testing.T) {
	testdb.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, RateLimits{})
		sqlDB, err := st.SQL()
		e.must(err)
		sqlDB.SetMaxOpenConns(1) // one connection, so the session setting below holds for every query
		sqlDB.SetMaxIdleConns(1)
		readOnly, writable := "PRAGMA query_only = 1", "PRAGMA query_only = 0"
		if st.Dialect() == migrations.MySQL {
			readOnly, writable = "SET SESSION TRANSACTION READ ONLY", "SET SESSION TRANSACTION READ WRITE"
		}
		if w := e.do("GET", "/readyz", nil, nil); w.Code != http.StatusOK {
			t.Fatalf("readyz before: %d %s", w.Code, w.Body.String())
		}
		_, err = sqlDB.Exec(readOnly)
		e.must(err)
		e.srv.probe = writeProbe{} // forget the cached good probe
		if err := st.Ping(context.Background()); err != nil {
			t.Fatalf("ping of a read-only database: %v", err)
		}
		w := e.do("POST", V1+"/webhooks", webhookExample, bearerHdr(e.tokens["admin"]))
		er := errorOf(t, w)
		if w.Code != http.StatusServiceUnavailable || er.Code != CodeUnavailable || w.Header().Get("Retry-After") == "" {
			t.Fatalf("write on a read-only database: %d %+v Retry-After=%q", w.Code, er, w.Header().Get("Retry-After"))
		}
		w = e.do("GET", "/readyz", nil, nil)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
			t.Fatalf("readyz on a read-only database: %d", w.Code)
		}
		_, err = sqlDB.Exec(writable)
		e.must(err)
		e.srv.probe = writeProbe{}
		if w := e.do("GET", "/readyz", nil, nil); w.Code != http.StatusOK {
			t.Fatalf("readyz after recovery: %d %s", w.Code, w.Body.String())
		}
	})
}

// TestUnavailableClassification: the faults the attack run and the brief name map to 503,
// ordinary errors do not.
func TestUnavailableClassification(t *testing.T) {
	for name, err := range map[string]error{
		"mysql deadlock":            &mysql.MySQLError{Number: 1213, Message: "Deadlock found"},
		"mysql lock wait":           &mysql.MySQLError{Number: 1205},
		"mysql read-only":           &mysql.MySQLError{Number: 1290},
		"mysql gone":                mysql.ErrInvalidConn,
		"mysql refused":             fmt.Errorf("list: %w", &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}),
		"connection lost":           driver.ErrBadConn,
		"wrapped store unavailable": errors.Join(errors.New("x"), store.ErrUnavailable),
		"temporal unavailable":      serviceerror.NewUnavailable("connection refused"),
		"temporal deadline":         serviceerror.NewDeadlineExceeded("context deadline exceeded"),
		"grpc unavailable":          status.Error(codes.Unavailable, "no connection"),
	} {
		if e := toError(err); e.Status != http.StatusServiceUnavailable || e.Code != CodeUnavailable || e.retryAfter <= 0 {
			t.Errorf("%s: %d %s", name, e.Status, e.Code)
		}
	}
	for name, err := range map[string]error{
		"mysql duplicate": &mysql.MySQLError{Number: 1062},
		"plain":           errors.New("boom"),
		"grpc invalid":    status.Error(codes.InvalidArgument, "bad"),
		"not found":       store.ErrNotFound,
	} {
		if e := toError(err); e.Status == http.StatusServiceUnavailable {
			t.Errorf("%s answered 503", name)
		}
	}
}

// TestTemporalUnavailableIs503: a workflow action while Temporal is down answers 503 with
// Retry-After, not 500.
func TestTemporalUnavailableIs503(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	e.withTickets(&errActTickets{fakeTickets: e.fake, err: serviceerror.NewUnavailable("dial tcp 127.0.0.1:7233: connect: connection refused")})
	w := e.do("POST", V1+"/tickets/"+e.ticketA.Ref+"/messages", messageReq{Body: "hello"}, bearerHdr(e.tokenA))
	er := errorOf(t, w)
	if w.Code != http.StatusServiceUnavailable || er.Code != CodeUnavailable || w.Header().Get("Retry-After") != strconv.Itoa(retryAfterTemporal) {
		t.Fatalf("Temporal down: %d %+v %q", w.Code, er, w.Header().Get("Retry-After"))
	}
	if strings.Contains(w.Body.String(), "7233") {
		t.Fatalf("the answer leaks the cause: %s", w.Body.String())
	}
}

// TestPagesAnswer200 (finding 7): a page mounted beside the API answers 200, a path that is
// not a page 404, an unknown API path the JSON 404.
func TestPagesAnswer200(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<html>home</html>") })
	mux.HandleFunc("GET /support/{merchant}/{$}", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "<html>form</html>") })
	e.srv.d.Pages = mux
	h, err := e.srv.engine()
	e.must(err)
	e.h = h
	for path, want := range map[string]int{"/": 200, "/support/shop-a/": 200, "/no-such-page": 404, V1 + "/no-such-route": 404} {
		if w := e.do("GET", path, nil, nil); w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
	if w := e.do("GET", V1+"/no-such-route", nil, nil); errorOf(t, w).Code != CodeNotFound {
		t.Error("unknown API path not in the error shape")
	}
}

// TestJWTShapedGarbageIsRateLimited (finding 8): a bearer string with three dots that is not
// a valid staff token does not skip the buyer rate limit; a real staff token still does.
func TestJWTShapedGarbageIsRateLimited(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{Public: Limit{rate.Every(1e9 * 3600), 3}, Login: Limit{rate.Inf, 1}, Integration: Limit{rate.Inf, 1}})
	path := V1 + "/tickets/" + e.ticketA.Ref
	limited := 0
	for range 10 {
		if w := e.do("GET", path, nil, bearerHdr("aaa.bbb.ccc")); w.Code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 6 {
		t.Fatalf("only %d of 10 forged-JWT requests were limited", limited)
	}
	for range 10 {
		if w := e.do("GET", V1+"/tickets/"+strconv.FormatUint(e.ticketA.ID, 10), nil, bearerHdr(e.tokens["agent"])); w.Code == http.StatusTooManyRequests {
			t.Fatal("a real staff token was rate limited as a buyer")
		}
	}
}

type errActTickets struct {
	*fakeTickets
	err error
}

func (f *errActTickets) Act(context.Context, uint64, uint64, string, any) (workflows.State, error) {
	return workflows.State{}, f.err
}

// TestNULBytesAreRefused (finding 8): a NUL character in any string field is a 400 naming
// the field, before anything is stored.
func TestNULBytesAreRefused(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	w := e.do("POST", V1+"/tickets", `{"merchant":"shop-a","order_no":"A-1001","email":"buyer@a.test","subject":"bad\u0000subject","description":"d"}`, nil)
	if er := errorOf(t, w); w.Code != http.StatusBadRequest || er.Fields["subject"] == "" {
		t.Fatalf("NUL in subject: %d %+v", w.Code, er)
	}
	w = e.do("POST", V1+"/webhooks", `{"url":"https://shop.example/h","events":["message.outbound\u0000"]}`, bearerHdr(e.tokens["admin"]))
	if er := errorOf(t, w); w.Code != http.StatusBadRequest || er.Fields["events"] == "" {
		t.Fatalf("NUL in a list: %d %+v", w.Code, er)
	}
	// An escaped backslash followed by "u0000" is text, not NUL.
	if w := e.do("POST", V1+"/tickets", `{"merchant":"shop-a","order_no":"A-1001","email":"buyer@a.test","subject":"path C:\\u0000","description":"d"}`, nil); w.Code != http.StatusCreated {
		t.Fatalf("literal backslash-u text refused: %d %s", w.Code, w.Body.String())
	}
}

// TestStaffReplyLimitCountsCharacters (finding 8): a 7,000-character Chinese reply (21,000
// bytes) is accepted like the workflow accepts it; 20,001 characters are refused.
func TestStaffReplyLimitCountsCharacters(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	path := V1 + "/tickets/" + strconv.FormatUint(e.ticketA.ID, 10) + "/reply"
	agent := bearerHdr(e.tokens["agent"])
	if w := e.do("POST", path, replyReq{Body: strings.Repeat("退", 7000)}, agent); w.Code != http.StatusOK {
		t.Fatalf("7,000 Chinese characters: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", path, replyReq{Body: strings.Repeat("a", 20001)}, agent); w.Code != http.StatusBadRequest {
		t.Fatalf("20,001 characters: %d", w.Code)
	}
}

// TestStaffRoutesAcceptRefs (finding 9): staff routes take a ticket's public ref as well as
// its id; another merchant's ref is a 404 like an unknown one.
func TestStaffRoutesAcceptRefs(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	w := e.do("GET", V1+"/tickets/"+e.ticketA.Ref, nil, bearerHdr(e.tokens["agent"]))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), e.ticketA.Ref) {
		t.Fatalf("staff detail by ref: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", V1+"/tickets/"+e.ticketA.Ref+"/note", replyReq{Body: "by ref"}, bearerHdr(e.tokens["agent"])); w.Code != http.StatusOK {
		t.Fatalf("staff action by ref: %d %s", w.Code, w.Body.String())
	}
	if act := e.fake.lastAct(); act.Ticket != e.ticketA.ID {
		t.Fatalf("acted on %d, want %d", act.Ticket, e.ticketA.ID)
	}
	if w := e.do("GET", V1+"/tickets/"+e.ticketA.Ref, nil, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusNotFound {
		t.Fatalf("another merchant's ref: %d", w.Code)
	}
}
