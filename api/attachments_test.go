package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	return img
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a valid PNG header claiming width×height pixels (CRC fixed up), without the pixels.
func hugePNG(t *testing.T, width, height uint32) []byte {
	t.Helper()
	b := pngBytes(t)
	// 8-byte signature, then IHDR: length(4) "IHDR"(4) width(4) height(4) … CRC over type+data.
	binary.BigEndian.PutUint32(b[16:], width)
	binary.BigEndian.PutUint32(b[20:], height)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// multipartBody builds a multipart/form-data body with one file part (claimed type ct).
func multipartBody(t *testing.T, field, filename, ct string, data []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("note", "ignored"); err != nil {
		t.Fatal(err)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", ct)
	p, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = p.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

// upload posts a file as the holder of tok to the ticket ref.
func (e *env) upload(ref, tok, filename, ct string, data []byte) *httptest.ResponseRecorder {
	e.t.Helper()
	body, formType := multipartBody(e.t, "file", filename, ct, data)
	return e.do("POST", V1+"/tickets/"+ref+"/attachments", body, map[string]string{"Authorization": "Bearer " + tok, "Content-Type": formType})
}

func decodeView(t *testing.T, w *httptest.ResponseRecorder) attachmentView {
	t.Helper()
	var v attachmentView
	if w.Code != http.StatusCreated || json.Unmarshal(w.Body.Bytes(), &v) != nil || v.ID == 0 {
		t.Fatalf("upload: %d %s", w.Code, w.Body.String())
	}
	return v
}

func TestAttachmentUploadListAndServe(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	img := pngBytes(t)
	// The client claims a text type and a path: the bytes decide the type, the path is dropped.
	v := decodeView(t, e.upload(e.ticketA.Ref, e.tokenA, `C:\Users\me\Desktop\error "shot".txt`, "text/plain", img))
	if v.ContentType != "image/png" || v.Size != int64(len(img)) || v.Filename != "error shot.txt" {
		t.Fatalf("stored %+v", v)
	}
	urlBuyer := fmt.Sprintf("%s/tickets/%s/attachments/%d", V1, e.ticketA.Ref, v.ID)
	urlStaff := fmt.Sprintf("%s/tickets/%d/attachments/%d", V1, e.ticketA.ID, v.ID)
	for _, c := range []struct {
		name, url string
		hdr       map[string]string
	}{
		{"buyer (bearer)", urlBuyer, bearerHdr(e.tokenA)},
		{"buyer (query token)", urlBuyer + "?token=" + e.tokenA, nil},
		{"agent", urlStaff, bearerHdr(e.tokens["agent"])},
	} {
		w := e.do("GET", c.url, nil, c.hdr)
		h := w.Header()
		if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), img) {
			t.Fatalf("%s: %d (%d bytes)", c.name, w.Code, w.Body.Len())
		}
		if h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(h.Get("Content-Security-Policy"), "default-src 'none'") || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
			!strings.HasPrefix(h.Get("Content-Disposition"), "inline;") || !strings.Contains(h.Get("Content-Disposition"), "error shot.txt") {
			t.Errorf("%s: headers %v", c.name, h)
		}
	}
	// Both detail views list it; the staff timeline records it.
	var pub publicTicketResp
	if w := e.do("GET", V1+"/tickets/"+e.ticketA.Ref, nil, bearerHdr(e.tokenA)); json.Unmarshal(w.Body.Bytes(), &pub) != nil || len(pub.Attachments) != 1 || pub.Attachments[0] != v {
		t.Fatalf("buyer view attachments: %s", w.Body.String())
	}
	var staff staffTicketResp
	w := e.do("GET", fmt.Sprintf("%s/tickets/%d", V1, e.ticketA.ID), nil, bearerHdr(e.tokens["agent"]))
	if json.Unmarshal(w.Body.Bytes(), &staff) != nil || len(staff.Attachments) != 1 || staff.Attachments[0].ID != v.ID {
		t.Fatalf("staff view attachments: %s", w.Body.String())
	}
	found := false
	for _, ev := range staff.Timeline {
		found = found || (ev.Kind == store.EventAttachmentAdded && ev.ActorKind == models.AuthorCustomer)
	}
	if !found {
		t.Errorf("no attachment_added event in the timeline: %+v", staff.Timeline)
	}
	var pub2 publicTicketResp
	if w := e.do("GET", V1+"/tickets/"+e.ticketA2.Ref, nil, bearerHdr(e.tokenA2)); json.Unmarshal(w.Body.Bytes(), &pub2) != nil || pub2.Attachments == nil || len(pub2.Attachments) != 0 {
		t.Errorf("another ticket lists attachments: %s", w.Body.String())
	}
}

func TestAttachmentAcceptsImageTypes(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	var jp, gf bytes.Buffer
	if err := jpeg.Encode(&jp, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gf, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	webp := append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), make([]byte, 24)...)
	for _, c := range []struct {
		name, want string
		data       []byte
	}{
		{"png", "image/png", pngBytes(t)},
		{"jpeg", "image/jpeg", jp.Bytes()},
		{"gif", "image/gif", gf.Bytes()},
		{"webp", "image/webp", webp},
	} {
		v := decodeView(t, e.upload(e.ticketA.Ref, e.tokenA, "", "application/octet-stream", c.data))
		if v.ContentType != c.want || v.Filename != "screenshot"+attachmentTypes[c.want] {
			t.Errorf("%s: stored as %q named %q", c.name, v.ContentType, v.Filename)
		}
	}
}

