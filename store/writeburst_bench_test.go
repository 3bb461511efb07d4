package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// BenchmarkWriteBurst times small write transactions issued by many goroutines at once, the
// way an SLA breach wave records its escalations (each: read a row, append an event, update
// the ticket), and prints the latency of one transaction from the call to its commit:
//
//	go test ./store -run '^$' -bench WriteBurst -benchtime=1x
func BenchmarkWriteBurst(b *testing.B) {
	for _, writers := range []int{8, 64} {
		b.Run(fmt.Sprintf("sqlite-%dwriters", writers), func(b *testing.B) {
			s := testdb.SQLite(b)
			ctx := context.Background()
			m := models.Merchant{Slug: "burst", Name: "burst", Timezone: "UTC"}
			if err := s.DB(ctx).Create(&m).Error; err != nil {
				b.Fatal(err)
			}
			const perWriter = 50
			for range b.N {
				start := time.Now()
				lat := writeBurst(b, s, m.ID, writers, perWriter)
				rate := float64(len(lat)) / time.Since(start).Seconds()
				slices.Sort(lat)
				p := func(q int) time.Duration { return lat[len(lat)*q/100].Round(10 * time.Microsecond) }
				b.ReportMetric(float64(p(99).Microseconds()), "p99-µs")
				b.ReportMetric(rate, "tx/s")
				fmt.Printf("write burst, SQLite, %d writers × %d transactions: %.0f/s; each p50 %v  p99 %v  max %v\n",
					writers, perWriter, rate, p(50), p(99), lat[len(lat)-1].Round(10*time.Microsecond))
			}
		})
	}
}

func writeBurst(b *testing.B, s *store.Store, merchantID uint64, writers, perWriter int) []time.Duration {
	ctx := context.Background()
	var (
		mu  sync.Mutex
		lat []time.Duration
		wg  sync.WaitGroup
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := models.Ticket{MerchantID: merchantID, Ref: fmt.Sprintf("KD-W%d-%d", w, time.Now().UnixNano()), Status: models.StatusOpen,
				Priority: "normal", Queue: "general", SLAState: "ok"}
			if err := s.DB(ctx).Create(&t).Error; err != nil {
				b.Error(err)
				return
			}
			for i := range perWriter {
				start := time.Now()
				err := s.InTx(ctx, func(ctx context.Context) error {
					var cur models.Ticket
					if err := s.DB(ctx).First(&cur, t.ID).Error; err != nil {
						return err
					}
					ev := models.TicketEvent{MerchantID: merchantID, TicketID: t.ID, EventKey: fmt.Sprintf("b-%d", i), Kind: "sla_breach",
						ActorKind: "system", Data: models.JSON(`{}`), CreatedAt: start}
					if err := s.DB(ctx).Create(&ev).Error; err != nil {
						return err
					}
					return s.DB(ctx).Model(&cur).Updates(map[string]any{"escalation_level": i % 4, "updated_at": time.Now()}).Error
				})
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat
}
