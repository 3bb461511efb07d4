// Package temporalx holds keydesk's Temporal plumbing shared by every role: the client dialer
// (honouring Temporal's standard TEMPORAL_* environment), the encrypting payload codec and the
// SDK logger adapter.
package temporalx

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"sync"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/keydesk/keydesk/internal/secretbox"
)

// Encodings of the payloads Codec writes. Decode reads all three whatever Format says, and
// payloads with any other encoding (written before encryption) pass through.
const (
	// EncodingEncrypted marks a payload sealed without compression (FormatSealed: every
	// payload before compression existed).
	EncodingEncrypted = "binary/keydesk-aes256gcm"
	// EncodingCompressedEncrypted marks a payload deflated (RFC 1951) and then sealed
	// (FormatDeflate).
	EncodingCompressedEncrypted = "binary/keydesk-deflate-aes256gcm"
	// EncodingCompact marks a FormatCompact payload: a short name, and inside the seal one
	// header byte that says how the body was written (see compactDeflated).
	EncodingCompact = "binary/kd3"
)

// Format is how Codec writes new payloads. A history carries tens of small payloads per
// ticket, so the bytes around each one (its encoding's name, the inner payload's own
// metadata) weigh as much as the data: FormatCompact cuts them.
type Format int

const (
	// FormatCompact (the default) writes EncodingCompact: a 10-byte name instead of 24–32,
	// and a JSON payload's inner metadata as one header bit instead of 26 bytes of protobuf;
	// bodies are deflated when that saves bytes. Releases before it cannot read it.
	FormatCompact Format = iota
	// FormatDeflate writes EncodingCompressedEncrypted (or EncodingEncrypted when deflate
	// does not pay), what releases since compression write.
	FormatDeflate
	// FormatSealed writes EncodingEncrypted only, what releases before compression read.
	FormatSealed
)

// ParseFormat reads a format's name: compact, deflate or sealed.
func ParseFormat(s string) (Format, error) {
	switch s {
	case "compact":
		return FormatCompact, nil
	case "deflate":
		return FormatDeflate, nil
	case "sealed":
		return FormatSealed, nil
	}
	return 0, fmt.Errorf("payload format %q: want compact, deflate or sealed", s)
}

// String is the format's name as ParseFormat reads it.
func (f Format) String() string {
	switch f {
	case FormatDeflate:
		return "deflate"
	case FormatSealed:
		return "sealed"
	}
	return "compact"
}

// payloadAAD binds sealed payloads to their purpose: a sealed card-key cannot be replayed as a
// payload, nor the reverse. Each format has its own, so a payload relabelled as another
// format fails to open instead of being misread.
var (
	payloadAAD           = []byte("keydesk/temporal-payload/v1")
	compressedPayloadAAD = []byte("keydesk/temporal-payload/v2-deflate")
	compactPayloadAAD    = []byte("keydesk/temporal-payload/v3")
)

// A compact payload's plaintext is one header byte and the body. The header's low bit says
// the body is deflated; the next two bits say what the (inflated) body is.
const (
	compactDeflated byte = 1 << 0
	// compactProto: the body is the whole inner payload, protobuf-marshalled (any metadata).
	compactProto byte = 0 << 1
	// compactJSON: the body is the inner payload's data; its metadata was exactly
	// encoding=json/plain, which nearly every keydesk payload is.
	compactJSON byte = 1 << 1
	// compactNull: the inner payload was encoding=binary/null with no data (a nil result).
	compactNull byte = 2 << 1
)

// minCompress is the smallest body worth compressing: below it the deflate framing eats the
// gain (ids, booleans, short enums).
const minCompress = 64

// maxInflated bounds a decompressed payload (Temporal's own limit on a payload is 2 MiB by
// default; keydesk's are far smaller), so a corrupt or hostile one cannot exhaust memory.
const maxInflated = 16 << 20

// Codec encrypts every payload (workflow inputs, update arguments, results, query answers) so
// buyer contact data and message bodies are never stored in the clear in Temporal's database.
// Format says how new payloads are written (compressed before sealing when that makes them
// smaller: sealed bytes do not compress, so this is the only place it can happen). Workflows
// still carry only ids where they can; this is the second line.
type Codec struct {
	Box    *secretbox.Box
	Format Format
}

var writers = sync.Pool{New: func() any {
	w, err := flate.NewWriter(nil, flate.DefaultCompression)
	if err != nil {
		panic(err) // only for an invalid level
	}
	return w
}}

func deflate(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := writers.Get().(*flate.Writer)
	defer writers.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(raw); err != nil {
		return nil, fmt.Errorf("compress payload: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("compress payload: %w", err)
	}
	return buf.Bytes(), nil
}

func inflate(z []byte) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(z))
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, maxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("decompress payload: %w", err)
	}
	if len(out) > maxInflated {
		return nil, fmt.Errorf("decompress payload: larger than %d bytes", maxInflated)
	}
	return out, nil
}