func TestAttachmentRejections(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	img := pngBytes(t)
	tooBig := append(append([]byte{}, img...), make([]byte, MaxAttachmentBytes+1-len(img))...)
	exact := append(append([]byte{}, img...), make([]byte, MaxAttachmentBytes-len(img))...) // trailing bytes after IEND
	cases := []struct {
		name   string
		file   string
		ct     string
		data   []byte
		status int
		code   string
	}{
		{"text renamed .png", "shot.png", "image/png", []byte("hello, I am a text file\n"), http.StatusUnsupportedMediaType, CodeUnsupportedMedia},
		{"html renamed .png", "shot.png", "image/png", []byte("<html><script>alert(1)</script>"), http.StatusUnsupportedMediaType, CodeUnsupportedMedia},
		{"svg", "shot.svg", "image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), http.StatusUnsupportedMediaType, CodeUnsupportedMedia},
		{"png signature, garbage after", "shot.png", "image/png", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("x"), 64)...), http.StatusUnsupportedMediaType, CodeUnsupportedMedia},
		{"pixel bomb", "bomb.png", "image/png", hugePNG(t, 100_000, 100_000), http.StatusUnsupportedMediaType, CodeUnsupportedMedia},
		{"empty file", "shot.png", "image/png", nil, http.StatusBadRequest, CodeValidation},
		{"one byte over 5 MiB", "big.png", "image/png", tooBig, http.StatusRequestEntityTooLarge, CodeTooLarge},
	}
	for _, c := range cases {
		w := e.upload(e.ticketA.Ref, e.tokenA, c.file, c.ct, c.data)
		if w.Code != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, w.Code, c.status, w.Body.String())
			continue
		}
		if got := errorOf(t, w); got.Code != c.code || got.Fields["file"] == "" {
			t.Errorf("%s: error %+v, want code %s naming the file field", c.name, got, c.code)
		}
	}
	if w := e.upload(e.ticketA.Ref, e.tokenA, "exact.png", "image/png", exact); w.Code != http.StatusCreated {
		t.Errorf("exactly 5 MiB: %d %s", w.Code, w.Body.String())
	}
	// Not multipart, or no file field.
	if w := e.do("POST", V1+"/tickets/"+e.ticketA.Ref+"/attachments", `{"file":"x"}`, bearerHdr(e.tokenA)); w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d", w.Code)
	}
	body, formType := multipartBody(t, "other", "shot.png", "image/png", img)
	if w := e.do("POST", V1+"/tickets/"+e.ticketA.Ref+"/attachments", body, map[string]string{"Authorization": "Bearer " + e.tokenA, "Content-Type": formType}); w.Code != http.StatusBadRequest || errorOf(t, w).Fields["file"] != "required" {
		t.Errorf("no file field: %d %s", w.Code, w.Body.String())
	}
	// A body far over the route's cap: refused from Content-Length, and when streamed without one.
	huge, formType := multipartBody(t, "file", "big.png", "image/png", append(append([]byte{}, img...), make([]byte, 8<<20)...))
	if w := e.do("POST", V1+"/tickets/"+e.ticketA.Ref+"/attachments", huge, map[string]string{"Authorization": "Bearer " + e.tokenA, "Content-Type": formType}); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared oversized body: %d", w.Code)
	} else {
		errorOf(t, w)
	}
	req := httptest.NewRequest("POST", V1+"/tickets/"+e.ticketA.Ref+"/attachments", io.MultiReader(bytes.NewReader(huge)))
	req.Header.Set("Authorization", "Bearer "+e.tokenA)
	req.Header.Set("Content-Type", formType)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if req.ContentLength != -1 || w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed oversized body (length %d): %d %s", req.ContentLength, w.Code, w.Body.String())
	} else {
		errorOf(t, w)
	}
	// Only the exactly-5-MiB file was stored.
	if list, err := e.st.TicketAttachments(context.Background(), e.mA.ID, e.ticketA.ID); err != nil || len(list) != 1 {
		t.Fatalf("stored after rejections: %v %d, want 1", err, len(list))
	}
}

