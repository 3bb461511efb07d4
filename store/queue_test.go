package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestQueueOrderFiltersAndCursor: SLA order with ties and tickets without a deadline last,
// filters, merchant isolation, and a cursor walk that sees every ticket exactly once.
func TestQueueOrderFiltersAndCursor(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m1, m2 := models.Merchant{Slug: "q1"}, models.Merchant{Slug: "q2"}
		if err := s.DB(ctx).Create(&m1).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.DB(ctx).Create(&m2).Error; err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
		statuses := []string{models.StatusNew, models.StatusOpen, models.StatusPendingCustomer, models.StatusResolved}
		var want []uint64 // expected order of m1's open general tickets
		var nulls []uint64
		agent := uint64(7)
		for i := 0; i < 40; i++ {
			tk := models.Ticket{MerchantID: m1.ID, Ref: fmt.Sprintf("Q-%d", i), Status: statuses[i%4], Queue: models.QueueGeneral,
				Priority: models.PriorityNormal, Category: "other"}
			if i%5 != 0 {
				due := base.Add(time.Duration((i*7)%13) * time.Minute) // ties on purpose
				tk.SLADueAt = &due
			}
			if i%3 == 0 {
				tk.AssigneeID = &agent
			}
			if i%6 == 0 {
				tk.Priority = models.PriorityUrgent
			}
			if err := s.DB(ctx).Create(&tk).Error; err != nil {
				t.Fatal(err)
			}
		}
		other := models.Ticket{MerchantID: m2.ID, Ref: "Q-other", Status: models.StatusNew, Queue: models.QueueGeneral}
		if err := s.DB(ctx).Create(&other).Error; err != nil {
			t.Fatal(err)
		}
		var all []models.Ticket
		s.DB(ctx).Where("merchant_id = ? AND status IN ?", m1.ID, store.OpenStatuses).Order("sla_due_at, id").Find(&all)
		for _, tk := range all {
			if tk.SLADueAt == nil {
				nulls = append(nulls, tk.ID)
			} else {
				want = append(want, tk.ID)
			}
		}
		want = append(want, nulls...)

		// Walk with pages of 7.
		var got []uint64
		f := store.QueueFilter{MerchantID: m1.ID, Queue: models.QueueGeneral, Limit: 7}
		for pages := 0; pages < 20; pages++ {
			page, next, err := s.Queue(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range page {
				got = append(got, tk.ID)
			}
			if next == nil {
				break
			}
			f.After = next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("cursor walk\n got %v\nwant %v", got, want)
		}
		count := func(f store.QueueFilter) int {
			t.Helper()
			f.MerchantID, f.Limit = m1.ID, 200
			page, _, err := s.Queue(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(page)
		}
		var n int64
		s.DB(ctx).Model(&models.Ticket{}).Where("merchant_id = ? AND status IN ? AND assignee_id = ?", m1.ID, store.OpenStatuses, agent).Count(&n)
		if got := count(store.QueueFilter{AssigneeID: &agent}); got != int(n) || n == 0 {
			t.Errorf("assignee filter: %d, want %d", got, n)
		}
		s.DB(ctx).Model(&models.Ticket{}).Where("merchant_id = ? AND status IN ? AND assignee_id IS NULL", m1.ID, store.OpenStatuses).Count(&n)
		if got := count(store.QueueFilter{Unassigned: true}); got != int(n) {
			t.Errorf("unassigned filter: %d, want %d", got, n)
		}
		if got := count(store.QueueFilter{Statuses: []string{models.StatusResolved}}); got != 10 {
			t.Errorf("status filter: %d, want 10", got)
		}
		s.DB(ctx).Model(&models.Ticket{}).Where("merchant_id = ? AND status IN ? AND priority = ?", m1.ID, store.OpenStatuses, models.PriorityUrgent).Count(&n)
		if got := count(store.QueueFilter{Priority: models.PriorityUrgent}); got != int(n) {
			t.Errorf("priority filter: %d, want %d", got, n)
		}
		yes := true
		if got := count(store.QueueFilter{Breached: &yes}); got != 0 {
			t.Errorf("breached filter: %d, want 0", got)
		}
		if got := count(store.QueueFilter{Queue: models.QueueRisk}); got != 0 {
			t.Errorf("risk queue: %d", got)
		}
		// Standing: the first ticket of the walk has nobody ahead.
		first, _ := s.TicketByID(ctx, m1.ID, want[0])
		st, err := s.QueueStanding(ctx, first, base, 7*24*time.Hour)
		if err != nil || st.Ahead != 0 {
			t.Fatalf("standing of the first: %+v %v", st, err)
		}
		last, _ := s.TicketByID(ctx, m1.ID, want[len(want)-1])
		if st, err := s.QueueStanding(ctx, last, base, 7*24*time.Hour); err != nil || st.Ahead != int64(len(want)-1) {
			t.Fatalf("standing of the last: %+v %v (want %d ahead)", st, err, len(want)-1)
		}
	})
}
