package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/internal/servicetest"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/server"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/web"
)

// site is the service with its web interface and two insurers: Harbor
// insures a water utility (declined) and a manufacturer (issued); Cobalt
// insures a third firm. Nobody may see another's data.
type site struct {
	*servicetest.Env
	srv                   *httptest.Server
	harbor, cobalt        *underwriting.Seed
	water, maker, other   *servicetest.Insured
	waterName, otherName  string
	makerName, cobaltName string
}

// newSite seeds a site.
func newSite(t *testing.T) *site {
	t.Helper()
	env := servicetest.New(t)
	ctx := context.Background()
	s := &site{Env: env, waterName: "Riverbend Water Authority", makerName: "Keystone Precision Components", otherName: "Saltmarsh Pumping Cooperative", cobaltName: "Cobalt Re Underwriters"}
	s.harbor = env.Bootstrap(access.Insurer, "Harbor Mutual Insurance")
	s.cobalt = env.Bootstrap(access.Insurer, s.cobaltName)
	for _, ins := range []*underwriting.Seed{s.harbor, s.cobalt} {
		if _, err := env.Svc.CreateProfile(ctx, servicetest.Principal(ins), underwriting.NewProfile{Builtin: "baseline"}); err != nil {
			t.Fatal(err)
		}
	}
	s.water = env.Insure(env.Bootstrap(access.Firm, s.waterName), s.harbor, demo.Water, 40)
	s.maker = env.Insure(env.Bootstrap(access.Firm, s.makerName), s.harbor, demo.Manufacturer, 40)
	s.other = env.Insure(env.Bootstrap(access.Firm, s.otherName), s.cobalt, demo.Manufacturer, 40)
	env.SyncLedger()
	ui, err := web.New(web.Config{Service: env.Svc})
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(server.New(server.Config{Service: env.Svc, LogFiles: env.Log.Fetcher(), Web: ui}))
	t.Cleanup(s.srv.Close)
	return s
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (s *site) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: s.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches a page.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form of the page at from, with that page's CSRF token.
func (b *browser) post(from, action string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get(from)
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("%s has no form token", from)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", m[1])
	return b.postRaw(action, form, nil)
}

func (b *browser) postRaw(action string, form url.Values, header http.Header) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// login logs in with a token and returns where it was sent.
func (b *browser) login(token string) string {
	b.t.Helper()
	resp, body := b.post("/login", "/login", url.Values{"token": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login: status %d: %s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

func TestLogin(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)

	resp, _ := b.get("/portfolio")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fportfolio" {
		t.Fatalf("anonymous /portfolio: %d to %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.post("/login", "/login", url.Values{"token": {"ins_notavalidtoken"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "not valid") {
		t.Fatalf("bad token: %d %s", resp.StatusCode, body)
	}
	resp, _ = b.post("/login?next=/ledger", "/login", url.Values{"token": {s.harbor.Token.Secret}, "next": {"//evil.example/"}})
	if loc := resp.Header.Get("Location"); loc != "/portfolio" {
		t.Errorf("login with an off-site next went to %q, want /portfolio", loc)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == web.SessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || strings.Contains(session.Value, s.harbor.Token.Secret) {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, and not the token", session)
	}
	resp, body = b.get("/portfolio")
	if resp.StatusCode != 200 || !strings.Contains(body, s.makerName) {
		t.Fatalf("portfolio after login: %d", resp.StatusCode)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on a logged-in page, want no-store", cc)
	}

	b.post("/portfolio", "/logout", nil)
	if resp, _ := b.get("/portfolio"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout /portfolio answered %d", resp.StatusCode)
	}
	// The session is gone from the database, not just from the browser.
	if _, err := s.Svc.SessionPrincipal(context.Background(), session.Value); err == nil {
		t.Error("the session still works after logout")
	}
}

func TestCSRF(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)
	b.login(s.water.Firm.Token.Secret)
	item := firstItem(t, s, s.water)
	action := "/policies/" + s.water.Policy.ID + "/remediation/" + item
	_, page := b.get("/policies/" + s.water.Policy.ID)
	token := csrfRE.FindStringSubmatch(page)[1]

	cases := []struct {
		name   string
		form   url.Values
		header http.Header
		want   int
	}{
		{"no token", url.Values{"status": {"done"}}, nil, http.StatusForbidden},
		{"wrong token", url.Values{"status": {"done"}, "csrf": {"x" + token}}, nil, http.StatusForbidden},
		{"other origin", url.Values{"status": {"done"}, "csrf": {token}}, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"bad status", url.Values{"status": {"whatever"}, "csrf": {token}}, nil, http.StatusBadRequest},
		{"good", url.Values{"status": {"in-progress"}, "csrf": {token}}, nil, http.StatusSeeOther},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := b.postRaw(action, c.form, c.header)
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, body)
			}
		})
	}
	items, err := s.Svc.ListRemediation(context.Background(), servicetest.Principal(s.water.Firm), s.water.Policy.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.ID == item && it.Status != "in-progress" {
			t.Errorf("item %s is %q after the one good form, want in-progress", item, it.Status)
		}
	}
	// The login form needs its own cookie's token too.
	anon := s.browser(t)
	if resp, _ := anon.postRaw("/login", url.Values{"token": {s.harbor.Token.Secret}, "csrf": {token}}, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login with a token of another browser's form: %d, want 403", resp.StatusCode)
	}
}