// Encode implements converter.PayloadCodec.
func (c Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		var enc string
		var sealed []byte
		var err error
		if c.Format == FormatCompact {
			enc, sealed, err = c.sealCompact(p)
		} else {
			enc, sealed, err = c.sealWhole(p)
		}
		if err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(enc)}, Data: sealed}
	}
	return out, nil
}

// sealWhole writes FormatDeflate and FormatSealed: the whole payload marshalled, deflated
// when allowed and worth it, sealed.
func (c Codec) sealWhole(p *commonpb.Payload) (string, []byte, error) {
	raw, err := proto.Marshal(p)
	if err != nil {
		return "", nil, fmt.Errorf("marshal payload: %w", err)
	}
	enc, aad := EncodingEncrypted, payloadAAD
	if c.Format == FormatDeflate && len(raw) >= minCompress {
		z, err := deflate(raw)
		if err != nil {
			return "", nil, err
		}
		if len(z) < len(raw) {
			raw, enc, aad = z, EncodingCompressedEncrypted, compressedPayloadAAD
		}
	}
	return enc, c.Box.Seal(raw, aad), nil
}

// sealCompact writes FormatCompact: header byte and body, sealed.
func (c Codec) sealCompact(p *commonpb.Payload) (string, []byte, error) {
	header, body, err := compactBody(p)
	if err != nil {
		return "", nil, err
	}
	if len(body) >= minCompress {
		z, err := deflate(body)
		if err != nil {
			return "", nil, err
		}
		if len(z) < len(body) {
			header, body = header|compactDeflated, z
		}
	}
	plain := make([]byte, 0, 1+len(body))
	plain = append(append(plain, header), body...)
	return EncodingCompact, c.Box.Seal(plain, compactPayloadAAD), nil
}

// compactBody picks the shortest exact form of a payload.
func compactBody(p *commonpb.Payload) (byte, []byte, error) {
	md := p.GetMetadata()
	if len(md) == 1 {
		switch string(md[converter.MetadataEncoding]) {
		case converter.MetadataEncodingJSON:
			return compactJSON, p.GetData(), nil
		case converter.MetadataEncodingNil:
			if len(p.GetData()) == 0 {
				return compactNull, nil, nil
			}
		}
	}
	raw, err := proto.Marshal(p)
	if err != nil {
		return 0, nil, fmt.Errorf("marshal payload: %w", err)
	}
	return compactProto, raw, nil
}

// openCompact reverses sealCompact.
func (c Codec) openCompact(sealed []byte) (*commonpb.Payload, error) {
	plain, err := c.Box.Open(sealed, compactPayloadAAD)
	if err != nil {
		return nil, fmt.Errorf("open payload: %w", err)
	}
	if len(plain) == 0 {
		return nil, fmt.Errorf("open payload: no header")
	}
	header, body := plain[0], plain[1:]
	if header&compactDeflated != 0 {
		if body, err = inflate(body); err != nil {
			return nil, err
		}
	}
	switch header &^ compactDeflated {
	case compactJSON:
		return &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingJSON)}, Data: body}, nil
	case compactNull:
		if len(body) != 0 {
			return nil, fmt.Errorf("open payload: a null payload with %d bytes", len(body))
		}
		return &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(converter.MetadataEncodingNil)}}, nil
	case compactProto:
		dec := &commonpb.Payload{}
		if err := proto.Unmarshal(body, dec); err != nil {
			return nil, fmt.Errorf("unmarshal payload: %w", err)
		}
		return dec, nil
	}
	return nil, fmt.Errorf("open payload: unknown header %#x", header)
}

// Decode implements converter.PayloadCodec. Payloads not sealed by Codec pass through, so
// histories written before encryption was enabled still read; sealed payloads read in every
// format, whatever Format says.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		enc := string(p.GetMetadata()[converter.MetadataEncoding])
		var raw []byte
		var err error
		switch enc {
		case EncodingCompact:
			if out[i], err = c.openCompact(p.GetData()); err != nil {
				return nil, err
			}
			continue
		case EncodingEncrypted:
			if raw, err = c.Box.Open(p.GetData(), payloadAAD); err != nil {
				return nil, fmt.Errorf("open payload: %w", err)
			}
		case EncodingCompressedEncrypted:
			z, err := c.Box.Open(p.GetData(), compressedPayloadAAD)
			if err != nil {
				return nil, fmt.Errorf("open payload: %w", err)
			}
			if raw, err = inflate(z); err != nil {
				return nil, err
			}
		default:
			out[i] = p
			continue
		}
		dec := &commonpb.Payload{}
		if err := proto.Unmarshal(raw, dec); err != nil {
			return nil, fmt.Errorf("unmarshal payload: %w", err)
		}
		out[i] = dec
	}
	return out, nil
}

// DataConverter is the default converter wrapped with Codec, writing FormatCompact.
func DataConverter(box *secretbox.Box) converter.DataConverter {
	return NewDataConverter(box, FormatCompact)
}

// NewDataConverter is the default converter wrapped with Codec writing new payloads in
// format (payloads of every format decode).
func NewDataConverter(box *secretbox.Box, format Format) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), Codec{Box: box, Format: format})
}
