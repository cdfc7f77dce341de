// Package storetest is the one test suite every underwriting.Store
// passes: the sqlite package runs it on a file in a temporary directory,
// the postgres package on the server scripts/postgres.sh starts.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/underwriting"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Run runs the suite; open returns a new, empty store.
func Run(t *testing.T, open func(t *testing.T) underwriting.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, underwriting.Store)
	}{
		{"Identity", testIdentity},
		{"Rollback", testRollback},
		{"Evidence", testEvidence},
		{"Policies", testPolicies},
		{"Records", testRecords},
		{"Advisories", testAdvisories},
		{"Jobs", testJobs},
		{"ConcurrentClaims", testConcurrentClaims},
		{"Ledger", testLedger},
		{"Lease", testLease},
		{"Sessions", testSessions},
		{"Batches", testBatches},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tx(t *testing.T, s underwriting.Store, fn func(underwriting.Tx) error) {
	t.Helper()
	must(t, s.Tx(context.Background(), fn))
}

func kind(err error) insurable.Kind { return insurable.ErrorKind(err) }

func seed(t *testing.T, s underwriting.Store) {
	t.Helper()
	ctx := context.Background()
	tx(t, s, func(x underwriting.Tx) error {
		for i, k := range []access.OrgKind{access.Firm, access.Firm, access.Insurer, access.Assessor} {
			if err := x.CreateOrg(ctx, &underwriting.Org{ID: fmt.Sprintf("org_%d", i), Kind: k, Name: string(k), Created: t0}); err != nil {
				return err
			}
		}
		return x.CreateUser(ctx, &underwriting.User{ID: "usr_1", Org: "org_0", Name: "Ada", Role: access.Admin, Created: t0})
	})
}

func testIdentity(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	seed(t, s)
	tx(t, s, func(x underwriting.Tx) error {
		o, err := x.Org(ctx, "org_2")
		if err != nil || o.Kind != access.Insurer || !o.Created.Equal(t0) {
			t.Errorf("org %+v, %v", o, err)
		}
		if _, err := x.Org(ctx, "nope"); kind(err) != insurable.NotExist {
			t.Errorf("missing org: %v", err)
		}
		page, err := x.Orgs(ctx, underwriting.Page{Limit: 2})
		if err != nil || len(page) != 2 || page[0].ID != "org_0" {
			t.Errorf("first page %v, %v", page, err)
		}
		page, _ = x.Orgs(ctx, underwriting.Page{After: page[1].ID, Limit: 2})
		if len(page) != 2 || page[0].ID != "org_2" {
			t.Errorf("second page %v", page)
		}
		tok := &underwriting.Token{ID: "tok_1", User: "usr_1", Hash: "h", Scopes: []access.Scope{access.ScopeRead, access.ScopeWrite}, Expires: t0.Add(time.Hour), Created: t0}
		if err := x.CreateToken(ctx, tok); err != nil {
			return err
		}
		got, err := x.Token(ctx, "tok_1")
		if err != nil || got.Hash != "h" || len(got.Scopes) != 2 || got.Revoked || !got.Expires.Equal(tok.Expires) {
			t.Errorf("token %+v, %v", got, err)
		}
		if err := x.RevokeToken(ctx, "tok_1"); err != nil {
			return err
		}
		if got, _ := x.Token(ctx, "tok_1"); !got.Revoked {
			t.Error("token not revoked")
		}
		if err := x.RevokeToken(ctx, "tok_x"); kind(err) != insurable.NotExist {
			t.Errorf("revoking a missing token: %v", err)
		}
		must(t, x.PutGrant(ctx, &underwriting.Grant{Firm: "org_0", Org: "org_2", Created: t0}))
		must(t, x.PutGrant(ctx, &underwriting.Grant{Firm: "org_0", Org: "org_2", Created: t0}))
		gs, _ := x.Grants(ctx, "org_0")
		firms, _ := x.GrantedFirms(ctx, "org_2")
		if len(gs) != 1 || len(firms) != 1 {
			t.Errorf("grants %v, granted firms %v", gs, firms)
		}
		must(t, x.DeleteGrant(ctx, "org_0", "org_2"))
		if err := x.DeleteGrant(ctx, "org_0", "org_2"); kind(err) != insurable.NotExist {
			t.Errorf("deleting twice: %v", err)
		}
		return nil
	})
	err := s.Tx(ctx, func(x underwriting.Tx) error {
		return x.CreateOrg(ctx, &underwriting.Org{ID: "org_0", Kind: access.Firm, Name: "dup", Created: t0})
	})
	if kind(err) != insurable.Conflict {
		t.Errorf("duplicate org: kind %v: %v", kind(err), err)
	}
}

func testRollback(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Tx(ctx, func(x underwriting.Tx) error {
		if err := x.CreateOrg(ctx, &underwriting.Org{ID: "org_r", Kind: access.Firm, Name: "r", Created: t0}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v", err)
	}
	must(t, s.View(ctx, func(x underwriting.Tx) error {
		if _, err := x.Org(ctx, "org_r"); kind(err) != insurable.NotExist {
			t.Errorf("rolled-back org is there: %v", err)
		}
		return nil
	}))
}

func testEvidence(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	seed(t, s)
	tx(t, s, func(x underwriting.Tx) error {
		must(t, x.PutBlob(ctx, "sha256:a", []byte{0, 1, 2, 255}))
		must(t, x.PutBlob(ctx, "sha256:a", []byte{0, 1, 2, 255}))
		b, err := x.Blob(ctx, "sha256:a")
		if err != nil || len(b) != 4 || b[3] != 255 {
			t.Errorf("blob %v, %v", b, err)
		}
		if _, err := x.Blob(ctx, "sha256:none"); kind(err) != insurable.NotExist {
			t.Errorf("missing blob: %v", err)
		}
		for i, id := range []string{"sha256:v1", "sha256:v0", "sha256:v2"} {
			created, err := x.CreateEvidence(ctx, &underwriting.EvidenceVersion{ID: id, Firm: "org_0", Archive: "sha256:a", Assets: i, SnapshotDate: evidence.MustDate("2026-11-26"), Created: t0})
			if err != nil || !created {
				t.Fatalf("create %s: %v %v", id, created, err)
			}
		}
		created, err := x.CreateEvidence(ctx, &underwriting.EvidenceVersion{ID: "sha256:v0", Firm: "org_0", Archive: "sha256:a", Created: t0})
		if err != nil || created {
			t.Errorf("same version again: created %v, %v", created, err)
		}
		if created, err := x.CreateEvidence(ctx, &underwriting.EvidenceVersion{ID: "sha256:v0", Firm: "org_1", Archive: "sha256:a", Created: t0}); err != nil || !created {
			t.Errorf("same content for another firm: %v %v", created, err)
		}
		latest, err := x.LatestEvidence(ctx, "org_0")
		if err != nil || latest.ID != "sha256:v2" || latest.SnapshotDate.String() != "2026-11-26" {
			t.Errorf("latest %+v, %v", latest, err)
		}
		page, _ := x.EvidenceVersions(ctx, "org_0", underwriting.Page{Limit: 2})
		if len(page) != 2 || page[0].ID != "sha256:v1" || page[1].ID != "sha256:v0" {
			t.Errorf("versions are listed in upload order: %v", ids(page))
		}
		page, _ = x.EvidenceVersions(ctx, "org_0", underwriting.Page{After: "sha256:v0", Limit: 2})
		if len(page) != 1 || page[0].ID != "sha256:v2" {
			t.Errorf("second page %v", ids(page))
		}
		if _, err := x.LatestEvidence(ctx, "org_3"); kind(err) != insurable.NotExist {
			t.Errorf("no evidence: %v", err)
		}
		return nil
	})
}

func ids(vs []*underwriting.EvidenceVersion) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func testPolicies(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	seed(t, s)
	tx(t, s, func(x underwriting.Tx) error {
		must(t, x.CreateProfile(ctx, &underwriting.Profile{ID: "prf_1", Insurer: "org_2", Name: "baseline", YAML: "x", Created: t0}))
		for i, firm := range []string{"org_0", "org_1", "org_0"} {
			p := &underwriting.Policy{ID: fmt.Sprintf("pol_%d", i), Firm: firm, Insurer: "org_2", Profile: "prf_1", Policy: policy.Policy{State: policy.Application}, Created: t0}
			if err := x.CreatePolicy(ctx, p); err != nil {
				return err
			}
		}
		return nil
	})
	// Two writers read the same version; the second update loses.
	var a, b *underwriting.Policy
	tx(t, s, func(x underwriting.Tx) error {
		var err error
		a, err = x.Policy(ctx, "pol_0")
		b, _ = x.Policy(ctx, "pol_0")
		return err
	})
	a.State, a.Expires = policy.Issued, evidence.MustDate("2027-11-26")
	tx(t, s, func(x underwriting.Tx) error { return x.UpdatePolicy(ctx, a) })
	b.State = policy.Cancelled
	err := s.Tx(ctx, func(x underwriting.Tx) error { return x.UpdatePolicy(ctx, b) })
	if kind(err) != insurable.Conflict {
		t.Errorf("lost update not refused: %v", err)
	}
	tx(t, s, func(x underwriting.Tx) error {
		p, err := x.Policy(ctx, "pol_0")
		if err != nil || p.State != policy.Issued || p.Version != 2 || p.Expires.String() != "2027-11-26" {
			t.Errorf("policy %+v, %v", p, err)
		}
		in, _ := x.Policies(ctx, underwriting.PolicyFilter{States: []policy.State{policy.Issued, policy.Suspended}})
		firm0, _ := x.Policies(ctx, underwriting.PolicyFilter{Firm: "org_0", Insurer: "org_2"})
		if len(in) != 1 || len(firm0) != 2 {
			t.Errorf("in force %d, firm 0 %d", len(in), len(firm0))
		}
		for i := 1; i <= 3; i++ {
			must(t, x.AddTransition(ctx, &underwriting.Transition{ID: fmt.Sprintf("trn_%d", 9-i), Policy: "pol_0", Seq: i, Event: policy.Assess, At: t0}))
		}
		return nil
	})
	// Two transitions can never take the same place in a policy's history.
	err = s.Tx(ctx, func(x underwriting.Tx) error {
		return x.AddTransition(ctx, &underwriting.Transition{ID: "trn_x", Policy: "pol_0", Seq: 3})
	})
	if kind(err) != insurable.Conflict {
		t.Errorf("duplicate sequence number: %v", err)
	}
	tx(t, s, func(x underwriting.Tx) error {
		last, _ := x.Transitions(ctx, "pol_0", underwriting.Page{After: "last", Limit: 1})
		all, _ := x.Transitions(ctx, "pol_0", underwriting.Page{})
		rest, _ := x.Transitions(ctx, "pol_0", underwriting.Page{After: "trn_8"})
		if len(last) != 1 || last[0].Seq != 3 || len(all) != 3 || all[0].Seq != 1 || len(rest) != 2 || rest[0].Seq != 2 {
			t.Errorf("transitions: last %v all %d rest %d", last, len(all), len(rest))
		}
		return nil
	})
}

func testRecords(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	seed(t, s)
	tx(t, s, func(x underwriting.Tx) error {
		must(t, x.CreateProfile(ctx, &underwriting.Profile{ID: "prf_1", Insurer: "org_2", Name: "baseline", Created: t0}))
		must(t, x.CreatePolicy(ctx, &underwriting.Policy{ID: "pol_0", Firm: "org_0", Insurer: "org_2", Profile: "prf_1", Policy: policy.Policy{State: policy.Issued}}))
		res := []byte{0x1f, 0x8b, 0, 1, 2}
		must(t, x.CreateAssessment(ctx, &underwriting.Assessment{ID: "asm_1", Policy: "pol_0", Firm: "org_0", Outcome: policy.Insurable, Result: res}))
		a, err := x.Assessment(ctx, "asm_1")
		if err != nil || string(a.Result) != string(res) || a.Outcome != policy.Insurable {
			t.Errorf("assessment %+v, %v", a, err)
		}
		list, _ := x.Assessments(ctx, "pol_0", underwriting.Page{})
		if len(list) != 1 || list[0].Result != nil {
			t.Errorf("listed assessments carry no result: %+v", list)
		}
		it := &underwriting.RemediationItem{Policy: "pol_0", ID: "RP-1", Status: "open", Due: evidence.MustDate("2026-12-01")}
		must(t, x.PutRemediation(ctx, it))
		it.Status = "done"
		must(t, x.PutRemediation(ctx, it))
		items, _ := x.Remediation(ctx, "pol_0")
		if len(items) != 1 || items[0].Status != "done" {
			t.Errorf("remediation %+v", items)
		}
		must(t, x.CreateAlert(ctx, &underwriting.Alert{ID: "alr_1", Policy: "pol_0", Firm: "org_0", Insurer: "org_2", Kind: "suspended"}))
		f, _ := x.Alerts(ctx, "org_0", "", underwriting.Page{})
		i, _ := x.Alerts(ctx, "", "org_2", underwriting.Page{})
		o, _ := x.Alerts(ctx, "org_1", "", underwriting.Page{})
		if len(f) != 1 || len(i) != 1 || len(o) != 0 {
			t.Errorf("alerts %d %d %d", len(f), len(i), len(o))
		}
		must(t, x.CreateKey(ctx, &underwriting.Key{ID: "k1", Org: "org_3", PEM: "pem", Created: t0}))
		must(t, x.CreateScan(ctx, &underwriting.Scan{ID: "scn_1", Firm: "org_0", Assessor: "org_3"}))
		ks, _ := x.Keys(ctx, "org_3")
		ss, _ := x.Scans(ctx, "org_0", underwriting.Page{})
		if len(ks) != 1 || len(ss) != 1 {
			t.Errorf("keys %d scans %d", len(ks), len(ss))
		}
		return nil
	})
}

func testAdvisories(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	tx(t, s, func(x underwriting.Tx) error {
		g0, _ := x.FeedGeneration(ctx)
		created, err := x.CreateAdvisory(ctx, &underwriting.Advisory{ID: "ICSA-1", Digest: "d1", Doc: []byte("{}"), Imported: t0})
		if err != nil || !created {
			t.Errorf("create: %v %v", created, err)
		}
		if created, _ := x.CreateAdvisory(ctx, &underwriting.Advisory{ID: "ICSA-1", Digest: "d1", Doc: []byte("{}"), Imported: t0}); created {
			t.Error("same advisory imported twice")
		}
		if created, _ := x.CreateAdvisory(ctx, &underwriting.Advisory{ID: "ICSA-1", Digest: "d2", Doc: []byte("{ }"), Imported: t0}); !created {
			t.Error("a revised advisory was not recorded")
		}
		all, _ := x.Advisories(ctx)
		g1, _ := x.BumpFeedGeneration(ctx)
		if len(all) != 1 || all[0].Digest != "d2" || g1 != g0+1 {
			t.Errorf("advisories %v, generation %d → %d", all, g0, g1)
		}
		return nil
	})
}

func testJobs(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	var id1 int64
	tx(t, s, func(x underwriting.Tx) error {
		var added bool
		var err error
		id1, added, err = x.EnqueueJob(ctx, "impact", "impact:1", `{"a":1}`, t0)
		if err != nil || !added {
			t.Fatalf("enqueue: %v %v", added, err)
		}
		id, added, _ := x.EnqueueJob(ctx, "impact", "impact:1", `{}`, t0)
		if added || id != id1 {
			t.Errorf("a job with the same key was added again (%d, %v)", id, added)
		}
		x.EnqueueJob(ctx, "sweep", "sweep:1", `{}`, t0)
		return nil
	})
	claim := func(owner string, now time.Time) *underwriting.Job {
		var j *underwriting.Job
		tx(t, s, func(x underwriting.Tx) error {
			var err error
			j, err = x.ClaimJob(ctx, owner, now, now.Add(time.Minute))
			return err
		})
		return j
	}
	a := claim("a", t0)
	b := claim("b", t0)
	if a == nil || b == nil || a.ID != id1 || b.ID == a.ID || a.Payload != `{"a":1}` || a.State != underwriting.JobRunning || a.Attempts != 1 {
		t.Fatalf("claims %+v %+v", a, b)
	}
	if c := claim("c", t0.Add(30*time.Second)); c != nil {
		t.Errorf("claimed a leased job: %+v", c)
	}
	// a dies; its lease runs out and c takes the job over.
	c := claim("c", t0.Add(2*time.Minute))
	if c == nil || c.ID != a.ID || c.Attempts != 2 {
		t.Fatalf("takeover %+v", c)
	}
	err := s.Tx(ctx, func(x underwriting.Tx) error { return x.FinishJob(ctx, a.ID, "a", underwriting.JobDone, "") })
	if kind(err) != insurable.Conflict {
		t.Errorf("the old owner finished a job it lost: %v", err)
	}
	tx(t, s, func(x underwriting.Tx) error { return x.FinishJob(ctx, c.ID, "c", underwriting.JobDone, "") })
	tx(t, s, func(x underwriting.Tx) error {
		j, err := x.Job(ctx, c.ID)
		if err != nil || j.State != underwriting.JobDone {
			t.Errorf("job %+v, %v", j, err)
		}
		return nil
	})
}

func testConcurrentClaims(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	const n = 20
	tx(t, s, func(x underwriting.Tx) error {
		for i := range n {
			if _, _, err := x.EnqueueJob(ctx, "sweep", fmt.Sprint("k", i), "{}", t0); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprint("w", w)
			for {
				var j *underwriting.Job
				err := s.Tx(ctx, func(x underwriting.Tx) error {
					var err error
					j, err = x.ClaimJob(ctx, owner, t0, t0.Add(time.Hour))
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				if j == nil {
					return
				}
				mu.Lock()
				if other, dup := seen[j.ID]; dup {
					t.Errorf("job %d claimed by %s and %s", j.ID, other, owner)
				}
				seen[j.ID] = owner
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d of %d jobs claimed", len(seen), n)
	}
}

func testLedger(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	seed(t, s)
	tx(t, s, func(x underwriting.Tx) error {
		must(t, x.CreateProfile(ctx, &underwriting.Profile{ID: "prf_1", Insurer: "org_2", Name: "baseline", Created: t0}))
		must(t, x.CreatePolicy(ctx, &underwriting.Policy{ID: "pol_0", Firm: "org_0", Insurer: "org_2", Profile: "prf_1", Policy: policy.Policy{State: policy.Assessed}}))
		must(t, x.AddTransition(ctx, &underwriting.Transition{ID: "trn_1", Policy: "pol_0", Seq: 1, Event: "apply", At: t0}))
		must(t, x.AddTransition(ctx, &underwriting.Transition{ID: "trn_2", Policy: "pol_0", Seq: 2, Event: policy.Assess, At: t0}))
		must(t, x.CreateAssessment(ctx, &underwriting.Assessment{ID: "asm_1", Policy: "pol_0", Firm: "org_0", Result: []byte{1}}))
		if m, err := x.MaxLedgerIndex(ctx); err != nil || m != -1 {
			t.Errorf("max index of an empty log: %d, %v", m, err)
		}
		ts, _ := x.UnloggedTransitions(ctx, 10)
		as, _ := x.UnloggedAssessments(ctx, 10)
		if len(ts) != 2 || len(as) != 1 || as[0].Result != nil {
			t.Errorf("unlogged: %d transitions, %d assessments", len(ts), len(as))
		}
		for i, rec := range []string{"trn_1", "asm_1", "trn_2"} {
			must(t, x.QueueLedgerEntry(ctx, &underwriting.LedgerEntry{Record: rec, Kind: "transition", Policy: "pol_0", Entry: []byte{byte(i), 0, 255}, Created: t0.Add(time.Duration(i) * time.Second)}))
		}
		return nil
	})
	err := s.Tx(ctx, func(x underwriting.Tx) error {
		return x.QueueLedgerEntry(ctx, &underwriting.LedgerEntry{Record: "trn_1", Kind: "transition", Policy: "pol_0", Entry: []byte{9}, Created: t0})
	})
	if kind(err) != insurable.Conflict {
		t.Errorf("a second entry for a record: %v", err)
	}
	tx(t, s, func(x underwriting.Tx) error {
		ts, _ := x.UnloggedTransitions(ctx, 10)
		as, _ := x.UnloggedAssessments(ctx, 10)
		if len(ts) != 0 || len(as) != 0 {
			t.Errorf("unlogged after queueing: %d, %d", len(ts), len(as))
		}
		p, err := x.PendingLedgerEntries(ctx, 2)
		if err != nil || len(p) != 2 || p[0].Record != "trn_1" || p[1].Record != "asm_1" || p[0].Index != -1 || len(p[0].Entry) != 3 || p[0].Entry[2] != 255 {
			t.Fatalf("pending %+v, %v", p, err)
		}
		if ok, err := x.SetLedgerIndex(ctx, "asm_1", 7); !ok || err != nil {
			t.Errorf("set index: %v %v", ok, err)
		}
		if ok, _ := x.SetLedgerIndex(ctx, "asm_1", 8); ok {
			t.Error("an index was recorded twice")
		}
		if n, _ := x.CountPendingLedgerEntries(ctx); n != 2 {
			t.Errorf("%d pending, want 2", n)
		}
		e, err := x.LedgerEntry(ctx, "asm_1")
		if err != nil || e.Index != 7 || !e.Created.Equal(t0.Add(time.Second)) || e.Policy != "pol_0" {
			t.Errorf("entry %+v, %v", e, err)
		}
		if _, err := x.LedgerEntry(ctx, "trn_none"); kind(err) != insurable.NotExist {
			t.Errorf("a missing entry: %v", err)
		}
		all, _ := x.LedgerEntries(ctx, p[0].Seq, 10)
		if len(all) != 2 || all[0].Record != "asm_1" {
			t.Errorf("entries after the first: %+v", all)
		}
		pol, _ := x.PolicyLedgerEntries(ctx, "pol_0")
		if len(pol) != 3 || pol[1].Index != 7 || pol[0].Entry != nil {
			t.Errorf("the policy's entries: %+v", pol)
		}
		if m, _ := x.MaxLedgerIndex(ctx); m != 7 {
			t.Errorf("max index %d", m)
		}
		if _, err := x.LedgerMeta(ctx, "key"); kind(err) != insurable.NotExist {
			t.Errorf("unset setting: %v", err)
		}
		must(t, x.PutLedgerMeta(ctx, "key", "a"))
		must(t, x.PutLedgerMeta(ctx, "key", "b"))
		if v, _ := x.LedgerMeta(ctx, "key"); v != "b" {
			t.Errorf("setting %q", v)
		}
		tr, _ := x.AllTransitions(ctx, underwriting.Page{After: "trn_1"})
		am, _ := x.AllAssessments(ctx, underwriting.Page{})
		if len(tr) != 1 || tr[0].ID != "trn_2" || len(am) != 1 || am[0].Result != nil {
			t.Errorf("all records: %v %v", tr, am)
		}
		return nil
	})
}

func testLease(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	claim := func(owner string, now time.Time) bool {
		var held bool
		tx(t, s, func(x underwriting.Tx) error {
			var err error
			held, err = x.ClaimLease(ctx, "ledger", owner, now, now.Add(time.Minute))
			return err
		})
		return held
	}
	for _, c := range []struct {
		owner string
		at    time.Duration
		want  bool
	}{
		{"a", 0, true},                 // free
		{"b", 30 * time.Second, false}, // a holds it
		{"a", 50 * time.Second, true},  // a renews, until 1m50s
		{"b", 100 * time.Second, false},
		{"b", 111 * time.Second, true}, // a's lease ran out
		{"a", 112 * time.Second, false},
	} {
		if got := claim(c.owner, t0.Add(c.at)); got != c.want {
			t.Errorf("%s at %v: held %v, want %v", c.owner, c.at, got, c.want)
		}
	}
}

func testSessions(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	seed(t, s)
	tx(t, s, func(x underwriting.Tx) error {
		must(t, x.CreateToken(ctx, &underwriting.Token{ID: "tok_1", User: "usr_1", Hash: "h", Expires: t0.Add(time.Hour), Created: t0}))
		must(t, x.CreateSession(ctx, &underwriting.Session{ID: "s1", Token: "tok_1", Created: t0, Expires: t0.Add(time.Hour)}))
		got, err := x.Session(ctx, "s1")
		if err != nil || got.Token != "tok_1" || !got.Expires.Equal(t0.Add(time.Hour)) {
			t.Errorf("session %+v, %v", got, err)
		}
		must(t, x.DeleteSession(ctx, "s1"))
		if _, err := x.Session(ctx, "s1"); kind(err) != insurable.NotExist {
			t.Errorf("a closed session: %v", err)
		}
		return nil
	})
	err := s.Tx(ctx, func(x underwriting.Tx) error {
		return x.CreateSession(ctx, &underwriting.Session{ID: "s2", Token: "tok_none", Created: t0, Expires: t0})
	})
	if err == nil {
		t.Error("a session of no token was stored")
	}
}

func testBatches(t *testing.T, s underwriting.Store) {
	ctx := context.Background()
	seed(t, s)
	tx(t, s, func(x underwriting.Tx) error {
		must(t, x.CreateProfile(ctx, &underwriting.Profile{ID: "prf_1", Insurer: "org_2", Name: "baseline", Created: t0}))
		must(t, x.CreatePolicy(ctx, &underwriting.Policy{ID: "pol_0", Firm: "org_0", Insurer: "org_2", Profile: "prf_1"}))
		var ids []string
		for i := range 1200 {
			id := fmt.Sprintf("asm_%04d", i)
			ids = append(ids, id)
			must(t, x.CreateAssessment(ctx, &underwriting.Assessment{ID: id, Policy: "pol_0", Tier: "A", Result: []byte{1},
				Summary: &underwriting.AssessmentSummary{Exposure: underwriting.Exposure{Critical: i}}}))
		}
		as, err := x.AssessmentsByID(ctx, append(ids[5:1105], "asm_none"))
		if err != nil || len(as) != 1100 {
			t.Fatalf("%d assessments by id, %v", len(as), err)
		}
		for _, a := range as {
			if a.Result != nil || a.Summary == nil || fmt.Sprintf("asm_%04d", a.Summary.Critical) != a.ID {
				t.Fatalf("assessment %+v", a)
			}
		}
		os, err := x.OrgsByID(ctx, []string{"org_0", "org_3", "org_none"})
		if err != nil || len(os) != 2 {
			t.Errorf("orgs by id: %v, %v", os, err)
		}
		if none, err := x.OrgsByID(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("no ids: %v %v", none, err)
		}
		return nil
	})
}