func firstItem(t *testing.T, s *site, in *servicetest.Insured) string {
	t.Helper()
	items, err := s.Svc.ListRemediation(context.Background(), servicetest.Principal(in.Firm), in.Policy.ID)
	if err != nil || len(items) == 0 {
		t.Fatalf("no remediation items for %s: %v", in.Policy.ID, err)
	}
	return items[0].ID
}

// TestWhoSeesWhat checks every main page for every kind of visitor: what
// it must show, and that it never shows another organisation's data.
func TestWhoSeesWhat(t *testing.T) {
	s := newSite(t)
	// A firm that has applied and uploaded nothing yet.
	fresh := s.Bootstrap(access.Firm, "Greenfield Dairy")
	ctx := context.Background()
	if _, err := s.Svc.PutGrant(ctx, servicetest.Principal(fresh), fresh.Org.ID, s.harbor.Org.ID); err != nil {
		t.Fatal(err)
	}
	applied, err := s.Svc.Apply(ctx, servicetest.Principal(fresh), underwriting.NewApplication{Insurer: s.harbor.Org.ID})
	if err != nil {
		t.Fatal(err)
	}
	firmPage := func(in *servicetest.Insured) string { return "/firms/" + in.Firm.Org.ID }
	polPage := func(in *servicetest.Insured) string { return "/policies/" + in.Policy.ID }
	asmPage := func(in *servicetest.Insured) string { return "/assessments/" + in.Assessment.ID }
	proofPage := func(in *servicetest.Insured) string { return "/ledger/proofs/" + in.Assessment.ID }
	type visit struct {
		path   string
		status int
		has    []string
		hasNot []string
	}
	cases := []struct {
		who    string
		token  string
		visits []visit
	}{
		{"harbor", s.harbor.Token.Secret, []visit{
			{"/portfolio", 200, []string{s.waterName, s.makerName, "Policies by state", "<svg", "Upcoming renewals", "Suspensions ahead"}, []string{s.otherName, s.other.Policy.ID}},
			{"/portfolio?state=declined", 200, []string{s.waterName}, []string{s.makerName}},
			{"/portfolio?state=bogus", 400, nil, nil},
			{"/portfolio?state=application", 200, []string{"Greenfield Dairy", "not assessed"}, []string{s.makerName}},
			{"/firms/" + fresh.Org.ID, 200, []string{"Greenfield Dairy", "No assessment yet", "No metric series"}, nil},
			{"/policies/" + applied.ID, 200, []string{"application", "Not assessed yet"}, nil},
			{firmPage(s.maker), 200, []string{s.makerName, "Posture by section", "Remediation plan", "Attack attempts", "<svg"}, nil},
			{firmPage(s.water), 200, []string{s.waterName, "declined"}, nil},
			{polPage(s.maker), 200, []string{"History", "issued", "entry "}, nil},
			{asmPage(s.water), 200, []string{"Gates of the profile", "declined", "Gap-remediation plan"}, nil},
			{asmPage(s.maker) + "/report", 200, []string{s.makerName}, nil},
			{proofPage(s.maker), 200, []string{"Verified.", "Download the proof"}, nil},
			{firmPage(s.other), 404, nil, []string{s.otherName}},
			{polPage(s.other), 404, nil, nil},
			{asmPage(s.other), 404, nil, nil},
			{proofPage(s.other), 404, nil, nil},
		}},
		{"cobalt", s.cobalt.Token.Secret, []visit{
			{"/portfolio", 200, []string{s.otherName}, []string{s.waterName, s.makerName}},
			{firmPage(s.maker), 404, nil, []string{s.makerName}},
			{polPage(s.water), 404, nil, nil},
		}},
		{"maker", s.maker.Firm.Token.Secret, []visit{
			{"/portfolio", 303, nil, nil},
			{firmPage(s.maker), 200, []string{"Your firm", "Remediation plan", "Security metrics", "Attack attempts"}, []string{s.waterName, s.otherName}},
			{polPage(s.maker), 200, []string{"History", "issued"}, nil},
			{firmPage(s.water), 404, nil, []string{s.waterName}},
			{polPage(s.water), 404, nil, nil},
			{asmPage(s.water), 404, nil, nil},
			{proofPage(s.water), 404, nil, nil},
		}},
		{"fresh", fresh.Token.Secret, []visit{
			{"/firms/" + fresh.Org.ID, 200, []string{"No assessment yet", "upload your evidence"}, []string{s.makerName}},
			{"/policies/" + applied.ID, 200, []string{"application"}, nil},
		}},
		{"water", s.water.Firm.Token.Secret, []visit{
			{firmPage(s.water), 200, []string{s.waterName, "declined", "Report progress"}, []string{s.makerName}},
			{polPage(s.water), 200, []string{"Report progress", "declined"}, nil},
			{firmPage(s.maker), 404, nil, nil},
		}},
		{"anyone", "", []visit{
			{"/ledger", 200, []string{"Latest checkpoint", "insurable.ledger/test", "Check an inclusion proof"}, nil},
			{firmPage(s.maker), 303, nil, []string{s.makerName}},
			{"/no/such/page", 404, nil, nil},
		}},
	}
	for _, c := range cases {
		t.Run(c.who, func(t *testing.T) {
			b := s.browser(t)
			if c.token != "" {
				b.login(c.token)
			}
			for _, v := range c.visits {
				resp, body := b.get(v.path)
				if resp.StatusCode != v.status {
					t.Errorf("%s: status %d, want %d", v.path, resp.StatusCode, v.status)
					continue
				}
				for _, want := range v.has {
					if !strings.Contains(body, want) {
						t.Errorf("%s lacks %q", v.path, want)
					}
				}
				for _, bad := range v.hasNot {
					if strings.Contains(body, bad) {
						t.Errorf("%s shows %q, which is not %s's to see", v.path, bad, c.who)
					}
				}
			}
		})
	}
}

