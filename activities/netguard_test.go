package activities_test

import (
	"os"
	"strings"
	"testing"

	"github.com/keydesk/keydesk/internal/netguard"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/store"
)

// TestMain allows loopback destinations for this package's tests, whose shops are httptest
// servers on 127.0.0.1 over plain http — what an operator does for an on-premise shop with
// KEYDESK_WEBHOOK_ALLOW_PRIVATE. Production leaves it unset: internal addresses are refused.
func TestMain(m *testing.M) {
	if os.Getenv(netguard.EnvAllowPrivate) == "" {
		_ = os.Setenv(netguard.EnvAllowPrivate, "127.0.0.0/8,::1")
	}
	os.Exit(m.Run())
}

// TestDeliveryRefusesInternalEndpoints: without the operator's allowance a delivery to an
// endpoint on loopback is refused when it connects (the row may have been saved before the
// policy, or its name may resolve there), nothing reaches the endpoint, the failure is final
// (no retry) and what admins see names the rule, not the network.
func TestDeliveryRefusesInternalEndpoints(t *testing.T) {
	s := testdb.SQLite(t)
	sh := newShop(t)
	t.Setenv(netguard.EnvAllowPrivate, "")
	f := newOBFixture(t, s, sh.srv.URL+"/hook", "")
	res, err := f.act.DeliverOutbound(f.ctx, f.msg.ID)
	if err != nil || res.Delivered != 0 {
		t.Fatalf("blocked delivery: %+v %v", res, err)
	}
	if n := len(sh.requests()); n != 0 {
		t.Fatalf("%d requests reached the loopback endpoint", n)
	}
	ds := f.deliveries(t)
	if len(ds) != 1 || ds[0].Status != store.DeliveryFailed || !strings.Contains(ds[0].LastError, "loopback") ||
		strings.Contains(ds[0].LastError, "127.0.0.1") || strings.Contains(ds[0].LastError, "dial") {
		t.Fatalf("deliveries: %+v", ds)
	}
	if f.sentAt(t) != nil {
		t.Fatal("message marked sent")
	}
}
