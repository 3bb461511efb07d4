package models

import (
	"bytes"
	"compress/flate"
	"database/sql/driver"
	"fmt"
	"io"
	"sync"
)

// packedDeflate starts a PackedJSON value written deflated. A JSON document never starts with
// this byte, so rows written before compression (plain JSON text) still read back as they are.
const packedDeflate = 0x01

// PackedJSON is a JSON document stored deflated in a BLOB column: the workflow state snapshot
// (≈1.8 kB of JSON, ≈0.6 kB deflated) is written on every ticket change and kept for as
// long as the ticket, so it is one of the larger per-ticket costs on disk (issue 17). In
// memory it is the plain document.
type PackedJSON []byte

var packWriters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression) // the level is valid: no error
	return w
}}

// Value implements driver.Valuer: the marker byte then the deflated document; empty stays
// NULL.
func (p PackedJSON) Value() (driver.Value, error) {
	if len(p) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	buf.WriteByte(packedDeflate)
	w := packWriters.Get().(*flate.Writer)
	defer packWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(p); err != nil {
		return nil, fmt.Errorf("models.PackedJSON: deflate: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("models.PackedJSON: deflate: %w", err)
	}
	return buf.Bytes(), nil
}

// Scan implements sql.Scanner: a deflated value is inflated, a plain JSON one (written
// before compression) is taken as it is.
func (p *PackedJSON) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*p = nil
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("models.PackedJSON: cannot scan %T", src)
	}
	if len(b) == 0 || b[0] != packedDeflate {
		*p = append((*p)[:0], b...)
		return nil
	}
	out, err := io.ReadAll(flate.NewReader(bytes.NewReader(b[1:])))
	if err != nil {
		return fmt.Errorf("models.PackedJSON: inflate: %w", err)
	}
	*p = out
	return nil
}

// Decode unmarshals the document into v; an empty document leaves v untouched.
func (p PackedJSON) Decode(v any) error { return JSON(p).Decode(v) }

// MarshalJSON emits the document itself (null when empty), as JSON does.
func (p PackedJSON) MarshalJSON() ([]byte, error) { return JSON(p).MarshalJSON() }
