package app

import (
	"context"
	"time"

	"github.com/keydesk/keydesk/store"
)

// searchMoveCheck is how often the search mover looks whether more than SearchMoveRows rows
// wait in search_recent (a variable so tests can shorten it).
var searchMoveCheck = 5 * time.Second

// startSearchMover moves the search index's recent rows into the full-text index every
// SearchMoveEvery, or sooner when more than SearchMoveRows wait (never when SearchMoveEvery
// is 0), until Stop. Several workers may run it at once: each batch is one transaction that
// takes rows no other mover holds (store.MoveSearchRecent).
func (a *App) startSearchMover() {
	every := a.Config.SearchMoveEvery
	if every <= 0 {
		return
	}
	last := time.Now()
	a.backgroundEvery(min(searchMoveCheck, every), func(ctx context.Context) {
		if time.Since(last) < every {
			over, err := a.Store.SearchRecentOver(ctx, max(a.Config.SearchMoveRows, 1))
			if err != nil && ctx.Err() == nil {
				a.Log.Warn("search move: count recent rows", "err", err)
			}
			if !over {
				return
			}
		}
		last = time.Now()
		n, err := a.Store.MoveSearchRecent(ctx, store.DefaultSearchMoveBatch)
		if err != nil && ctx.Err() == nil {
			a.Log.Warn("search move", "err", err, "moved", n)
		} else if n > 0 {
			a.Log.Debug("search move", "rows", n, "took", time.Since(last))
		}
	})
}
