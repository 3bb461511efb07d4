package temporalx

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/keydesk/keydesk/internal/secretbox"
)

func testBox(t *testing.T) *secretbox.Box {
	t.Helper()
	k, err := secretbox.ParseKey(secretbox.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	b, err := secretbox.New(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type contact struct {
	Email string
	Body  string
}

func TestDataConverterEncryptsAndRoundTrips(t *testing.T) {
	dc := DataConverter(testBox(t))
	in := contact{Email: "buyer@example.com", Body: "my key ABCD-1234 does not work"}
	p, err := dc.ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.GetMetadata()[converter.MetadataEncoding]); got != EncodingCompact {
		t.Fatalf("encoding = %q, want %q", got, EncodingCompact)
	}
	for _, plain := range []string{"buyer@example.com", "ABCD-1234"} {
		if bytes.Contains(p.GetData(), []byte(plain)) {
			t.Fatalf("payload contains %q in the clear", plain)
		}
	}
	var out contact
	if err := dc.FromPayload(p, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
}

func TestDecodeRejectsOtherKeyAndPassesPlainPayloads(t *testing.T) {
	enc := DataConverter(testBox(t))
	p, err := enc.ToPayload("secret")
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := DataConverter(testBox(t)).FromPayload(p, &s); err == nil {
		t.Fatal("a payload sealed with another key decoded")
	}
	plain, err := converter.GetDefaultDataConverter().ToPayload("written before encryption")
	if err != nil {
		t.Fatal(err)
	}
	if err := enc.FromPayload(plain, &s); err != nil || s != "written before encryption" {
		t.Fatalf("plain payload: %q, %v", s, err)
	}
}

// ticketLike is shaped like the ticket workflow's larger payloads: repeated field names and
// free text, which is what compression wins on.
type ticketLike struct {
	Subject  string
	Messages []contact
	Tags     []string
}

func sampleTicket() ticketLike {
	t := ticketLike{Subject: "the key I bought yesterday does not work", Tags: []string{"key_invalid", "GAME-100", "zh-CN"}}
	for i := range 6 {
		t.Messages = append(t.Messages, contact{Email: "buyer@example.com", Body: strings.Repeat("my key does not work in the launcher, please help ", 1+i%3)})
	}
	return t
}

func TestCompressedPayloadsAreSmallerSealedAndRoundTrip(t *testing.T) {
	box := testBox(t)
	in := sampleTicket()
	plainSealed, err := NewDataConverter(box, FormatSealed).ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	z, err := NewDataConverter(box, FormatDeflate).ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(z.GetMetadata()[converter.MetadataEncoding]); got != EncodingCompressedEncrypted {
		t.Fatalf("encoding = %q, want %q", got, EncodingCompressedEncrypted)
	}
	if len(z.GetData()) >= len(plainSealed.GetData()) {
		t.Fatalf("compressed %d bytes, uncompressed %d: no gain", len(z.GetData()), len(plainSealed.GetData()))
	}
	if bytes.Contains(z.GetData(), []byte("buyer@example.com")) {
		t.Fatal("compressed payload carries the e-mail in the clear")
	}
	compact, err := NewDataConverter(box, FormatCompact).ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(compact.GetData()) >= len(z.GetData()) {
		t.Fatalf("compact %d bytes, deflate %d: no gain", len(compact.GetData()), len(z.GetData()))
	}
	// Every converter reads every format.
	for _, dc := range []converter.DataConverter{NewDataConverter(box, FormatCompact), NewDataConverter(box, FormatDeflate), NewDataConverter(box, FormatSealed)} {
		for _, p := range []*commonpb.Payload{compact, z, plainSealed} {
			var out ticketLike
			if err := dc.FromPayload(p, &out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(out, in) {
				t.Fatalf("round trip = %+v, want %+v", out, in)
			}
		}
	}
}

func TestSmallPayloadsStaySealedUncompressed(t *testing.T) {
	p, err := NewDataConverter(testBox(t), FormatDeflate).ToPayload(uint64(42))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.GetMetadata()[converter.MetadataEncoding]); got != EncodingEncrypted {
		t.Fatalf("encoding of a tiny payload = %q, want %q (compression would not pay)", got, EncodingEncrypted)
	}
}

// TestOldFormatPayloadsStillDecode seals a payload exactly the way the codec did before
// compression existed (marshal, seal with the v1 AAD, the old encoding) and decodes it with
// today's codec; a plain (never encrypted) payload passes through.
func TestOldFormatPayloadsStillDecode(t *testing.T) {
	box := testBox(t)
	in := sampleTicket()
	plain, err := converter.GetDefaultDataConverter().ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	old := &commonpb.Payload{
		Metadata: map[string][]byte{converter.MetadataEncoding: []byte("binary/keydesk-aes256gcm")},
		Data:     box.Seal(raw, []byte("keydesk/temporal-payload/v1")),
	}
	dc := DataConverter(box)
	for name, p := range map[string]*commonpb.Payload{"sealed-uncompressed": old, "plain": plain} {
		var out ticketLike
		if err := dc.FromPayload(p, &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Fatalf("%s: round trip = %+v", name, out)
		}
	}
}

// TestRelabelledPayloadFailsToOpen: a payload written in one format and labelled as another
// fails to open (each format seals with its own associated data).
func TestRelabelledPayloadFailsToOpen(t *testing.T) {
	box := testBox(t)
	formats := map[Format]string{FormatCompact: EncodingCompact, FormatDeflate: EncodingCompressedEncrypted, FormatSealed: EncodingEncrypted}
	for from := range formats {
		for _, label := range formats {
			p, err := NewDataConverter(box, from).ToPayload(sampleTicket())
			if err != nil {
				t.Fatal(err)
			}
			if string(p.Metadata[converter.MetadataEncoding]) == label {
				continue
			}
			p.Metadata[converter.MetadataEncoding] = []byte(label)
			var out ticketLike
			if err := DataConverter(box).FromPayload(p, &out); err == nil {
				t.Fatalf("a %s payload relabelled %s decoded", from, label)
			}
		}
	}
}

// TestCompactKeepsEveryPayloadExactly: the compact format's short forms (JSON data only, an
// empty null) and its general form give back the very payload that went in, metadata and
// all, including payloads that only look like the short forms.
func TestCompactKeepsEveryPayloadExactly(t *testing.T) {
	c := Codec{Box: testBox(t), Format: FormatCompact}
	md := func(kv ...string) map[string][]byte {
		m := map[string][]byte{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = []byte(kv[i+1])
		}
		return m
	}
	cases := map[string]*commonpb.Payload{
		"json":                {Metadata: md("encoding", "json/plain"), Data: []byte(`{"ticket_id":7}`)},
		"json, empty":         {Metadata: md("encoding", "json/plain"), Data: []byte{}},
		"json, long":          {Metadata: md("encoding", "json/plain"), Data: []byte(strings.Repeat(`{"a":"bbbb"},`, 40))},
		"json with more keys": {Metadata: md("encoding", "json/plain", "messageType", "x"), Data: []byte(`1`)},
		"null":                {Metadata: md("encoding", "binary/null")},
		"null with data":      {Metadata: md("encoding", "binary/null"), Data: []byte("x")},
		"binary":              {Metadata: md("encoding", "binary/plain"), Data: []byte{0, 1, 2, 255}},
		"proto json":          {Metadata: md("encoding", "json/protobuf", "messageType", "temporal.api.common.v1.Payload"), Data: []byte(`{}`)},
		"no metadata":         {Data: []byte("raw")},
	}
	for name, in := range cases {
		enc, err := c.Encode([]*commonpb.Payload{in})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := string(enc[0].Metadata[converter.MetadataEncoding]); got != EncodingCompact {
			t.Fatalf("%s: encoding %q", name, got)
		}
		dec, err := c.Decode(enc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !proto.Equal(dec[0], in) {
			t.Fatalf("%s: decoded %v, want %v", name, dec[0], in)
		}
	}
}

// TestCompactRefusesUnknownHeader: a sealed body whose header names no known form is an
// error, not a guess.
func TestCompactRefusesUnknownHeader(t *testing.T) {
	box := testBox(t)
	c := Codec{Box: box}
	for _, plain := range [][]byte{{}, {3 << 1, 'x'}, {0xf0}} {
		p := &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingCompact)}, Data: box.Seal(plain, compactPayloadAAD)}
		if _, err := c.Decode([]*commonpb.Payload{p}); err == nil {
			t.Fatalf("header %v decoded", plain)
		}
	}
}

func TestInflateRefusesOversizedPayload(t *testing.T) {
	big, err := deflate(make([]byte, maxInflated+10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inflate(big); err == nil {
		t.Fatal("a payload inflating past the limit was accepted")
	}
	if _, err := inflate([]byte("not deflate data at all")); err == nil {
		t.Fatal("garbage inflated")
	}
}

// TestCompressionSavesBytesProperty: for any value (bytes, strings, structs, nil), the
// encoded payload is never larger in compact than in the two older formats (whole payloads,
// the name included: that is what a history stores), and every form decodes to the input.
func TestCompressionSavesBytesProperty(t *testing.T) {
	box := testBox(t)
	formats := []Format{FormatCompact, FormatDeflate, FormatSealed}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		b := make([]byte, r.IntN(2000))
		for j := range b {
			if i%2 == 0 {
				b[j] = byte(r.IntN(256)) // incompressible
			} else {
				b[j] = "abc def"[r.IntN(7)]
			}
		}
		var in any
		switch i % 4 {
		case 0, 1:
			in = b
		case 2:
			in = contact{Email: "b@x.io", Body: hex.EncodeToString(b)} // JSON keeps valid UTF-8 only
		default:
			in = nil
		}
		sizes := make([]int, len(formats))
		for k, f := range formats {
			dc := NewDataConverter(box, f)
			p, err := dc.ToPayload(in)
			if err != nil {
				t.Fatal(err)
			}
			sizes[k] = proto.Size(p)
			if !roundTrips(dc, p, in) {
				t.Fatalf("case %d, %s: round trip failed", i, f)
			}
		}
		if sizes[0] > sizes[1] || sizes[0] > sizes[2] {
			t.Fatalf("case %d: compact %d, deflate %d, sealed %d bytes", i, sizes[0], sizes[1], sizes[2])
		}
	}
}

func roundTrips(dc converter.DataConverter, p *commonpb.Payload, in any) bool {
	switch v := in.(type) {
	case []byte:
		var out []byte
		return dc.FromPayload(p, &out) == nil && bytes.Equal(out, v)
	case contact:
		var out contact
		return dc.FromPayload(p, &out) == nil && out == v
	case nil:
		var out *contact
		return dc.FromPayload(p, &out) == nil && out == nil
	}
	return false
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatCompact, FormatDeflate, FormatSealed} {
		got, err := ParseFormat(f.String())
		if err != nil || got != f {
			t.Fatalf("%s: %v, %v", f, got, err)
		}
	}
	if _, err := ParseFormat("zip"); err == nil {
		t.Fatal("an unknown format parsed")
	}
}
