// Package web is the web interface of the insurable service: pages
// rendered on the server from html/template, with charts drawn as SVG
// (package web/chart), one stylesheet embedded in the binary and no
// JavaScript. Underwriters see their portfolio, a firm's posture and
// each assessment's reasons; firms see their posture, remediation plan,
// security metrics and policies; anyone sees the decision log's latest
// checkpoint and can check an inclusion proof.
//
// People log in with an API token of the service; the page keeps a
// session cookie (HttpOnly, SameSite=Lax) whose secret the database holds
// only as a hash, and every form carries a CSRF token bound to the session
// (or, before login, to a cookie of its own). What a page shows is what
// the service lets the principal read: the web layer has no access rules
// of its own.
package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/web/chart"
)

//go:embed templates/*.html static/*
var files embed.FS

// Cookie names.
const (
	SessionCookie = "insurable_session"
	// csrfCookie holds the CSRF secret of forms shown before login.
	csrfCookie = "insurable_csrf"
	csrfField  = "csrf"
)

// maxFormBytes bounds the body of a form.
const maxFormBytes = 1 << 20

// Config configures the web interface.
type Config struct {
	Service *underwriting.Service
	Log     *slog.Logger
	// Secure marks the cookies Secure: set it when the service is reached
	// over HTTPS (directly or through a proxy).
	Secure bool
}

// Handler serves the pages.
type Handler struct {
	svc    *underwriting.Service
	log    *slog.Logger
	secure bool
	mux    *http.ServeMux
	pages  map[string]*template.Template
	css    []byte
	icon   []byte
}

// New parses the templates and builds the routes.
func New(cfg Config) (*Handler, error) {
	h := &Handler{svc: cfg.Service, log: cfg.Log, secure: cfg.Secure, mux: http.NewServeMux(), pages: map[string]*template.Template{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	names, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		h.pages[base] = t
	}
	css, err := files.ReadFile("static/style.css")
	if err != nil {
		return nil, err
	}
	h.css = append(css, chart.CSS...)
	if h.icon, err = files.ReadFile("static/icon.svg"); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// ServeHTTP serves a page with the headers every page carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// page is what a handler returns for the layout: the template, the title
// and the view.
type page struct {
	Name  string
	Title string
	View  any
	// Status, when not 0, is the HTTP status.
	Status int
}

// layoutData is what the layout renders around every page.
type layoutData struct {
	Title     string
	Principal *access.Principal
	OrgName   string
	CSRF      string
	Nav       []navItem
	View      any
	Now       time.Time
}

type navItem struct {
	Href, Label string
	Current     bool
}

// handlerFunc is a page handler; s is nil on public pages when nobody is
// logged in. It returns the page to render, or nil when it answered
// itself (a redirect, a download).
type handlerFunc func(w http.ResponseWriter, r *http.Request, s *session) (*page, error)

// session is the logged-in principal of a request, if any.
type session struct {
	secret    string
	principal *access.Principal
	orgName   string
}

func (h *Handler) routes() {
	h.mux.Handle("GET /static/style.css", static("text/css; charset=utf-8", h.css))
	h.mux.Handle("GET /static/icon.svg", static("image/svg+xml", h.icon))
	h.mux.Handle("GET /{$}", h.handle(false, h.home))
	h.mux.Handle("GET /login", h.handle(false, h.loginPage))
	h.mux.Handle("POST /login", h.handle(false, h.login))
	h.mux.Handle("POST /logout", h.handle(true, h.logout))
	h.mux.Handle("GET /portfolio", h.handle(true, h.portfolio))
	h.mux.Handle("GET /firms/{firm}", h.handle(true, h.firm))
	h.mux.Handle("GET /policies/{policy}", h.handle(true, h.policy))
	h.mux.Handle("POST /policies/{policy}/remediation/{item}", h.handle(true, h.updateRemediation))
	h.mux.Handle("GET /assessments/{assessment}", h.handle(true, h.assessment))
	h.mux.Handle("GET /assessments/{assessment}/report", h.handle(true, h.assessmentReport))
	h.mux.Handle("GET /ledger", h.handle(false, h.ledger))
	h.mux.Handle("POST /ledger/check", h.handle(false, h.checkProof))
	h.mux.Handle("GET /ledger/proofs/{record}", h.handle(true, h.proof))
	h.mux.Handle("/", h.handle(false, func(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
		return nil, insurable.Errorf("web", insurable.NotExist, "there is no page %s", r.URL.Path)
	}))
}

// static serves an embedded file, cacheable for an hour.
func static(contentType string, data []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(data)
	})
}

// handle wraps a page handler: it finds the session, sends those who
// must log in to the login page, checks the CSRF token of every form,
// and renders the page or the error.
func (h *Handler) handle(login bool, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r)
		if err != nil {
			h.fail(w, r, nil, err)
			return
		}
		if login && s == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, nil, insurable.Errorf("web", insurable.Unauthorized, "your session ended: log in again"))
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := h.checkCSRF(r, s); err != nil {
				h.fail(w, r, s, err)
				return
			}
		}
		if s != nil {
			w.Header().Set("Cache-Control", "no-store")
		}
		pg, err := fn(w, r, s)
		if err != nil {
			h.fail(w, r, s, err)
			return
		}
		if pg != nil {
			h.render(w, r, s, pg)
		}
	})
}

