package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/app"
	"github.com/keydesk/keydesk/internal/demo"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/tickets"
	"github.com/keydesk/keydesk/workflows"
)

// footprintOptions tune `keydesk bench footprint`.
type footprintOptions struct {
	sizes     []int
	clients   int
	settle    time.Duration
	retention time.Duration
	sample    int
	db        string
	keep      bool
	noVacuum  bool
	// attachEvery gives every attachEvery-th ticket a screenshot of attachBytes (0: none), and
	// the retention phase then purges their bytes (KEYDESK_ATTACHMENT_RETENTION).
	attachEvery, attachBytes int
}

// Issue 17's targets, printed beside the figures (never asserted).
const (
	targetRSSMiB         = 300 // at 10,000 open tickets, flat beyond the cache size
	targetOpenMBPer1k    = 8.0 // both databases, per 1,000 open tickets
	targetClosedMBPer1k  = 3.0 // both databases, per 1,000 closed tickets after retention
	footprintIdleSettle  = 5 * time.Second
	footprintMaxWaitGone = 10 * time.Minute
)

// benchFootprint creates tickets along a typical mix on a private embedded stack (a new data
// directory; KEYDESK_WORKFLOW_CACHE, KEYDESK_PAYLOAD_FORMAT and the other worker knobs of
// the environment apply) and prints RSS, Go heap, goroutines and the disk of both databases
// at each size, after they are closed, and after their histories passed retention and the
// files were vacuumed.
func benchFootprint(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench footprint", flag.ContinueOnError)
	var o footprintOptions
	sizes := fs.String("sizes", "1000,2000", "open-ticket counts to measure at, ascending (e.g. 1000,10000,50000)")
	fs.IntVar(&o.clients, "clients", 8, "concurrent clients creating tickets")
	fs.DurationVar(&o.settle, "settle", footprintIdleSettle, "pause before each measurement so workflows finish their first tasks")
	fs.DurationVar(&o.retention, "retention", 20*time.Second, "namespace retention of the bench's embedded server (0: skip the retention phase)")
	fs.IntVar(&o.sample, "sample", 100, "tickets whose histories are read to count events and bytes")
	fs.StringVar(&o.db, "db", "", "keydesk database URL (default: SQLite in the bench's directory; mysql:DSN for MariaDB + embedded Temporal)")
	fs.BoolVar(&o.keep, "keep", false, "keep the bench's data directory")
	fs.BoolVar(&o.noVacuum, "no-vacuum", false, "skip housekeeping (the behaviour before issue 17: no incremental vacuum)")
	fs.IntVar(&o.attachEvery, "attach-every", 0, "give every n-th ticket a screenshot (0: none); the retention phase purges their bytes")
	fs.IntVar(&o.attachBytes, "attach-bytes", 300<<10, "size of each screenshot in bytes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("--sizes: %q is not a positive count", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if !slices.IsSorted(o.sizes) {
		return errors.New("--sizes must be ascending")
	}
	if o.attachEvery < 0 || o.attachEvery > 0 && (o.attachBytes <= 0 || o.attachBytes > 5<<20) {
		return fmt.Errorf("--attach-every %d / --attach-bytes %d: want n ≥ 0 tickets and 1 byte to 5 MiB a screenshot", o.attachEvery, o.attachBytes)
	}
	dir, err := os.MkdirTemp("", "keydesk-footprint-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(out, "data directory kept:", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	cfg.DataDir, cfg.Listen, cfg.TemporalPort = dir, "127.0.0.1:0", 0
	cfg.Database = o.db
	if cfg.Database == "" {
		cfg.Database = "sqlite:" + filepath.Join(dir, "keydesk.db")
	}
	cfg.PublicURL, cfg.TemporalLogLevel, cfg.VacuumEvery = "", "error", 0
	cfg.SecretKey, cfg.JWTSecret = "", ""
	if o.retention > 0 {
		// A new namespace takes the retention as written (the frontend's 1 h minimum applies
		// only to updates), and deletions are not spread over the default 30 minutes.
		cfg.Retention, cfg.RetentionJitter = o.retention, time.Second
		if o.attachEvery > 0 {
			cfg.AttachmentRetention = o.retention
		}
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	start := time.Now()
	a, err := app.Start(ctx, cfg, app.Roles{API: true, Worker: true, Migrate: true, GenerateSecrets: true}, log)
	if err != nil {
		return err
	}
	releaseBinaryPages(cfg, log) // as serve does once started
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			a.Stop(sctx)
			cancel()
		}
	}
	defer stop()
	storeFile := ""
	if a.Store.Dialect() == "sqlite" {
		storeFile = strings.TrimPrefix(cfg.Database, "sqlite:")
	}
	maxN := o.sizes[len(o.sizes)-1]
	seed, err := demo.Seed(ctx, a.Store, a.Secrets.Box, a.RBAC, demo.Options{
		Slug: "footprint", Orders: maxN, StockPerProduct: maxN/2 + 50, BcryptCost: 4,
	})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	agent, err := a.Store.UserByEmail(ctx, loginOf(seed, "agent"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "keydesk bench footprint: embedded Temporal + %s; workflow cache %d (server %d), pollers %d/%d, limits %d/%d, payloads %s, vacuum %v, binary pages %s; started and seeded %d orders in %v\n",
		a.Store.Dialect(), cfg.WorkflowCache, cfg.TemporalCache, cfg.WorkflowPollers, cfg.ActivityPollers, cfg.MaxWorkflowTasks, cfg.MaxActivities,
		cfg.PayloadFormatName(), !o.noVacuum, cfg.BinaryPagesMode(), maxN, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(out, "targets (issue 17): RSS ≤ %d MiB at 10,000 open tickets and flat beyond the cache; disk ≤ %.0f MB per 1,000 open and ≤ %.0f MB per 1,000 closed tickets after retention\n",
		targetRSSMiB, targetOpenMBPer1k, targetClosedMBPer1k)

	idle := measure(ctx, a, storeFile)
	printMeasure(out, "idle (seeded, no tickets)", 0, idle, idle)
	idleTables, err := a.Store.TableBytes(ctx)
	if err != nil {
		return err
	}

	fb := &footprintBench{a: a, seed: seed, agent: agent, attachEvery: o.attachEvery, attachBytes: o.attachBytes}
	created := 0
	for _, n := range o.sizes {
		t0 := time.Now()
		if err := fb.create(ctx, created, n, o.clients); err != nil {
			return err
		}
		rate := float64(n-created) / time.Since(t0).Seconds()
		created = n
		m := settleAndMeasure(ctx, a, storeFile, o.settle)
		printMeasure(out, fmt.Sprintf("%d open (created at %.0f/s by %d clients)", n, rate, o.clients), n, m, idle)
	}
	if err := printTableGrowth(ctx, a, out, fmt.Sprintf("%d open", created), created, idleTables); err != nil {
		return err
	}
	if err := fb.historyFigures(ctx, o.sample, out); err != nil {
		return err
	}

	t0 := time.Now()
	closed, failed := fb.closeAll(ctx, o.clients)
	fmt.Fprintf(out, "closed %d tickets in %v (%d could not be resolved and closed directly: %s)\n",
		closed, time.Since(t0).Round(time.Millisecond), len(failed), summarize(failed))
	m := settleAndMeasure(ctx, a, storeFile, o.settle)
	printMeasure(out, fmt.Sprintf("%d closed, retention not passed", closed), created, m, idle)

	if o.retention > 0 {
		t0 := time.Now()
		left, err := waitHistoriesGone(ctx, a, o.retention+footprintMaxWaitGone)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "retention %v: closed histories left after %v: %d\n", o.retention, time.Since(t0).Round(time.Second), left)
		if !o.noVacuum {
			// Each pass gives back a bounded number of pages (as the product's housekeeping
			// does every KEYDESK_VACUUM_EVERY); run passes until nothing is left.
			for pass := 1; pass <= 20; pass++ {
				r, err := a.Housekeep(ctx)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "housekeeping pass %d: attachments purged %d; free pages keydesk %d → %d, temporal %d → %d\n", pass,
					r.AttachmentsPurged, r.StoreFreePages[0], r.StoreFreePages[1], r.TemporalFreePages[0], r.TemporalFreePages[1])
				if r.StoreFreePages[1] == 0 && r.TemporalFreePages[1] == 0 {
					break
				}
			}
		}
		m := measure(ctx, a, storeFile)
		printMeasure(out, "after retention"+map[bool]string{true: " (no vacuum)", false: " and vacuum"}[o.noVacuum], created, m, idle)
		if err := printTableGrowth(ctx, a, out, "after retention", created, idleTables); err != nil {
			return err
		}
	}
	files := []string{a.TemporalDatabaseFile(), storeFile}
	stop()
	var onDisk int64
	for _, f := range files {
		onDisk += store.FileBytes(f)
	}
	fmt.Fprintf(out, "stopped: SQLite files on disk %.1f MB; process RSS %.0f MiB\n", mb(onDisk), mib(rssBytes()))
	return nil
}

