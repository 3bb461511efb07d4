package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// TestPurgeAttachmentsAfterRetention checks the retention of attachment bytes on both
// databases: only tickets closed before the cutoff lose them, rows and names stay, each
// purged file leaves one event, a second pass changes nothing, and merchants stay apart.
func TestPurgeAttachmentsAfterRetention(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC()
		fa, fb := seedTicketFixture(t, s, "ret-a", "UTC"), seedTicketFixture(t, s, "ret-b", "UTC")
		type fixture struct {
			name     string
			f        ticketFixture
			status   string
			closedAt *time.Time
			purged   bool
		}
		long, recent := now.Add(-40*24*time.Hour), now.Add(-2*24*time.Hour)
		cases := []fixture{
			{"closed long ago", fa, models.StatusClosed, &long, true},
			{"closed long ago, other merchant", fb, models.StatusClosed, &long, true},
			{"closed recently", fa, models.StatusClosed, &recent, false},
			{"resolved long ago", fa, models.StatusResolved, nil, false},
			{"open (reopened: closed_at cleared)", fa, models.StatusOpen, nil, false},
		}
		data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 64<<10) // 256 KiB, on overflow pages
		ids := make([]uint64, len(cases))
		tickets := make([]uint64, len(cases))
		for i, c := range cases {
			tk := newTicket(c.f, "KD-RET0000"+string(rune('1'+i)), nil)
			createTicket(t, s, &tk)
			for k := 0; k < 2; k++ { // two files each: the batch of 3 below ends mid-ticket
				a := models.Attachment{MerchantID: c.f.merchant, TicketID: tk.ID, Filename: "shot.png", ContentType: "image/png", Data: data}
				if err := s.AddAttachment(ctx, &a, 5, models.AuthorCustomer); err != nil {
					t.Fatalf("%s: add: %v", c.name, err)
				}
				ids[i] = a.ID
			}
			upd := map[string]any{"status": c.status, "closed_at": c.closedAt}
			if err := s.DB(ctx).Model(&models.Ticket{}).Where("id = ?", tk.ID).Updates(upd).Error; err != nil {
				t.Fatal(err)
			}
			tickets[i] = tk.ID
		}
		n, err := s.PurgeAttachments(ctx, now.Add(-30*24*time.Hour), 3)
		if err != nil || n != 4 {
			t.Fatalf("purge: %d, %v; want 4 (two tickets closed long ago, two files each)", n, err)
		}
		for i, c := range cases {
			merchant := c.f.merchant
			a, err := s.AttachmentByID(ctx, merchant, tickets[i], ids[i])
			if err != nil {
				t.Fatalf("%s: read: %v", c.name, err)
			}
			if gone := a.PurgedAt != nil; gone != c.purged || (c.purged && len(a.Data) != 0) || (!c.purged && !bytes.Equal(a.Data, data)) {
				t.Errorf("%s: purged_at %v, %d bytes; want purged %v", c.name, a.PurgedAt, len(a.Data), c.purged)
			}
			if a.Filename != "shot.png" || a.Size != int64(len(data)) {
				t.Errorf("%s: row lost its name or size: %q %d", c.name, a.Filename, a.Size)
			}
			list, err := s.TicketAttachments(ctx, merchant, tickets[i])
			if err != nil || len(list) != 2 || (list[0].PurgedAt != nil) != c.purged {
				t.Errorf("%s: list %v %+v", c.name, err, list)
			}
			evs, err := s.TicketEvents(ctx, merchant, tickets[i])
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if c.purged {
				want = 2
			}
			if got := countKind(evs, store.EventAttachmentPurged); got != want {
				t.Errorf("%s: %d attachment_purged events, want %d", c.name, got, want)
			}
		}
		if n, err := s.PurgeAttachments(ctx, now.Add(-30*24*time.Hour), 3); err != nil || n != 0 {
			t.Fatalf("second pass purged %d (%v), want 0", n, err)
		}
		// The freed bytes become free pages that the housekeeping vacuum gives back (SQLite;
		// InnoDB reuses its pages itself): four files of 256 KiB are at least 240 pages of 4 KiB.
		if s.Dialect() == migrations.SQLite {
			before, after, err := s.Vacuum(ctx, 1<<20)
			if err != nil || before < 240 || after != 0 {
				t.Errorf("vacuum after the purge: free pages %d -> %d (%v); want at least 240 given back", before, after, err)
			}
		}
	})
}
