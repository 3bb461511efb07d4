package tickets

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/workflows"
)

// queryClient answers QueryWorkflow with the errors in fails, one per call, then with state.
// Every other client method is the nil interface's (unused here).
type queryClient struct {
	client.Client
	fails []error
	state workflows.State
	calls int
}

func (c *queryClient) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	c.calls++
	if c.calls <= len(c.fails) {
		return nil, c.fails[c.calls-1]
	}
	raw, err := json.Marshal(c.state)
	if err != nil {
		return nil, err
	}
	return jsonValue(raw), nil
}

type jsonValue []byte

func (v jsonValue) HasValue() bool    { return len(v) > 0 }
func (v jsonValue) Get(ptr any) error { return json.Unmarshal(v, ptr) }

func TestStateQueryTriesAgainOnlyAfterTransportFailures(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m := models.Merchant{Slug: "q", Name: "q", Timezone: "UTC"}
		must(t, s.DB(ctx).Create(&m).Error)
		tk := models.Ticket{MerchantID: m.ID, Ref: "KD-QUERY001", Status: models.StatusOpen, Category: "other",
			Priority: models.PriorityNormal, CustomerEmail: "b@example.com", Subject: "s", CreatedAt: time.Now().UTC()}
		must(t, s.DB(ctx).Create(&tk).Error)
		want := workflows.State{TicketID: tk.ID, Status: models.StatusOpen, Seq: 7}
		cases := []struct {
			name    string
			fails   []error
			wantErr bool
			calls   int
		}{
			{"answers at once", nil, false, 1},
			{"a reset stream, then the answer", []error{serviceerror.NewCanceled("stream terminated by RST_STREAM with error code: CANCEL")}, false, 2},
			{"unavailable twice, then the answer", []error{serviceerror.NewUnavailable("x"), serviceerror.NewUnavailable("y")}, false, 3},
			{"still failing after the last try", []error{serviceerror.NewUnavailable("1"), serviceerror.NewUnavailable("2"), serviceerror.NewUnavailable("3")}, true, 3},
			{"an answer about the workflow is not retried", []error{serviceerror.NewInvalidArgument("unknown query")}, true, 1},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := &queryClient{fails: tc.fails, state: want}
				st, err := New(Opts{Store: s, Temporal: c}).State(ctx, m.ID, tk.ID)
				if (err != nil) != tc.wantErr || c.calls != tc.calls {
					t.Fatalf("err %v after %d calls; want error %v after %d", err, c.calls, tc.wantErr, tc.calls)
				}
				if err == nil && (st.TicketID != tk.ID || st.Seq != 7) {
					t.Fatalf("state %+v", st)
				}
				if err != nil && !errors.As(err, new(*serviceerror.Unavailable)) && !errors.As(err, new(*serviceerror.InvalidArgument)) {
					t.Fatalf("error lost its cause: %v", err)
				}
			})
		}
	})
}
