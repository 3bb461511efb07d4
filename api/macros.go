package api

// Macros (canned replies): staff read them in the ticket view; admins (settings.edit) write
// them. Names are unique per merchant (ignoring case); every write is audited.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/kb"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/rbac"
	"github.com/keydesk/keydesk/store"
)

// Audit actions of macro changes.
const (
	AuditMacroCreate = "macro.create"
	AuditMacroUpdate = "macro.update"
	AuditMacroDelete = "macro.delete"
)

// Macro limits, in characters.
const (
	maxMacroName = 200
	maxMacroBody = 5000
)

type macroReq struct {
	Name string `json:"name"`
	Body string `json:"body"`
}

type macroView struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type macrosResp struct {
	Macros []macroView `json:"macros"`
}

var macroExample = macroReq{Name: "Key activation steps",
	Body: "Open the launcher, choose Redeem a code and paste the key without spaces."}

// macroRoutes is the macro route group (listed in routeGroups).
func (s *Server) macroRoutes() []Route {
	edit := Perm{rbac.ObjSettings, rbac.ActEdit}
	return []Route{
		{Method: http.MethodGet, Path: V1 + "/macros", Access: AccessStaff, Perm: Perm{rbac.ObjTickets, rbac.ActRead}, Handler: s.listMacros,
			Doc: Doc{Tag: "tickets", Summary: "Macros (canned replies) of the merchant, by name", Resp: macrosResp{}}},
		{Method: http.MethodPost, Path: V1 + "/macros", Access: AccessStaff, Perm: edit, Handler: s.createMacro,
			Doc: Doc{Tag: "admin", Summary: "Add a macro (name unique per merchant: 409; audited)", Body: macroReq{}, Example: macroExample, Resp: macroView{}, Status: http.StatusCreated}},
		{Method: http.MethodPut, Path: V1 + "/macros/:id", Access: AccessStaff, Perm: edit, Handler: s.updateMacro,
			Doc: Doc{Tag: "admin", Summary: "Rename or rewrite a macro (audited)", Body: macroReq{}, Example: macroExample, Resp: macroView{}}},
		{Method: http.MethodDelete, Path: V1 + "/macros/:id", Access: AccessStaff, Perm: edit, Handler: s.deleteMacro,
			Doc: Doc{Tag: "admin", Summary: "Delete a macro (audited)", Status: http.StatusNoContent}},
		{Method: http.MethodPost, Path: V1 + "/tickets/:ticket/macros/:macro/render", Access: AccessStaff, Perm: Perm{rbac.ObjTickets, rbac.ActRead}, Handler: s.renderMacro,
			Doc: Doc{Tag: "tickets", Summary: "A macro's body for a reply on this ticket: {{kb:<slug>}} becomes the merchant's published article (title in the buyer's language and its public link); unknown slugs stay as written and are listed in unresolved", Resp: macroRenderResp{}}},
	}
}

func (s *Server) listMacros(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	ms, err := s.d.Store.Macros(c.Request.Context(), m)
	if err != nil {
		return err
	}
	resp := macrosResp{Macros: make([]macroView, 0, len(ms))}
	for _, x := range ms {
		resp.Macros = append(resp.Macros, viewMacro(x))
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func (s *Server) createMacro(c *gin.Context) error {
	req, err := bindMacro(c)
	if err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	x := models.Macro{MerchantID: m, Name: req.Name, Body: req.Body}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		if err := s.d.Store.CreateMacro(ctx, &x); err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditMacroCreate, TargetType: "macro", TargetID: uitoa(x.ID), Merchant: m,
			Data: map[string]any{"name": x.Name, "body_chars": utf8.RuneCountInString(x.Body)}})
	})
	if err != nil {
		return macroError(err)
	}
	c.JSON(http.StatusCreated, viewMacro(x))
	return nil
}

func (s *Server) updateMacro(c *gin.Context) error {
	req, err := bindMacro(c)
	if err != nil {
		return err
	}
	m, id, err := s.macroTarget(c)
	if err != nil {
		return err
	}
	var after models.Macro
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		before, a, err := s.d.Store.UpdateMacro(ctx, m, id, req.Name, req.Body)
		if err != nil {
			return err
		}
		after = a
		return s.audit(ctx, c, auditEntry{Action: AuditMacroUpdate, TargetType: "macro", TargetID: uitoa(id), Merchant: m,
			Data: map[string]any{"before": map[string]any{"name": before.Name, "body_chars": utf8.RuneCountInString(before.Body)},
				"after": map[string]any{"name": after.Name, "body_chars": utf8.RuneCountInString(after.Body)}, "body_changed": before.Body != after.Body}})
	})
	if err != nil {
		return macroError(err)
	}
	c.JSON(http.StatusOK, viewMacro(after))
	return nil
}