func loginOf(r demo.Result, role string) string {
	for _, l := range r.Users {
		if l.Role == role {
			return l.Email
		}
	}
	return ""
}

type footprintBench struct {
	a     *app.App
	seed  demo.Result
	agent models.User
	mu    sync.Mutex
	ids   []uint64
	// attachEvery and attachBytes: see footprintOptions.
	attachEvery, attachBytes int
}

// The typical mix: half "the key does not work", then missing keys, refunds, accounts and
// the rest, with the texts buyers write.
var footprintMix = []struct {
	category, subject, body string
	weight                  int
}{
	{"key_invalid", "激活码无效", "The key I bought says invalid when I redeem it in the launcher. 兑换时提示激活码无效。", 10},
	{"key_missing", "No key received", "I paid an hour ago and never received the key by e-mail, please check.", 4},
	{"refund", "Refund please", "I bought the wrong region, please refund the order to my card.", 3},
	{"account", "Cannot log in", "I cannot log in to the account the key was activated on.", 2},
	{"", "question", "Does this gift card work in Hong Kong? 这个礼品卡在香港能用吗？", 1},
}

func mixAt(i int) int {
	total := 0
	for _, m := range footprintMix {
		total += m.weight
	}
	k := i % total
	for j, m := range footprintMix {
		if k < m.weight {
			return j
		}
		k -= m.weight
	}
	return 0
}

