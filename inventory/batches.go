package inventory

// Batch management for admins and supervisors (issue 16): the list of batches with their
// keys counted by status, and releasing a quarantined batch (quarantine is in service.go).

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// MaxBatchReason is the longest quarantine or release reason, in characters.
const MaxBatchReason = 500

// BatchReasonProblem says what is wrong with the reason of a quarantine or a release ("" when
// it is fine): it is required (after trimming) and at most MaxBatchReason characters. The
// texts are the API's validation texts (the pages translate them).
func BatchReasonProblem(reason string) string {
	switch r := strings.TrimSpace(reason); {
	case r == "":
		return "required"
	case utf8.RuneCountInString(r) > MaxBatchReason:
		return fmt.Sprintf("at most %d characters", MaxBatchReason)
	}
	return ""
}

// BatchActions is what may be done to a batch in a status: quarantine an active batch,
// release a quarantined one.
func BatchActions(status string) (quarantine, release bool) {
	switch status {
	case models.BatchQuarantined:
		return false, true
	case models.BatchActive, "":
		return true, false
	}
	return false, false
}

// Batches lists the merchant's batches, newest first, with their keys counted by status.
func (s *Service) Batches(ctx context.Context, merchantID uint64, f store.BatchFilter) ([]store.BatchSummary, error) {
	return s.st.ListKeyBatches(ctx, merchantID, f)
}

// ReleaseResult is the outcome of Release.
type ReleaseResult struct {
	BatchID      uint64 `json:"batch_id"`
	KeysRestored int64  `json:"keys_restored"`
	// Changed is false when the batch was not quarantined (nothing done).
	Changed bool `json:"changed"`
}

// Release puts the merchant's quarantined batch back into service (its quarantined keys
// become available), audited as batch.release in the same transaction. Releasing a batch that
// is not quarantined is a no-op (Changed false). A batch of another merchant is
// store.ErrNotFound. Note: automatic quarantine counts reports over the batch's whole life, so
// the next invalid report of a released batch over the merchant's limit quarantines it again.
func (s *Service) Release(ctx context.Context, merchantID, batchID uint64, reason string, actor QuarantineActor) (ReleaseResult, error) {
	if p := BatchReasonProblem(reason); p != "" {
		return ReleaseResult{}, errors.New("release: reason " + p)
	}
	reason = strings.TrimSpace(reason)
	now := s.clock()
	n, changed, err := s.st.ReleaseBatch(ctx, merchantID, batchID, reason, now, batchAudit("batch.release", merchantID, batchID, actor, now))
	if err != nil {
		return ReleaseResult{}, fmt.Errorf("release batch %d: %w", batchID, err)
	}
	if changed {
		s.log.Info("batch released", "merchant_id", merchantID, "batch_id", batchID, "keys", n)
	}
	return ReleaseResult{BatchID: batchID, KeysRestored: n, Changed: changed}, nil
}
