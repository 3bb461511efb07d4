package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// MaxBodyBytes is the largest request body accepted (413 above).
const MaxBodyBytes = 1 << 20

// decodeJSON reads the request body into v strictly: JSON content type, unknown fields
// rejected, one value only, at most MaxBodyBytes. An empty body decodes as {} when
// allowEmpty (actions without parameters).
func decodeJSON(c *gin.Context, v any, allowEmpty bool) error {
	body, err := io.ReadAll(c.Request.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	if err != nil {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "cannot read request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return Errorf(http.StatusBadRequest, CodeBadRequest, "request body is required")
	}
	if ct := c.GetHeader("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt != "application/json" {
			return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send application/json")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "request body must be a single JSON value")
	}
	if bytes.Contains(body, []byte(`\u0000`)) {
		// NUL characters are never text: they truncate in C tools and logs and hide content.
		if field := nulField(body); field != "" {
			return Validation(map[string]string{field: "must not contain NUL characters"})
		}
	}
	return nil
}

// nulField names the first field of a JSON document whose string value (or key) contains
// a NUL character, "" when none does.
func nulField(body []byte) string {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	var walk func(v any, name string) string
	walk = func(v any, name string) string {
		switch x := v.(type) {
		case string:
			if strings.ContainsRune(x, 0) {
				return name
			}
		case []any:
			for _, e := range x {
				if f := walk(e, name); f != "" {
					return f
				}
			}
		case map[string]any:
			for k, e := range x {
				field := k
				if name != "body" {
					field = name + "." + k
				}
				if strings.ContainsRune(k, 0) {
					return "body"
				}
				if f := walk(e, field); f != "" {
					return f
				}
			}
		}
		return ""
	}
	return walk(doc, "body")
}

// jsonError turns a decoding failure into a 400 that names the field when it can.
func jsonError(err error) *Error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return Validation(map[string]string{field: fmt.Sprintf("must be %s", te.Type.String())})
	case errors.As(err, &se):
		return Errorf(http.StatusBadRequest, CodeBadRequest, "malformed JSON at byte %d", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return Validation(map[string]string{name: "unknown field"})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, CodeBadRequest, "malformed JSON: unexpected end")
	default:
		return Errorf(http.StatusBadRequest, CodeBadRequest, "malformed JSON")
	}
}

// fieldErrors collects validation messages in a fixed order of checks.
type fieldErrors map[string]string

// check records msg for field when bad.
func (f fieldErrors) check(bad bool, field, msg string) {
	if bad {
		if _, seen := f[field]; !seen {
			f[field] = msg
		}
	}
}

// err returns the validation error, or nil when no check failed.
func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return Validation(f)
}