// create opens tickets from..to-1 with clients concurrent clients; a third of them get an
// agent reply (the usual first answer).
func (f *footprintBench) create(ctx context.Context, from, to, clients int) error {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < to && ctx.Err() == nil && firstErr.Load() == nil; i = int(next.Add(1) - 1) {
				ord, mix := f.seed.Orders[i], footprintMix[mixAt(i)]
				c, err := f.a.Tickets.Create(ctx, tickets.CreateInput{
					MerchantID: f.seed.MerchantID, OrderNo: ord.OrderNo, Email: ord.Email, Category: mix.category,
					Subject: mix.subject, Description: mix.body, Channel: "web", Language: "zh-CN",
					IdempotencyKey: fmt.Sprintf("footprint-%d", i), IP: "198.51.100.7",
				})
				if err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("create ticket %d: %w", i, err))
					return
				}
				f.mu.Lock()
				f.ids = append(f.ids, c.Ticket.ID)
				f.mu.Unlock()
				if f.attachEvery > 0 && i%f.attachEvery == 0 {
					if err := f.attach(ctx, c.Ticket.ID, i); err != nil {
						firstErr.CompareAndSwap(nil, err)
						return
					}
				}
				if i%3 == 0 {
					in := workflows.ReplyInput{ActionInput: f.action(c.Ticket.ID, "reply"), Body: "Thanks, we are looking into it. 我们正在处理。"}
					// A ticket already resolved by an automatic replacement refuses: fine.
					_, _ = f.a.Tickets.Act(ctx, f.seed.MerchantID, c.Ticket.ID, workflows.UpdateReply, in)
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	return ctx.Err()
}

// attach stores a screenshot of attachBytes on the ticket, as the buyer's upload would (the
// bytes are pseudo-random, like a photo's: nothing along the way can shrink them).
func (f *footprintBench) attach(ctx context.Context, ticketID uint64, i int) error {
	data := make([]byte, f.attachBytes)
	x := uint64(i)*0x9E3779B97F4A7C15 | 1 // xorshift: deterministic, incompressible
	for k := range data {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		data[k] = byte(x)
	}
	a := models.Attachment{MerchantID: f.seed.MerchantID, TicketID: ticketID, Filename: "screenshot.png", ContentType: "image/png", Data: data}
	if err := f.a.Store.AddAttachment(ctx, &a, 5, models.AuthorCustomer); err != nil {
		return fmt.Errorf("attach to ticket %d: %w", ticketID, err)
	}
	return nil
}

func (f *footprintBench) action(id uint64, what string) workflows.ActionInput {
	return workflows.ActionInput{RequestID: fmt.Sprintf("footprint-%d-%s", id, what),
		Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: f.agent.ID, Role: "agent"}}
}

