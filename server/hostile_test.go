package server_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/underwriting"
)

func tgz(t *testing.T, entries map[string]string, link string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, body := range entries {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	if link != "" {
		tw.WriteHeader(&tar.Header{Name: "bundle.yaml", Typeflag: tar.TypeSymlink, Linkname: link})
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestHostileUploads sends uploads that must be refused with the right
// status and leave nothing behind: no version, no staging directory, no
// file outside the data directory.
func TestHostileUploads(t *testing.T) {
	w := newWorld(t)
	f := w.firmA
	big := bytes.Repeat([]byte{0}, 9<<20) // above the env's 8 MiB limit
	bomb := func() []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		tw.WriteHeader(&tar.Header{Name: "huge.csv", Mode: 0o644, Size: 100 << 20, Typeflag: tar.TypeReg})
		tw.Write(make([]byte, 100<<20))
		tw.Close()
		zw.Close()
		return buf.Bytes()
	}()
	cases := []struct {
		name string
		body []byte
		want int
	}{
		{"too large", big, 413},
		{"decompression bomb", bomb, 413},
		{"not gzip", []byte("PK\x03\x04 a zip file"), 400},
		{"empty", nil, 400},
		{"traversal", tgz(t, map[string]string{"../../escaped.txt": "x"}, ""), 400},
		{"absolute", tgz(t, map[string]string{"/tmp/escaped.txt": "x"}, ""), 400},
		{"symlink", tgz(t, map[string]string{"firm.yaml": "id: x\n"}, "/etc/passwd"), 400},
		{"not a bundle", tgz(t, map[string]string{"readme.txt": "hello"}, ""), 400},
		{"malformed yaml", tgz(t, map[string]string{"bundle.yaml": "format: [unclosed\n", "firm.yaml": "id: x\n"}, ""), 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := w.call(f.token, "POST", "/api/firms/"+f.org+"/evidence", c.body)
			if status != c.want {
				t.Errorf("status %d, want %d: %s", status, c.want, body)
			}
			var list struct {
				Items []underwriting.EvidenceVersion
			}
			w.must(f.token, "GET", "/api/firms/"+f.org+"/evidence", nil, 200, &list)
			if len(list.Items) != 1 {
				t.Errorf("%d versions after a refused upload, want 1", len(list.Items))
			}
			left, _ := os.ReadDir(filepath.Join(w.dir, "data", "tmp"))
			if len(left) != 0 {
				t.Errorf("staging left behind: %v", left)
			}
			for _, p := range []string{filepath.Join(w.dir, "escaped.txt"), filepath.Join(w.dir, "data", "escaped.txt"), "/tmp/escaped.txt"} {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
	// The same evidence again is the same version, not a new one.
	status, _ := w.call(f.token, "POST", "/api/firms/"+f.org+"/evidence", bundle(t, demo.Typical, 40))
	if status != 200 {
		t.Errorf("re-upload: status %d, want 200", status)
	}
}

// TestHostileTokens checks forged, malformed, revoked and expired tokens.
func TestHostileTokens(t *testing.T) {
	w := newWorld(t)
	good := w.firmA.token
	forged := good[:len(good)-2] + "xy"
	if forged == good {
		forged = good[:len(good)-2] + "yz"
	}
	var short underwriting.Token
	w.must(good, "POST", "/api/tokens", map[string]any{"ttl": "1h"}, 201, &short)
	var revoked underwriting.Token
	w.must(good, "POST", "/api/tokens", map[string]any{}, 201, &revoked)
	w.must(good, "DELETE", "/api/tokens/"+revoked.ID, nil, 204, nil)
	w.clock.Add(2 * time.Hour)
	for name, tok := range map[string]string{
		"forged": forged, "malformed": "hello", "other scheme": "", "revoked": revoked.Secret, "expired": short.Secret,
		"unknown id": "ins_0000000000000000_" + strings.Repeat("A", 43),
	} {
		t.Run(name, func(t *testing.T) {
			status, body := w.call(tok, "GET", "/api/policies", nil)
			if name == "other scheme" {
				status, body = w.callHeader("Basic Zm9vOmJhcg==", "GET", "/api/policies")
			}
			if status != 401 || !strings.Contains(string(body), "problem") && !strings.Contains(string(body), "unauthorized") {
				t.Errorf("status %d: %s", status, body)
			}
		})
	}
	if status, _ := w.call(good, "GET", "/api/policies", nil); status != 200 {
		t.Errorf("the good token stopped working: %d", status)
	}
	// A read-only token cannot mint itself a stronger one.
	ro := w.actors["firmA-admin-readtok"].token
	for _, scopes := range []string{`{"scopes":["write"]}`, `{"scopes":["admin"]}`, `{"scopes":["read","write"]}`} {
		if status, body := w.call(ro, "POST", "/api/tokens", []byte(scopes)); status != 403 {
			t.Errorf("a read-only token asked for %s: status %d: %s", scopes, status, body)
		}
	}
	w.must(ro, "POST", "/api/tokens", map[string]any{"scopes": []string{"read"}}, 201, nil)
	var def underwriting.Token
	w.must(ro, "POST", "/api/tokens", map[string]any{}, 201, &def)
	if len(def.Scopes) != 1 || def.Scopes[0] != access.ScopeRead {
		t.Errorf("a read-only token's default new token has scopes %v, want [read]", def.Scopes)
	}
}

// TestCrossTenantIDs uses firm B's token on firm A's ids: every answer is
// 404, as if the ids did not exist, and nothing changes.
func TestCrossTenantIDs(t *testing.T) {
	w := newWorld(t)
	b := w.firmB.token
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/policies/" + w.policy, ""},
		{"GET", "/api/assessments/" + w.assessment, ""},
		{"GET", "/api/firms/" + w.firmA.org + "/evidence/" + w.evidence, ""},
		{"GET", "/api/firms/" + w.firmA.org + "/evidence/" + w.evidence + "/archive", ""},
		{"POST", "/api/firms/" + w.firmA.org + "/evidence", string(bundle(t, demo.Typical, 40))},
		{"POST", "/api/policies/" + w.policy + "/cancel", `{"reason":"hostile"}`},
		{"PATCH", "/api/policies/" + w.policy + "/remediation/" + w.item, `{"status":"done"}`},
		{"PUT", "/api/firms/" + w.firmA.org + "/grants/" + w.insB.org, ""},
		{"DELETE", "/api/tokens/" + w.spareToken, ""},
	} {
		status, body := w.call(b, c.method, c.path, []byte(c.body))
		if status != 404 {
			t.Errorf("%s %s as firm B: %d, want 404: %.200s", c.method, c.path, status, body)
		}
	}
	// The insurer of another firm's policy learns nothing either.
	if status, _ := w.call(w.insB.token, "GET", "/api/policies/"+w.policy, nil); status != 404 {
		t.Errorf("insurer B read insurer A's policy: %d", status)
	}
	var pol underwriting.Policy
	w.must(w.firmA.token, "GET", "/api/policies/"+w.policy, nil, 200, &pol)
	if pol.State != "assessed" {
		t.Errorf("state %s", pol.State)
	}
	gs, _ := w.svc.ListGrants(context.Background(), &access.Principal{Org: w.firmA.org, Kind: access.Firm, Role: access.Admin, Scopes: []access.Scope{access.ScopeRead}}, w.firmA.org)
	for _, g := range gs {
		if g.Org == w.insB.org {
			t.Error("firm B granted insurer B access to firm A")
		}
	}
}
