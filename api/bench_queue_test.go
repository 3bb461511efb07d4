package api

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/store"
)

// benchRows is KEYDESK_BENCH_QUEUE_ROWS (default 20,000 so the suite stays quick; the figures
// of record use 1,000,000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("KEYDESK_BENCH_QUEUE_ROWS")); err == nil && n > 0 {
		return n
	}
	return 20_000
}

// benchStore opens the store of a sub-benchmark: KEYDESK_BENCH_QUEUE_<DIALECT>_URL (a
// database kept between runs, so its tickets are inserted once), else a fresh test database.
func benchStore(b *testing.B, dialect string, fresh func(testing.TB) *store.Store) *store.Store {
	url := os.Getenv("KEYDESK_BENCH_QUEUE_" + map[string]string{"sqlite": "SQLITE", "mysql": "MYSQL"}[dialect] + "_URL")
	if url == "" {
		return fresh(b)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: url, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkQueue prints p50/p90/p99 of GET /api/v1/queue on SQLite and (when
// KEYDESK_TEST_MYSQL_DSN is set) MariaDB/MySQL. Run:
//
//	KEYDESK_BENCH_QUEUE_ROWS=1000000 go test ./api -run '^$' -bench Queue -benchtime 1x
//
// KEYDESK_BENCH_QUEUE_MYSQL_URL=mysql:root@tcp(127.0.0.1:3306)/kd_bench (or ..._SQLITE_URL=
// sqlite:/path) keeps the filled database between runs.
func BenchmarkQueue(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{{"sqlite", testdb.SQLite}, {"mysql", testdb.MySQL}} {
		b.Run(d.name, func(b *testing.B) {
			st := benchStore(b, d.name, d.open)
			for b.Loop() {
				res, err := BenchQueue(context.Background(), st, QueueBenchOptions{Rows: benchRows(), Requests: 500, Out: os.Stdout})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(res.P50.Microseconds()), "p50-µs")
				b.ReportMetric(float64(res.P99.Microseconds()), "p99-µs")
			}
		})
	}
}