// closeAll resolves and closes every ticket; it returns how many closed and the errors of
// those that did not (refunds awaiting approval, tickets in risk review, ...).
func (f *footprintBench) closeAll(ctx context.Context, clients int) (int, []string) {
	var next atomic.Int64
	var closed atomic.Int64
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(f.ids) && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				id := f.ids[i]
				_, _ = f.a.Tickets.Act(ctx, f.seed.MerchantID, id, workflows.UpdateResolve, workflows.ReplyInput{ActionInput: f.action(id, "resolve")})
				_, err := f.a.Tickets.Act(ctx, f.seed.MerchantID, id, workflows.UpdateSetStatus,
					workflows.StatusInput{ActionInput: f.action(id, "close"), Status: models.StatusClosed})
				if err != nil {
					mu.Lock()
					failed = append(failed, firstLine(err.Error()))
					mu.Unlock()
					continue
				}
				closed.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(closed.Load()), failed
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

func summarize(errs []string) string {
	if len(errs) == 0 {
		return "none"
	}
	counts := map[string]int{}
	for _, e := range errs {
		counts[e]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return counts[b] - counts[a] })
	var parts []string
	for _, k := range keys[:min(3, len(keys))] {
		parts = append(parts, fmt.Sprintf("%d× %q", counts[k], k))
	}
	return strings.Join(parts, ", ")
}

// historyFigures reads the histories of up to sample tickets (every kind of the mix) and
// prints events and bytes per ticket: the stored (encoded) payloads, as Temporal keeps them.
func (f *footprintBench) historyFigures(ctx context.Context, sample int, out io.Writer) error {
	type agg struct{ n, events, bytes, payload int }
	per := map[string]*agg{}
	byType := map[string]*agg{}
	all := &agg{}
	// A prime stride over the tickets, so the sample takes every kind of the mix (a stride
	// that is a multiple of the mix's length would take one kind only).
	stride := 7919
	if len(f.ids)%stride == 0 {
		stride = 7907
	}
	for k := 0; k < len(f.ids) && all.n < sample; k++ {
		id := f.ids[(k*stride)%len(f.ids)]
		t, err := f.a.Store.TicketByID(ctx, f.seed.MerchantID, id)
		if err != nil {
			return err
		}
		wfID := workflows.TicketWorkflowIDFor(f.a.InstallID, t.ID)
		it := f.a.Temporal.GetWorkflowHistory(ctx, wfID, "", false, 0)
		a := per[t.Category]
		if a == nil {
			a = &agg{}
			per[t.Category] = a
		}
		a.n++
		all.n++
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return fmt.Errorf("history of %s: %w", wfID, err)
			}
			sz := proto.Size(e)
			a.events++
			a.bytes += sz
			all.events++
			all.bytes += sz
			pl := payloadBytes(e)
			a.payload += pl
			all.payload += pl
			et := byType[eventKind(e)]
			if et == nil {
				et = &agg{}
				byType[eventKind(e)] = et
			}
			et.events++
			et.bytes += sz
			et.payload += pl
		}
	}
	if all.n == 0 {
		return nil
	}
	fmt.Fprintf(out, "history per open ticket (sample of %d, current run only): %.1f events, %.0f bytes (%.0f of them payload data)\n",
		all.n, float64(all.events)/float64(all.n), float64(all.bytes)/float64(all.n), float64(all.payload)/float64(all.n))
	cats := make([]string, 0, len(per))
	for c := range per {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	for _, c := range cats {
		a := per[c]
		fmt.Fprintf(out, "  %-12s %4d tickets: %5.1f events, %6.0f bytes, %6.0f payload\n", c, a.n,
			float64(a.events)/float64(a.n), float64(a.bytes)/float64(a.n), float64(a.payload)/float64(a.n))
	}
	kinds := make([]string, 0, len(byType))
	for k := range byType {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(x, y string) int { return byType[y].bytes - byType[x].bytes })
	fmt.Fprintf(out, "  per ticket by event type (events, bytes, payload):\n")
	for _, k := range kinds {
		a := byType[k]
		fmt.Fprintf(out, "    %-44s %5.2f %6.0f %6.0f\n", k, float64(a.events)/float64(all.n),
			float64(a.bytes)/float64(all.n), float64(a.payload)/float64(all.n))
	}
	return nil
}

// eventKind names an event by its type, and an activity task by its activity type, so the
// bench shows where a history's bytes go. (Markers' details pass through keydesk's codec,
// sealed: a local activity's type cannot be read from its marker.)
func eventKind(e *historypb.HistoryEvent) string {
	k := strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_")
	if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
		return k + " " + a.GetActivityType().GetName()
	}
	return k
}

