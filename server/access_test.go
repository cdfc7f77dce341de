package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/server"
	"github.com/insurable/insurable/underwriting"
)

// world is a populated service: two firms, two insurers, two assessors,
// the consortium and an arbiter, with one application of firm A to
// insurer A, assessed.
type world struct {
	*env
	actors                                      map[string]actor
	firmA, firmB, insA, insB, insC, asrA, asrB  actor
	policy, profile, evidence, assessment, item string
	spareToken                                  string
	job                                         int64
	logSize                                     uint64
}

func newWorld(t *testing.T) *world {
	e := newEnv(t)
	w := &world{env: e, actors: map[string]actor{}}
	cons := e.bootstrap(access.Consortium, "Consortium")
	w.firmA, w.firmB = e.bootstrap(access.Firm, "Firm A"), e.bootstrap(access.Firm, "Firm B")
	w.insA, w.insB, w.insC = e.bootstrap(access.Insurer, "Insurer A"), e.bootstrap(access.Insurer, "Insurer B"), e.bootstrap(access.Insurer, "Insurer C")
	w.asrA, w.asrB = e.bootstrap(access.Assessor, "Assessor A"), e.bootstrap(access.Assessor, "Assessor B")
	arb := e.bootstrap(access.Arbiter, "Arbiter")
	w.actors = map[string]actor{
		"consortium-admin":    cons,
		"firmA-admin":         w.firmA,
		"firmA-member":        e.member(w.firmA, access.Member),
		"firmA-viewer":        e.member(w.firmA, access.Viewer),
		"firmA-admin-readtok": e.member(w.firmA, access.Admin, "read"),
		"firmB-admin":         w.firmB,
		"insurerA-admin":      w.insA,
		"insurerA-member":     e.member(w.insA, access.Member),
		"insurerA-viewer":     e.member(w.insA, access.Viewer),
		"insurerB-admin":      w.insB,
		"assessorA-admin":     w.asrA,
		"assessorB-admin":     w.asrB,
		"arbiter-admin":       arb,
		"anonymous":           {},
	}
	for _, g := range []string{w.insA.org, w.asrA.org, w.insC.org} {
		e.must(w.firmA.token, "PUT", "/api/firms/"+w.firmA.org+"/grants/"+g, nil, 200, nil)
	}
	var prof underwriting.Profile
	e.must(w.insA.token, "POST", "/api/profiles", map[string]string{"builtin": "baseline"}, 201, &prof)
	w.profile = prof.ID
	var ev underwriting.EvidenceVersion
	e.must(w.firmA.token, "POST", "/api/firms/"+w.firmA.org+"/evidence", bundle(t, demo.Typical, 40), 201, &ev)
	w.evidence = ev.ID
	var pol underwriting.Policy
	e.must(w.firmA.token, "POST", "/api/policies", map[string]string{"insurer": w.insA.org}, 201, &pol)
	w.policy = pol.ID
	var a underwriting.Assessment
	e.must(w.insA.token, "POST", "/api/policies/"+pol.ID+"/assessments", map[string]string{}, 201, &a)
	w.assessment = a.ID
	var items server.List[underwriting.RemediationItem]
	e.must(w.firmA.token, "GET", "/api/policies/"+pol.ID+"/remediation", nil, 200, &items)
	if len(items.Items) == 0 {
		t.Fatal("no remediation items")
	}
	w.item = items.Items[0].ID
	var tok underwriting.Token
	e.must(w.firmA.token, "POST", "/api/tokens", map[string]any{"scopes": []string{"read"}}, 201, &tok)
	w.spareToken = tok.ID
	j, err := e.svc.RequestSweep(context.Background(), &access.Principal{Org: cons.org, Kind: access.Consortium, Role: access.Admin, Scopes: []access.Scope{access.ScopeAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	w.job = j.ID
	w.logSize = w.syncLedger()
	return w
}

// TestEveryRouteEveryRole sends each route's request as every role and
// checks who passes access control (any answer but 401, 403 and 404) and
// who does not. Requests are built so that an allowed caller changes
// nothing: their bodies fail validation after authorisation.
func TestEveryRouteEveryRole(t *testing.T) {
	w := newWorld(t)
	all := []string{}
	for name := range w.actors {
		if name != "anonymous" {
			all = append(all, name)
		}
	}
	everyone := append(slices.Clone(all), "anonymous")
	firmA := []string{"firmA-admin", "firmA-member", "firmA-viewer", "firmA-admin-readtok"}
	insA := []string{"insurerA-admin", "insurerA-member", "insurerA-viewer"}
	insAWrite := []string{"insurerA-admin", "insurerA-member"}
	readers := append(append(slices.Clone(firmA), insA...), "arbiter-admin")
	evidenceReaders := append(append(slices.Clone(firmA), insA...), "assessorA-admin")
	firmWriters := []string{"firmA-admin", "firmA-member"}
	join := func(xs ...[]string) []string {
		var out []string
		for _, x := range xs {
			out = append(out, x...)
		}
		return out
	}
	f, p := w.firmA.org, w.policy
	type req struct {
		path  string
		body  string
		allow []string
	}
	cases := map[string]req{
		"GET /healthz":                                     {"/healthz", "", everyone},
		"GET /readyz":                                      {"/readyz", "", everyone},
		"GET /metrics":                                     {"/metrics", "", everyone},
		"GET /api/openapi.json":                            {"/api/openapi.json", "", everyone},
		"GET /api/me":                                      {"/api/me", "", all},
		"GET /api/orgs":                                    {"/api/orgs", "", all},
		"POST /api/orgs":                                   {"/api/orgs", `{"kind":"bank","name":"x"}`, []string{"consortium-admin"}},
		"GET /api/orgs/{org}":                              {"/api/orgs/" + f, "", join(firmA, insA, []string{"assessorA-admin", "consortium-admin"})},
		"GET /api/orgs/{org}/users":                        {"/api/orgs/" + f + "/users", "", []string{"firmA-admin", "consortium-admin"}},
		"POST /api/orgs/{org}/users":                       {"/api/orgs/" + f + "/users", `{"name":"x","role":"owner"}`, []string{"firmA-admin", "consortium-admin"}},
		"POST /api/users/{user}/tokens":                    {"/api/users/" + w.actors["firmA-member"].user + "/tokens", `{"scopes":["root"]}`, []string{"firmA-admin", "firmA-member", "consortium-admin"}},
		"GET /api/tokens":                                  {"/api/tokens", "", all},
		"POST /api/tokens":                                 {"/api/tokens", `{"scopes":["root"]}`, all},
		"DELETE /api/tokens/{token}":                       {"/api/tokens/" + w.spareToken, "", []string{"firmA-admin"}},
		"GET /api/orgs/{org}/keys":                         {"/api/orgs/" + w.asrA.org + "/keys", "", all},
		"POST /api/orgs/{org}/keys":                        {"/api/orgs/" + w.asrA.org + "/keys", `{"pem":"not a key"}`, []string{"assessorA-admin"}},
		"GET /api/firms/{firm}/grants":                     {"/api/firms/" + f + "/grants", "", firmA},
		"PUT /api/firms/{firm}/grants/{org}":               {"/api/firms/" + f + "/grants/" + w.insA.org, "", []string{"firmA-admin"}},
		"DELETE /api/firms/{firm}/grants/{org}":            {"/api/firms/" + f + "/grants/" + w.insC.org, "", []string{"firmA-admin"}},
		"GET /api/firms/{firm}/evidence":                   {"/api/firms/" + f + "/evidence", "", evidenceReaders},
		"POST /api/firms/{firm}/evidence":                  {"/api/firms/" + f + "/evidence", "not a tar.gz", firmWriters},
		"GET /api/firms/{firm}/evidence/{version}":         {"/api/firms/" + f + "/evidence/" + w.evidence, "", evidenceReaders},
		"GET /api/firms/{firm}/evidence/{version}/archive": {"/api/firms/" + f + "/evidence/" + w.evidence + "/archive", "", evidenceReaders},
		"GET /api/firms/{firm}/scans":                      {"/api/firms/" + f + "/scans", "", evidenceReaders},
		"POST /api/firms/{firm}/scans":                     {"/api/firms/" + f + "/scans", `{}`, []string{"assessorA-admin"}},
		"GET /api/profiles":                                {"/api/profiles", "", join(insA, []string{"insurerB-admin"})},
		"POST /api/profiles":                               {"/api/profiles", `{"builtin":"nope"}`, []string{"insurerA-admin", "insurerB-admin"}},
		"GET /api/profiles/{profile}":                      {"/api/profiles/" + w.profile, "", join(insA, firmA)},
		"GET /api/policies":                                {"/api/policies", "", join(firmA, insA, []string{"firmB-admin", "insurerB-admin", "arbiter-admin"})},
		"POST /api/policies":                               {"/api/policies", `{"insurer":"org_nope"}`, []string{"firmA-admin", "firmA-member", "firmB-admin"}},
		"GET /api/policies/{policy}":                       {"/api/policies/" + p, "", readers},
		"POST /api/policies/{policy}/assessments":          {"/api/policies/" + p + "/assessments", `{"as_of":"someday"}`, insAWrite},
		"GET /api/policies/{policy}/assessments":           {"/api/policies/" + p + "/assessments", "", readers},
		"POST /api/policies/{policy}/quote":                {"/api/policies/" + p + "/quote", `{}`, insAWrite},
		"POST /api/policies/{policy}/issue":                {"/api/policies/" + p + "/issue", `{}`, insAWrite},
		"POST /api/policies/{policy}/begin-renewal":        {"/api/policies/" + p + "/begin-renewal", `{}`, insAWrite},
		"POST /api/policies/{policy}/renew":                {"/api/policies/" + p + "/renew", `{}`, insAWrite},
		"POST /api/policies/{policy}/suspend":              {"/api/policies/" + p + "/suspend", `{}`, insAWrite},
		"POST /api/policies/{policy}/reinstate":            {"/api/policies/" + p + "/reinstate", `{}`, insAWrite},
		"POST /api/policies/{policy}/cancel":               {"/api/policies/" + p + "/cancel", `{}`, join(insAWrite, []string{"firmA-admin"})},
		"POST /api/policies/{policy}/decline":              {"/api/policies/" + p + "/decline", `{}`, insAWrite},
		"GET /api/policies/{policy}/transitions":           {"/api/policies/" + p + "/transitions", "", readers},
		"GET /api/policies/{policy}/remediation":           {"/api/policies/" + p + "/remediation", "", readers},
		"PATCH /api/policies/{policy}/remediation/{item}":  {"/api/policies/" + p + "/remediation/" + w.item, `{"status":"forgotten"}`, firmWriters},
		"GET /api/assessments/{assessment}":                {"/api/assessments/" + w.assessment, "", readers},
		"GET /api/alerts":                                  {"/api/alerts", "", join(firmA, insA, []string{"firmB-admin", "insurerB-admin"})},
		"GET /api/feeds":                                   {"/api/feeds", "", all},
		"POST /api/feeds/advisories":                       {"/api/feeds/advisories", `{"document":{}}`, []string{"consortium-admin"}},
		"POST /api/feeds/kev":                              {"/api/feeds/kev", `{"vulnerabilities":"none"}`, []string{"consortium-admin"}},
		"POST /api/monitor/sweep":                          {"/api/monitor/sweep", ``, []string{"consortium-admin"}},
		"GET /api/jobs/{job}":                              {fmt.Sprintf("/api/jobs/%d", w.job), "", []string{"consortium-admin"}},
		"GET /.well-known/insurable/ledger-key":            {"/.well-known/insurable/ledger-key", "", everyone},
		"GET /api/ledger":                                  {"/api/ledger", "", everyone},
		"GET /api/ledger/proofs/{record}":                  {"/api/ledger/proofs/" + w.assessment, "", readers},
		"GET /api/ledger/log/checkpoint":                   {"/api/ledger/log/checkpoint", "", everyone},
		"GET /api/ledger/log/tile/{level}/{index...}":      {fmt.Sprintf("/api/ledger/log/tile/entries/000.p/%d", w.logSize), "", everyone},
	}
	routes := server.New(server.Config{Service: w.svc}).Routes()
	var names []string
	for _, r := range routes {
		names = append(names, r.Method+" "+r.Pattern)
	}
	sort.Strings(names)
	for _, name := range names {
		c, ok := cases[name]
		if !ok {
			t.Errorf("route %s has no case in this test", name)
			continue
		}
		delete(cases, name)
		method, _, _ := strings.Cut(name, " ")
		for _, who := range everyone {
			status, body := w.call(w.actors[who].token, method, c.path, []byte(c.body))
			denied := status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound
			want := slices.Contains(c.allow, who)
			if denied == want {
				t.Errorf("%s as %s: status %d, want allowed=%v: %.200s", name, who, status, want, body)
			}
			if denied && status != http.StatusUnauthorized && who == "anonymous" {
				t.Errorf("%s as anonymous: status %d, want 401", name, status)
			}
			if status >= 500 {
				t.Errorf("%s as %s: status %d: %s", name, who, status, body)
			}
			if denied {
				var pr server.Problem
				if err := json.Unmarshal(body, &pr); err != nil || pr.Status != status {
					t.Errorf("%s as %s: not a problem+json body: %s", name, who, body)
				}
			}
			if strings.Contains(name, "DELETE /api/firms") && !denied {
				w.must(w.firmA.token, "PUT", "/api/firms/"+f+"/grants/"+w.insC.org, nil, 200, nil)
			}
		}
	}
	for name := range cases {
		t.Errorf("case %s names no route", name)
	}
	// Nothing an allowed caller sent changed the application.
	var pol underwriting.Policy
	w.must(w.firmA.token, "GET", "/api/policies/"+p, nil, 200, &pol)
	if pol.State != "assessed" {
		t.Errorf("the application is %s after the matrix, want assessed", pol.State)
	}
	_ = bytes.MinRead
}
