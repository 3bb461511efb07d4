package inventory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/keydesk/keydesk/triage"
)

// Import formats.
const (
	FormatLines = "lines" // one key per line; blank lines and lines starting with "#" are skipped
	FormatCSV   = "csv"   // a "secret" (or key, code, card_key) column when the first row names one, else the first column
	FormatJSON  = "json"  // ["k1", ...], [{"secret": "k1"}, ...] or {"keys": [...]}
)

// Limits bound one import.
type Limits struct {
	MaxBytes     int64 // body size
	MaxKeys      int   // keys in one import
	MinSecretLen int
	MaxSecretLen int
}

// DefaultLimits: 8 MiB, 100 000 keys, secrets of 4 to 256 characters.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 8 << 20, MaxKeys: 100_000, MinSecretLen: 4, MaxSecretLen: 256}
}

// Errors of a whole import (as opposed to a line).
var (
	// ErrTooLarge: the body exceeds Limits.MaxBytes or holds more than Limits.MaxKeys keys.
	ErrTooLarge = errors.New("import too large")
	// ErrMalformed: the body cannot be read in its format at all.
	ErrMalformed = errors.New("malformed import")
	// ErrRejected: some lines were rejected; nothing was imported (see Report.Errors).
	ErrRejected = errors.New("import rejected")
	// ErrEmpty: the body holds no key.
	ErrEmpty = errors.New("import holds no key")
)

// Line is one key read from an import, with its 1-based line (CSV row, JSON item) number.
type Line struct {
	No     int
	Secret string
}

// LineError reports a rejected line. Key is the secret masked with triage.MaskKey: the
// secret itself is never echoed.
type LineError struct {
	Line   int    `json:"line"`
	Key    string `json:"key,omitempty"`
	Reason string `json:"reason"`
}

// readBody reads at most limit bytes, failing with ErrTooLarge beyond.
func readBody(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read import: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// Sniff guesses the format of a body: JSON when it starts with "[" or "{", CSV when the
// first line holds a comma or a quote, else lines.
func Sniff(body []byte) string {
	t := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(t) > 0 && (t[0] == '[' || t[0] == '{') {
		return FormatJSON
	}
	first, _, _ := bytes.Cut(t, []byte("\n"))
	if bytes.ContainsAny(first, ",\"") {
		return FormatCSV
	}
	return FormatLines
}

// Parse reads the keys of a body in a format ("" sniffs). It fails only when the body
// as a whole cannot be read; per-key checks are Validate's.
func Parse(format string, body []byte) ([]Line, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if format == "" {
		format = Sniff(body)
	}
	switch format {
	case FormatLines:
		return parseLines(body)
	case FormatCSV:
		return parseCSV(body)
	case FormatJSON:
		return parseJSON(body)
	default:
		return nil, fmt.Errorf("%w: unknown format %q (want lines, csv or json)", ErrMalformed, format)
	}
}

func parseLines(body []byte) ([]Line, error) {
	var out []Line
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		out = append(out, Line{No: n, Secret: s})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return out, nil
}

var csvHeaders = map[string]bool{"secret": true, "key": true, "code": true, "card_key": true, "cardkey": true}

func parseCSV(body []byte) ([]Line, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	col := 0
	var out []Line
	for row := 1; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: CSV: %v", ErrMalformed, err)
		}
		line, _ := r.FieldPos(0)
		if row == 1 {
			if c, ok := headerColumn(rec); ok {
				col = c
				continue
			}
		}
		if col >= len(rec) {
			out = append(out, Line{No: line, Secret: ""})
			continue
		}
		if s := strings.TrimSpace(rec[col]); s != "" || len(rec) > 1 {
			out = append(out, Line{No: line, Secret: s})
		}
	}
}

func headerColumn(rec []string) (int, bool) {
	for i, h := range rec {
		if csvHeaders[strings.ToLower(strings.TrimSpace(h))] {
			return i, true
		}
	}
	return 0, false
}

func parseJSON(body []byte) ([]Line, error) {
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrMalformed, err)
	}
	var wrapped struct {
		Keys json.RawMessage `json:"keys"`
	}
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		if err := json.Unmarshal(raw, &wrapped); err != nil || wrapped.Keys == nil {
			return nil, fmt.Errorf(`%w: JSON object without a "keys" array`, ErrMalformed)
		}
		raw = wrapped.Keys
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%w: JSON: want an array of keys: %v", ErrMalformed, err)
	}
	out := make([]Line, 0, len(items))
	for i, it := range items {
		out = append(out, Line{No: i + 1, Secret: jsonSecret(it)})
	}
	return out, nil
}

// jsonSecret reads a string item or an object's secret/key/code field ("" when neither).
func jsonSecret(it json.RawMessage) string {
	var s string
	if json.Unmarshal(it, &s) == nil {
		return strings.TrimSpace(s)
	}
	var obj map[string]any
	if json.Unmarshal(it, &obj) != nil {
		return ""
	}
	for _, k := range []string{"secret", "key", "code", "card_key"} {
		if v, ok := obj[k].(string); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// CheckSecret says what is wrong with a secret under the limits ("" when it is fine):
// length, and printable ASCII without blanks, quotes, commas, backslashes or angle brackets.
func CheckSecret(s string, l Limits) string {
	switch {
	case s == "":
		return "empty key"
	case len(s) < l.MinSecretLen:
		return fmt.Sprintf("key shorter than %d characters", l.MinSecretLen)
	case len(s) > l.MaxSecretLen:
		return fmt.Sprintf("key longer than %d characters", l.MaxSecretLen)
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e || strings.ContainsRune(`"',\<>`+"`", r) {
			return "key contains a character outside printable ASCII or one of blank \" ' , \\ < > `"
		}
	}
	return ""
}

// maskForReport masks a secret for a line report; secrets too long to be keys are cut
// first so a pasted document is not echoed either.
func maskForReport(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return triage.MaskKey(s)
}
