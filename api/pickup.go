package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/inventory"
)

// pickupRequest is the body of POST /key-pickup: the token of the pickup link sent to the
// order's e-mail address. It travels in the body (the page reads it from the link's
// fragment) so it never lands in a URL log.
type pickupRequest struct {
	Token string `json:"token"`
}

// PickUp is POST /api/v1/key-pickup (public, rate-limited): the replacement key a stepped-up
// claim sent to the order's contact. The token is the credential; every answer for a bad
// token is the same 404, an expired one says so (410).
func (h *InventoryAPI) PickUp(c *gin.Context) error {
	var req pickupRequest
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	tok := strings.TrimSpace(req.Token)
	if tok == "" {
		return Validation(map[string]string{"token": "required"})
	}
	if len(tok) != 64 {
		return Errorf(http.StatusNotFound, CodeNotFound, "%s", inventory.ErrPickupNotFound)
	}
	p, err := h.Inventory.PickUp(c.Request.Context(), tok, c.ClientIP(), c.Request.UserAgent())
	switch {
	case errors.Is(err, inventory.ErrPickupNotFound):
		return Errorf(http.StatusNotFound, CodeNotFound, "%s", err)
	case errors.Is(err, inventory.ErrPickupExpired):
		return Errorf(http.StatusGone, "expired", "this pickup link has expired: reply on your ticket and an agent will help")
	case err != nil:
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, p)
	return nil
}
