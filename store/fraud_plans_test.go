package store_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/store"
)

// planCapture records the SQL (with its arguments inlined) of every query run on a store's
// connection while it is on.
type planCapture struct {
	mu   sync.Mutex
	on   bool
	stmt []string
}

func (c *planCapture) register(t *testing.T, db *gorm.DB) {
	t.Helper()
	hook := func(tx *gorm.DB) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.on && tx.Statement.SQL.Len() > 0 {
			c.stmt = append(c.stmt, tx.Dialector.Explain(tx.Statement.SQL.String(), tx.Statement.Vars...))
		}
	}
	for _, err := range []error{
		db.Callback().Query().After("gorm:query").Register("test:capture_query", hook),
		db.Callback().Row().After("gorm:row").Register("test:capture_row", hook),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// merchantWide matches a plan step that reads all of a merchant's rows of a table that grows
// with the shop (orders, tickets, deliveries): a search on merchant_id alone, or a full scan.
var merchantWide = regexp.MustCompile(`^(SCAN (orders|tickets|deliveries|claim_contexts|card_keys|refunds|[dtokr])\b|SEARCH (\w+ AS )?\w+ USING (COVERING )?INDEX \w+ \((merchant_id|product_id)=\?\)$)`)

// selective are the columns that narrow a fraud query to one buyer, device, address, product,
// batch, order or ticket: a query that filters on one must read the index range of one of them.
var selective = regexp.MustCompile(`\b(device_id|buyer_ip|customer_ip|customer_email|buyer_email|email_norm|product_id|batch_id|order_id|ticket_id) (=|>=|IN)`)

// narrowedBy reports whether a plan reads an index by any of the selective columns the
// statement filters on.
func narrowedBy(sql string, plan []string) bool {
	cols := selective.FindAllStringSubmatch(sql, -1)
	if len(cols) == 0 {
		return true
	}
	for _, step := range plan {
		for _, c := range cols {
			if strings.Contains(step, "("+c[1]+"=?") || strings.Contains(step, " "+c[1]+"=?") || strings.Contains(step, c[1]+">?") {

				return true
			}
		}
	}
	return false
}

// TestFraudSignalQueriesStayBoundedOnSQLite (issue 17): every query the fraud check runs
// for a claim reads an index range bounded by the buyer, device, address, product or batch
// it filters on (or a LIMIT in index order), never all of a merchant's orders, tickets or
// deliveries, nor a whole link window of them (a batch's claims without a claim context are
// read through an index of only those, migration 00470). With 50,000
// orders, merchant-wide reads (the medians sorted every order in a temporary B-tree) made the
// fraud check 73% of the process's CPU and ticket intake fall to 15/s. SQLite has no table
// statistics here (no ANALYZE), so the plans follow from the indexes and the query shapes.
func TestFraudSignalQueriesStayBoundedOnSQLite(t *testing.T) {
	s := testdb.SQLite(t)
	ctx := context.Background()
	var c planCapture
	c.register(t, s.DB(ctx))
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	w := store.Window{From: now.Add(-30 * 24 * time.Hour), To: now}
	not := store.OtherThan{Ticket: 9, Order: 4}
	q := store.LinkQuery{MerchantID: 1, ExcludeTicket: 9, Emails: []string{"a@example.com"}, Device: "kd-0123456789abcdef0123456789abcdef",
		IP: "203.0.113.7", IPNetLike: "203.0.113.%", To: now, DeviceWindow: time.Hour, IPWindow: time.Hour, NetWindow: time.Hour, EmailWindow: time.Hour}
	calls := []struct {
		name string
		run  func() error
	}{
		{"MerchantMedianAmount", func() error { _, err := s.MerchantMedianAmount(ctx, 1, now); return err }},
		{"ProductMedianAmount", func() error { _, err := s.ProductMedianAmount(ctx, 1, now); return err }},
		{"LinkedOrders", func() error { _, err := s.LinkedOrders(ctx, q); return err }},
		{"LinkedClaims", func() error { _, err := s.LinkedClaims(ctx, q); return err }},
		{"OrderDeviceEmails", func() error { _, err := s.OrderDeviceEmails(ctx, 1, q.Device, w); return err }},
		{"CountReissuesByEmail", func() error { _, err := s.CountReissuesByEmail(ctx, 1, "a@example.com", not, w); return err }},
		{"CountRefundsByEmail", func() error { _, err := s.CountRefundsByEmail(ctx, 1, "a@example.com", w); return err }},
		{"CountClaims", func() error { _, err := s.CountClaims(ctx, 1, "customer_ip", "203.0.113.7", not, w); return err }},
		{"BuyerStanding", func() error { _, err := s.BuyerStanding(ctx, 1, "a@example.com", 9, now); return err }},
		{"BuyerMaxOtherAmount", func() error { _, err := s.BuyerMaxOtherAmount(ctx, 1, "a@example.com", 9, now); return err }},
		{"BatchReportContexts", func() error { _, err := s.BatchReportContexts(ctx, 1, 1, 9, now); return err }},
	}
	for _, call := range calls {
		c.stmt, c.on = nil, true
		err := call.run()
		c.on = false // the EXPLAINs below are not the call's queries
		if err != nil {
			t.Fatalf("%s: %v", call.name, err)
		}
		if len(c.stmt) == 0 {
			t.Fatalf("%s: no query captured", call.name)
		}
		for _, sql := range c.stmt {
			plan := explain(t, s, sql)
			shown := strings.Join(plan, " | ")
			if strings.Contains(sql, "NOT EXISTS (SELECT 1 FROM claim_contexts") &&
				!strings.Contains(shown, "SEARCH t USING INDEX ix_tickets_unrecorded_claims") {
				// The batch's claims without a context: the partial index holds only those;
				// any other index of tickets reads all of the merchant's.
				t.Errorf("%s reads tickets without the index of claims without a context\n  plan: %s\n  sql: %s", call.name, shown, sql)
			}
			if !narrowedBy(sql, plan) {
				t.Errorf("%s does not read by the buyer, device, address or item it filters on\n  plan: %s\n  sql: %s", call.name, shown, sql)
			}
			for _, step := range plan {
				if merchantWide.MatchString(step) {
					t.Errorf("%s reads all of a merchant's rows: %s\n  plan: %s\n  sql: %s", call.name, step, shown, sql)
				}
			}
			if testing.Verbose() {
				fmt.Printf("%s: %s\n  %s\n", call.name, shown, sql)
			}
		}
	}
}

// explain returns the steps of SQLite's query plan for sql.
func explain(t *testing.T, s *store.Store, sql string) []string {
	t.Helper()
	rows, err := s.DB(context.Background()).Session(&gorm.Session{NewDB: true}).Raw("EXPLAIN QUERY PLAN " + sql).Rows()
	if err != nil {
		t.Fatalf("explain %s: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notUsed int
		var detail string
		if err := rows.Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	return out
}