// session reads the session cookie; an unknown or expired session is no
// session.
func (h *Handler) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	p, err := h.svc.SessionPrincipal(r.Context(), c.Value)
	if err != nil {
		if insurable.ErrorKind(err) == insurable.Unauthorized {
			return nil, nil
		}
		return nil, err
	}
	s := &session{secret: c.Value, principal: p, orgName: p.Org}
	if o, err := h.svc.GetOrg(r.Context(), p, p.Org); err == nil {
		s.orgName = o.Name
	}
	return s, nil
}

// csrfToken is the token forms of the session carry: an HMAC of the
// session's secret, so it is worthless without the cookie and ends with
// the session.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("insurable web form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// formToken returns the CSRF token for the forms of a page, setting the
// pre-login cookie when there is no session.
func (h *Handler) formToken(w http.ResponseWriter, r *http.Request, s *session) string {
	if s != nil {
		return csrfToken(s.secret)
	}
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 43 {
		return csrfToken(c.Value)
	}
	var b [32]byte
	rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/", HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	return csrfToken(v)
}

// checkCSRF refuses a form whose token is not the session's (or, before
// login, the CSRF cookie's), or that comes from another origin.
func (h *Handler) checkCSRF(r *http.Request, s *session) error {
	deny := insurable.Errorf("web", insurable.Permission, "the form is stale or was not sent from this site: reload the page and try again")
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return deny
		}
	}
	var want string
	if s != nil {
		want = csrfToken(s.secret)
	} else if c, err := r.Cookie(csrfCookie); err == nil {
		want = csrfToken(c.Value)
	} else {
		return deny
	}
	if err := r.ParseForm(); err != nil {
		return insurable.Errorf("web", insurable.Invalid, "unreadable form: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(r.PostForm.Get(csrfField)), []byte(want)) != 1 {
		return deny
	}
	return nil
}

// render executes a page inside the layout.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, s *session, pg *page) {
	t := h.pages[pg.Name]
	if t == nil {
		h.fail(w, r, s, insurable.Errorf("web", insurable.Internal, "no template %q", pg.Name))
		return
	}
	d := layoutData{Title: pg.Title, CSRF: h.formToken(w, r, s), View: pg.View, Now: h.now()}
	if s != nil {
		d.Principal, d.OrgName = s.principal, s.orgName
		d.Nav = nav(s.principal, r.URL.Path)
	}
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
		h.log.Error("rendering a page", "page", pg.Name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if pg.Status != 0 {
		w.WriteHeader(pg.Status)
	}
	w.Write(buf.Bytes())
}

func (h *Handler) now() time.Time { return time.Now().UTC() }

// nav is the navigation of a principal.
func nav(p *access.Principal, path string) []navItem {
	var items []navItem
	switch p.Kind {
	case access.Firm:
		items = append(items, navItem{Href: "/firms/" + p.Org, Label: "Our posture"})
	case access.Insurer, access.Arbiter:
		items = append(items, navItem{Href: "/portfolio", Label: "Portfolio"})
	}
	items = append(items, navItem{Href: "/ledger", Label: "Decision log"})
	for i := range items {
		items[i].Current = path == items[i].Href || strings.HasPrefix(path, items[i].Href+"/")
	}
	return items
}

// errorView is the error page.
type errorView struct {
	Status  int
	Heading string
	Detail  string
}

// fail renders an error: the login page for Unauthorized, otherwise a
// page with the status of the error's kind.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	kind := insurable.ErrorKind(err)
	status, heading := http.StatusInternalServerError, "Something went wrong"
	detail := "The service could not answer. The error is logged; try again later."
	switch kind {
	case insurable.NotExist:
		status, heading, detail = http.StatusNotFound, "Not found", err.Error()
	case insurable.Permission:
		status, heading, detail = http.StatusForbidden, "Not allowed", err.Error()
	case insurable.Invalid, insurable.Escape:
		status, heading, detail = http.StatusBadRequest, "That did not work", err.Error()
	case insurable.Conflict:
		status, heading, detail = http.StatusConflict, "Not now", err.Error()
	case insurable.Unauthorized:
		status, heading, detail = http.StatusUnauthorized, "Please log in", err.Error()
	default:
		h.log.Error("page", "path", r.URL.Path, "err", err)
	}
	detail = userMessage(detail)
	h.render(w, r, s, &page{Name: "error", Title: heading, Status: status, View: errorView{Status: status, Heading: heading, Detail: detail}})
}

// userMessage strips the operation prefix ("underwriting.GetPolicy: ")
// from an error's text.
func userMessage(s string) string {
	if i := strings.Index(s, ": "); i > 0 && !strings.Contains(s[:i], " ") {
		return s[i+2:]
	}
	return s
}

// safeNext accepts only a path on this site as where to go after login.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	return next
}