func TestAttachmentLimitPerTicket(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	img := pngBytes(t)
	for i := range MaxAttachmentsPerTicket {
		decodeView(t, e.upload(e.ticketA.Ref, e.tokenA, fmt.Sprintf("s%d.png", i), "image/png", img))
	}
	w := e.upload(e.ticketA.Ref, e.tokenA, "one-too-many.png", "image/png", img)
	if w.Code != http.StatusUnprocessableEntity || errorOf(t, w).Code != CodeTooManyAttachments {
		t.Fatalf("upload %d: %d %s, want 422", MaxAttachmentsPerTicket+1, w.Code, w.Body.String())
	}
	// The limit is per ticket: the buyer's other ticket still takes files.
	decodeView(t, e.upload(e.ticketA2.Ref, e.tokenA2, "s.png", "image/png", img))
}

func TestAttachmentAccessRules(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	img := pngBytes(t)
	v := decodeView(t, e.upload(e.ticketA.Ref, e.tokenA, "s.png", "image/png", img))
	v2 := decodeView(t, e.upload(e.ticketA2.Ref, e.tokenA2, "s2.png", "image/png", img))
	buyerURL := func(ref string, id uint64) string { return fmt.Sprintf("%s/tickets/%s/attachments/%d", V1, ref, id) }
	staffURL := func(ticket, id uint64) string { return fmt.Sprintf("%s/tickets/%d/attachments/%d", V1, ticket, id) }
	cases := []struct {
		name, method, url string
		hdr               map[string]string
		status            int
	}{
		{"no token", "GET", buyerURL(e.ticketA.Ref, v.ID), nil, http.StatusUnauthorized},
		{"token of another ticket", "GET", buyerURL(e.ticketA.Ref, v.ID), bearerHdr(e.tokenA2), http.StatusNotFound},
		{"own token, other ticket's attachment id", "GET", buyerURL(e.ticketA2.Ref, v.ID), bearerHdr(e.tokenA2), http.StatusNotFound},
		{"staff, attachment of another ticket", "GET", staffURL(e.ticketA2.ID, v.ID), bearerHdr(e.tokens["agent"]), http.StatusNotFound},
		{"admin of another merchant", "GET", staffURL(e.ticketA.ID, v.ID), bearerHdr(e.tokens["other_admin"]), http.StatusNotFound},
		{"user without a role", "GET", staffURL(e.ticketA.ID, v.ID), bearerHdr(e.tokens["norole"]), http.StatusForbidden},
		{"unknown id", "GET", buyerURL(e.ticketA.Ref, v2.ID+100), bearerHdr(e.tokenA), http.StatusNotFound},
		{"non-numeric id", "GET", buyerURL(e.ticketA.Ref, 0) + "x", bearerHdr(e.tokenA), http.StatusNotFound},
	}
	for _, c := range cases {
		w := e.do(c.method, c.url, nil, c.hdr)
		if w.Code != c.status {
			t.Errorf("%s: %d, want %d", c.name, w.Code, c.status)
			continue
		}
		errorOf(t, w)
		if bytes.Contains(w.Body.Bytes(), img[:16]) {
			t.Errorf("%s: the file leaked", c.name)
		}
	}
	// Uploads: another ticket's token and a staff JWT both fail; nothing is stored.
	body, formType := multipartBody(t, "file", "s.png", "image/png", img)
	for _, c := range []struct {
		name, tok string
		status    int
	}{
		{"token of another ticket", e.tokenA2, http.StatusNotFound},
		{"staff JWT", e.tokens["admin"], http.StatusNotFound},
		{"no token", "", http.StatusUnauthorized},
	} {
		hdr := map[string]string{"Content-Type": formType}
		if c.tok != "" {
			hdr["Authorization"] = "Bearer " + c.tok
		}
		if w := e.do("POST", V1+"/tickets/"+e.ticketA.Ref+"/attachments", body, hdr); w.Code != c.status {
			t.Errorf("upload with %s: %d, want %d", c.name, w.Code, c.status)
		}
	}
	if list, _ := e.st.TicketAttachments(context.Background(), e.mA.ID, e.ticketA.ID); len(list) != 1 {
		t.Errorf("ticket A has %d attachments, want 1", len(list))
	}
	// A closed ticket takes no more files.
	e.must(e.st.DB(context.Background()).Model(&models.Ticket{}).Where("id = ?", e.ticketA2.ID).Update("status", models.StatusClosed).Error)
	if w := e.upload(e.ticketA2.Ref, e.tokenA2, "late.png", "image/png", img); w.Code != http.StatusConflict {
		t.Errorf("closed ticket: %d %s", w.Code, w.Body.String())
	}
}

