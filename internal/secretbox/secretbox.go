// Package secretbox seals card-key secrets and other secrets at rest with AES-256-GCM, and
// computes the keyed hash used to find duplicate keys without decrypting anything.
//
// Two sub-keys are derived from the configured 32-byte master key (HMAC-SHA256 with distinct
// labels), so the hash key and the encryption key are never the same bytes.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the master key length in bytes.
const KeySize = 32

// version prefixes every sealed value so the scheme can change without ambiguity.
const version byte = 1

// ErrOpen is returned when a sealed value cannot be opened: wrong key, tampered bytes, or a
// value bound to another row (associated data mismatch).
var ErrOpen = errors.New("secretbox: cannot open sealed value")

// Box seals and opens secrets with one master key.
type Box struct {
	aead    cipher.AEAD
	hashKey []byte
}

// New builds a Box from a 32-byte master key.
func New(master []byte) (*Box, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("secretbox: master key must be %d bytes, got %d", KeySize, len(master))
	}
	block, err := aes.NewCipher(derive(master, "keydesk/encrypt/v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, hashKey: derive(master, "keydesk/hash/v1")}, nil
}

// ParseKey decodes a master key given as 64 hex characters or standard/URL base64.
func ParseKey(s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("secretbox: key must be %d bytes as hex (64 chars) or base64", KeySize)
}

// GenerateKey returns a new random master key, hex encoded.
func GenerateKey() string {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// Seal encrypts plaintext bound to associated data (for a card key: its product), so a sealed
// value copied onto another row does not open.
func (b *Box) Seal(plaintext, associated []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+b.aead.Overhead())
	out = append(out, version)
	out = append(out, nonce...)
	return b.aead.Seal(out, nonce, plaintext, associated)
}

// Open decrypts a value made by Seal with the same associated data.
func (b *Box) Open(sealed, associated []byte) ([]byte, error) {
	ns := b.aead.NonceSize()
	if len(sealed) < 1+ns+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	pt, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], associated)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Hash returns the keyed hash (hex HMAC-SHA256) of a secret within a scope (for card keys the
// product), used for duplicate detection: equal secrets in one scope hash equal, and the hash
// reveals nothing without the key.
func (b *Box) Hash(scope, secret string) string {
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}
