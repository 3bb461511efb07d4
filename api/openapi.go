package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// OpenAPI generates the OpenAPI 3.0 document from the route table, so the spec cannot drift
// from the routes: every route is an operation, its Access/Perm the security and
// x-permission, its Doc the schemas (reflected from the Go request/response types).
func (s *Server) OpenAPI() ([]byte, error) {
	g := &specGen{schemas: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range s.Routes() {
		p := openAPIPath(rt.Path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = g.operation(rt)
	}
	g.schemas["Error"] = g.schemaOf(reflect.TypeOf(ErrorBody{}))
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":   "keydesk API",
			"version": "1",
			"description": "After-sales helpdesk for card-key shops. Errors always have the shape " +
				"{\"error\":{\"code\",\"message\",\"fields\",\"request_id\"}}. Staff routes name the Casbin " +
				"permission they need in x-permission.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"staffJWT":    map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
				"ticketToken": map[string]any{"type": "http", "scheme": "bearer", "description": "the ticket's private token (or ?token=)"},
				"shopHMAC": map[string]any{"type": "apiKey", "in": "header", "name": HeaderIntegrationSignature,
					"description": "sha256=hex(HMAC-SHA256(secret, X-Keydesk-Timestamp + '.' + body)) with X-Keydesk-Merchant"},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_]+)`)

// openAPIPath turns "/tickets/:ticket" into "/tickets/{ticket}".
func openAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

type specGen struct{ schemas map[string]any }

func (g *specGen) operation(rt Route) map[string]any {
	d := rt.Doc
	status := d.Status
	if status == 0 {
		status = http.StatusOK
	}
	op := map[string]any{
		"operationId": operationID(rt),
		"summary":     d.Summary,
		"tags":        []string{defaultStr(d.Tag, "misc")},
		"x-access":    rt.Access.String(),
	}
	if rt.Perm.Obj != "" {
		op["x-permission"] = rt.Perm.String()
	}
	if rt.Limit != LimitNone {
		op["x-rate-limit"] = string(rt.Limit)
	}
	if sec := security(rt.Access); sec != nil {
		op["security"] = sec
	}
	if params := g.parameters(rt); len(params) > 0 {
		op["parameters"] = params
	}
	if d.Body != nil {
		media := map[string]any{"schema": g.ref(reflect.TypeOf(d.Body))}
		if d.Example != nil {
			media["example"] = d.Example
		}
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": media}}
	}
	if d.Upload != "" {
		form := map[string]any{"type": "object", "required": []string{d.Upload},
			"properties": map[string]any{d.Upload: map[string]any{"type": "string", "format": "binary"}}}
		op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{"schema": form}}}
	}
	op["responses"] = g.responses(rt, status)
	return op
}

func operationID(rt Route) string {
	p := strings.NewReplacer("/api/v1/", "", "/api/", "", ":", "", "/", "_", "-", "_").Replace(rt.Path)
	return strings.ToLower(rt.Method) + "_" + strings.Trim(p, "_")
}

func defaultStr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func security(a Access) []map[string][]string {
	switch a {
	case AccessStaff:
		return []map[string][]string{{"staffJWT": {}}}
	case AccessTicket:
		return []map[string][]string{{"ticketToken": {}}}
	case AccessTicketOrStaff:
		return []map[string][]string{{"ticketToken": {}}, {"staffJWT": {}}}
	case AccessHMAC:
		return []map[string][]string{{"shopHMAC": {}}}
	}
	return nil
}

func (g *specGen) parameters(rt Route) []map[string]any {
	var ps []map[string]any
	for _, m := range ginParam.FindAllStringSubmatch(rt.Path, -1) {
		ps = append(ps, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, q := range rt.Doc.Query {
		ps = append(ps, map[string]any{"name": q[0], "in": "query", "description": q[1], "schema": map[string]any{"type": "string"}})
	}
	for _, h := range rt.Doc.Headers {
		ps = append(ps, map[string]any{"name": h[0], "in": "header", "description": h[1], "schema": map[string]any{"type": "string"}})
	}
	return ps
}

func (g *specGen) responses(rt Route, status int) map[string]any {
	errResp := func(desc string) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{
			"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	}
	ok := map[string]any{"description": http.StatusText(status)}
	switch {
	case rt.Doc.Raw != "":
		ok["content"] = map[string]any{rt.Doc.Raw: map[string]any{"schema": map[string]any{"type": "string"}}}
	case rt.Doc.Resp != nil && rt.Doc.RespAlt != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{
			"oneOf": []any{g.ref(reflect.TypeOf(rt.Doc.Resp)), g.ref(reflect.TypeOf(rt.Doc.RespAlt))}}}}
	case rt.Doc.Resp != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.ref(reflect.TypeOf(rt.Doc.Resp))}}
	}
	out := map[string]any{strconv.Itoa(status): ok, "default": errResp("error")}
	if rt.Doc.Body != nil || rt.Doc.Upload != "" {
		out["400"] = errResp("malformed body or invalid fields")
		out["413"] = errResp("body too large")
	}
	switch rt.Access {
	case AccessStaff, AccessTicketOrStaff:
		out["401"] = errResp("missing or invalid credentials")
		if rt.Perm.Obj != "" {
			out["403"] = errResp("permission " + rt.Perm.String() + " missing")
		}
	case AccessTicket, AccessHMAC:
		out["401"] = errResp("missing or invalid credentials")
	}
	if strings.Contains(rt.Path, ":") {
		out["404"] = errResp("not found (also for other merchants' resources)")
	}
	if rt.Limit != LimitNone {
		out["429"] = errResp("rate limited; see Retry-After")
	}
	if rt.Method == http.MethodPost && rt.Path == V1+"/tickets" {
		out["422"] = errResp("idempotency_key_reused: the Idempotency-Key already names another order's or buyer's ticket")
	}
	if rt.Path != "/healthz" && rt.Path != "/metrics" {
		out["503"] = errResp("unavailable: the database is busy, locked, read-only or unreachable, or the workflow engine is unreachable; retry after Retry-After seconds")
	}
	return out
}

var timeType = reflect.TypeOf(time.Time{})

// ref returns a $ref to a named struct's schema (registered once) or an inline schema.
func (g *specGen) ref(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType || t.Name() == "" {
		return g.schemaOf(t)
	}
	name := schemaName(t)
	if _, ok := g.schemas[name]; !ok {
		g.schemas[name] = map[string]any{} // placeholder breaks recursion
		g.schemas[name] = g.schemaOf(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func schemaName(t reflect.Type) string {
	pkg := t.PkgPath()
	pkg = pkg[strings.LastIndex(pkg, "/")+1:]
	n := t.Name()
	if pkg != "api" {
		n = strings.ToUpper(pkg[:1]) + pkg[1:] + n
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

func (g *specGen) schemaOf(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.Struct:
		s = g.structSchema(t)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s = map[string]any{} // raw JSON documents (models.JSON) or bytes
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		s = map[string]any{"type": "array", "items": g.ref(t.Elem())}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": g.ref(t.Elem())}
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer", "format": "int64"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	default:
		s = map[string]any{}
	}
	if nullable && len(s) > 0 {
		s["nullable"] = true
	}
	return s
}

// structSchema follows encoding/json: json tags, "-" skipped, embedded structs flattened.
func (g *specGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.addFields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		s["required"] = required
	}
	return s
}

func (g *specGen) addFields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.addFields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.ref(f.Type)
		if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}
