package main

// keydesk bench search (issue 15): fills a database with tickets and messages in a zh/en mix
// (reused across runs), then prints search latency p50/p99 per query kind, the index size per
// 1,000 tickets and the write-path overhead of the index on ticket creation.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

type searchBenchOptions struct {
	tickets     int
	merchants   int
	runs        int
	writes      int
	writeBlocks int
	pending     int
	db          string
}

func benchSearch(ctx context.Context, log *slog.Logger, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench search", flag.ContinueOnError)
	var o searchBenchOptions
	fs.IntVar(&o.tickets, "tickets", 20_000, "tickets in the bench (3 messages each; use 1000000 for the issue's target); reused when the database has them")
	fs.IntVar(&o.merchants, "merchants", 10, "merchants the tickets are spread over (each query searches one)")
	fs.IntVar(&o.runs, "runs", 100, "timed searches per query kind")
	fs.IntVar(&o.writes, "writes", 300, "tickets created to time the write path, with and without the index")
	fs.IntVar(&o.writeBlocks, "write-blocks", 10, "blocks per arm the write-path tickets are split into (arms alternate: with the index, without)")
	fs.IntVar(&o.pending, "pending", 0, "after the queries, leave about this many rows per merchant waiting in search_recent (unmoved), run the queries again, then time moving them all")
	fs.StringVar(&o.db, "db", "", "database URL (default: a new SQLite file in a temporary directory); mysql:DSN for MariaDB (the database must exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	url := o.db
	if url == "" {
		dir, err := os.MkdirTemp("", "keydesk-bench-search-")
		if err != nil {
			return fmt.Errorf("bench search: %w", err)
		}
		defer os.RemoveAll(dir)
		url = "sqlite:" + filepath.Join(dir, "search.db")
	}
	s, err := store.Open(ctx, store.Options{URL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SlowQuery: time.Hour})
	if err != nil {
		return fmt.Errorf("bench search: %w", err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("bench search: migrate: %w", err)
	}
	engine, err := s.SearchEngine(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "bench search: %s, engine %s, %d tickets over %d merchants\n", s.Dialect(), engine, o.tickets, o.merchants)
	ms, err := benchSearchMerchants(ctx, s, o.merchants)
	if err != nil {
		return err
	}
	t0 := time.Now()
	made, err := benchSearchFill(ctx, s, ms, o.tickets, out)
	if err != nil {
		return err
	}
	if made > 0 {
		el := time.Since(t0)
		fmt.Fprintf(out, "filled %d tickets + %d messages in %s (%.0f tickets/s, index rows written per batch)\n", made, 3*made, el.Round(time.Second), float64(made)/el.Seconds())
	}
	if sz, err := benchSearchIndexBytes(ctx, s); err == nil && sz > 0 {
		fmt.Fprintf(out, "index size: %.1f MiB total, %.1f KiB per 1,000 tickets\n", float64(sz)/(1<<20), float64(sz)/1024/float64(o.tickets)*1000)
	} else {
		fmt.Fprintf(out, "index size: not available (%v)\n", err)
	}
	if n, err := s.SearchRecentRows(ctx); err == nil && n > 0 {
		// Rows an earlier run left waiting (an interrupted run): the first query table is with
		// an empty search_recent.
		if _, err := s.MoveSearchRecent(ctx, store.DefaultSearchMoveBatch); err != nil {
			return err
		}
	}
	if err := benchSearchQueries(ctx, s, ms, o, out); err != nil {
		return err
	}
	if o.pending > 0 {
		if err := benchSearchPending(ctx, s, ms, o.pending); err != nil {
			return err
		}
		n, err := s.SearchRecentRows(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nthe same queries with %d rows waiting in search_recent (%d per merchant, not yet moved into the index):", n, n/int64(len(ms)))
		if err := benchSearchQueries(ctx, s, ms, o, out); err != nil {
			return err
		}
		m0, c0 := time.Now(), processCPU()
		moved, err := s.MoveSearchRecent(ctx, store.DefaultSearchMoveBatch)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "moving them (batches of %d rows, one transaction each):\n", store.DefaultSearchMoveBatch)
		printMove(out, moved, time.Since(m0), processCPU()-c0, s.Dialect())
	}
	if o.writes > 0 {
		return benchSearchWrites(ctx, s, ms[0], o.writes, o.writeBlocks, out)
	}
	return nil
}

type benchMerchant struct {
	id    uint64
	slug  string
	order uint64 // product id for orders
	prod  uint64
}

func benchSearchMerchants(ctx context.Context, s *store.Store, n int) ([]benchMerchant, error) {
	var out []benchMerchant
	for i := range n {
		slug := fmt.Sprintf("bench-search-%02d", i)
		var m models.Merchant
		err := s.DB(ctx).Where("slug = ?", slug).Take(&m).Error
		if err != nil {
			m = models.Merchant{Slug: slug, Name: slug, Timezone: "Asia/Shanghai"}
			if err := s.DB(ctx).Create(&m).Error; err != nil {
				return nil, fmt.Errorf("bench merchant: %w", err)
			}
		}
		var p models.Product
		if err := s.DB(ctx).Where("merchant_id = ?", m.ID).Take(&p).Error; err != nil {
			p = models.Product{MerchantID: m.ID, SKU: "STEAM-100", Name: "Steam 100", Price: 10000, Currency: "CNY"}
			if err := s.DB(ctx).Create(&p).Error; err != nil {
				return nil, fmt.Errorf("bench product: %w", err)
			}
		}
		out = append(out, benchMerchant{id: m.ID, slug: slug, prod: p.ID})
	}
	return out, nil
}

var (
	zhSubjects = []string{"卡密无法激活", "显示卡密已被使用", "充值失败", "区域不对无法兑换", "没有收到卡密", "要求退款", "激活码无效", "订单一直未发货", "兑换后余额没到账", "账号被封了"}
	zhBodies   = []string{"我买的卡密显示已被使用，请尽快处理", "兑换的时候提示区域不符，我在国内", "付款成功了但是没有收到邮件", "请帮我退款，谢谢", "客服你好，激活码输入后提示无效",
		"昨天下的单到现在还没有发货", "充值到账金额不对，少了五十", "这个礼品卡能在美区用吗", "为什么我的订单被取消了", "麻烦核实一下，我已经等了三天"}
	enSubjects = []string{"Key already redeemed", "Code not working", "Wrong region", "Refund request", "Did not receive my key", "Activation failed", "Gift card balance missing", "Order stuck in processing"}
	enBodies   = []string{"The activation key says already redeemed on Steam.", "This code only works in Europe, I am in Brazil.", "I paid but never got the email with my key.",
		"Please refund my order, the key is invalid.", "Redeeming fails with error 53, tried twice.", "My balance did not increase after redeeming the gift card.", "Can you check the order status? It has been two days."}
	agentZh = []string{"您好，我们正在核实您的订单", "已为您补发新的卡密，请查收", "退款已提交，预计三到五个工作日到账", "请提供兑换失败的截图"}
	agentEn = []string{"We are checking with the supplier and will reply shortly.", "A replacement key has been sent.", "Your refund has been approved.", "Please send a screenshot of the error."}
	notes   = []string{"internal: supplier batch looks duplicated", "内部备注：该批次疑似重复", "checked the order, payment captured", "VIP buyer, be quick"}
	filler  = strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu 苹果 香蕉 橘子 西瓜 葡萄 草莓 芒果 菠萝 樱桃 柠檬")
)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// benchSearchFill adds tickets until the bench merchants hold n; it returns how many it made.
func benchSearchFill(ctx context.Context, s *store.Store, ms []benchMerchant, n int, out io.Writer) (int, error) {
	ids := make([]uint64, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	var have int64
	if err := s.DB(ctx).Model(&models.Ticket{}).Where("merchant_id IN ?", ids).Count(&have).Error; err != nil {
		return 0, err
	}
	if int(have) >= n {
		return 0, nil
	}
	// Bulk fill: the triggers are dropped and each batch's documents written once, in the
	// batch's transaction (the write-path figure below times the triggers themselves).
	trig, err := searchTriggers(s.Dialect())
	if err != nil {
		return 0, err
	}
	if err := dropSearchTriggers(ctx, s, trig); err != nil {
		return 0, err
	}
	defer func() { _ = restoreSearchTriggers(context.WithoutCancel(ctx), s, trig) }()
	r := rand.New(rand.NewPCG(uint64(have), 15))
	base := time.Now().UTC().Add(-365 * 24 * time.Hour)
	made := 0
	const batch = 500
	last := time.Now()
	for int(have)+made < n {
		k := min(batch, n-int(have)-made)
		err := s.InTx(ctx, func(ctx context.Context) error {
			orders := make([]models.Order, k)
			tks := make([]models.Ticket, k)
			seq := int(have) + made
			for i := range k {
				m := ms[(seq+i)%len(ms)]
				at := base.Add(time.Duration(seq+i) * (365 * 24 * time.Hour / time.Duration(max(n, 1))))
				orders[i] = models.Order{MerchantID: m.id, OrderNo: fmt.Sprintf("SO%010d", seq+i), ProductID: m.prod, Quantity: 1, Amount: 10000, Currency: "CNY",
					BuyerEmail: fmt.Sprintf("buyer%d@example.com", seq+i), BuyerContact: fmt.Sprintf("138%08d", seq+i), PaidAt: at, Status: models.OrderDelivered, CreatedAt: at, UpdatedAt: at}
			}
			if err := s.DB(ctx).CreateInBatches(orders, 250).Error; err != nil {
				return err
			}
			var msgs []models.Message
			for i := range k {
				o := orders[i]
				lang := r.IntN(20) // 0-10 zh, 11-17 en, 18-19 mixed
				var subj, body, reply string
				switch {
				case lang <= 10:
					subj, body, reply = pick(r, zhSubjects), pick(r, zhBodies), pick(r, agentZh)
				case lang <= 17:
					subj, body, reply = pick(r, enSubjects), pick(r, enBodies), pick(r, agentEn)
				default:
					subj, body, reply = pick(r, zhSubjects)+" "+pick(r, enSubjects), pick(r, zhBodies)+" "+pick(r, enBodies), pick(r, agentZh)+" / "+pick(r, agentEn)
				}
				body += " " + pick(r, filler) + " " + pick(r, filler) + " " + o.OrderNo
				st := models.StatusOpen
				if r.IntN(3) > 0 {
					st = models.StatusClosed
				}
				oid := o.ID
				tks[i] = models.Ticket{MerchantID: o.MerchantID, Ref: fmt.Sprintf("KD-B%010d", int(have)+made+i), OrderID: &oid, Category: "key_invalid", Channel: "web",
					Subject: subj, Status: st, Priority: models.PriorityNormal, Queue: models.QueueGeneral, CustomerEmail: o.BuyerEmail, CustomerContact: o.BuyerContact,
					Language: "zh", CreatedAt: o.PaidAt, UpdatedAt: o.PaidAt}
				msgs = append(msgs, models.Message{MerchantID: o.MerchantID, AuthorKind: models.AuthorCustomer, Body: body, RequestID: "submission", CreatedAt: o.PaidAt},
					models.Message{MerchantID: o.MerchantID, AuthorKind: models.AuthorAgent, Body: reply, RequestID: "r1", CreatedAt: o.PaidAt},
					models.Message{MerchantID: o.MerchantID, AuthorKind: models.AuthorAgent, Body: pick(r, notes), Internal: true, RequestID: "n1", CreatedAt: o.PaidAt})
			}
			if err := s.DB(ctx).CreateInBatches(tks, 250).Error; err != nil {
				return err
			}
			for i := range msgs {
				msgs[i].TicketID = tks[i/3].ID
			}
			if err := s.DB(ctx).CreateInBatches(msgs, 300).Error; err != nil {
				return err
			}
			tids := make([]uint64, len(tks))
			for i, t := range tks {
				tids[i] = t.ID
			}
			return s.ReindexTickets(ctx, tids)
		})
		if err != nil {
			return made, fmt.Errorf("bench fill: %w", err)
		}
		made += k
		if time.Since(last) > 30*time.Second {
			fmt.Fprintf(out, "  … %d tickets\n", int(have)+made)
			last = time.Now()
		}
	}
	return made, nil
}

// benchSearchIndexBytes is the on-disk size of the search index.
func benchSearchIndexBytes(ctx context.Context, s *store.Store) (int64, error) {
	var n int64
	if s.Dialect() == migrations.SQLite {
		err := s.DB(ctx).Raw(`SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'search_entries%'`).Scan(&n).Error
		return n, err
	}
	err := s.DB(ctx).Raw(`SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'search_entries'`).Scan(&n).Error
	return n, err
}

type benchQuery struct {
	kind string
	text func(r *rand.Rand, m benchMerchant, sample models.Ticket) string
	sort string
}

func benchSearchQueries(ctx context.Context, s *store.Store, ms []benchMerchant, o searchBenchOptions, out io.Writer) error {
	fixed := func(t string) func(*rand.Rand, benchMerchant, models.Ticket) string {
		return func(*rand.Rand, benchMerchant, models.Ticket) string { return t }
	}
	qs := []benchQuery{
		{kind: "exact ref", text: func(_ *rand.Rand, _ benchMerchant, t models.Ticket) string { return t.Ref }},
		{kind: "exact order number", text: func(_ *rand.Rand, _ benchMerchant, t models.Ticket) string {
			return strings.Replace(t.Ref, "KD-B", "SO", 1)
		}},
		{kind: "exact buyer email", text: func(_ *rand.Rand, _ benchMerchant, t models.Ticket) string { return t.CustomerEmail }},
		{kind: "exact contact", text: func(_ *rand.Rand, _ benchMerchant, t models.Ticket) string { return t.CustomerContact }},
		{kind: "zh 2 chars 退款", text: fixed("退款")},
		{kind: "zh 2 chars 芒果 (rare)", text: fixed("芒果")},
		{kind: "zh 4 chars 无法激活", text: fixed("无法激活")},
		{kind: "en word redeemed", text: fixed("redeemed")},
		{kind: "en phrase \"wrong region\"", text: fixed(`"wrong region"`)},
		{kind: "mixed 退款 refund", text: fixed("退款 refund")},
		{kind: "en word, newest first", text: fixed("screenshot"), sort: store.SearchByNewest},
		{kind: "no match", text: fixed("zzqqxx")},
		{kind: "filters only (closed, newest)", text: fixed(""), sort: store.SearchByNewest},
	}
	r := rand.New(rand.NewPCG(1, 2))
	var samples []models.Ticket
	// Filled tickets only (ref KD-B…): the write-path tickets of earlier runs have no order
	// number of that form and would turn exact queries into full-text ones.
	if err := s.DB(ctx).Where("merchant_id IN ? AND ref LIKE ?", merchantIDs(ms), "KD-B%").Order("id DESC").Limit(2000).Find(&samples).Error; err != nil {
		return err
	}
	if len(samples) == 0 {
		return errors.New("bench search: no tickets")
	}
	fmt.Fprintf(out, "\n%-32s %9s %9s %9s %7s\n", "query (one merchant, 20 per page)", "p50 ms", "p99 ms", "max ms", "hits")
	for _, q := range qs {
		var lat []time.Duration
		hits := 0
		for i := 0; i < o.runs; i++ {
			t := samples[r.IntN(len(samples))]
			m := benchMerchant{id: t.MerchantID}
			sq := store.SearchQuery{MerchantID: m.id, Text: q.text(r, m, t), Sort: q.sort, Limit: 20}
			if q.text(r, m, t) == "" {
				sq.Statuses = []string{models.StatusClosed}
			}
			start := time.Now()
			p, err := s.SearchTickets(ctx, sq)
			lat = append(lat, time.Since(start))
			if err != nil {
				return fmt.Errorf("bench search %s: %w", q.kind, err)
			}
			hits += len(p.Hits)
		}
		slices.Sort(lat)
		fmt.Fprintf(out, "%-32s %9.2f %9.2f %9.2f %7.1f\n", q.kind, ms64(lat[len(lat)/2]), ms64(lat[(len(lat)*99)/100]), ms64(lat[len(lat)-1]), float64(hits)/float64(o.runs))
	}
	return nil
}

func merchantIDs(ms []benchMerchant) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = m.id
	}
	return out
}

func ms64(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// searchIndexMigration is the migration holding the index triggers the bench drops and
// restores (00440: the triggers write search_recent, moved into the index by housekeeping).
func searchIndexMigration(string) string { return "00440_search_recent.sql" }

// searchTriggers returns the index triggers of the Up section of searchIndexMigration as
// (name, CREATE statement).
func searchTriggers(dialect string) ([][2]string, error) {
	fsys, err := migrations.FS(dialect)
	if err != nil {
		return nil, err
	}
	src, err := fs.ReadFile(fsys, searchIndexMigration(dialect))
	if err != nil {
		return nil, err
	}
	up, _, _ := strings.Cut(string(src), "-- +goose Down")
	var out [][2]string
	for _, b := range triggerBlock.FindAllStringSubmatch(up, -1) {
		out = append(out, [2]string{b[2], b[1]})
	}
	if len(out) == 0 {
		return nil, errors.New("bench search: no triggers found in migration " + searchIndexMigration(dialect))
	}
	return out, nil
}

func dropSearchTriggers(ctx context.Context, s *store.Store, ts [][2]string) error {
	for _, t := range ts {
		if err := s.DB(ctx).Exec("DROP TRIGGER IF EXISTS " + t[0]).Error; err != nil {
			return fmt.Errorf("bench search: drop trigger %s: %w", t[0], err)
		}
	}
	return nil
}

func restoreSearchTriggers(ctx context.Context, s *store.Store, ts [][2]string) error {
	for _, t := range ts {
		if err := s.DB(ctx).Exec(t[1]).Error; err != nil {
			return fmt.Errorf("bench search: restore trigger %s: %w", t[0], err)
		}
	}
	return nil
}

var triggerBlock = regexp.MustCompile(`(?s)-- \+goose StatementBegin\n(CREATE TRIGGER (\w+).*?)-- \+goose StatementEnd`)

// benchSearchWrites times ticket creation (ticket + first message in one transaction, then a
// reply and a note in another, as the product writes them) with the index triggers and with
// them dropped. The two arms alternate in blocks (with, without, without, with, …) after a
// warm-up of each, so drift on a shared machine (other load, WAL growth, the page cache) falls
// on both alike. It prints the ratio of the medians over all blocks with the spread of the
// per-pair ratios (how far to trust it), the ratio of the means (FTS5's merge work comes in
// bursts that a median can miss) and, on SQLite, of this process's CPU time per ticket. Then
// the triggers are restored and the tickets written without them are re-indexed.
func benchSearchWrites(ctx context.Context, s *store.Store, m benchMerchant, n, blocks int, out io.Writer) error {
	trig, err := searchTriggers(s.Dialect())
	if err != nil {
		return err
	}
	blocks = max(1, min(blocks, n))
	per := max(1, n/blocks)
	var unindexed []uint64
	var cpu [2]time.Duration // process CPU time of the timed writes: without, with the index
	seq := 0
	create := func(indexed bool, k int) ([]time.Duration, error) {
		var lat []time.Duration
		for range k {
			i := seq
			seq++
			oid := uint64(0)
			tag := "n"
			if indexed {
				tag = "i"
			}
			o := models.Order{MerchantID: m.id, OrderNo: fmt.Sprintf("W%s%d-%d", tag, time.Now().UnixNano(), i), ProductID: m.prod, Quantity: 1, Amount: 1, Currency: "CNY", PaidAt: time.Now().UTC(), Status: models.OrderDelivered}
			if err := s.DB(ctx).Create(&o).Error; err != nil {
				return nil, err
			}
			oid = o.ID
			t := models.Ticket{MerchantID: m.id, Ref: fmt.Sprintf("KD-W%s%d", tag, time.Now().UnixNano()), OrderID: &oid, Subject: zhSubjects[i%len(zhSubjects)],
				Status: models.StatusNew, Priority: models.PriorityNormal, Queue: models.QueueGeneral, CustomerEmail: "w@example.com"}
			start, c0 := time.Now(), processCPU()
			if err := s.CreateTicket(ctx, &t, &models.Message{AuthorKind: models.AuthorCustomer, Body: zhBodies[i%len(zhBodies)] + " " + enBodies[i%len(enBodies)], RequestID: "submission"}); err != nil {
				return nil, err
			}
			if err := s.AddMessages(ctx, []models.Message{{MerchantID: m.id, TicketID: t.ID, AuthorKind: models.AuthorAgent, Body: agentZh[i%len(agentZh)], RequestID: "r1"},
				{MerchantID: m.id, TicketID: t.ID, AuthorKind: models.AuthorAgent, Body: notes[i%len(notes)], Internal: true, RequestID: "n1"}}); err != nil {
				return nil, err
			}
			lat = append(lat, time.Since(start))
			cpu[b2i(indexed)] += processCPU() - c0
			if !indexed {
				unindexed = append(unindexed, t.ID)
			}
		}
		return lat, nil
	}
	indexed := true
	arm := func(want bool, k int) ([]time.Duration, error) {
		if want != indexed {
			var err error
			if want {
				err = restoreSearchTriggers(ctx, s, trig)
			} else {
				err = dropSearchTriggers(ctx, s, trig)
			}
			if err != nil {
				return nil, err
			}
			indexed = want
		}
		var lat []time.Duration
		var err error
		pprof.Do(ctx, pprof.Labels("index", strconv.FormatBool(want)), func(context.Context) { lat, err = create(want, k) })
		return lat, err
	}
	var with, without []time.Duration
	var pairs []float64 // per pair of blocks: median with / median without
	run := func() error {
		warm := max(5, per/2)
		if _, err := arm(true, warm); err != nil {
			return err
		}
		if _, err := arm(false, warm); err != nil {
			return err
		}
		cpu = [2]time.Duration{}
		for r := range blocks {
			// with first in even pairs, without first in odd ones: each arm follows the
			// other equally often.
			order := []bool{true, false}
			if r%2 == 1 {
				order = []bool{false, true}
			}
			var med [2]time.Duration
			for _, ix := range order {
				lat, err := arm(ix, per)
				if err != nil {
					return err
				}
				if ix {
					with = append(with, lat...)
					med[0] = median(lat)
				} else {
					without = append(without, lat...)
					med[1] = median(lat)
				}
			}
			pairs = append(pairs, float64(med[0])/float64(med[1]))
		}
		return nil
	}
	// KEYDESK_BENCH_SEARCH_CPUPROFILE names a file for a CPU profile of the timed writes (both
	// arms; read with `go tool pprof`).
	if f := os.Getenv("KEYDESK_BENCH_SEARCH_CPUPROFILE"); f != "" {
		pf, err := os.Create(f)
		if err != nil {
			return fmt.Errorf("bench search writes: cpu profile: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("bench search writes: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	cerr := run()
	if !indexed {
		if err := restoreSearchTriggers(ctx, s, trig); err != nil {
			return err
		}
	}
	if cerr != nil {
		return fmt.Errorf("bench search writes: %w", cerr)
	}
	if err := s.ReindexTickets(ctx, unindexed); err != nil {
		return err
	}
	// The indexed arm's text waits in search_recent; housekeeping moves it off the write path.
	pending, err := s.SearchRecentRows(ctx)
	if err != nil {
		return err
	}
	m0, c0 := time.Now(), processCPU()
	moved, err := s.MoveSearchRecent(ctx, store.DefaultSearchMoveBatch)
	if err != nil {
		return err
	}
	moveEl, moveCPU := time.Since(m0), processCPU()-c0
	mw, mn := median(with), median(without)
	aw, an := mean(with), mean(without)
	slices.Sort(pairs)
	fmt.Fprintf(out, "\nwrite path (ticket + first message, then reply + note; %d tickets per arm in %d alternating blocks):\n", len(with), blocks)
	fmt.Fprintf(out, "  median %.2f ms with the index, %.2f ms without: %+.0f%% (%+.2f ms); per block pair %+.0f%% (median), %+.0f%% … %+.0f%%\n",
		ms64(mw), ms64(mn), 100*(float64(mw)/float64(mn)-1), ms64(mw-mn), 100*(pairs[len(pairs)/2]-1), 100*(pairs[0]-1), 100*(pairs[len(pairs)-1]-1))
	fmt.Fprintf(out, "  mean   %.2f ms with the index, %.2f ms without: %+.0f%% (the mean counts the index's merge bursts that a median can miss)\n",
		ms64(aw), ms64(an), 100*(float64(aw)/float64(an)-1))
	if s.Dialect() == migrations.SQLite && cpu[0] > 0 {
		cw, cn := cpu[1]/time.Duration(len(with)), cpu[0]/time.Duration(len(without))
		fmt.Fprintf(out, "  CPU    %.2f ms with the index, %.2f ms without: %+.0f%% (this process's CPU time per ticket: all of SQLite's work, least sensitive to other load)\n",
			ms64(cw), ms64(cn), 100*(float64(cw)/float64(cn)-1))
	}
	fmt.Fprintf(out, "  recent rows after the blocks: %d (search_recent; moved by housekeeping, not on the write path)\n", pending)
	printMove(out, moved, moveEl, moveCPU, s.Dialect())
	return nil
}

// printMove prints what moving search_recent into the full-text index cost, per ticket of
// four rows (subject, first message, reply, note).
func printMove(out io.Writer, rows int, el, cpu time.Duration, dialect string) {
	if rows == 0 {
		fmt.Fprintf(out, "  move: nothing to move\n")
		return
	}
	per := float64(rows) / 4
	fmt.Fprintf(out, "  move: %d rows in %.1f ms, %.3f ms per ticket (4 rows)", rows, ms64(el), ms64(el)/per)
	if dialect == migrations.SQLite {
		fmt.Fprintf(out, ", CPU %.3f ms per ticket", ms64(cpu)/per)
	}
	fmt.Fprintln(out)
}

// benchSearchPending writes tickets (subject and three messages each, in the fill's zh/en
// mix) with the triggers on and no move, until each merchant has about rows rows waiting in
// search_recent: the most search reads between two moves. Their refs start KD-P, so the
// queries' samples (KD-B) never pick them.
func benchSearchPending(ctx context.Context, s *store.Store, ms []benchMerchant, rows int) error {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 16))
	per := (rows + 3) / 4
	for _, m := range ms {
		for done := 0; done < per; {
			k := min(250, per-done)
			err := s.InTx(ctx, func(ctx context.Context) error {
				tks := make([]models.Ticket, k)
				now := time.Now().UTC()
				for i := range tks {
					tks[i] = models.Ticket{MerchantID: m.id, Ref: fmt.Sprintf("KD-P%d-%d", now.UnixNano(), i), Category: "key_invalid", Channel: "web",
						Subject: pick(r, zhSubjects) + " " + pick(r, enSubjects), Status: models.StatusOpen, Priority: models.PriorityNormal, Queue: models.QueueGeneral,
						CustomerEmail: "p@example.com", Language: "zh", CreatedAt: now, UpdatedAt: now}
				}
				if err := s.DB(ctx).CreateInBatches(tks, 250).Error; err != nil {
					return err
				}
				var msgs []models.Message
				for _, t := range tks {
					msgs = append(msgs,
						models.Message{MerchantID: m.id, TicketID: t.ID, AuthorKind: models.AuthorCustomer, Body: pick(r, zhBodies) + " " + pick(r, enBodies) + " " + pick(r, filler), RequestID: "submission", CreatedAt: now},
						models.Message{MerchantID: m.id, TicketID: t.ID, AuthorKind: models.AuthorAgent, Body: pick(r, agentZh) + " / " + pick(r, agentEn), RequestID: "r1", CreatedAt: now},
						models.Message{MerchantID: m.id, TicketID: t.ID, AuthorKind: models.AuthorAgent, Body: pick(r, notes), Internal: true, RequestID: "n1", CreatedAt: now})
				}
				return s.DB(ctx).CreateInBatches(msgs, 300).Error
			})
			if err != nil {
				return fmt.Errorf("bench search pending rows: %w", err)
			}
			done += k
		}
	}
	return nil
}

// mean returns the average of the durations.
func mean(xs []time.Duration) time.Duration {
	var t time.Duration
	for _, x := range xs {
		t += x
	}
	return t / time.Duration(len(xs))
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// processCPU is the user + system CPU time this process has used so far (0 if unknown).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// median returns the middle of the durations (sorting a copy).
func median(xs []time.Duration) time.Duration {
	c := slices.Clone(xs)
	slices.Sort(c)
	return c[len(c)/2]
}
