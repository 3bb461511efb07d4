package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/inventory"
)

// IntegrationHistory is POST /api/v1/integrations/history (signed like every integration):
// the shop's after-sales history from before keydesk — orders, claims with their outcomes,
// refunds, chargebacks, each with its own date — for the fraud signals. 201 when something
// new was stored, 200 when every event was already there (re-sending is safe).
func (h *InventoryAPI) IntegrationHistory(c *gin.Context) error {
	m, err := h.SignedMerchant(c)
	if err != nil {
		return err
	}
	var req inventory.HistoryPush
	if err := decodeJSON(c, &req, false); err != nil {
		return err
	}
	res, err := h.Inventory.ImportHistory(c.Request.Context(), m, req)
	if err != nil {
		return inventoryError(err)
	}
	status := http.StatusOK
	if res.Created > 0 {
		status = http.StatusCreated
	}
	c.JSON(status, res)
	return nil
}
