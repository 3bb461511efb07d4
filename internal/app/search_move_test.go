package app

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestSearchMover: the worker's mover empties search_recent on its schedule, and sooner when
// more than SearchMoveRows rows wait; Stop ends it.
func TestSearchMover(t *testing.T) {
	defer func(d time.Duration) { searchMoveCheck = d }(searchMoveCheck)
	searchMoveCheck = 20 * time.Millisecond
	for _, c := range []struct {
		name  string
		every time.Duration
		rows  int
	}{{"every", 50 * time.Millisecond, 1_000_000}, {"rows", time.Hour, 3}} {
		t.Run(c.name, func(t *testing.T) {
			s := testdb.SQLite(t)
			ctx := context.Background()
			m := models.Merchant{Slug: "mover", Name: "mover", Timezone: "UTC"}
			if err := s.DB(ctx).Create(&m).Error; err != nil {
				t.Fatal(err)
			}
			for range 2 {
				tk := models.Ticket{MerchantID: m.ID, Ref: "KD-MOVE" + time.Now().Format("150405.000000000"), Subject: "mover subject", Status: models.StatusNew,
					Priority: models.PriorityNormal, Queue: models.QueueGeneral, CustomerEmail: "b@example.com", Category: "other", Channel: "web"}
				if err := s.CreateTicket(ctx, &tk, &models.Message{AuthorKind: models.AuthorCustomer, Body: "mover body", RequestID: "submission"}); err != nil {
					t.Fatal(err)
				}
			}
			a := &App{Config: config.Config{SearchMoveEvery: c.every, SearchMoveRows: c.rows}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Store: s}
			a.startSearchMover()
			defer a.Stop(ctx)
			waitRecent(t, s, 0)
		})
	}
}

// waitRecent waits (up to 5 s) until search_recent holds want rows.
func waitRecent(t *testing.T, s *store.Store, want int64) {
	t.Helper()
	var n int64
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		var err error
		if n, err = s.SearchRecentRows(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
	}
	t.Fatalf("search_recent holds %d rows, want %d", n, want)
}
