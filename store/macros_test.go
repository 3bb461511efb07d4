package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func macroMerchant(t *testing.T, s *store.Store, slug string) uint64 {
	t.Helper()
	m := models.Merchant{Slug: slug, Name: "Shop " + slug, Timezone: "UTC"}
	payCreate(t, s, &m)
	return m.ID
}

// TestMacrosCRUDUniqueAndIsolated: names are unique per merchant ignoring case (on both
// dialects alike), a macro keeps its own name on update, and another merchant's macro is not
// found by any operation.
func TestMacrosCRUDUniqueAndIsolated(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := macroMerchant(t, s, "mac-a"), macroMerchant(t, s, "mac-b")
		refund := models.Macro{MerchantID: a, Name: "Refund timeline", Body: "3–5 business days."}
		region := models.Macro{MerchantID: a, Name: "Region lock", Body: "This key is for CN."}
		for _, m := range []*models.Macro{&refund, &region} {
			if err := s.CreateMacro(ctx, m); err != nil || m.ID == 0 {
				t.Fatalf("create %q: id %d, %v", m.Name, m.ID, err)
			}
		}
		dup := models.Macro{MerchantID: a, Name: "REFUND TIMELINE", Body: "x"}
		if err := s.CreateMacro(ctx, &dup); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("same name, other case: %v, want ErrDuplicate", err)
		}
		other := models.Macro{MerchantID: b, Name: "Refund timeline", Body: "B's own"}
		if err := s.CreateMacro(ctx, &other); err != nil {
			t.Fatalf("another merchant may use the name: %v", err)
		}
		list, err := s.Macros(ctx, a)
		if err != nil || len(list) != 2 || list[0].Name != "Refund timeline" || list[1].Name != "Region lock" {
			t.Fatalf("list of A by name: %+v, %v", list, err)
		}

		before, after, err := s.UpdateMacro(ctx, a, refund.ID, "Refund timeline", "Up to 7 days.")
		if err != nil || before.Body != "3–5 business days." || after.Body != "Up to 7 days." {
			t.Fatalf("update keeping own name: %+v → %+v, %v", before, after, err)
		}
		if got, _ := s.MacroByID(ctx, a, refund.ID); got.Body != "Up to 7 days." || !got.UpdatedAt.Equal(after.UpdatedAt) {
			t.Fatalf("stored after update: %+v (returned %v)", got, after.UpdatedAt)
		}
		if _, _, err := s.UpdateMacro(ctx, a, region.ID, "refund Timeline", "x"); !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("rename onto another macro's name: %v", err)
		}

		for name, op := range map[string]func() error{
			"get":    func() error { _, err := s.MacroByID(ctx, b, refund.ID); return err },
			"update": func() error { _, _, err := s.UpdateMacro(ctx, b, refund.ID, "Stolen", "x"); return err },
			"delete": func() error { _, err := s.DeleteMacro(ctx, b, refund.ID); return err },
		} {
			if err := op(); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s A's macro as B: %v, want ErrNotFound", name, err)
			}
		}
		if got, err := s.MacroByID(ctx, a, refund.ID); err != nil || got.Name != "Refund timeline" {
			t.Fatalf("A's macro after B's attempts: %+v, %v", got, err)
		}

		gone, err := s.DeleteMacro(ctx, a, refund.ID)
		if err != nil || gone.Name != "Refund timeline" {
			t.Fatalf("delete: %+v, %v", gone, err)
		}
		if _, err := s.MacroByID(ctx, a, refund.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("deleted macro still found: %v", err)
		}
		if _, err := s.DeleteMacro(ctx, a, refund.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if l, _ := s.Macros(ctx, b); len(l) != 1 || l[0].Body != "B's own" {
			t.Fatalf("B's macros touched: %+v", l)
		}
	})
}

// TestCreateMacroConcurrentSameName: writers racing for one name get exactly one winner; the
// merchant lock makes the name check and the insert one step.
func TestCreateMacroConcurrentSameName(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := macroMerchant(t, s, "mac-race")
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := models.Macro{MerchantID: a, Name: fmt.Sprintf("Key activation steps%s", []string{"", " "}[i%2]), Body: "b"}
				errs[i] = s.CreateMacro(ctx, &m)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrDuplicate):
				t.Errorf("unexpected error: %v", err)
			}
		}
		list, err := s.Macros(ctx, a)
		if won != 1 || err != nil || len(list) != 1 {
			t.Fatalf("%d writers won, %d macros stored (%v); want exactly one", won, len(list), err)
		}
	})
}
