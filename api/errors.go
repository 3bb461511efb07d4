package api

import (
	"errors"
	"fmt"
	"net/http"

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
	// RequestID is filled in when the error is written.
	RequestID string `json:"request_id,omitempty"`
	// cause is logged, never sent.
	cause error
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
	if e.Status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="keydesk"`)
	}
	c.AbortWithStatusJSON(e.Status, ErrorBody{Error: &e})
}
