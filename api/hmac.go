package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/store"
)

// Headers of a signed shop-integration request (AccessHMAC routes).
const (
	HeaderIntegrationMerchant  = "X-Keydesk-Merchant"
	HeaderIntegrationTimestamp = "X-Keydesk-Timestamp"
	HeaderIntegrationSignature = "X-Keydesk-Signature"
)

const ctxIntegrationMerchant = "keydesk.integration_merchant"

// authHMAC verifies a shop's signed request: the merchant slug, a timestamp within the replay
// window and signature = inventory.Sign(secret, timestamp, body). The body is read (capped)
// and put back for the handler. On success the merchant id is in the context
// (integrationMerchant).
func (s *Server) authHMAC(c *gin.Context) error {
	slug := c.GetHeader(HeaderIntegrationMerchant)
	ts, sig := c.GetHeader(HeaderIntegrationTimestamp), c.GetHeader(HeaderIntegrationSignature)
	if slug == "" || ts == "" || sig == "" || s.d.Box == nil {
		return errUnauthorized
	}
	body, err := io.ReadAll(c.Request.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	if err != nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "cannot read request body")
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	m, err := s.d.Store.MerchantBySlug(c.Request.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return errUnauthorized
	}
	if err != nil {
		return err
	}
	secret, err := s.d.Box.Open(m.IntegrationSecretCipher, store.IntegrationSecretAAD(m.ID))
	if err != nil {
		return errUnauthorized
	}
	if err := inventory.VerifySignature(secret, ts, sig, body, s.now()); err != nil {
		return errUnauthorized
	}
	c.Set(ctxIntegrationMerchant, m.ID)
	return nil
}

// integrationMerchant is the merchant a verified integration request belongs to.
func integrationMerchant(c *gin.Context) uint64 { return c.GetUint64(ctxIntegrationMerchant) }
