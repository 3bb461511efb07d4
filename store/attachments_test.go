package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func TestAttachmentsStoreListAndScope(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		fa, fb := seedTicketFixture(t, s, "att-a", "UTC"), seedTicketFixture(t, s, "att-b", "UTC")
		ta, tb := newTicket(fa, "KD-ATT00001", nil), newTicket(fb, "KD-ATT00002", nil)
		createTicket(t, s, &ta)
		createTicket(t, s, &tb)
		data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 5<<20/4) // 5 MiB, the API's largest file: fits LONGBLOB and the packet limit
		a := models.Attachment{MerchantID: fa.merchant, TicketID: ta.ID, Filename: "截图 1.png", ContentType: "image/png", Data: data}
		if err := s.AddAttachment(ctx, &a, 5, models.AuthorCustomer); err != nil {
			t.Fatalf("add: %v", err)
		}
		if a.ID == 0 || a.Size != int64(len(data)) || a.CreatedAt.IsZero() {
			t.Fatalf("stored attachment: id %d size %d created %v", a.ID, a.Size, a.CreatedAt)
		}
		got, err := s.AttachmentByID(ctx, fa.merchant, ta.ID, a.ID)
		if err != nil || !bytes.Equal(got.Data, data) || got.Filename != "截图 1.png" || got.ContentType != "image/png" {
			t.Fatalf("read back: %v (%d bytes, %q %q)", err, len(got.Data), got.Filename, got.ContentType)
		}
		list, err := s.TicketAttachments(ctx, fa.merchant, ta.ID)
		if err != nil || len(list) != 1 || list[0].ID != a.ID || list[0].Data != nil || list[0].Size != int64(len(data)) {
			t.Fatalf("list: %v %+v", err, list)
		}
		evs, err := s.TicketEvents(ctx, fa.merchant, ta.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := countKind(evs, store.EventAttachmentAdded); n != 1 {
			t.Fatalf("%d attachment_added events, want 1", n)
		}
		// Nothing crosses merchants or tickets.
		cross := []struct {
			name             string
			merchant, ticket uint64
		}{
			{"other merchant", fb.merchant, ta.ID},
			{"other ticket", fa.merchant, tb.ID},
		}
		for _, c := range cross {
			if _, err := s.AttachmentByID(ctx, c.merchant, c.ticket, a.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: read %v, want ErrNotFound", c.name, err)
			}
			if l, err := s.TicketAttachments(ctx, c.merchant, c.ticket); err != nil || len(l) != 0 {
				t.Errorf("%s: list %v %d", c.name, err, len(l))
			}
		}
		wrong := models.Attachment{MerchantID: fb.merchant, TicketID: ta.ID, Filename: "x.png", ContentType: "image/png", Data: []byte("x")}
		if err := s.AddAttachment(ctx, &wrong, 5, models.AuthorCustomer); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("attach to another merchant's ticket: %v, want ErrNotFound", err)
		}
	})
}

func countKind(evs []models.TicketEvent, kind string) int {
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// TestAttachmentLimitHoldsUnderConcurrency races more uploads than the limit allows at one
// ticket: exactly limit land, the rest get ErrLimit, and each landed one has its event.
func TestAttachmentLimitHoldsUnderConcurrency(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := seedTicketFixture(t, s, "att-race", "UTC")
		tk := newTicket(f, "KD-ATTRACE1", nil)
		createTicket(t, s, &tk)
		const limit, tries = 3, 8
		var wg sync.WaitGroup
		errs := make([]error, tries)
		for i := range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := models.Attachment{MerchantID: f.merchant, TicketID: tk.ID, Filename: fmt.Sprintf("s%d.png", i), ContentType: "image/png", Data: []byte{1, 2, 3}}
				errs[i] = s.AddAttachment(ctx, &a, limit, models.AuthorCustomer)
			}()
		}
		wg.Wait()
		ok, limited := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrLimit):
				limited++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		list, err := s.TicketAttachments(ctx, f.merchant, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.TicketEvents(ctx, f.merchant, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok != limit || limited != tries-limit || len(list) != limit || countKind(evs, store.EventAttachmentAdded) != limit {
			t.Fatalf("ok %d limited %d stored %d events %d; want %d stored", ok, limited, len(list), countKind(evs, store.EventAttachmentAdded), limit)
		}
	})
}
