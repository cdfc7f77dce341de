package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/insurable/insurable/scan"
)

// HTTP fetches the front page of a web server with net/http: it records the
// Server header, the security headers missing, whether the page (or the one
// it redirects to on the same endpoint) asks for a password, and, when the
// server asks for HTTP basic authentication, whether one of the documented
// default credentials (DefaultCredentials) opens it. Only GET requests are
// sent; redirects to other hosts are never followed.
type HTTP struct{}

// Name implements Prober.
func (HTTP) Name() string { return "http" }

// Plan implements Prober.
func (HTTP) Plan() []string {
	return []string{
		"GET / (and one GET of a redirect target on the same endpoint)",
		fmt.Sprintf("when the page asks for HTTP basic authentication: one GET with each documented default credential (%d, at most %d, stopping at the first that works); none with --no-default-creds", len(DefaultCredentials), MaxCredentialAttempts),
	}
}

// MaxCredentialAttempts bounds the default credentials tried on one
// endpoint.
const MaxCredentialAttempts = 20

// maxBody bounds how much of a page is read.
const maxBody = 256 << 10

var passwordInput = regexp.MustCompile(`(?i)<input[^>]+type\s*=\s*["']?password`)

// Probe implements Prober.
func (HTTP) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) { return s.Dial(ctx) }
	tr := &http.Transport{
		Proxy:                  nil, // never a proxy: only the target is contacted
		DialContext:            dial,
		DialTLSContext:         dial,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
		ResponseHeaderTimeout:  s.Config.Timeout,
		ForceAttemptHTTP2:      false,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       3 * s.Config.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	scheme := "http"
	if s.TLS {
		scheme = "https"
	}
	base := &url.URL{Scheme: scheme, Host: s.Addr(), Path: "/"}
	get := func(u *url.URL, user, pass string) (*http.Response, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("User-Agent", "insurable-probe")
		if user != "" || pass != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		return resp, body, nil
	}
	resp, body, err := get(base, "", "")
	if err != nil {
		if isDialError(err) && !s.TLS {
			return err
		}
		return notDetected("%v", err)
	}
	ep.Protocol = "http"
	if s.TLS {
		ep.Protocol = "https"
	}
	res := &scan.HTTPResult{TLS: s.TLS, Server: printable([]byte(resp.Header.Get("Server")), 128), Status: resp.StatusCode}
	ep.HTTP = res
	res.MissingHeaders = missingHeaders(resp.Header, s.TLS)

	page := base
	// Follow one redirect that stays on this endpoint.
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc, err := base.Parse(resp.Header.Get("Location")); err == nil && loc.Host == base.Host && loc.Scheme == base.Scheme {
			if r2, b2, err := get(loc, "", ""); err == nil {
				resp, body, page = r2, b2, loc
				res.Status = resp.StatusCode
			}
		}
	}
	scheme401 := strings.ToLower(resp.Header.Get("WWW-Authenticate"))
	switch {
	case resp.StatusCode == http.StatusUnauthorized && strings.HasPrefix(scheme401, "basic"):
		res.LoginPage, res.AuthScheme = true, "basic"
	case resp.StatusCode == http.StatusUnauthorized && strings.HasPrefix(scheme401, "digest"):
		res.LoginPage, res.AuthScheme = true, "digest"
	case resp.StatusCode == http.StatusUnauthorized:
		res.LoginPage, res.AuthScheme = true, strings.Fields(scheme401 + " other")[0]
	case passwordInput.Match(body):
		res.LoginPage, res.AuthScheme = true, "form"
	}
	if res.AuthScheme != "basic" || s.Config.NoCredentials {
		return nil
	}
	for i, cred := range DefaultCredentials {
		if i >= MaxCredentialAttempts {
			break
		}
		r, _, err := get(page, cred.User, cred.Password)
		res.CredentialAttempts++
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				break
			}
			ep.Errors = append(ep.Errors, "http: default credentials: "+err.Error())
			break
		}
		if r.StatusCode < 400 {
			res.DefaultCredentials = append(res.DefaultCredentials, cred.User)
			break
		}
	}
	return nil
}

// missingHeaders lists the security headers a response lacks.
func missingHeaders(h http.Header, tls bool) []string {
	var out []string
	if tls && h.Get("Strict-Transport-Security") == "" {
		out = append(out, "Strict-Transport-Security")
	}
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		out = append(out, "Content-Security-Policy")
	}
	if h.Get("X-Frame-Options") == "" && !strings.Contains(csp, "frame-ancestors") {
		out = append(out, "X-Frame-Options")
	}
	if !strings.EqualFold(h.Get("X-Content-Type-Options"), "nosniff") {
		out = append(out, "X-Content-Type-Options")
	}
	return out
}
