package api

// Key batches (issue 16): the list of a merchant's batches with their keys counted by status,
// and releasing a quarantined batch. Quarantine itself is POST /batches/{id}/quarantine
// (inventory.go). Whoever may quarantine (inventory.quarantine: supervisors, admins) may see
// the batches and release them; both are scoped to the caller's merchant, and a release is
// audited (batch.release) in the transaction that makes it.

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// batchRoutes is the batch part of the route table (listed in routeGroups).
func (s *Server) batchRoutes() []Route {
	h := &batchAPI{s: s, inv: inventory.New(inventory.Opts{Store: s.d.Store, Box: s.d.Box, Log: s.log, Now: s.d.Now})}
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/batches", Access: AccessStaff, Perm: PermQuarantine, Handler: h.list,
			Doc: Doc{Tag: "inventory", Summary: "Key batches, newest first, with their keys counted by status and the quarantine reason (cursor pagination)",
				Resp: batchesResp{}, Query: [][2]string{{"status", "active or quarantined"}, {"sku", "one product"},
					{"cursor", "from next_cursor"}, {"limit", "1–200 (default 50)"}}}},
		{Method: http.MethodPost, Path: V1 + "/batches/:id/release", Access: AccessStaff, Perm: PermQuarantine, Handler: h.release,
			Doc: Doc{Tag: "inventory", Summary: "Release a quarantined batch: its quarantined keys become available again (audited)",
				Body: releaseRequest{}, Example: releaseRequest{Reason: "supplier confirmed the keys are valid"}, Resp: inventory.ReleaseResult{}}},
	}
}

type batchAPI struct {
	s   *Server
	inv *inventory.Service
}

// batchesResp is the body of GET /batches.
type batchesResp struct {
	Batches    []store.BatchSummary `json:"batches"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// releaseRequest is the body of POST /batches/{id}/release.
type releaseRequest struct {
	Reason string `json:"reason"`
}

func (h *batchAPI) list(c *gin.Context) error {
	m, err := h.s.merchant(c)
	if err != nil {
		return err
	}
	f := store.BatchFilter{Status: c.Query("status"), Limit: 50}
	fe := fieldErrors{}
	fe.check(f.Status != "" && f.Status != models.BatchActive && f.Status != models.BatchQuarantined, "status", "one of active, quarantined")
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		fe.check(err != nil || n < 1 || n > 200, "limit", "between 1 and 200")
		f.Limit = n
	}
	if cur := c.Query("cursor"); cur != "" {
		id, err := strconv.ParseUint(cur, 10, 64)
		fe.check(err != nil || id == 0, "cursor", "from next_cursor")
		f.BeforeID = id
	}
	if err := fe.err(); err != nil {
		return err
	}
	if sku := c.Query("sku"); sku != "" {
		p, err := h.s.d.Store.ProductBySKU(c.Request.Context(), m, sku)
		if errors.Is(err, store.ErrNotFound) {
			c.JSON(http.StatusOK, batchesResp{Batches: []store.BatchSummary{}})
			return nil
		}
		if err != nil {
			return err
		}
		f.ProductID = p.ID
	}
	list, err := h.inv.Batches(c.Request.Context(), m, f)
	if err != nil {
		return err
	}
	resp := batchesResp{Batches: list}
	if len(list) == f.Limit {
		resp.NextCursor = strconv.FormatUint(list[len(list)-1].ID, 10)
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func (h *batchAPI) release(c *gin.Context) error {
	m, err := h.s.merchant(c)
	if err != nil {
		return err
	}
	p, ok := principal(c)
	if !ok {
		return errUnauthorized
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	var req releaseRequest
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	fe := fieldErrors{}
	if msg := inventory.BatchReasonProblem(req.Reason); msg != "" {
		fe.check(true, "reason", msg)
	}
	if err := fe.err(); err != nil {
		return err
	}
	res, err := h.inv.Release(c.Request.Context(), m, id, req.Reason,
		inventory.QuarantineActor{UserID: p.User.ID, Email: p.User.Email, IP: c.ClientIP(), UserAgent: c.Request.UserAgent()})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, res)
	return nil
}
