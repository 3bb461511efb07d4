package models

import (
	"bytes"
	"strings"
	"testing"
)

// TestPackedJSONRoundTrip: what Value writes, Scan reads back as the same document (from
// []byte and from string, as the two drivers hand it over); a plain JSON value written before
// compression reads as it is; empty stays NULL and reads back empty.
func TestPackedJSONRoundTrip(t *testing.T) {
	long := `{"events":"` + strings.Repeat("sla_warned ", 200) + `"}`
	for _, doc := range []string{`{}`, `{"v":1}`, `[1,2,3]`, `null`, long} {
		v, err := PackedJSON(doc).Value()
		if err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		b := v.([]byte)
		if b[0] != packedDeflate {
			t.Errorf("%q: stored without the marker byte", doc)
		}
		for _, src := range []any{b, string(b)} {
			var got PackedJSON
			if err := got.Scan(src); err != nil || string(got) != doc {
				t.Errorf("%q: read back %q, %v", doc, got, err)
			}
		}
	}
	if v, _ := PackedJSON(long).Value(); len(v.([]byte)) > len(long)/10 {
		t.Errorf("a repetitive %d-byte document deflated to %d bytes", len(long), len(v.([]byte)))
	}
	var legacy PackedJSON
	if err := legacy.Scan([]byte(`{"plain":true}`)); err != nil || string(legacy) != `{"plain":true}` {
		t.Errorf("plain row: %q, %v", legacy, err)
	}
	if v, err := PackedJSON(nil).Value(); v != nil || err != nil {
		t.Errorf("empty: %v, %v", v, err)
	}
	var empty PackedJSON = PackedJSON("x")
	if err := empty.Scan(nil); err != nil || empty != nil {
		t.Errorf("NULL: %q, %v", empty, err)
	}
	var bad PackedJSON
	if err := bad.Scan([]byte{packedDeflate, 0xff, 0xfe}); err == nil {
		t.Errorf("a corrupt deflated value read without an error: %q", bad)
	}
	if out, _ := PackedJSON(`{"a":1}`).MarshalJSON(); !bytes.Equal(out, []byte(`{"a":1}`)) {
		t.Errorf("MarshalJSON %s", out)
	}
}
