package underwriting_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/scan"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/vulnassess"
)

var snapOnce = sync.OnceValues(func() (*feeds.Snapshot, error) { return feeds.Embedded(feeds.PartAll) })

var sbomCache = vulnassess.NewSBOMCache(4096)

var vaOnce = sync.OnceValue(func() *vulnassess.Assessor {
	s, _ := snapOnce()
	return vulnassess.New(s).WithSBOMCache(sbomCache)
})

func testEngine(t testing.TB) *underwriting.Engine {
	snap, err := snapOnce()
	if err != nil {
		t.Fatal(err)
	}
	return &underwriting.Engine{
		Catalog: protocol.Default(), Verifiers: check.Verifiers{Scans: scan.Reader{}, Vulnerabilities: vaOnce()},
		Feeds: snap.Manifest.Digests(), Snapshot: snap,
		NewVulnerabilityAssessor: func(s *feeds.Snapshot) check.VulnerabilityAssessor { return vulnassess.New(s).WithSBOMCache(sbomCache) },
		Tool:                     assessment.Tool{Name: "insurable", Version: "test"},
	}
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type chacha struct{ r *rand.ChaCha8 }

func (c chacha) Read(p []byte) (int, error) { return c.r.Read(p) }

func newService(t testing.TB) (*underwriting.Service, *testClock) {
	dir := t.TempDir()
	store, err := sqlite.Open(context.Background(), filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	c := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	svc, err := underwriting.New(underwriting.Config{Store: store, Engine: testEngine(t), DataDir: filepath.Join(dir, "data"), Now: c.Now, Rand: chacha{rand.NewChaCha8([32]byte{1})}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); store.Close() })
	return svc, c
}

func principal(s *underwriting.Seed) *access.Principal {
	all, _ := access.ParseScopes(nil)
	return &access.Principal{User: s.User.ID, Org: s.Org.ID, Kind: s.Org.Kind, Role: access.Admin, Scopes: all}
}

// manufacturer returns the packed example manufacturer (no crypto), with
// its IO-Link masters on version.
func manufacturer(t testing.TB, version string) []byte {
	dir := filepath.Join(t.TempDir(), "m")
	if err := demo.Generate(demo.Options{Scenario: demo.Manufacturer, Devices: 40, Seed: 3, AsOf: evidence.MustDate("2026-11-26"), Out: dir}); err != nil {
		t.Fatal(err)
	}
	inv, _ := filepath.Glob(filepath.Join(dir, "inventory", "*"))
	for _, f := range inv {
		data, _ := os.ReadFile(f)
		os.WriteFile(f, bytes.ReplaceAll(data, []byte("2.3.41"), []byte(version)), 0o644)
	}
	data, err := tarball.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// must and its siblings stop the test (by panicking) on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestContinuousUnderwriting follows a policy from application to
// suspension by continuous underwriting and back: an advisory and a KEV
// entry affecting one firm's devices are imported; only that firm is
// re-evaluated; it is alerted and given the grace period; once that is
// over without remediation the policy is suspended with the reason and the
// remediation needed; new evidence that passes reinstates it.
func TestContinuousUnderwriting(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	cons := must(svc.Bootstrap(ctx, access.Consortium, "Consortium", "op", 0))
	ins := must(svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0))
	lenient, err := os.ReadFile("testdata/lenient.yaml")
	if err != nil {
		t.Fatal(err)
	}
	insP := principal(ins)
	prof := must(svc.CreateProfile(ctx, insP, underwriting.NewProfile{YAML: string(lenient)}))
	issue := func(name, version string) (*access.Principal, *underwriting.Policy) {
		firm := must(svc.Bootstrap(ctx, access.Firm, name, "ciso", 0))
		fp := principal(firm)
		must(svc.PutGrant(ctx, fp, firm.Org.ID, ins.Org.ID))
		must3(svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(manufacturer(t, version))))
		pol := must(svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID, Profile: prof.ID}))
		a := must(svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{}))
		if a.Outcome == policy.NotInsured {
			t.Fatalf("%s declined: %s", name, a.Result)
		}
		must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 1000, Currency: "EUR"}))
		pol = must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Issue}))
		if pol.State != policy.Issued {
			t.Fatalf("%s: %s", name, pol.State)
		}
		return fp, pol
	}
	firmP, pol := issue("Exposed Works", "2.3.41")
	otherP, other := issue("Patched Works", "2.4.1")
	count := func(p *access.Principal, id string) int {
		as, _ := must2(svc.ListAssessments(ctx, p, id, underwriting.Page{}))
		return len(as)
	}
	otherBefore := count(otherP, other.ID)

	advisory, _ := os.ReadFile("testdata/icsa-26-900-01.json")
	res := must(svc.ImportAdvisories(ctx, principal(cons), [][]byte{advisory}))
	if len(res.Imported) != 1 || res.Job == 0 {
		t.Fatalf("import %+v", res)
	}
	if again := must(svc.ImportAdvisories(ctx, principal(cons), [][]byte{advisory})); len(again.Unchanged) != 1 || again.Job != 0 {
		t.Errorf("importing the same advisory again: %+v", again)
	}
	if ran, err := svc.RunOneJob(ctx); !ran || err != nil {
		t.Fatalf("job: %v %v", ran, err)
	}
	// A critical with a fix conditions the firm; it is not declined.
	if p := must(svc.GetPolicy(ctx, firmP, pol.ID)); p.State != policy.Issued || !p.Grace.IsZero() {
		t.Errorf("after the advisory: %s, grace %s", p.State, p.Grace)
	}
	kevDoc, _ := os.ReadFile("testdata/kev.json")
	must(svc.ImportKEV(ctx, principal(cons), kevDoc))
	if ran, err := svc.RunOneJob(ctx); !ran || err != nil {
		t.Fatalf("kev job: %v %v", ran, err)
	}
	p := must(svc.GetPolicy(ctx, firmP, pol.ID))
	if p.State != policy.Issued || p.Grace.String() != "2026-12-27" {
		t.Fatalf("after KEV: %s, grace %q", p.State, p.Grace)
	}
	alerts, _ := must2(svc.ListAlerts(ctx, firmP, underwriting.Page{}))
	if len(alerts) != 1 || alerts[0].Kind != "out-of-compliance" || !strings.Contains(strings.Join(alerts[0].Detail, " "), "no-kev-past-due") {
		t.Errorf("alerts %+v", alerts)
	}
	if n := count(otherP, other.ID); n != otherBefore {
		t.Errorf("the unaffected firm was re-evaluated: %d assessments, had %d", n, otherBefore)
	}

	// Within the grace period nothing more happens; after it, suspension.
	clk.Add(20 * 24 * time.Hour)
	must(svc.Sweep(ctx))
	if p := must(svc.GetPolicy(ctx, firmP, pol.ID)); p.State != policy.Issued {
		t.Fatalf("suspended within the grace period")
	}
	clk.Add(11 * 24 * time.Hour)
	must(svc.Sweep(ctx))
	p = must(svc.GetPolicy(ctx, firmP, pol.ID))
	if p.State != policy.Suspended || !strings.Contains(p.Reason, "grace period") {
		t.Fatalf("after the grace period: %s (%s)", p.State, p.Reason)
	}
	alerts, _ = must2(svc.ListAlerts(ctx, firmP, underwriting.Page{}))
	last := alerts[len(alerts)-1]
	if last.Kind != "suspended" || len(last.Detail) == 0 {
		t.Errorf("suspension alert %+v", last)
	}
	if _, err := svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Reinstate}); insurable.ErrorKind(err) != insurable.Conflict {
		t.Errorf("reinstated without a new assessment: %v", err)
	}
	// The firm patches and uploads; a new assessment passes; reinstated.
	must3(svc.UploadEvidence(ctx, firmP, firmP.Org, bytes.NewReader(manufacturer(t, "2.4.1"))))
	a := must(svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{AsOf: evidence.NewDate(clk.Now()).String()}))
	if a.Outcome == policy.NotInsured {
		t.Fatalf("the patched firm is declined")
	}
	p = must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Reinstate, Reason: "patched"}))
	if p.State != policy.Issued {
		t.Fatalf("reinstate: %s", p.State)
	}
	ts, _ := must2(svc.ListTransitions(ctx, firmP, pol.ID, underwriting.Page{Limit: 500}))
	var events []string
	for i, tr := range ts {
		if tr.Seq != i+1 || tr.Actor == "" || tr.Reason == "" || tr.At.IsZero() {
			t.Errorf("transition %d incomplete: %+v", i, tr)
		}
		events = append(events, string(tr.Event))
	}
	want := "apply assess quote issue assess assess grace-start assess assess suspend assess reinstate"
	if got := strings.Join(events, " "); got != want {
		t.Errorf("transitions\n got %s\nwant %s", got, want)
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

func must3[A, B any](a A, b B, err error) A {
	if err != nil {
		panic(err)
	}
	return a
}

// TestNewSnapshotFromFeedsUpdate replaces the base snapshot, as a service
// does when `insurable feeds update` writes a newer one into its feeds
// directory: the advisory it adds is found, and only the affected firm's
// policy is re-evaluated, once, however many times the snapshot is seen.
func TestNewSnapshotFromFeedsUpdate(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	ins := must(svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0))
	insP := principal(ins)
	lenient, _ := os.ReadFile("testdata/lenient.yaml")
	prof := must(svc.CreateProfile(ctx, insP, underwriting.NewProfile{YAML: string(lenient)}))
	issue := func(name, version string) *underwriting.Policy {
		firm := must(svc.Bootstrap(ctx, access.Firm, name, "ciso", 0))
		fp := principal(firm)
		must(svc.PutGrant(ctx, fp, firm.Org.ID, ins.Org.ID))
		must3(svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(manufacturer(t, version))))
		pol := must(svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID, Profile: prof.ID}))
		must(svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{}))
		must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 1, Currency: "EUR"}))
		return must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Issue}))
	}
	exposed, patched := issue("Exposed", "2.3.41"), issue("Patched", "2.4.1")
	count := func(id string) int {
		as, _ := must2(svc.ListAssessments(ctx, insP, id, underwriting.Page{}))
		return len(as)
	}
	e0, p0 := count(exposed.ID), count(patched.ID)

	base, err := snapOnce()
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := os.ReadFile("testdata/icsa-26-900-01.json")
	adv, err := advisory.Parse("icsa-26-900-01.json", doc)
	if err != nil {
		t.Fatal(err)
	}
	next := *base
	next.Advisories = append(slices.Clone(base.Advisories), adv)
	next.Manifest.Feeds = slices.Clone(base.Manifest.Feeds)
	for i := range next.Manifest.Feeds {
		if next.Manifest.Feeds[i].Name == feeds.NameCSAF {
			next.Manifest.Feeds[i].Digest = advisory.DigestOf(next.Advisories)
		}
	}
	res := must(svc.ReplaceBaseFeeds(ctx, &next, vulnassess.New(&next)))
	if !slices.Contains(res.Imported, adv.ID) || res.Job == 0 {
		t.Fatalf("the new advisory was not noticed: %+v", res)
	}
	// Seen again (the watcher's next look), nothing new is queued.
	if again := must(svc.ReplaceBaseFeeds(ctx, &next, vulnassess.New(&next))); again.Job != 0 {
		t.Errorf("the same snapshot queued another job: %+v", again)
	}
	for {
		ran, err := svc.RunOneJob(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			break
		}
	}
	if got := count(exposed.ID); got != e0+1 {
		t.Errorf("the exposed firm has %d assessments, want %d", got, e0+1)
	}
	if got := count(patched.ID); got != p0 {
		t.Errorf("the patched firm was re-evaluated: %d assessments, want %d", got, p0)
	}
}