// payloadBytes adds the data of every payload an event carries (found by walking the event's
// message tree for temporal.api.common.v1.Payload).
func payloadBytes(m proto.Message) int {
	n := 0
	var walk func(r protoreflect.Message)
	walk = func(r protoreflect.Message) {
		if r.Descriptor().FullName() == "temporal.api.common.v1.Payload" {
			n += len(r.Get(r.Descriptor().Fields().ByName("data")).Bytes())
			return
		}
		r.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsMap():
				if fd.MapValue().Message() != nil {
					v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
						walk(mv.Message())
						return true
					})
				}
			case fd.IsList():
				if fd.Message() != nil {
					l := v.List()
					for i := range l.Len() {
						walk(l.Get(i).Message())
					}
				}
			case fd.Message() != nil:
				walk(v.Message())
			}
			return true
		})
	}
	walk(m.ProtoReflect())
	return n
}

// waitHistoriesGone polls the count of closed workflows until none is left or within passes,
// and returns how many are left.
func waitHistoriesGone(ctx context.Context, a *app.App, within time.Duration) (int64, error) {
	deadline := time.Now().Add(within)
	for {
		res, err := a.Temporal.WorkflowService().CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: a.Config.Namespace, Query: "ExecutionStatus != 'Running'",
		})
		if err != nil {
			return 0, fmt.Errorf("count closed workflows: %w", err)
		}
		if res.GetCount() == 0 || time.Now().After(deadline) {
			return res.GetCount(), nil
		}
		select {
		case <-ctx.Done():
			return res.GetCount(), ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// footprint is one measurement.
type footprint struct {
	rss, heap, sys      uint64
	stacks, heapKept    uint64 // goroutine stacks; freed heap not yet given back to the OS
	anon                uint64 // RssAnon: private memory; the rest of RSS is mapped files (the binary)
	goMapped            uint64 // memory the Go runtime holds from the OS (not released); anon beyond it is SQLite's C heap and the like
	settled             rssSamples
	goroutines          int
	storeDisk, tempDisk int64 // files (with WAL and SHM) or, for MySQL, data + index length
	storeUsed, tempUsed int64 // SQLite pages in use × page size (free pages and WAL excluded)
}

// measure takes a measurement; storeFile is keydesk's SQLite file ("" on MySQL).
func measure(ctx context.Context, a *app.App, storeFile string) footprint {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := footprint{rss: rssBytes(), anon: procStatusBytes("RssAnon:"), heap: ms.HeapInuse, sys: ms.Sys, goroutines: runtime.NumGoroutine(),
		stacks: ms.StackInuse, heapKept: ms.HeapIdle - ms.HeapReleased, goMapped: goMappedBytes()}
	writeHeapProfile()
	m.storeDisk, _ = a.Store.DiskBytes(ctx)
	m.storeUsed = m.storeDisk
	if storeFile != "" {
		m.storeUsed = usedBytes(ctx, storeFile)
	}
	if f := a.TemporalDatabaseFile(); f != "" {
		m.tempDisk = store.FileBytes(f)
		m.tempUsed = usedBytes(ctx, f)
	}
	return m
}

// settleAndMeasure waits d, reading RSS as it goes, then takes a measurement holding those
// readings.
func settleAndMeasure(ctx context.Context, a *app.App, storeFile string, d time.Duration) footprint {
	settled := settleSampling(d)
	m := measure(ctx, a, storeFile)
	m.settled = settled
	return m
}

// goMappedBytes is the memory the Go runtime has mapped and not released to the OS (heap,
// stacks, its own metadata), from runtime/metrics.
func goMappedBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64() - s[1].Value.Uint64()
}

// rssSamples are RSS readings taken while the bench waits, without forcing a collection: what a
// process monitor sees in the steady state (measure's own reading follows a forced one).
type rssSamples struct {
	n         int
	sum, peak uint64
}

// settleSampling waits d, reading RSS every 250 ms.
func settleSampling(d time.Duration) rssSamples {
	var s rssSamples
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		r := rssBytes()
		s.n++
		s.sum += r
		s.peak = max(s.peak, r)
	}
	return s
}