func (s *Server) deleteMacro(c *gin.Context) error {
	m, id, err := s.macroTarget(c)
	if err != nil {
		return err
	}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		x, err := s.d.Store.DeleteMacro(ctx, m, id)
		if err != nil {
			return err
		}
		return s.audit(ctx, c, auditEntry{Action: AuditMacroDelete, TargetType: "macro", TargetID: uitoa(id), Merchant: m,
			Data: map[string]any{"name": x.Name}})
	})
	if err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// macroTarget is the caller's merchant and the :id of the path (not a number: 404).
func (s *Server) macroTarget(c *gin.Context) (merchant, id uint64, err error) {
	if merchant, err = s.merchant(c); err != nil {
		return 0, 0, err
	}
	if id, err = strconv.ParseUint(c.Param("id"), 10, 64); err != nil {
		return 0, 0, errNotFound
	}
	return merchant, id, nil
}

// bindMacro decodes and checks a macro body: name 1–200 characters on one line, body 1–5000
// characters, both trimmed. Invalid fields are a 422.
func bindMacro(c *gin.Context) (macroReq, error) {
	var req macroReq
	if err := decodeJSON(c, &req, false); err != nil {
		return req, err
	}
	req.Name, req.Body = strings.TrimSpace(req.Name), strings.TrimSpace(req.Body)
	fe := fieldErrors{}
	n := utf8.RuneCountInString(req.Name)
	fe.check(n == 0 || n > maxMacroName, "name", fmt.Sprintf("required, at most %d characters", maxMacroName))
	fe.check(strings.ContainsFunc(req.Name, unicode.IsControl), "name", "one line, no control characters")
	b := utf8.RuneCountInString(req.Body)
	fe.check(b == 0 || b > maxMacroBody, "body", fmt.Sprintf("required, at most %d characters", maxMacroBody))
	return req, unprocessable(fe)
}

// macroError turns a taken name into a 409 naming the field.
func macroError(err error) error {
	if errors.Is(err, store.ErrDuplicate) {
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: "a macro with this name already exists",
			Fields: map[string]string{"name": "already used by another macro"}, cause: err}
	}
	return err
}

type macroRenderResp struct {
	Body       string   `json:"body"`
	Unresolved []string `json:"unresolved"`
}

// renderMacro expands a macro's {{kb:<slug>}} placeholders for a reply on the ticket: only
// the caller's merchant's published articles, titled in the ticket's language (else another),
// linked on the public base URL with ?lang= the ticket's language.
func (s *Server) renderMacro(c *gin.Context) error {
	t, err := s.pathTicket(c)
	if err != nil {
		return err
	}
	mid, err := strconv.ParseUint(c.Param("macro"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request.Context()
	m, err := s.d.Store.MacroByID(ctx, t.MerchantID, mid)
	if err != nil {
		return err
	}
	resp := macroRenderResp{Body: m.Body, Unresolved: []string{}}
	if len(kb.MacroLinkSlugs(m.Body)) == 0 {
		c.JSON(http.StatusOK, resp)
		return nil
	}
	shop, err := s.d.Store.MerchantSlug(ctx, t.MerchantID)
	if err != nil {
		return fmt.Errorf("render macro %d: %w", mid, err)
	}
	lang := t.Language
	if lang == "" {
		lang = "zh-CN"
	}
	var lookupErr error
	body, unresolved := kb.ExpandLinks(m.Body, func(slug string) (string, string, bool) {
		a, _, err := s.d.Store.PublishedKBArticle(ctx, t.MerchantID, slug, lang)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) && lookupErr == nil {
				lookupErr = err
			}
			return "", "", false
		}
		return a.Title, strings.TrimRight(s.d.PublicURL, "/") + kbPageURL(url.PathEscape(shop), url.PathEscape(a.Slug), url.QueryEscape(lang)), true
	})
	if lookupErr != nil {
		return fmt.Errorf("render macro %d: %w", mid, lookupErr)
	}
	resp.Body = body
	if unresolved != nil {
		resp.Unresolved = unresolved
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

func viewMacro(m models.Macro) macroView {
	return macroView{ID: m.ID, Name: m.Name, Body: m.Body, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}