// TestEvidenceExpiry lets time pass without new evidence: the daily sweep
// re-evaluates as of today, the network observations behind A1 go stale,
// the firm falls out of compliance, and after the grace period the policy
// is suspended.
func TestEvidenceExpiry(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	ins := must(svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0))
	firm := must(svc.Bootstrap(ctx, access.Firm, "Firm", "ciso", 0))
	insP, fp := principal(ins), principal(firm)
	lenient, _ := os.ReadFile("testdata/lenient.yaml")
	prof := must(svc.CreateProfile(ctx, insP, underwriting.NewProfile{YAML: string(lenient)}))
	must(svc.PutGrant(ctx, fp, firm.Org.ID, ins.Org.ID))
	must3(svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(manufacturer(t, "2.4.1"))))
	pol := must(svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID, Profile: prof.ID}))
	must(svc.Assess(ctx, insP, pol.ID, underwriting.AssessRequest{}))
	must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 1, Currency: "EUR"}))
	must(svc.Transition(ctx, insP, pol.ID, underwriting.Act{Event: policy.Issue}))

	clk.Add(24 * time.Hour)
	must(svc.Sweep(ctx))
	if p := must(svc.GetPolicy(ctx, fp, pol.ID)); p.State != policy.Issued || !p.Grace.IsZero() {
		t.Fatalf("a day later: %s, grace %s", p.State, p.Grace)
	}
	clk.Add(120 * 24 * time.Hour)
	must(svc.Sweep(ctx))
	p := must(svc.GetPolicy(ctx, fp, pol.ID))
	if p.Grace.IsZero() {
		a := must(svc.GetAssessment(ctx, insP, p.Assessment.ID))
		t.Fatalf("four months later the firm is still in compliance (%s)", a.Outcome)
	}
	clk.Add(31 * 24 * time.Hour)
	must(svc.Sweep(ctx))
	if p := must(svc.GetPolicy(ctx, fp, pol.ID)); p.State != policy.Suspended {
		t.Fatalf("after the grace period: %s", p.State)
	}
}