func TestCleanFilename(t *testing.T) {
	long := strings.Repeat("界", 250) + ".png"
	cases := []struct{ in, ct, want string }{
		{"shot.png", "image/png", "shot.png"},
		{"/etc/passwd", "image/png", "passwd"},
		{`..\..\windows\evil.png`, "image/png", "evil.png"},
		{"../..", "image/jpeg", "screenshot.jpg"},
		{"", "image/webp", "screenshot.webp"},
		{"  ", "image/gif", "screenshot.gif"},
		{"a\x00b\r\nc\u202egnp.exe", "image/png", "abcgnp.exe"},
		{"bad\xffutf8.png", "image/png", "badutf8.png"},
		{`say "hi".png`, "image/png", "say hi.png"},
		{long, "image/png", strings.Repeat("界", 196) + ".png"},
	}
	for _, c := range cases {
		if got := cleanFilename(c.in, c.ct); got != c.want {
			t.Errorf("cleanFilename(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestPurgedAttachmentIsGone checks what buyer and staff see once housekeeping removed a file's
// bytes after the retention of closed tickets: the listing keeps it with purged_at, and a
// download answers 410 Gone with the attachment_purged code instead of an empty image.
func TestPurgedAttachmentIsGone(t *testing.T) {
	e := newEnv(t, testdb.SQLite(t), RateLimits{})
	v := decodeView(t, e.upload(e.ticketA.Ref, e.tokenA, "shot.png", "image/png", pngBytes(t)))
	ctx := context.Background()
	closed := e.now.Add(-60 * 24 * time.Hour)
	if err := e.st.DB(ctx).Model(&models.Ticket{}).Where("id = ?", e.ticketA.ID).
		Updates(map[string]any{"status": models.StatusClosed, "closed_at": closed}).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := e.st.PurgeAttachments(ctx, closed.Add(time.Hour), 10); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	for _, c := range []struct {
		name, url string
		hdr       map[string]string
	}{
		{"buyer", fmt.Sprintf("%s/tickets/%s/attachments/%d", V1, e.ticketA.Ref, v.ID), bearerHdr(e.tokenA)},
		{"agent", fmt.Sprintf("%s/tickets/%d/attachments/%d", V1, e.ticketA.ID, v.ID), bearerHdr(e.tokens["agent"])},
	} {
		w := e.do("GET", c.url, nil, c.hdr)
		if w.Code != http.StatusGone || errCode(t, w) != CodeAttachmentPurged || !strings.Contains(w.Body.String(), "retention") {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body.String())
		}
	}
	var pub publicTicketResp
	if w := e.do("GET", V1+"/tickets/"+e.ticketA.Ref, nil, bearerHdr(e.tokenA)); json.Unmarshal(w.Body.Bytes(), &pub) != nil ||
		len(pub.Attachments) != 1 || pub.Attachments[0].PurgedAt == nil || pub.Attachments[0].Filename != "shot.png" {
		t.Fatalf("buyer view after purge: %s", w.Body.String())
	}
}
