// Package servicetest builds a real insurable service for the tests of
// its adapters: an underwriting.Service on a SQLite database in a
// temporary directory, with the embedded feeds, a decision log on POSIX
// storage and a settable clock, plus generated evidence bundles and a
// seeded demo of organisations and policies.
package servicetest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/klog/v2"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/cryptoevidence"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/ledger"
	"github.com/insurable/insurable/ledger/tlog"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/scan"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/vulnassess"
)

// AsOf is the snapshot date of the generated bundles.
var AsOf = evidence.MustDate("2026-11-26")

var snapshot = sync.OnceValues(func() (*feeds.Snapshot, error) { return feeds.Embedded(feeds.PartAll) })

var assessor = sync.OnceValue(func() *vulnassess.Assessor {
	s, err := snapshot()
	if err != nil {
		return nil
	}
	return vulnassess.New(s)
})

// Engine is the assessment engine of `insurable assess` on the embedded
// feeds, loaded once per test binary.
func Engine(t testing.TB) *underwriting.Engine {
	snap, err := snapshot()
	if err != nil {
		t.Fatal(err)
	}
	v := check.Verifiers{Scans: scan.Reader{}, Vulnerabilities: assessor()}
	cryptoevidence.New().Install(&v)
	return &underwriting.Engine{
		Catalog:   protocol.Default(),
		Verifiers: v,
		Feeds:     snap.Manifest.Digests(), Snapshot: snap,
		NewVulnerabilityAssessor: func(s *feeds.Snapshot) check.VulnerabilityAssessor { return vulnassess.New(s) },
		Tool:                     assessment.Tool{Name: "insurable", Version: "test"},
	}
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// NewClock returns a clock that reads 2026-11-27 09:00 UTC, the day
// after the generated bundles' snapshot.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)} }

// Rand is a deterministic source of randomness for ids and tokens, seeded
// with the first 32 bytes of seed.
func Rand(seed string) io.Reader {
	var s [32]byte
	copy(s[:], seed)
	return seededRand{rand.NewChaCha8(s)}
}

type seededRand struct{ r *rand.ChaCha8 }

func (s seededRand) Read(p []byte) (int, error) { return s.r.Read(p) }

// quietTessera silences tessera's logging, once per test binary: klog's
// logger is global and tessera's goroutines read it.
var quietTessera = sync.OnceFunc(func() { klog.SetSlogLogger(slog.New(slog.DiscardHandler)) })

// Env is a service on a real database and log.
type Env struct {
	T     testing.TB
	Dir   string
	Store underwriting.Store
	Svc   *underwriting.Service
	Log   *tlog.Log
	Clock *Clock
}

// New starts a service whose clock reads 2026-11-27 09:00 UTC; it is
// closed when the test ends.
func New(t testing.TB) *Env {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	quietTessera()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	c := NewClock()
	signer, _, err := ledger.GenerateKey(nil, "insurable.ledger/test")
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.OpenPOSIX(ctx, filepath.Join(dir, "ledger"), signer, tlog.Options{CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := underwriting.New(underwriting.Config{Store: store, Engine: Engine(t), DataDir: filepath.Join(dir, "data"), Now: c.Now,
		Rand: Rand(t.Name()), MaxUploadBytes: 8 << 20, Archive: tarball.Limits{MaxBytes: 64 << 20, MaxFileBytes: 16 << 20, MaxFiles: 5000},
		Ledger: l})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.PinLedgerKey(ctx); err != nil {
		t.Fatal(err)
	}
	e := &Env{T: t, Dir: dir, Store: store, Svc: svc, Log: l, Clock: c}
	t.Cleanup(func() { svc.Close(); l.Close(context.Background()); store.Close() })
	return e
}

var bundles sync.Map // scenario and size -> packed archive

// Bundle returns a generated evidence bundle of the scenario, packed as
// an upload.
func Bundle(t testing.TB, scenario demo.Scenario, devices int) []byte {
	t.Helper()
	type key struct {
		s demo.Scenario
		n int
	}
	if v, ok := bundles.Load(key{scenario, devices}); ok {
		return v.([]byte)
	}
	dir := filepath.Join(t.TempDir(), "b")
	if err := demo.Generate(demo.Options{Scenario: scenario, Devices: devices, Seed: 3, AsOf: AsOf, Out: dir, Crypto: crypto{}}); err != nil {
		t.Fatal(err)
	}
	data, err := tarball.Pack(dir)
	if err != nil {
		t.Fatal(err)
	}
	bundles.Store(key{scenario, devices}, data)
	return data
}

// crypto writes the keys, certificates and signatures of a generated
// bundle, as `insurable demo generate` does.
type crypto struct{}

func (crypto) MakeCrypto(req demo.CryptoRequest) error {
	return cryptoevidence.MakeDemo(req.Dir, cryptoevidence.DemoOptions{Defects: req.Defects})
}

// Principal is the full-scoped principal of a seeded organisation.
func Principal(s *underwriting.Seed) *access.Principal {
	all, _ := access.ParseScopes(nil)
	return &access.Principal{User: s.User.ID, Org: s.Org.ID, Kind: s.Org.Kind, Role: s.User.Role, Scopes: all, Token: s.Token.ID}
}

// Bootstrap creates an organisation with an admin and a token.
func (e *Env) Bootstrap(kind access.OrgKind, name string) *underwriting.Seed {
	e.T.Helper()
	s, err := e.Svc.Bootstrap(context.Background(), kind, name, "officer of "+name, 0)
	if err != nil {
		e.T.Fatal(err)
	}
	return s
}

// Insured is a firm that applied to an insurer and was assessed.
type Insured struct {
	Firm       *underwriting.Seed
	Policy     *underwriting.Policy
	Assessment *underwriting.Assessment
}

// Insure has the firm grant the insurer access, upload a generated
// bundle of the scenario and apply; the insurer assesses it with its
// first profile and, when the firm is insurable, quotes and issues the
// policy, or else declines the application.
func (e *Env) Insure(firm, insurer *underwriting.Seed, scenario demo.Scenario, devices int) *Insured {
	e.T.Helper()
	ctx := context.Background()
	fp, ip := Principal(firm), Principal(insurer)
	must := func(err error) {
		e.T.Helper()
		if err != nil {
			e.T.Fatal(err)
		}
	}
	_, err := e.Svc.PutGrant(ctx, fp, firm.Org.ID, insurer.Org.ID)
	must(err)
	ev, _, err := e.Svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(Bundle(e.T, scenario, devices)))
	must(err)
	pol, err := e.Svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: insurer.Org.ID})
	must(err)
	a, err := e.Svc.Assess(ctx, ip, pol.ID, underwriting.AssessRequest{Evidence: ev.ID})
	must(err)
	if a.Outcome != policy.NotInsured {
		_, err = e.Svc.Transition(ctx, ip, pol.ID, underwriting.Act{Event: policy.Quote, Premium: 48000, Currency: "USD", Term: "12mo"})
		must(err)
		_, err = e.Svc.Transition(ctx, ip, pol.ID, underwriting.Act{Event: policy.Issue})
		must(err)
	} else {
		_, err = e.Svc.Transition(ctx, ip, pol.ID, underwriting.Act{Event: policy.Decline, Reason: "the assessment declined the firm"})
		must(err)
	}
	pol, err = e.Svc.GetPolicy(ctx, ip, pol.ID)
	must(err)
	return &Insured{Firm: firm, Policy: pol, Assessment: a}
}

// SyncLedger appends every queued entry to the log and waits until a
// published checkpoint covers them; it returns the log's size.
func (e *Env) SyncLedger() uint64 {
	e.T.Helper()
	return SyncLedger(e.T, e.Svc, e.Log)
}

// SyncLedger appends every entry svc has queued to l and waits until a
// published checkpoint covers them; it returns the log's size.
func SyncLedger(t testing.TB, svc *underwriting.Service, l *tlog.Log) uint64 {
	t.Helper()
	ctx := context.Background()
	known := int64(-1)
	if _, err := svc.PumpLedger(ctx, &known); err != nil {
		t.Fatal(err)
	}
	size, err := l.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if cp, err := l.Latest(ctx); err == nil && cp.Size >= size {
			return cp.Size
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of %d entries", size)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
