package bench

// End-to-end crash test of the reissue activity on a real (embedded, in-memory) Temporal
// server and a real SQLite store: the first worker's ReissueKey commits the delivery and
// then "dies" before reporting completion (it never returns, as a killed process would
// not); after the activity's start-to-close timeout the server retries it on a second,
// fresh worker, which must find the committed delivery instead of handing out a second key.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/internal/embedtemporal"
	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// hostPort is the embedded server's frontend, shared by the package's tests.
var hostPort string

func TestMain(m *testing.M) {
	os.Exit(runWithTemporal(m))
}

func runWithTemporal(m *testing.M) int {
	// A file in a temporary directory: the in-memory mode of embedtemporal failed here with
	// "table namespaces already exists" (reported to the lead).
	dir, err := os.MkdirTemp("", "keydesk-bench-temporal-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	srv, err := embedtemporal.Start(embedtemporal.Options{Namespace: "default", DatabaseFile: filepath.Join(dir, "temporal.db"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "embedded temporal:", err)
		return 1
	}
	defer func() { _ = srv.Stop() }()
	hostPort = srv.HostPort()
	return m.Run()
}

// reissueActivity is the activity name both workers register.
const reissueActivity = "ReissueKey"

// crashTestWorkflow runs the reissue activity once, with retries, and returns its result.
func crashTestWorkflow(ctx workflow.Context, ticketID uint64) (activities.ReissueResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 3 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumAttempts: 5},
	})
	var res activities.ReissueResult
	err := workflow.ExecuteActivity(ctx, reissueActivity, activities.ReissueInput{TicketID: ticketID}).Get(ctx, &res)
	return res, err
}

func activityOpts() activity.RegisterOptions { return activity.RegisterOptions{Name: reissueActivity} }

// seedReissue creates a merchant, a product with stock keys, a delivered order and a
// key_invalid ticket on it; it returns the ticket id.
func seedReissue(t *testing.T, s *store.Store, box *secretbox.Box, stock int) uint64 {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	m := models.Merchant{Slug: "crash", Name: "Crash"}
	must(s.DB(ctx).Create(&m).Error)
	p := models.Product{MerchantID: m.ID, SKU: "GC", Name: "Gift", Price: 500, Currency: "USD"}
	must(s.DB(ctx).Create(&p).Error)
	b := models.KeyBatch{MerchantID: m.ID, ProductID: p.ID, Status: models.BatchActive}
	must(s.DB(ctx).Create(&b).Error)
	key := func(i int, status string) models.CardKey {
		secret := fmt.Sprintf("CRASH-%04d", i)
		return models.CardKey{MerchantID: m.ID, ProductID: p.ID, BatchID: b.ID, Status: status,
			SecretCipher: box.Seal([]byte(secret), store.CardKeyAAD(p.ID)), SecretHash: box.Hash(store.CardKeyHashScope(p.ID), secret)}
	}
	for i := range stock {
		k := key(i, models.KeyAvailable)
		must(s.DB(ctx).Create(&k).Error)
	}
	now := time.Now().UTC()
	o := models.Order{MerchantID: m.ID, OrderNo: "O-1", ProductID: p.ID, Quantity: 1, Amount: 500, Currency: "USD",
		BuyerEmail: "b@example.com", PaidAt: now.Add(-time.Hour), Status: models.OrderDelivered}
	must(s.DB(ctx).Create(&o).Error)
	old := key(999, models.KeyDelivered)
	old.OrderID = &o.ID
	must(s.DB(ctx).Create(&old).Error)
	must(s.DB(ctx).Create(&models.Delivery{MerchantID: m.ID, OrderID: o.ID, CardKeyID: old.ID, Kind: models.DeliveryInitial}).Error)
	tk := models.Ticket{MerchantID: m.ID, Ref: "KD-CRASH", OrderID: &o.ID, Category: "key_invalid", Status: models.StatusOpen,
		CustomerEmail: "b@example.com"}
	must(s.DB(ctx).Create(&tk).Error)
	return tk.ID
}

func TestReissueSurvivesWorkerCrash(t *testing.T) {
	s := testdb.SQLite(t)
	box, err := secretbox.New(make([]byte, secretbox.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	ticketID := seedReissue(t, s, box, 5)
	acts := &activities.Activities{Store: s, Box: box}

	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	queue := "crash-" + t.Name()

	// Worker 1: commits, then hangs like a killed process (never reports back).
	committed := make(chan activities.ReissueResult, 1)
	release := make(chan struct{})
	defer close(release)
	var firstAttempts atomic.Int32
	w1 := worker.New(c, queue, worker.Options{WorkerStopTimeout: 100 * time.Millisecond})
	w1.RegisterWorkflow(crashTestWorkflow)
	w1.RegisterActivityWithOptions(func(ctx context.Context, in activities.ReissueInput) (activities.ReissueResult, error) {
		firstAttempts.Add(1)
		res, err := acts.ReissueKey(context.Background(), in)
		if err != nil {
			return res, err
		}
		committed <- res
		<-release // the process is gone: no completion is ever sent
		return res, nil
	}, activityOpts())
	if err := w1.Start(); err != nil {
		t.Fatal(err)
	}

	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: fmt.Sprintf("crash/%d", ticketID), TaskQueue: queue},
		crashTestWorkflow, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	var first activities.ReissueResult
	select {
	case first = <-committed:
	case <-time.After(30 * time.Second):
		t.Fatal("first attempt never committed")
	}
	w1.Stop()

	// Worker 2: a fresh process with the real activity.
	var secondAttempts atomic.Int32
	w2 := worker.New(c, queue, worker.Options{})
	w2.RegisterWorkflow(crashTestWorkflow)
	w2.RegisterActivityWithOptions(func(ctx context.Context, in activities.ReissueInput) (activities.ReissueResult, error) {
		secondAttempts.Add(1)
		return acts.ReissueKey(ctx, in)
	}, activityOpts())
	if err := w2.Start(); err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var got activities.ReissueResult
	if err := run.Get(ctx, &got); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if first.Status != activities.ReissueDelivered || got != first {
		t.Fatalf("workflow result %+v, first attempt committed %+v; want the same delivery", got, first)
	}
	if firstAttempts.Load() != 1 || secondAttempts.Load() < 1 {
		t.Fatalf("attempts: first worker %d, second worker %d; want 1 and at least 1 (the retry)", firstAttempts.Load(), secondAttempts.Load())
	}
	var deliveries, available int64
	bg := context.Background()
	if err := s.DB(bg).Model(&models.Delivery{}).Where("ticket_id = ?", ticketID).Count(&deliveries).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB(bg).Model(&models.CardKey{}).Where("status = ?", models.KeyAvailable).Count(&available).Error; err != nil {
		t.Fatal(err)
	}
	if deliveries != 1 || available != 4 {
		t.Fatalf("deliveries for the ticket %d, keys left %d; want 1 and 4", deliveries, available)
	}
	t.Logf("retry on the second worker returned delivery %d (key %d) committed by the crashed first attempt", got.DeliveryID, got.CardKeyID)
}
