package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/payments"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/workflows"
)

// payEnv is env with the payment gateways wired and the signals recorded.
type payEnv struct {
	*env
	sim     *payments.Simulator
	simKey  []byte
	mu      sync.Mutex
	signals []string
}

func newPayEnv(t *testing.T) *payEnv {
	e := &payEnv{env: newEnv(t, testdb.SQLite(t), RateLimits{}), simKey: []byte("simulator-notify-secret")}
	e.sim = payments.NewSimulator(payments.SimConfig{NotifySecret: e.simKey})
	reg := payments.NewRegistry()
	reg.Register(payments.SimulatorName, payments.Static(e.sim))
	reg.Register(payments.ManualName, payments.Static(payments.Manual{}))
	e.srv.d.Payments = PaymentsDeps{Gateways: reg, Signal: func(_ context.Context, id, name string, _ any) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.signals = append(e.signals, id+" "+name)
		return nil
	}}
	return e
}

func (e *payEnv) refund(no, gateway, status string) models.Refund {
	r := models.Refund{MerchantID: e.mA.ID, TicketID: e.ticketA.ID, OrderID: e.orderA.ID, OutRefundNo: no, Amount: 1000,
		Currency: "USD", Status: status, Gateway: gateway}
	e.must(e.st.DB(context.Background()).Create(&r).Error)
	return r
}

// notify posts a notification signed with secret.
func (e *payEnv) notify(gateway string, n payments.Notification, secret []byte, at time.Time) *httptest.ResponseRecorder {
	req, err := payments.NewNotificationRequest("http://x", "", secret, n, at)
	e.must(err)
	body, _ := json.Marshal(payments.Notification{OutRefundNo: n.OutRefundNo, Status: n.Status, GatewayRefundID: n.GatewayRefundID, Reason: n.Reason})
	return e.do(http.MethodPost, V1+"/payments/"+gateway+"/notify", body, map[string]string{
		payments.HeaderTimestamp: req.Header.Get(payments.HeaderTimestamp), payments.HeaderSignature: req.Header.Get(payments.HeaderSignature)})
}

func (e *payEnv) status(no string) string {
	r, err := e.st.RefundByOutNo(context.Background(), no)
	e.must(err)
	return r.Status
}

func TestPaymentNotifyStoresStatusAndSignals(t *testing.T) {
	e := newPayEnv(t)
	e.refund("KD-A-R1", payments.SimulatorName, models.RefundSubmitted)
	e.refund("KD-A-R2", payments.ManualName, models.RefundSubmitted)
	ok := payments.Notification{OutRefundNo: "KD-A-R1", Status: payments.StatusSucceeded, GatewayRefundID: "SIM-9"}

	if w := e.notify("simulator", ok, []byte("wrong"), time.Now()); w.Code != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d %s", w.Code, w.Body.String())
	}
	if w := e.notify("simulator", ok, e.simKey, time.Now().Add(-time.Hour)); w.Code != http.StatusUnauthorized {
		t.Fatalf("stale timestamp: %d", w.Code)
	}
	if e.status("KD-A-R1") != models.RefundSubmitted || len(e.signals) != 0 {
		t.Fatal("a rejected notification changed something")
	}
	w := e.notify("simulator", ok, e.simKey, time.Now())
	if w.Code != http.StatusOK || e.status("KD-A-R1") != models.RefundSucceeded {
		t.Fatalf("notify: %d %s, row %s", w.Code, w.Body.String(), e.status("KD-A-R1"))
	}
	if len(e.signals) != 1 || e.signals[0] != workflows.RefundWorkflowID("KD-A-R1")+" "+workflows.SignalRefundStatus {
		t.Fatalf("signals = %v", e.signals)
	}
	// Applied to the order at once, even if the refund's workflow no longer waits.
	o, _ := e.st.OrderByID(context.Background(), e.mA.ID, e.orderA.ID)
	var k models.CardKey
	e.must(e.st.DB(context.Background()).Take(&k, e.keyA.ID).Error)
	if o.Status != models.OrderRefunded || o.RefundedAmount != 1000 || k.Status != models.KeyRevoked {
		t.Fatalf("order %s %d, key %s after a succeeded notification", o.Status, o.RefundedAmount, k.Status)
	}
	late := payments.Notification{OutRefundNo: "KD-A-R1", Status: payments.StatusFailed, Reason: "late"}
	if w := e.notify("simulator", late, e.simKey, time.Now()); w.Code != http.StatusOK || e.status("KD-A-R1") != models.RefundSucceeded {
		t.Fatalf("a late failure must not undo success: %d row %s", w.Code, e.status("KD-A-R1"))
	}
	for name, n := range map[string]payments.Notification{
		"unknown refund":         {OutRefundNo: "nope", Status: payments.StatusSucceeded},
		"other gateway's refund": {OutRefundNo: "KD-A-R2", Status: payments.StatusSucceeded},
	} {
		if w := e.notify("simulator", n, e.simKey, time.Now()); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", name, w.Code)
		}
	}
	if w := e.notify("nonexistent", ok, e.simKey, time.Now()); w.Code != http.StatusNotFound {
		t.Errorf("unknown gateway: %d", w.Code)
	}
	if w := e.notify("manual", ok, e.simKey, time.Now()); w.Code != http.StatusNotFound {
		t.Errorf("manual takes no callbacks: %d", w.Code)
	}
}

