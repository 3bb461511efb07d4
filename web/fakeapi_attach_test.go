package web_test

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// fakeFile is a screenshot uploaded to the fake API.
type fakeFile struct {
	ID       uint64
	TicketID uint64
	Name     string
	Type     string
	Data     []byte
	Created  time.Time
	// Purged is when the bytes went after the retention of closed tickets (zero: kept).
	Purged time.Time
}

// attachment serves POST /tickets/{ref}/attachments (buyer token, multipart field "file") and
// GET /tickets/{ref or id}/attachments/{id} (buyer token or staff token), as api/ does.
func (f *fakeAPI) attachment(w http.ResponseWriter, r *http.Request, parts []string, bearer string) {
	t := f.find(parts[1])
	_, staff := fakeUsers[bearer]
	if t == nil || (bearer != t.Token && !(staff && r.Method == http.MethodGet && isNum(parts[1]))) {
		apiErr(w, 404, "not_found", "not found", nil)
		return
	}
	switch {
	case r.Method == http.MethodPost && len(parts) == 3:
		f.upload(w, r, t)
	case r.Method == http.MethodGet && len(parts) == 4:
		id, _ := strconv.ParseUint(parts[3], 10, 64)
		for _, a := range f.files {
			if a.ID == id && a.TicketID == t.ID && !a.Purged.IsZero() {
				apiErr(w, 410, "attachment_purged", "this file was removed after the shop's retention period for closed tickets", nil)
				return
			}
			if a.ID == id && a.TicketID == t.ID {
				w.Header().Set("Content-Type", a.Type)
				w.Header().Set("X-Content-Type-Options", "nosniff")
				_, _ = w.Write(a.Data)
				return
			}
		}
		apiErr(w, 404, "not_found", "not found", nil)
	default:
		apiErr(w, 405, "method_not_allowed", "method not allowed", nil)
	}
}

func (f *fakeAPI) upload(w http.ResponseWriter, r *http.Request, t *fakeTicket) {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		apiErr(w, 400, "validation_failed", "some fields are invalid", map[string]string{"file": "required"})
		return
	}
	defer file.Close()
	data, _ := io.ReadAll(io.LimitReader(file, 5<<20+1))
	ct := http.DetectContentType(data)
	switch {
	case len(data) > 5<<20:
		apiErr(w, 413, "payload_too_large", "the file is larger than 5 MiB", map[string]string{"file": "at most 5 MiB"})
		return
	case ct != "image/png" && ct != "image/jpeg" && ct != "image/gif" && ct != "image/webp":
		apiErr(w, 415, "unsupported_media_type", "only PNG, JPEG, WebP or GIF images", map[string]string{"file": "only PNG, JPEG, WebP or GIF images"})
		return
	}
	a := fakeFile{ID: uint64(len(f.files) + 1), TicketID: t.ID, Name: hdr.Filename, Type: ct, Data: data, Created: time.Now()}
	f.files = append(f.files, a)
	writeJSON(w, 201, map[string]any{"id": a.ID, "filename": a.Name, "content_type": a.Type, "size": len(a.Data), "created_at": a.Created})
}

// attachmentViews lists a ticket's files as the detail views do.
func (f *fakeAPI) attachmentViews(t *fakeTicket) []map[string]any {
	out := []map[string]any{}
	for _, a := range f.files {
		if a.TicketID == t.ID {
			v := map[string]any{"id": a.ID, "filename": a.Name, "content_type": a.Type, "size": len(a.Data), "created_at": a.Created}
			if !a.Purged.IsZero() {
				v["purged_at"] = a.Purged
			}
			out = append(out, v)
		}
	}
	return out
}
