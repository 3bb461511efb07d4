package api

// Buyer screenshots. A buyer attaches an image to their ticket with the ticket's private token
// (POST /tickets/{ref}/attachments, multipart/form-data field "file"), right after creating it
// or with a reply; buyers (token) and staff (tickets.read) read it back. Design:
//   - A separate upload endpoint rather than a base64 field in the ticket JSON: the ticket body
//     keeps its 1 MiB limit and its idempotent create, files travel without a third of
//     base64 overhead, and the same endpoint serves replies.
//   - The type is decided from the bytes (http.DetectContentType, then the image header is
//     decoded for PNG/JPEG/GIF), never from the client's Content-Type or file name.
//   - Files live in the database (attachments.data), so any API process can serve them.
//   - An attachment is plain data, not a state change (DESIGN.md principle 2): it is written
//     directly, with an "attachment_added" ticket event in the same transaction.
//   - Served bytes carry nosniff, a CSP of default-src 'none' with sandbox, and the stored
//     (sniffed) type, so a crafted file can never run as a page.

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // registers GIF for image.DecodeConfig
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG for image.DecodeConfig
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// Attachment limits.
const (
	// MaxAttachmentBytes is the largest file accepted (5 MiB).
	MaxAttachmentBytes = 5 << 20
	// MaxAttachmentsPerTicket is how many files one ticket may carry.
	MaxAttachmentsPerTicket = 5
	// maxAttachmentBody leaves room for the multipart framing around the file.
	maxAttachmentBody = MaxAttachmentBytes + 64<<10
	// maxAttachmentPixels refuses images that would take an agent's browser gigabytes to show.
	maxAttachmentPixels = 50_000_000
	// maxFilenameRunes bounds a stored file name (the column holds 200 characters).
	maxFilenameRunes = 200
	// uploadField is the multipart field carrying the file.
	uploadField = "file"
)

// CodeTooManyAttachments answers an upload to a ticket that already has MaxAttachmentsPerTicket.
const CodeTooManyAttachments = "too_many_attachments"

// CodeAttachmentPurged answers (410 Gone) a download of an attachment whose bytes were
// removed after the retention of closed tickets (KEYDESK_ATTACHMENT_RETENTION).
const CodeAttachmentPurged = "attachment_purged"

// attachmentTypes are the accepted (sniffed) types and the extension a nameless file gets.
var attachmentTypes = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}

// attachmentCSP keeps a served file from running anything, even when opened as a page.
const attachmentCSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

