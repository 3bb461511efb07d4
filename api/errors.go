package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/store"
)

// Error is the one error shape every endpoint answers with:
//
//	{"error":{"code":"validation_failed","message":"…","fields":{"email":"…"},"request_id":"…"}}
//
// Code is stable (clients switch on it); Message is for humans; Fields maps a request field to
// what is wrong with it.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Poll, on a 202 "pending" answer, is where to ask for the action's result.
	Poll string `json:"poll,omitempty"`
	// RequestID is filled in when the error is written.
	RequestID string `json:"request_id,omitempty"`
	// cause is logged, never sent.
	cause error
	// retryAfter, when positive, is sent as the Retry-After header (seconds).
	retryAfter int
}

// Error implements error.
func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return e.Code + ": " + e.Message
}

// Unwrap exposes the cause to errors.Is / As.
func (e *Error) Unwrap() error { return e.cause }

// ErrorBody is the response envelope of an Error.
type ErrorBody struct {
	Error *Error `json:"error"`
}

// Errorf builds an Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Stable error codes.
const (
	CodeBadRequest       = "bad_request"
	CodeValidation       = "validation_failed"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodeRejected         = "rejected"
	CodeTooLarge         = "payload_too_large"
	CodeRateLimited      = "rate_limited"
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeInternal         = "internal"
	CodeUnavailable      = "unavailable"
	CodeBadCredentials   = "invalid_credentials"
	CodeMerchantRequired = "merchant_required"
	// CodeIdempotencyReused: the Idempotency-Key already names a different request (422).
	CodeIdempotencyReused = "idempotency_key_reused"
)

// Retry-After of the 503 answers to transient faults, in seconds.
const (
	retryAfterDatabase = 2
	retryAfterTemporal = 5
)

// Common errors.
var (
	errUnauthorized = Errorf(http.StatusUnauthorized, CodeUnauthorized, "authentication required")
	errForbidden    = Errorf(http.StatusForbidden, CodeForbidden, "you are not allowed to do this")
	errNotFound     = Errorf(http.StatusNotFound, CodeNotFound, "not found")
	errTooLarge     = Errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body is too large")
)

// Validation builds a 400 validation_failed error with per-field messages.
func Validation(fields map[string]string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeValidation, Message: "some fields are invalid", Fields: fields}
}

// toError maps any error to the response error.
func toError(err error) *Error {
	var ae *Error
	err = ticketError(err)
	switch {
	case errors.As(err, &ae):
		return ae
	case store.IsUnavailable(err):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "the database is busy or unavailable, retry shortly", cause: err, retryAfter: retryAfterDatabase}
	case temporalUnavailable(err):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Message: "the workflow engine is unavailable, retry shortly", cause: err, retryAfter: retryAfterTemporal}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: "not found", cause: err}
	case errors.Is(err, store.ErrDuplicate):
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: "already exists", cause: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: "changed concurrently, retry", cause: err}
	default:
		return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error", cause: err}
	}
}

// writeError answers with the error shape, logging server-side failures with their cause.
func (s *Server) writeError(c *gin.Context, err error) {
	e := *toError(err) // copy: shared sentinel errors must not carry a request id
	e.RequestID = requestID(c)
	if e.Status >= 500 {
		s.log.ErrorContext(c.Request.Context(), "request failed", "request_id", e.RequestID,
			"route", c.FullPath(), "err", err)
	}
	if e.Status == http.StatusServiceUnavailable {
		ra := e.retryAfter
		if ra <= 0 {
			ra = retryAfterDatabase
		}
		c.Header("Retry-After", strconv.Itoa(ra))
	}
	if e.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="keydesk"`)
	}
	c.AbortWithStatusJSON(e.Status, ErrorBody{Error: &e})
}

// temporalUnavailable reports whether err is the Temporal client failing to reach the
// service (gRPC Unavailable or DeadlineExceeded, or the SDK's typed forms of them).
func temporalUnavailable(err error) bool {
	var un *serviceerror.Unavailable
	var de *serviceerror.DeadlineExceeded
	if errors.As(err, &un) || errors.As(err, &de) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if st, ok := status.FromError(e); ok && st != nil {
			switch st.Code() {
			case codes.Unavailable, codes.DeadlineExceeded:
				return true
			}
		}
	}
	return false
}