func TestConfirmManualRefund(t *testing.T) {
	e := newPayEnv(t)
	r := e.refund("KD-A-R1", payments.ManualName, models.RefundSubmitted)
	sim := e.refund("KD-A-R2", payments.SimulatorName, models.RefundSubmitted)
	path := V1 + "/refunds/" + strconv.FormatUint(r.ID, 10) + "/confirm"
	body := confirmReq{Status: "succeeded", Reference: "bank 4711"}
	if w := e.do(http.MethodPost, path, body, bearerHdr(e.tokens["agent"])); w.Code != http.StatusForbidden {
		t.Fatalf("agent confirming a payout: %d", w.Code)
	}
	if w := e.do(http.MethodPost, path, confirmReq{Status: "failed"}, bearerHdr(e.tokens["supervisor"])); w.Code != http.StatusBadRequest {
		t.Fatalf("failed without a reason: %d", w.Code)
	}
	if w := e.do(http.MethodPost, path, body, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusNotFound {
		t.Fatalf("another merchant: %d", w.Code)
	}
	w := e.do(http.MethodPost, path, body, bearerHdr(e.tokens["supervisor"]))
	if w.Code != http.StatusOK || e.status("KD-A-R1") != models.RefundSucceeded {
		t.Fatalf("confirm: %d %s", w.Code, w.Body.String())
	}
	if w := e.do(http.MethodPost, path, body, bearerHdr(e.tokens["supervisor"])); w.Code != http.StatusConflict {
		t.Fatalf("second confirm: %d", w.Code)
	}
	simPath := V1 + "/refunds/" + strconv.FormatUint(sim.ID, 10) + "/confirm"
	if w := e.do(http.MethodPost, simPath, body, bearerHdr(e.tokens["supervisor"])); w.Code != http.StatusConflict {
		t.Fatalf("confirming a gateway refund by hand: %d", w.Code)
	}
	mid := e.mA.ID
	audits, _, err := e.st.ListAudit(context.Background(), store.AuditFilter{MerchantID: &mid, Action: AuditRefundConfirm})
	if err != nil || len(audits) != 1 || audits[0].ActorID == nil || *audits[0].ActorID != e.users["supervisor"].ID {
		t.Fatalf("audit = %+v %v", audits, err)
	}
	w = e.do(http.MethodGet, V1+"/tickets/"+strconv.FormatUint(e.ticketA.ID, 10)+"/refunds", nil, bearerHdr(e.tokens["agent"]))
	var list refundsResp
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Refunds) != 2 {
		t.Fatalf("list: %d %s", w.Code, w.Body.String())
	}
}
