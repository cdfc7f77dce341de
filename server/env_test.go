package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/internal/servicetest"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
	"github.com/insurable/insurable/server"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/underwriting"
)

// env is a service on a real SQLite database behind a test HTTP server.
type env struct {
	t     testing.TB
	dir   string
	store underwriting.Store
	svc   *underwriting.Service
	log   *tlog.Log
	srv   *httptest.Server
	clock *servicetest.Clock
}

// logKey signs the test logs' checkpoints.
var logKey, logPublicKey = func() (string, string) {
	s, v, err := ledger.GenerateKey(nil, "insurable.ledger/server-test")
	if err != nil {
		panic(err)
	}
	return s, v
}()

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	c := servicetest.NewClock()
	l, err := tlog.OpenPOSIX(context.Background(), filepath.Join(dir, "ledger"), logKey, tlog.Options{CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := underwriting.New(underwriting.Config{Store: store, Engine: servicetest.Engine(t), DataDir: filepath.Join(dir, "data"), Now: c.Now,
		Rand: servicetest.Rand(t.Name()), MaxUploadBytes: 8 << 20, Archive: tarball.Limits{MaxBytes: 64 << 20, MaxFileBytes: 16 << 20, MaxFiles: 5000},
		Ledger: l})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dir: dir, store: store, svc: svc, log: l, clock: c}
	e.srv = httptest.NewServer(server.New(server.Config{Service: svc, LogFiles: l.Fetcher()}))
	t.Cleanup(func() { e.srv.Close(); svc.Close(); l.Close(context.Background()); store.Close() })
	return e
}

// bundle returns a packed generated bundle of the scenario.
func bundle(t testing.TB, scenario demo.Scenario, devices int) []byte {
	return servicetest.Bundle(t, scenario, devices)
}

// call sends a request with a token and returns the status and body.
func (e *env) call(token, method, path string, body []byte) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

// do sends a request and returns the status and body.
func (e *env) do(req *http.Request) (int, []byte) {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// must calls and decodes the answer, failing unless the status is want.
func (e *env) must(token, method, path string, body any, want int, out any) {
	e.t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
	default:
		data, _ = json.Marshal(b)
	}
	status, resp := e.call(token, method, path, data)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, resp)
		}
	}
}

// actor is an organisation's user with a token.
type actor struct {
	org, user, token string
	kind             access.OrgKind
}

func (e *env) bootstrap(kind access.OrgKind, name string) actor {
	s, err := e.svc.Bootstrap(context.Background(), kind, name, "admin of "+name, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return actor{org: s.Org.ID, user: s.User.ID, token: s.Token.Secret, kind: kind}
}

// member adds a user of role to a's organisation and returns it with a
// token of the given scopes.
func (e *env) member(a actor, role access.Role, scopes ...string) actor {
	var u underwriting.User
	e.must(a.token, "POST", "/api/orgs/"+a.org+"/users", map[string]any{"name": string(role), "role": role}, 201, &u)
	var tok underwriting.Token
	e.must(a.token, "POST", "/api/users/"+u.ID+"/tokens", map[string]any{"scopes": scopes}, 201, &tok)
	return actor{org: a.org, user: u.ID, token: tok.Secret, kind: a.kind}
}

// callHeader sends a request with a raw Authorization header.
func (e *env) callHeader(auth, method, path string) (int, []byte) {
	req, _ := http.NewRequest(method, e.srv.URL+path, nil)
	req.Header.Set("Authorization", auth)
	return e.do(req)
}

// syncLedger appends every queued entry to the log and waits until a
// published checkpoint covers them; it returns the log's size.
func (e *env) syncLedger() uint64 {
	e.t.Helper()
	return servicetest.SyncLedger(e.t, e.svc, e.log)
}
