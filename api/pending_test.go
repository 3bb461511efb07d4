package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/keydesk/keydesk/internal/testdb"
)

// An action the workflow has not finished within the service's wait answers 202 with a poll
// URL; the poll answers 202 while it runs and 200 with the state once done, and only staff
// of the ticket's merchant may read it.
func TestActionPendingAnswers202WithAPoll(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	e.fake.mu.Lock()
	e.fake.pending = true
	e.fake.mu.Unlock()
	agent := bearerHdr(e.tokens["agent"])
	w := e.do("POST", fmt.Sprintf("%s/tickets/%d/note", V1, e.ticketA.ID), replyReq{Body: "checking"}, agent)
	if w.Code != http.StatusAccepted {
		t.Fatalf("pending action: %d %s", w.Code, w.Body.String())
	}
	var body ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error == nil || body.Error.Code != CodePending {
		t.Fatalf("body %s: %v", w.Body.String(), err)
	}
	want := fmt.Sprintf("%s/tickets/%d/updates/u-slow", V1, e.ticketA.ID)
	if body.Error.Poll != want {
		t.Fatalf("poll %q, want %q", body.Error.Poll, want)
	}
	if w := e.do("GET", want, nil, agent); w.Code != http.StatusAccepted {
		t.Fatalf("poll while running: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", want, nil, bearerHdr(e.tokens["other_admin"])); w.Code != http.StatusNotFound {
		t.Fatalf("another merchant's admin polled: %d", w.Code)
	}
	if w := e.do("GET", want, nil, nil); w.Code != http.StatusUnauthorized {
		t.Fatalf("anonymous poll: %d", w.Code)
	}
	e.fake.mu.Lock()
	e.fake.done = true
	e.fake.mu.Unlock()
	if w := e.do("GET", want, nil, agent); w.Code != http.StatusOK {
		t.Fatalf("poll once done: %d %s", w.Code, w.Body.String())
	}
}