// TestProofCheckForm checks proofs through the public form: a real one,
// one whose entry was altered, and one checked with another log's key.
func TestProofCheckForm(t *testing.T) {
	s := newSite(t)
	pr, err := s.Svc.LedgerProof(context.Background(), servicetest.Principal(s.maker.Firm), s.maker.Assessment.ID)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(pr)
	altered := *pr
	altered.Entry = strings.Replace(pr.Entry, `"outcome":"`+string(s.maker.Assessment.Outcome)+`"`, `"outcome":"declined"`, 1)
	altered.LeafHash = ""
	bad, _ := json.Marshal(&altered)
	_, otherKey, _ := ledger.GenerateKey(nil, "insurable.ledger/test")

	cases := []struct {
		name, proof, key string
		status           int
		want             string
	}{
		{"genuine", string(good), "", 200, "Verified."},
		{"altered entry", string(bad), "", 422, "Not verified."},
		{"another key", string(good), otherKey, 422, "Not verified."},
		{"not a proof", `{"hello":1}`, "", 422, "not an inclusion proof"},
		{"not a key", string(good), "nonsense", 422, "not a signed-note verifier key"},
	}
	b := s.browser(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := b.post("/ledger", "/ledger/check", url.Values{"proof": {c.proof}, "key": {c.key}})
			if resp.StatusCode != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("status %d, want %d with %q:\n%s", resp.StatusCode, c.status, c.want, excerpt(body, "check-result"))
			}
		})
	}
	resp, body := b.get("/ledger/proofs/" + s.maker.Assessment.ID)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an anonymous visitor got a record's proof page: %d %s", resp.StatusCode, body)
	}
	b.login(s.maker.Firm.Token.Secret)
	resp, body = b.get("/ledger/proofs/" + s.maker.Assessment.ID + "?download=1")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), s.maker.Assessment.ID+".proof.json") {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	dl, err := ledger.ParseProof([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := dl.Check(s.Log.Verifier()); err != nil {
		t.Errorf("the downloaded proof does not check: %v", err)
	}
}

func excerpt(body, id string) string {
	if i := strings.Index(body, id); i >= 0 {
		return body[i:min(len(body), i+400)]
	}
	return body[:min(len(body), 400)]
}

// TestOversizedForm checks that a form larger than any the pages send is
// refused without being read whole.
func TestOversizedForm(t *testing.T) {
	s := newSite(t)
	b := s.browser(t)
	resp, _ := b.post("/ledger", "/ledger/check", url.Values{"proof": {strings.Repeat("x", 2<<20)}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a 2 MiB form: status %d, want 400", resp.StatusCode)
	}
}
