package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/transparency-dev/tessera/client"

	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
)

// TestLedgerOverHTTP follows the decision log as a third party would,
// with nothing but the service's URL: the public key from its well-known
// URL, the log through tessera's HTTP client (consistency, every entry
// under the root), and the inclusion proof the firm is given.
func TestLedgerOverHTTP(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	status, key := w.call("", "GET", "/.well-known/insurable/ledger-key", nil)
	if status != 200 || strings.TrimSpace(string(key)) != logPublicKey {
		t.Fatalf("well-known key: %d %q", status, key)
	}
	v, err := ledger.NewVerifier(string(key))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Origin    string `json:"origin"`
		PublicKey string `json:"public_key"`
		Size      uint64 `json:"size"`
	}
	w.must("", "GET", "/api/ledger", nil, 200, &info)
	if info.Size != w.logSize || info.PublicKey != logPublicKey || info.Origin != v.Name() {
		t.Errorf("ledger info %+v", info)
	}
	base, _ := url.Parse(w.srv.URL + "/api/ledger/log/")
	f, err := client.NewHTTPFetcher(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := tlog.NewReader(f, v)
	st, err := ledger.CheckLog(ctx, r, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(st.Leaves)) != w.logSize || len(st.Problems) > 0 {
		t.Errorf("over HTTP: %d leaves, problems %v", len(st.Leaves), st.Problems)
	}
	status, body := w.call(w.firmA.token, "GET", "/api/ledger/proofs/"+w.assessment, nil)
	if status != 200 {
		t.Fatalf("proof: %d %s", status, body)
	}
	p, err := ledger.ParseProof(body)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := p.Check(v)
	if err != nil || e.Kind != ledger.KindAssessment || e.Record != w.assessment || e.Firm != w.firmA.org {
		t.Errorf("the proof checks %v, entry %+v", err, e)
	}
	for _, path := range []string{"/api/ledger/log/tile/0/x999/000", "/api/ledger/log/tile/entries/abc", "/api/ledger/log/tile/99/000", "/api/ledger/proofs/asm_none"} {
		tok := ""
		if strings.Contains(path, "proofs") {
			tok = w.firmA.token
		}
		if status, body := w.call(tok, "GET", path, nil); status != 404 {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
	var pr map[string]any
	if status, body := w.call(w.firmB.token, "GET", "/api/ledger/proofs/"+w.assessment, nil); status != 404 || json.Unmarshal(body, &pr) != nil {
		t.Errorf("another firm asked for the proof: %d %s", status, body)
	}
}
