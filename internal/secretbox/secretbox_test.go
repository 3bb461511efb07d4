package secretbox

import (
	"bytes"
	"testing"
)

func newBox(t *testing.T) *Box {
	t.Helper()
	key, err := ParseKey(GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpenRoundTrip(t *testing.T) {
	b := newBox(t)
	for _, secret := range []string{"", "ABCD-EFGH-1234", "卡密-0001", string(bytes.Repeat([]byte("x"), 4096))} {
		sealed := b.Seal([]byte(secret), []byte("product:7"))
		if bytes.Contains(sealed, []byte(secret)) && secret != "" {
			t.Fatalf("sealed value contains the plaintext %q", secret)
		}
		got, err := b.Open(sealed, []byte("product:7"))
		if err != nil || string(got) != secret {
			t.Fatalf("Open = %q, %v; want %q", got, err, secret)
		}
	}
}

func TestOpenRejectsOtherRowWrongKeyAndTampering(t *testing.T) {
	b := newBox(t)
	sealed := b.Seal([]byte("KEY-1"), []byte("product:1"))
	if _, err := b.Open(sealed, []byte("product:2")); err != ErrOpen {
		t.Fatalf("other associated data: err = %v, want ErrOpen", err)
	}
	if _, err := newBox(t).Open(sealed, []byte("product:1")); err != ErrOpen {
		t.Fatalf("other key: err = %v, want ErrOpen", err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := b.Open(tampered, []byte("product:1")); err != ErrOpen {
		t.Fatalf("tampered: err = %v, want ErrOpen", err)
	}
	if _, err := b.Open([]byte{1, 2, 3}, nil); err != ErrOpen {
		t.Fatalf("short: err = %v, want ErrOpen", err)
	}
}

func TestSealIsRandomised(t *testing.T) {
	b := newBox(t)
	if bytes.Equal(b.Seal([]byte("same"), nil), b.Seal([]byte("same"), nil)) {
		t.Fatal("two seals of the same secret are equal: nonce reuse")
	}
}

func TestHashScopesAndKeys(t *testing.T) {
	b := newBox(t)
	if b.Hash("p1", "K") != b.Hash("p1", "K") {
		t.Fatal("hash not deterministic")
	}
	if b.Hash("p1", "K") == b.Hash("p2", "K") {
		t.Fatal("hash ignores scope")
	}
	if b.Hash("p1", "K") == newBox(t).Hash("p1", "K") {
		t.Fatal("hash ignores key")
	}
	if b.Hash("p", "1K") == b.Hash("p1", "K") {
		t.Fatal("scope and secret run together")
	}
}

func TestParseKey(t *testing.T) {
	hexKey := GenerateKey()
	if _, err := ParseKey(hexKey); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "short", hexKey[:62]} {
		if _, err := ParseKey(bad); err == nil {
			t.Fatalf("ParseKey(%q) accepted a bad key", bad)
		}
	}
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("New accepted a 16-byte key")
	}
}
