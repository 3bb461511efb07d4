package activities_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
)

// BenchmarkBuildEvidenceReport builds the report of a dispute whose order has 2 keys, 3 key
// events, 3 messages, a refund and 200 earlier orders of the same buyer (50 listed), on SQLite.
func BenchmarkBuildEvidenceReport(b *testing.B) {
	f, d := disputeFixture(b, testdb.SQLite(b))
	for i := range 200 {
		f.create(&models.Order{MerchantID: f.m.ID, OrderNo: fmt.Sprintf("OLD-%d", i), ProductID: f.p.ID, Quantity: 1, Amount: 1000,
			Currency: "EUR", BuyerEmail: "bob@example.com", BuyerIP: "203.0.113.7", DeviceID: "dev-1",
			PaidAt: f.o.PaidAt.Add(-time.Duration(i+1) * time.Hour), Status: models.OrderDelivered})
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := f.act.BuildEvidenceReport(f.ctx, d)
		if err != nil || len(rep.PriorOrders) != 50 {
			b.Fatalf("report: %v, %d prior orders", err, len(rep.PriorOrders))
		}
	}
}
