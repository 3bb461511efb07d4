package activities_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// BenchmarkReissueKey times ReissueKey alone (the database part of the reissue path:
// locked claim, allocation, delivery, events, low-stock check), sequentially and with
// parallel callers, on SQLite and (with KEYDESK_TEST_MYSQL_DSN) MariaDB/MySQL.
func BenchmarkReissueKey(b *testing.B) {
	dbs := []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", func(tb testing.TB) *store.Store { return testdb.SQLite(tb) }}, {"mysql", func(tb testing.TB) *store.Store { return testdb.MySQL(tb) }}}
	for _, db := range dbs {
		for _, parallel := range []bool{false, true} {
			name := db.name + "/sequential"
			if parallel {
				name = db.name + "/parallel"
			}
			b.Run(name, func(b *testing.B) {
				f := newRIFixture(b, db.open(b), false)
				f.addStock(b.N)
				tickets := make([]uint64, b.N)
				for i := range tickets {
					buyer := riBuyer{email: fmt.Sprintf("b%d@example.com", i)}
					o, _ := f.order(buyer, f.initial, f.now.Add(-time.Hour))
					tickets[i] = f.ticket(&o, buyer, "key_invalid", f.now).ID
				}
				var next atomic.Int64
				call := func() {
					id := tickets[next.Add(1)-1]
					r, err := f.act.ReissueKey(f.ctx, activities.ReissueInput{TicketID: id})
					if err != nil || r.Status != activities.ReissueDelivered {
						b.Fatalf("ticket %d: %+v, %v", id, r, err)
					}
				}
				b.ResetTimer()
				if parallel {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							call()
						}
					})
				} else {
					for range b.N {
						call()
					}
				}
				b.StopTimer()
				if n := f.count(&models.Delivery{}, "kind = ?", models.DeliveryReissue); n != int64(b.N) {
					b.Fatalf("%d deliveries for %d calls", n, b.N)
				}
			})
		}
	}
}