// writeHeapProfile writes the heap profile of this moment to KEYDESK_BENCH_HEAPPROFILE-<n>.pb.gz
// when that variable names a file prefix (read with `go tool pprof`), to see what grows.
func writeHeapProfile() {
	prefix := os.Getenv("KEYDESK_BENCH_HEAPPROFILE")
	if prefix == "" {
		return
	}
	heapProfiles++
	f, err := os.Create(fmt.Sprintf("%s-%d.pb.gz", prefix, heapProfiles))
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("heap").WriteTo(f, 0)
}

var heapProfiles int

func usedBytes(ctx context.Context, file string) int64 {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro&_pragma=busy_timeout%3D5000")
	if err != nil {
		return 0
	}
	defer db.Close()
	var pages, free, size int64
	_ = db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages)
	_ = db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free)
	_ = db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size)
	return (pages - free) * size
}

func printMeasure(out io.Writer, label string, n int, m, idle footprint) {
	fmt.Fprintf(out, "%-44s RSS %4.0f MiB (anon %4.0f, files %4.0f)  heap %4.0f MiB  sys %4.0f MiB  goroutines %5d\n",
		label, mib(m.rss), mib(m.anon), mib(m.rss-min(m.anon, m.rss)), mib(m.heap), mib(m.sys), m.goroutines)
	fmt.Fprintf(out, "%-44s Go: stacks %.0f MiB, freed heap not yet returned %.0f MiB; runtime holds %.0f MiB, anon outside it %.0f MiB\n", "",
		mib(m.stacks), mib(m.heapKept), mib(m.goMapped), mib(m.anon-min(m.goMapped, m.anon)))
	if m.settled.n > 0 {
		fmt.Fprintf(out, "%-44s RSS while settling (%d readings, no forced collection): mean %.0f MiB, peak %.0f MiB\n", "",
			m.settled.n, mib(m.settled.sum/uint64(m.settled.n)), mib(m.settled.peak))
	}
	fmt.Fprintf(out, "%-44s files: keydesk %6.1f MB + temporal %6.1f MB; in use: keydesk %6.1f MB + temporal %6.1f MB", "",
		mb(m.storeDisk), mb(m.tempDisk), mb(m.storeUsed), mb(m.tempUsed))
	if n > 0 {
		files := float64(m.storeDisk+m.tempDisk-idle.storeDisk-idle.tempDisk) / float64(n) * 1000
		used := float64(m.storeUsed+m.tempUsed-idle.storeUsed-idle.tempUsed) / float64(n) * 1000
		fmt.Fprintf(out, "\n%-44s per 1,000 tickets: files %.2f MB, in use %.2f MB (keydesk %.2f + temporal %.2f)", "",
			files/1e6, used/1e6, float64(m.storeUsed-idle.storeUsed)/float64(n)*1000/1e6, float64(m.tempUsed-idle.tempUsed)/float64(n)*1000/1e6)
	}
	fmt.Fprintln(out)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
func mb(b int64) float64   { return float64(b) / 1e6 }

// rssBytes is the process's resident set size (Linux; 0 elsewhere).
func rssBytes() uint64 { return procStatusBytes("VmRSS:") }

// procStatusBytes reads one kB figure of /proc/self/status (Linux; 0 elsewhere).
func procStatusBytes(key string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// printTableGrowth prints what keydesk's tables (each with its indexes) grew by since idle,
// per 1,000 tickets, largest first: where its share of the disk goes.
func printTableGrowth(ctx context.Context, a *app.App, out io.Writer, label string, n int, idle map[string]int64) error {
	now, err := a.Store.TableBytes(ctx)
	if err != nil {
		return err
	}
	type growth struct {
		table string
		bytes int64
	}
	var gs []growth
	var rest int64
	for t, b := range now {
		if d := b - idle[t]; d > 0 {
			gs = append(gs, growth{t, d})
		}
	}
	sort.Slice(gs, func(i, j int) bool {
		return gs[i].bytes > gs[j].bytes || gs[i].bytes == gs[j].bytes && gs[i].table < gs[j].table
	})
	fmt.Fprintf(out, "keydesk tables with their indexes, %s, per 1,000 tickets (growth since idle):", label)
	per1k := func(b int64) float64 { return float64(b) / float64(max(n, 1)) * 1000 / 1e6 }
	for i, g := range gs {
		if i >= 10 || per1k(g.bytes) < 0.005 {
			rest += g.bytes
			continue
		}
		fmt.Fprintf(out, " %s %.2f MB;", g.table, per1k(g.bytes))
	}
	fmt.Fprintf(out, " the rest %.2f MB\n", per1k(rest))
	return nil
}
