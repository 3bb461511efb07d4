// Package temporalx holds keydesk's Temporal plumbing shared by every role: the client dialer
// (honouring Temporal's standard TEMPORAL_* environment), the encrypting payload codec and the
// SDK logger adapter.
package temporalx

import (
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/keydesk/keydesk/internal/secretbox"
)

// EncodingEncrypted marks a payload sealed by Codec.
const EncodingEncrypted = "binary/keydesk-aes256gcm"

// payloadAAD binds sealed payloads to their purpose: a sealed card-key cannot be replayed as a
// payload, nor the reverse.
var payloadAAD = []byte("keydesk/temporal-payload/v1")

// Codec encrypts every payload (workflow inputs, update arguments, results, query answers) so
// buyer contact data and message bodies are never stored in the clear in Temporal's database.
// Workflows still carry only ids where they can; this is the second line.
type Codec struct{ Box *secretbox.Box }

// Encode implements converter.PayloadCodec.
func (c Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		raw, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted)},
			Data:     c.Box.Seal(raw, payloadAAD),
		}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec. Payloads not sealed by Codec pass through, so
// histories written before encryption was enabled still read.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != EncodingEncrypted {
			out[i] = p
			continue
		}
		raw, err := c.Box.Open(p.GetData(), payloadAAD)
		if err != nil {
			return nil, err
		}
		dec := &commonpb.Payload{}
		if err := proto.Unmarshal(raw, dec); err != nil {
			return nil, err
		}
		out[i] = dec
	}
	return out, nil
}

// DataConverter is the default converter wrapped with Codec.
func DataConverter(box *secretbox.Box) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), Codec{Box: box})
}
