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

// Encodings of the payloads Codec writes. Decode reads both, and payloads with any other
// encoding (written before encryption) pass through.
const (
	// EncodingEncrypted marks a payload sealed without compression (every payload before
	// compression existed, and small payloads that compression would not shrink).
	EncodingEncrypted = "binary/keydesk-aes256gcm"
	// EncodingCompressedEncrypted marks a payload deflated (RFC 1951) and then sealed.
	EncodingCompressedEncrypted = "binary/keydesk-deflate-aes256gcm"
)

// payloadAAD binds sealed payloads to their purpose: a sealed card-key cannot be replayed as a
// payload, nor the reverse. Compressed payloads have their own, so a sealed-uncompressed
// payload relabelled as compressed (or the reverse) fails to open instead of being misread.
var (
	payloadAAD           = []byte("keydesk/temporal-payload/v1")
	compressedPayloadAAD = []byte("keydesk/temporal-payload/v2-deflate")
)

// minCompress is the smallest marshalled payload worth compressing: below it the deflate
// framing eats the gain (ids, booleans, short enums).
const minCompress = 64

// maxInflated bounds a decompressed payload (Temporal's own limit on a payload is 2 MiB by
// default; keydesk's are far smaller), so a corrupt or hostile one cannot exhaust memory.
const maxInflated = 16 << 20

// Codec encrypts every payload (workflow inputs, update arguments, results, query answers) so
// buyer contact data and message bodies are never stored in the clear in Temporal's database.
// With Compress, a payload is deflated before sealing when that makes it smaller (sealed
// bytes do not compress, so this is the only place it can happen). Workflows still carry
// only ids where they can; this is the second line.
type Codec struct {
	Box *secretbox.Box
	// Compress deflates payloads before sealing. Decode reads both forms either way.
	Compress bool
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
		raw, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("marshal payload: %w", err)
		}
		enc, aad := EncodingEncrypted, payloadAAD
		if c.Compress && len(raw) >= minCompress {
			z, err := deflate(raw)
			if err != nil {
				return nil, err
			}
			if len(z) < len(raw) {
				raw, enc, aad = z, EncodingCompressedEncrypted, compressedPayloadAAD
			}
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(enc)},
			Data:     c.Box.Seal(raw, aad),
		}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec. Payloads not sealed by Codec pass through, so
// histories written before encryption was enabled still read; sealed payloads read whether
// or not they were compressed, whatever Compress says.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		enc := string(p.GetMetadata()[converter.MetadataEncoding])
		var raw []byte
		var err error
		switch enc {
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

// DataConverter is the default converter wrapped with Codec, compressing before sealing.
func DataConverter(box *secretbox.Box) converter.DataConverter {
	return NewDataConverter(box, true)
}

// NewDataConverter is the default converter wrapped with Codec; compress chooses whether new
// payloads are deflated before sealing (old and new payloads decode either way).
func NewDataConverter(box *secretbox.Box, compress bool) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), Codec{Box: box, Compress: compress})
}
