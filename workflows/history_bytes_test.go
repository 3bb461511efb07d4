package workflows_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/proto"

	"github.com/keydesk/keydesk/internal/secretbox"
	"github.com/keydesk/keydesk/internal/temporalx"
)

// The replay corpus is recorded without the codec: its payloads are plain JSON. Sealing them
// the way a worker would gives, for every recorded path, the history a production server
// stores, in each payload format.

func loadHistory(t testing.TB, file string) *historypb.History {
	t.Helper()
	f, err := os.Open(file)
	must(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	must(t, err)
	return h
}

// sealHistory returns a copy of h with every payload encoded by codec, as a worker and
// client with that codec would have written it (search attributes are never encoded).
func sealHistory(t testing.TB, h *historypb.History, codec temporalx.Codec) *historypb.History {
	t.Helper()
	cp := proto.Clone(h).(*historypb.History)
	err := proxy.VisitPayloads(context.Background(), cp, proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return codec.Encode(ps)
		},
	})
	must(t, err)
	return cp
}

func codecBox(t testing.TB) *secretbox.Box {
	t.Helper()
	box, err := secretbox.New([]byte(strings.Repeat("h", secretbox.KeySize)))
	must(t, err)
	return box
}

// corpusName is a corpus file's name as the tests print it: release/path.
func corpusName(file string) string {
	return strings.TrimSuffix(strings.TrimPrefix(file, filepath.Join("testdata", "replay")+string(os.PathSeparator)), ".json")
}

// TestReplayCorpusSealed replays every recorded history with its payloads sealed in each
// format, through a replayer whose data converter is the production codec: the compact
// format gives back every payload the workflows read (inputs, activity and local-activity
// results, markers, update arguments, signals), and the older formats still read.
func TestReplayCorpusSealed(t *testing.T) {
	box := codecBox(t)
	for _, format := range []temporalx.Format{temporalx.FormatCompact, temporalx.FormatDeflate, temporalx.FormatSealed} {
		r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: temporalx.DataConverter(box)})
		must(t, err)
		registerAll(r, nil)
		for _, f := range corpusFiles(t) {
			t.Run(format.String()+"/"+corpusName(f), func(t *testing.T) {
				h := sealHistory(t, loadHistory(t, f), temporalx.Codec{Box: box, Format: format})
				if err := r.ReplayWorkflowHistory(quietSDK, h); err != nil {
					t.Fatalf("replay %s sealed %s: %v", f, format, err)
				}
			})
		}
	}
}

// historySize is what the server stores of a history's events: their protobuf size.
func historySize(h *historypb.History) int {
	n := 0
	for _, e := range h.GetEvents() {
		n += proto.Size(e)
	}
	return n
}

// TestCompactHistoriesAreSmaller: on every recorded path the compact format stores fewer
// bytes than the format before it.
func TestCompactHistoriesAreSmaller(t *testing.T) {
	box := codecBox(t)
	for _, f := range corpusFiles(t) {
		h := loadHistory(t, f)
		compact := historySize(sealHistory(t, h, temporalx.Codec{Box: box, Format: temporalx.FormatCompact}))
		deflate := historySize(sealHistory(t, h, temporalx.Codec{Box: box, Format: temporalx.FormatDeflate}))
		if compact >= deflate {
			t.Errorf("%s: compact %d bytes, deflate %d", corpusName(f), compact, deflate)
		}
	}
}

// BenchmarkHistoryBytes prints, for every recorded path, its events and the bytes its
// history stores with plain payloads and sealed in each format, then the totals:
//
//	go test ./workflows -run '^$' -bench HistoryBytes -benchtime=1x
func BenchmarkHistoryBytes(b *testing.B) {
	box := codecBox(b)
	formats := []temporalx.Format{temporalx.FormatSealed, temporalx.FormatDeflate, temporalx.FormatCompact}
	for range b.N {
		var events, plain int
		sealed := make([]int, len(formats))
		fmt.Printf("%-48s %6s %8s %8s %8s %8s %7s\n", "path", "events", "plain", "sealed", "deflate", "compact", "cut")
		for _, f := range corpusFiles(b) {
			h := loadHistory(b, f)
			row := make([]int, len(formats))
			for i, format := range formats {
				row[i] = historySize(sealHistory(b, h, temporalx.Codec{Box: box, Format: format}))
				sealed[i] += row[i]
			}
			p := historySize(h)
			events, plain = events+len(h.GetEvents()), plain+p
			fmt.Printf("%-48s %6d %8d %8d %8d %8d %6.1f%%\n", corpusName(f), len(h.GetEvents()), p, row[0], row[1], row[2], cut(row[1], row[2]))
		}
		fmt.Printf("%-48s %6d %8d %8d %8d %8d %6.1f%%\n", "all", events, plain, sealed[0], sealed[1], sealed[2], cut(sealed[1], sealed[2]))
		b.ReportMetric(float64(sealed[2])/float64(events), "compact-bytes/event")
		b.ReportMetric(float64(sealed[1])/float64(events), "deflate-bytes/event")
	}
}

// cut is how much smaller after is than before, in per cent.
func cut(before, after int) float64 { return 100 * float64(before-after) / float64(before) }
