package underwriting_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/sqlite"
	"github.com/insurable/insurable/tarball"
	"github.com/insurable/insurable/underwriting"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkAdvisoryImpact measures continuous underwriting on a portfolio
// of INSURABLE_BENCH_FIRMS firms (default 1,000) of INSURABLE_BENCH_DEVICES
// devices (default 1,000), each with a policy in force: one new advisory
// is imported, the firms it affects (INSURABLE_BENCH_AFFECTED percent of
// them, default 10; INSURABLE_BENCH_CACHE bounds the loaded bundles kept
// in memory, default all) are found through the fleet index and re-evaluated
// with the full engine, and those out of compliance past their grace
// period are suspended. The timer covers the import, the rebuilding of
// the feeds, the impact, every re-evaluation and the suspensions, as the
// job runs them; building the portfolio and restoring the policies after
// each round are outside it.
func BenchmarkAdvisoryImpact(b *testing.B) {
	firms := envInt("INSURABLE_BENCH_FIRMS", 1000)
	devices := envInt("INSURABLE_BENCH_DEVICES", 1000)
	affected := envInt("INSURABLE_BENCH_AFFECTED", 10)
	ctx := context.Background()
	dir := b.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	clk := &testClock{t: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	svc, err := underwriting.New(underwriting.Config{Store: store, Engine: testEngine(b), DataDir: filepath.Join(dir, "data"), Now: clk.Now,
		Rand: chacha{rand.NewChaCha8([32]byte{2})}, CachedBundles: envInt("INSURABLE_BENCH_CACHE", firms+10), Log: benchLog()})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	cons := must(svc.Bootstrap(ctx, access.Consortium, "Consortium", "op", 0))
	ins := must(svc.Bootstrap(ctx, access.Insurer, "Insurer", "uw", 0))
	insP := principal(ins)
	prof := must(svc.CreateProfile(ctx, insP, underwriting.NewProfile{Builtin: "baseline"}))

	// A few generated fleets, each given to many firms under its own
	// firm id, so that every firm's bundle is distinct.
	const templates = 8
	var srcs []string
	for i := range templates {
		d := filepath.Join(dir, "tmpl", strconv.Itoa(i))
		if err := demo.Generate(demo.Options{Scenario: demo.Typical, Devices: devices, Seed: uint64(i + 1), AsOf: evidence.MustDate("2026-11-26"), Out: d}); err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, d)
	}
	start := time.Now()
	var pols []string
	nAffected := firms * affected / 100
	for i := range firms {
		firm := must(svc.Bootstrap(ctx, access.Firm, fmt.Sprintf("Firm %04d", i), "ciso", 0))
		fp := principal(firm)
		must(svc.PutGrant(ctx, fp, firm.Org.ID, ins.Org.ID))
		version := "2.4.1" // not affected by the advisory
		if i < nAffected {
			version = "2.3.41"
		}
		data := portfolioBundle(b, srcs[i%templates], fmt.Sprintf("firm-%04d", i), version)
		must3(svc.UploadEvidence(ctx, fp, firm.Org.ID, bytes.NewReader(data)))
		pol := must(svc.Apply(ctx, fp, underwriting.NewApplication{Insurer: ins.Org.ID, Profile: prof.ID}))
		pols = append(pols, pol.ID)
	}
	b.Logf("portfolio of %d firms × %d devices built in %s", firms, devices, time.Since(start).Round(time.Second))
	reset := func() {
		today := evidence.NewDate(clk.Now())
		err := store.Tx(ctx, func(tx underwriting.Tx) error {
			for _, id := range pols {
				p, err := tx.Policy(ctx, id)
				if err != nil {
					return err
				}
				// In force, found out of compliance 40 days ago; its grace
				// period ended yesterday.
				p.Policy = policy.Policy{State: policy.Issued, IssuedOn: today.AddDays(-100), Expires: today.AddDays(265),
					Assessment: &policy.Assessment{ID: "seed", AsOf: today.AddDays(-100), Recorded: today.AddDays(-100), Outcome: policy.Insurable},
					OutSince:   today.AddDays(-40), Grace: today.AddDays(-1)}
				p.Monitored = today
				if err := tx.UpdatePolicy(ctx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Warm this replica as a running service is warm after its daily
	// sweep: the portfolio's bundles loaded and indexed, the reports of
	// the feed-independent verifiers remembered.
	reset()
	clk.Add(24 * time.Hour)
	warm := time.Now()
	must(svc.Sweep(ctx))
	clk.Add(-24 * time.Hour)
	must(svc.Impact(ctx, nil, nil))
	b.Logf("warm-up sweep of %d policies in %s", firms, time.Since(warm).Round(time.Millisecond))
	reset()
	advisory, err := os.ReadFile("testdata/icsa-26-900-01.json")
	if err != nil {
		b.Fatal(err)
	}
	round := 0
	var last *underwriting.ImpactReport
	runtime.GC()
	b.ResetTimer()
	for b.Loop() {
		round++
		doc := bytes.ReplaceAll(advisory, []byte("ICSA-26-900-01"), []byte(fmt.Sprintf("ICSA-26-9%02d-01", round%100)))
		doc = bytes.ReplaceAll(doc, []byte("CVE-2026-99001"), []byte(fmt.Sprintf("CVE-2026-9%04d", round)))
		doc = bytes.ReplaceAll(doc, []byte("2026-11-20T00:00:00.000000Z"), []byte(fmt.Sprintf("2026-11-20T00:%02d:%02d.000000Z", round/60%60, round%60)))
		res := must(svc.ImportAdvisories(ctx, principal(cons), [][]byte{doc}))
		if res.Job == 0 {
			b.Fatal("nothing imported")
		}
		t0 := time.Now()
		if ran, err := svc.RunOneJob(ctx); !ran || err != nil {
			b.Fatalf("job: %v %v", ran, err)
		}
		b.StopTimer()
		if testing.Verbose() {
			b.Logf("round %d: %s", round, time.Since(t0))
		}
		last = lastReport(b, store, pols[:max(1, nAffected)])
		reset()
		b.StartTimer()
	}
	b.ReportMetric(float64(nAffected), "firms-affected")
	if last != nil {
		b.ReportMetric(float64(last.Steps["suspend"]), "suspended")
	}
}

// lastReport counts the affected policies that were suspended.
func lastReport(b *testing.B, store underwriting.Store, pols []string) *underwriting.ImpactReport {
	rep := &underwriting.ImpactReport{Steps: map[string]int{}}
	store.View(context.Background(), func(tx underwriting.Tx) error {
		for _, id := range pols {
			p, err := tx.Policy(context.Background(), id)
			if err != nil {
				return err
			}
			if p.State == policy.Suspended {
				rep.Steps["suspend"]++
			}
		}
		return nil
	})
	if rep.Steps["suspend"] != len(pols) {
		b.Fatalf("%d of %d affected policies suspended", rep.Steps["suspend"], len(pols))
	}
	return rep
}

// portfolioBundle copies a generated bundle under another firm id, with
// its IO-Link masters (the product the benchmark's advisory names) on
// version, and packs it.
func portfolioBundle(b *testing.B, src, firmID, version string) []byte {
	dst := filepath.Join(b.TempDir(), firmID)
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "firm.yaml":
			lines := strings.SplitN(string(data), "\n", -1)
			for i, l := range lines {
				if strings.HasPrefix(l, "id:") {
					lines[i] = "id: " + firmID
				}
			}
			data = []byte(strings.Join(lines, "\n"))
		case strings.HasPrefix(rel, "inventory"):
			// Every IO-Link master of the fleet on the given version.
			for _, v := range []string{"2.3.41", "2.2.34"} {
				data = bytes.ReplaceAll(data, []byte(" AL1350,AL1350,"+v+","), []byte(" AL1350,AL1350,"+version+","))
			}
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
	data, err := tarball.Pack(dst)
	if err != nil {
		b.Fatal(err)
	}
	os.RemoveAll(dst)
	return data
}

// benchLog shows the phases of each round with -v.
func benchLog() *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
