package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/underwriting"
)

// client talks to a running service.
type client struct {
	t    testing.TB
	base string
}

func (c client) do(token, method, path string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func (c client) must(token, method, path string, body any, want int, out any) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	status, data, err := c.do(token, method, path, r)
	if err != nil || status != want {
		c.t.Fatalf("%s %s: %d %v, want %d: %s", method, path, status, err, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatal(err)
		}
	}
}

// onboard creates an organisation with an admin and returns its id, user
// and token, through the consortium's token.
func (c client) onboard(cons string, kind access.OrgKind, name string) (org, token string) {
	var o underwriting.Org
	c.must(cons, "POST", "/api/orgs", map[string]any{"kind": kind, "name": name}, 201, &o)
	var u underwriting.User
	c.must(cons, "POST", "/api/orgs/"+o.ID+"/users", map[string]any{"name": "admin", "role": "admin"}, 201, &u)
	var tok underwriting.Token
	c.must(cons, "POST", "/api/users/"+u.ID+"/tokens", map[string]any{}, 201, &tok)
	return o.ID, tok.Secret
}

// TestServiceAssessesLikeTheCLI uploads a bundle to the service and
// compares the service's result with `insurable assess -o json` on the
// same bundle: they must be byte for byte the same.
func TestServiceAssessesLikeTheCLI(t *testing.T) {
	dir := generated(t, "typical", 60)
	a := &App{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Now: time.Now, logLevel: "warn", logFormat: "text"}
	if err := a.setupLogging(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	m, err := a.newServeMain(context.Background(), serveConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Poll: time.Hour, Drain: 5 * time.Second,
		MaxUpload: 64 << 20, Ready: func(addr string) { ready <- addr }})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a.Stdout = &out
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	c := client{t: t, base: "http://" + <-ready}
	cons := tokenAfter(t, out.String(), "admin token")
	firm, firmTok := c.onboard(cons, access.Firm, "Firm")
	ins, insTok := c.onboard(cons, access.Insurer, "Insurer")
	c.must(firmTok, "PUT", "/api/firms/"+firm+"/grants/"+ins, nil, 200, nil)
	c.must(insTok, "POST", "/api/profiles", map[string]string{"builtin": "baseline"}, 201, nil)
	data, err := tarball.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	c.must(firmTok, "POST", "/api/firms/"+firm+"/evidence", data, 201, nil)
	var pol underwriting.Policy
	c.must(firmTok, "POST", "/api/policies", map[string]string{"insurer": ins}, 201, &pol)
	var asm underwriting.Assessment
	c.must(insTok, "POST", "/api/policies/"+pol.ID+"/assessments", map[string]string{}, 201, &asm)
	var full struct {
		Result json.RawMessage `json:"result"`
	}
	c.must(firmTok, "GET", "/api/assessments/"+asm.ID, nil, 200, &full)

	code, cli, stderr := run(t, "assess", dir, "-o", "json", "--profile", "baseline")
	if code > 2 {
		t.Fatalf("assess: %d %s", code, stderr)
	}
	var a1, a2 bytes.Buffer
	json.Indent(&a1, full.Result, "", "  ")
	json.Indent(&a2, []byte(cli), "", "  ")
	if sum := sha256.Sum256([]byte(cli)); asm.Digest != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("the service recorded digest %s; assess -o json printed sha256:%x", asm.Digest, sum)
	}
	if strings.TrimSpace(a1.String()) != strings.TrimSpace(a2.String()) {
		os.WriteFile(filepath.Join(t.TempDir(), "service.json"), a1.Bytes(), 0o644)
		t.Errorf("the service's result differs from assess -o json (%d and %d bytes)", a1.Len(), a2.Len())
	}
	if !strings.Contains(a1.String(), `"format": "insurable.assessment/v1"`) {
		t.Errorf("not an assessment: %.300s", a1.String())
	}
}

// tokenAfter finds the first token printed after a phrase.
func tokenAfter(t testing.TB, out, phrase string) string {
	i := strings.Index(out, phrase)
	if i < 0 {
		t.Fatalf("no %q in:\n%s", phrase, out)
	}
	for _, f := range strings.Fields(out[i:]) {
		if strings.HasPrefix(f, access.TokenPrefix) {
			return f
		}
	}
	t.Fatalf("no token after %q in:\n%s", phrase, out)
	return ""
}

// TestGracefulShutdownDrains stops the service while an upload is being
// sent: the upload is answered and stored, then Run returns.
func TestGracefulShutdownDrains(t *testing.T) {
	a := &App{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Now: time.Now, logLevel: "warn", logFormat: "text"}
	if err := a.setupLogging(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a.Stdout = &out
	ready := make(chan string, 1)
	m, err := a.newServeMain(context.Background(), serveConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Poll: time.Hour, Drain: 20 * time.Second,
		MaxUpload: 64 << 20, Ready: func(addr string) { ready <- addr }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	c := client{t: t, base: "http://" + <-ready}
	cons := tokenAfter(t, out.String(), "admin token")
	firm, firmTok := c.onboard(cons, access.Firm, "Firm")
	data, err := tarball.Pack(generated(t, "typical", 200))
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	type answer struct {
		status int
		body   []byte
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		s, b, err := c.do(firmTok, "POST", "/api/firms/"+firm+"/evidence", pr)
		answered <- answer{s, b, err}
	}()
	pw.Write(data[:len(data)/2])
	time.Sleep(100 * time.Millisecond)
	cancel() // SIGTERM
	select {
	case err := <-done:
		t.Fatalf("Run returned with a request in flight: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	pw.Write(data[len(data)/2:])
	pw.Close()
	got := <-answered
	if got.err != nil || got.status != 201 {
		t.Fatalf("the request in flight got %d %v: %s", got.status, got.err, got.body)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, _, err := c.do(firmTok, "GET", "/healthz", nil); err == nil {
		t.Error("the server still answers after shutdown")
	}
}

// TestServeDemo starts `serve --demo` and uses a printed token.
func TestServeDemo(t *testing.T) {
	a := &App{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Now: time.Now, logLevel: "warn", logFormat: "text"}
	if err := a.setupLogging(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a.Stdout = &out
	ready := make(chan string, 1)
	m, err := a.newServeMain(context.Background(), serveConfig{Addr: "127.0.0.1:0", Demo: true, Poll: time.Hour, Drain: 5 * time.Second,
		MaxUpload: 64 << 20, Ready: func(addr string) { ready <- addr }})
	if err != nil {
		t.Fatal(err)
	}
	dataDir := m.cfg.DataDir
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	c := client{t: t, base: "http://" + <-ready}
	printed := out.String()
	for _, want := range []string{"consortium", "insurer", "assessor", "arbiter", "Riverbend Water Authority", "Keystone Precision Components", "Authorization: Bearer"} {
		if !strings.Contains(printed, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, printed)
		}
	}
	var pols struct{ Items []underwriting.Policy }
	c.must(tokenAfter(t, printed, "insurer "), "GET", "/api/policies", nil, 200, &pols)
	if len(pols.Items) != 2 {
		t.Errorf("the insurer sees %d policies, want the two examples", len(pols.Items))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dataDir); err == nil {
		t.Errorf("the demo's data directory %s is left behind", dataDir)
	}
}
