package web_test

import (
	"net/http"
	"sync"
	"time"
)

// fakeNet slows the fake API (delay before each answer) or cuts it (down: the connection is
// closed without an answer, as when the server is unreachable), for the loading and offline
// tests.
type fakeNet struct {
	mu    sync.Mutex
	delay time.Duration
	down  bool
}

func (n *fakeNet) set(delay time.Duration, down bool) {
	n.mu.Lock()
	n.delay, n.down = delay, down
	n.mu.Unlock()
}

// gated serves an API request after the net's delay, or drops it when the net is down.
func (f *fakeAPI) gated(w http.ResponseWriter, r *http.Request) {
	f.net.mu.Lock()
	delay, down := f.net.delay, f.net.down
	f.net.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if down {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	f.serve(w, r)
}
