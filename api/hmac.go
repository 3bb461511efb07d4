package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/inventory"
	"github.com/keydesk/keydesk/models"
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
	if s.d.Box == nil {
		return errMissingSignature
	}
	open := func(m models.Merchant) ([]byte, error) {
		return s.d.Box.Open(m.IntegrationSecretCipher, store.IntegrationSecretAAD(m.ID))
	}
	m, err := verifySigned(c, s.d.Store, open, s.now())
	if err != nil {
		return err
	}
	c.Set(ctxIntegrationMerchant, m.ID)
	return nil
}

// verifySigned checks a signed request against the merchant's integration secret (open reads
// it) and leaves the body readable again. Every failure is a 401 whose message tells the
// shop's developer what to fix, without telling anyone which merchants exist.
func verifySigned(c *gin.Context, s *store.Store, open func(models.Merchant) ([]byte, error), now time.Time) (models.Merchant, error) {
	slug := c.GetHeader(HeaderIntegrationMerchant)
	ts, sig := c.GetHeader(HeaderIntegrationTimestamp), c.GetHeader(HeaderIntegrationSignature)
	if slug == "" || ts == "" || sig == "" {
		return models.Merchant{}, errMissingSignature
	}
	body, err := io.ReadAll(c.Request.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return models.Merchant{}, errTooLarge
	}
	if err != nil {
		return models.Merchant{}, Errorf(http.StatusBadRequest, CodeBadRequest, "cannot read request body")
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	m, err := s.MerchantBySlug(c.Request.Context(), slug)
	if errors.Is(err, store.ErrNotFound) {
		return m, errBadSignature // the same answer as a wrong secret: nothing to probe
	}
	if err != nil {
		return m, err
	}
	secret, err := open(m)
	if err != nil || len(secret) == 0 {
		return m, errBadSignature
	}
	switch err := inventory.VerifySignature(secret, ts, sig, body, now); {
	case errors.Is(err, inventory.ErrStaleTimestamp):
		// Tell the shop its clock or retry queue is off; the server's time shows by how much.
		return m, Errorf(http.StatusUnauthorized, CodeUnauthorized,
			"%s is outside the %s replay window (server time %d); sign again with the current unix time",
			HeaderIntegrationTimestamp, inventory.ReplayWindow, now.Unix())
	case err != nil:
		return m, errBadSignature
	}
	return m, nil
}

var (
	errMissingSignature = Errorf(http.StatusUnauthorized, CodeUnauthorized,
		"signed request required: send %s, %s and %s", HeaderIntegrationMerchant, HeaderIntegrationTimestamp, HeaderIntegrationSignature)
	errBadSignature = Errorf(http.StatusUnauthorized, CodeUnauthorized,
		"signature does not match: expected sha256=hex(HMAC-SHA256(secret, timestamp + \".\" + body)) for this merchant")
)

// integrationMerchant is the merchant a verified integration request belongs to.
func integrationMerchant(c *gin.Context) uint64 { return c.GetUint64(ctxIntegrationMerchant) }

// errBadNotification answers a payment gateway notification whose signature (or merchant)
// does not check out.
var errBadNotification = Errorf(http.StatusUnauthorized, CodeUnauthorized, "bad notification signature")
