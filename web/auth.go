package web

import (
	"net/http"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
)

// loginView is the login form.
type loginView struct {
	Next  string
	Error string
}

// home sends each principal to its main page, and everyone else to the
// login page.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	if s == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil, nil
	}
	http.Redirect(w, r, homeOf(s.principal), http.StatusSeeOther)
	return nil, nil
}

func homeOf(p *access.Principal) string {
	switch p.Kind {
	case access.Firm:
		return "/firms/" + p.Org
	case access.Insurer, access.Arbiter:
		return "/portfolio"
	}
	return "/ledger"
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	next := safeNext(r.URL.Query().Get("next"))
	if s != nil {
		if next == "" {
			next = homeOf(s.principal)
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil, nil
	}
	return &page{Name: "login", Title: "Log in", View: loginView{Next: next}}, nil
}

// login exchanges an API token for a session.
func (h *Handler) login(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	next := safeNext(r.PostForm.Get("next"))
	token := strings.TrimSpace(r.PostForm.Get("token"))
	secret, p, expires, err := h.svc.Login(r.Context(), token)
	if err != nil {
		if insurable.ErrorKind(err) != insurable.Unauthorized {
			return nil, err
		}
		h.log.Info("web login refused", "remote", r.RemoteAddr)
		return &page{Name: "login", Title: "Log in", Status: http.StatusUnauthorized,
			View: loginView{Next: next, Error: "That token is not valid: it is unknown, expired or revoked."}}, nil
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Expires: expires, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	h.log.Info("web login", "user", p.User, "org", p.Org)
	if next == "" {
		next = homeOf(p)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil, nil
}

// logout ends the session.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	if err := h.svc.Logout(r.Context(), s.secret); err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil, nil
}