// attachmentView describes an attachment without its bytes.
type attachmentView struct {
	ID          uint64    `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	// PurgedAt is set once the bytes were removed after the retention of closed tickets.
	PurgedAt *time.Time `json:"purged_at,omitempty"`
}

func toAttachmentView(a models.Attachment) attachmentView {
	return attachmentView{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, CreatedAt: a.CreatedAt, PurgedAt: a.PurgedAt}
}

func (s *Server) attachmentRoutes() []Route {
	token := [][2]string{{"token", "ticket token (or Authorization: Bearer)"}}
	return []Route{
		{Method: http.MethodPost, Path: V1 + "/tickets/:ticket/attachments", Access: AccessTicket, Limit: LimitPublic,
			MaxBody: maxAttachmentBody, Handler: s.uploadAttachment,
			Doc: Doc{Tag: "buyer", Summary: "Attach a screenshot: PNG, JPEG, WebP or GIF (detected from the bytes), at most 5 MiB, 5 per ticket",
				Upload: uploadField, Resp: attachmentView{}, Status: http.StatusCreated, Query: token}},
		{Method: http.MethodGet, Path: V1 + "/tickets/:ticket/attachments/:id", Access: AccessTicketOrStaff,
			Perm: Perm{rbac.ObjTickets, rbac.ActRead}, Limit: LimitPublic, Handler: s.downloadAttachment,
			Doc: Doc{Tag: "buyer", Summary: "An attachment's bytes (buyer by ref with the token; staff by ticket id)", Raw: "image/*", Query: token}},
	}
}

// uploadAttachment stores the buyer's file on their ticket and answers 201 with its description.
func (s *Server) uploadAttachment(c *gin.Context) error {
	t, ok := buyerTicket(c)
	if !ok {
		return errUnauthorized
	}
	if t.Status == models.StatusClosed {
		return Errorf(http.StatusConflict, CodeRejected, "ticket is closed: open a new request")
	}
	name, data, err := readUpload(c.Request, uploadField, MaxAttachmentBytes)
	if err != nil {
		return err
	}
	ct, err := sniffImage(data)
	if err != nil {
		return err
	}
	a := models.Attachment{MerchantID: t.MerchantID, TicketID: t.ID, Filename: cleanFilename(name, ct), ContentType: ct, Data: data}
	err = s.d.Store.AddAttachment(c.Request.Context(), &a, MaxAttachmentsPerTicket, models.AuthorCustomer)
	if errors.Is(err, store.ErrLimit) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: CodeTooManyAttachments, cause: err,
			Message: fmt.Sprintf("a ticket holds at most %d attachments", MaxAttachmentsPerTicket),
			Fields:  map[string]string{uploadField: fmt.Sprintf("at most %d files per ticket", MaxAttachmentsPerTicket)}}
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, toAttachmentView(a))
	return nil
}

// readUpload reads the multipart file field, at most max bytes, returning the client's file
// name and the bytes. Other fields are skipped (the route's body cap bounds them).
func readUpload(r *http.Request, field string, max int64) (string, []byte, error) {
	mr, err := r.MultipartReader()
	if errors.Is(err, http.ErrNotMultipart) {
		return "", nil, Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "send multipart/form-data with the image in the %q field", field)
	}
	if err != nil {
		return "", nil, Errorf(http.StatusBadRequest, CodeBadRequest, "malformed multipart body: %v", err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return "", nil, Validation(map[string]string{field: "required"})
		}
		if err != nil {
			return "", nil, uploadReadError(err)
		}
		if p.FormName() != field {
			continue // NextPart discards what is left of this part
		}
		data, err := io.ReadAll(io.LimitReader(p, max+1))
		switch {
		case err != nil:
			return "", nil, uploadReadError(err)
		case int64(len(data)) > max:
			return "", nil, errFileTooLarge
		case len(data) == 0:
			return "", nil, Validation(map[string]string{field: "the file is empty"})
		}
		return p.FileName(), data, nil
	}
}

// errFileTooLarge answers a file above MaxAttachmentBytes.
var errFileTooLarge = &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge,
	Message: "the file is larger than 5 MiB", Fields: map[string]string{uploadField: "at most 5 MiB"}}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errFileTooLarge
	}
	return Errorf(http.StatusBadRequest, CodeBadRequest, "cannot read the upload: %v", err)
}

// sniffImage returns the accepted image type of data, judged from its bytes only. PNG, JPEG
// and GIF headers are also decoded, so a file that merely starts with a signature is refused,
// and so is an image too large (in pixels) to show safely.
func sniffImage(data []byte) (string, error) {
	ct := http.DetectContentType(data)
	if _, ok := attachmentTypes[ct]; !ok {
		return "", notAnImage("only PNG, JPEG, WebP or GIF images (this file looks like " + mediaType(ct) + ")")
	}
	if ct == "image/webp" {
		return ct, nil // the standard library has no WebP decoder; the RIFF/WEBP signature matched
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != ct {
		return "", notAnImage("the image cannot be read")
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxAttachmentPixels {
		return "", notAnImage(fmt.Sprintf("the image is too large (%d×%d pixels)", cfg.Width, cfg.Height))
	}
	return ct, nil
}

func notAnImage(why string) *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMedia, Message: why, Fields: map[string]string{uploadField: why}}
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "an unknown type"
	}
	return mt
}

// cleanFilename keeps the base name of what the client sent (either path separator), without
// control or format characters, at most maxFilenameRunes runes with its extension kept; an
// empty name becomes "screenshot" with the extension of the sniffed type.
func cleanFilename(name, contentType string) string {
	name = path.Base(strings.ReplaceAll(strings.ToValidUTF8(name, ""), `\`, "/"))
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' {
			return -1
		}
		return r
	}, name))
	if name == "" || name == "." || name == "/" || strings.Trim(name, ".") == "" {
		return "screenshot" + attachmentTypes[contentType]
	}
	if utf8.RuneCountInString(name) <= maxFilenameRunes {
		return name
	}
	ext := path.Ext(name)
	if utf8.RuneCountInString(ext) > 16 {
		ext = ""
	}
	runes := []rune(strings.TrimSuffix(name, ext))
	return string(runes[:maxFilenameRunes-utf8.RuneCountInString(ext)]) + ext
}

// downloadAttachment serves an attachment's bytes to the ticket's buyer or the merchant's
// staff; one whose bytes were removed after the retention answers 410 Gone.
func (s *Server) downloadAttachment(c *gin.Context) error {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil || id == 0 {
		return errNotFound
	}
	merchantID, ticket, err := s.attachmentTicket(c)
	if err != nil {
		return err
	}
	a, err := s.d.Store.AttachmentByID(c.Request.Context(), merchantID, ticket, id)
	if err != nil {
		return err
	}
	if a.PurgedAt != nil {
		return Errorf(http.StatusGone, CodeAttachmentPurged,
			"this file was removed %s, after the shop's retention period for closed tickets", a.PurgedAt.UTC().Format("2006-01-02"))
	}
	serveAttachment(c, a)
	return nil
}

// attachmentTicket resolves the merchant and ticket of the caller: staff name the ticket by
// id within their merchant; a buyer's token already chose it.
func (s *Server) attachmentTicket(c *gin.Context) (merchantID, ticket uint64, err error) {
	if _, staff := principal(c); staff {
		if merchantID, err = s.merchant(c); err != nil {
			return 0, 0, err
		}
		ticket, err = ticketID(c)
		return merchantID, ticket, err
	}
	t, ok := buyerTicket(c)
	if !ok {
		return 0, 0, errUnauthorized
	}
	return t.MerchantID, t.ID, nil
}

// serveAttachment writes the bytes with the stored (sniffed) type: images inline, anything
// else (none is stored today) as a download of application/octet-stream.
func serveAttachment(c *gin.Context, a models.Attachment) {
	ct, disp := a.ContentType, "inline"
	if _, ok := attachmentTypes[ct]; !ok {
		ct, disp = "application/octet-stream", "attachment"
	}
	h := c.Writer.Header()
	if v := mime.FormatMediaType(disp, map[string]string{"filename": a.Filename}); v != "" {
		h.Set("Content-Disposition", v)
	} else {
		h.Set("Content-Disposition", disp)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", attachmentCSP)
	h.Set("Cache-Control", "private, no-store")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	c.Data(http.StatusOK, ct, a.Data)
}

// ticketAttachments lists a ticket's attachments for the buyer and staff detail views.
func (s *Server) ticketAttachments(c *gin.Context, merchantID, ticketID uint64) ([]attachmentView, error) {
	list, err := s.d.Store.TicketAttachments(c.Request.Context(), merchantID, ticketID)
	if err != nil {
		return nil, err
	}
	out := make([]attachmentView, 0, len(list))
	for _, a := range list {
		out = append(out, toAttachmentView(a))
	}
	return out, nil
}
