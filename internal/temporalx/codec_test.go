package temporalx

import (
	"bytes"
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
	if got := string(p.GetMetadata()[converter.MetadataEncoding]); got != EncodingEncrypted {
		t.Fatalf("encoding = %q, want %q", got, EncodingEncrypted)
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
	plainSealed, err := NewDataConverter(box, false).ToPayload(in)
	if err != nil {
		t.Fatal(err)
	}
	z, err := NewDataConverter(box, true).ToPayload(in)
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
	// Both converters read both forms.
	for _, dc := range []converter.DataConverter{NewDataConverter(box, true), NewDataConverter(box, false)} {
		for _, p := range []*commonpb.Payload{z, plainSealed} {
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
	p, err := NewDataConverter(testBox(t), true).ToPayload(uint64(42))
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
	dc := NewDataConverter(box, true)
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

func TestRelabelledPayloadFailsToOpen(t *testing.T) {
	box := testBox(t)
	z, err := NewDataConverter(box, true).ToPayload(sampleTicket())
	if err != nil {
		t.Fatal(err)
	}
	z.Metadata[converter.MetadataEncoding] = []byte(EncodingEncrypted)
	var out ticketLike
	if err := NewDataConverter(box, true).FromPayload(z, &out); err == nil {
		t.Fatal("a compressed payload relabelled as uncompressed decoded")
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

// TestCompressionSavesBytesProperty: for any payload, the encoded form is never larger than
// the uncompressed sealed form and always decodes to the input.
func TestCompressionSavesBytesProperty(t *testing.T) {
	box := testBox(t)
	z, u := NewDataConverter(box, true), NewDataConverter(box, false)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		b := make([]byte, r.IntN(2000))
		for j := range b {
			if i%2 == 0 {
				b[j] = byte(r.IntN(256)) // incompressible
			} else {
				b[j] = "abc def"[r.IntN(7)]
			}
		}
		pz, err := z.ToPayload(b)
		if err != nil {
			t.Fatal(err)
		}
		pu, err := u.ToPayload(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(pz.GetData()) > len(pu.GetData()) {
			t.Fatalf("case %d: compressed form %d bytes > uncompressed %d", i, len(pz.GetData()), len(pu.GetData()))
		}
		var out []byte
		if err := z.FromPayload(pz, &out); err != nil || !bytes.Equal(out, b) {
			t.Fatalf("case %d: round trip failed: %v", i, err)
		}
	}
}
