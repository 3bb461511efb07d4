package temporalx

import (
	"bytes"
	"testing"

	"go.temporal.io/sdk/converter"

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
