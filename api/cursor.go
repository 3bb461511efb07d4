package api

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/keydesk/keydesk/store"
)

// encodeCursor renders a queue cursor opaquely: base64url of "<unix nanos>:<id>" or "-:<id>"
// for tickets without a due time.
func encodeCursor(c *store.QueueCursor) string {
	if c == nil {
		return ""
	}
	due := "-"
	if c.DueAt != nil {
		due = strconv.FormatInt(c.DueAt.UnixNano(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(due + ":" + strconv.FormatUint(c.ID, 10)))
}

func decodeCursor(s string) (*store.QueueCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	due, id, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, errors.New("cursor: missing separator")
	}
	c := &store.QueueCursor{}
	if c.ID, err = strconv.ParseUint(id, 10, 64); err != nil {
		return nil, err
	}
	if due != "-" {
		n, err := strconv.ParseInt(due, 10, 64)
		if err != nil {
			return nil, err
		}
		t := time.Unix(0, n).UTC()
		c.DueAt = &t
	}
	return c, nil
}
