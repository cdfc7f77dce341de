package assessment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/demo"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/report"
	"github.com/insurable/insurable/scan"
)

var asOf = evidence.MustDate("2026-11-26")

func generate(t testing.TB, scenario demo.Scenario, devices int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := demo.Generate(demo.Options{Scenario: scenario, Devices: devices, Seed: 3, AsOf: asOf, Out: dir}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func assess(t testing.TB, dir, prof string) *assessment.Result {
	t.Helper()
	p, err := profile.Load(prof, protocol.Default())
	if err != nil {
		t.Fatal(err)
	}
	res, err := assessment.Run(context.Background(), assessment.Options{
		Dir: dir, Profile: p, Verifiers: check.Verifiers{Scans: scan.Reader{}},
		Tool: assessment.Tool{Name: "insurable", Version: "test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestDeterministic(t *testing.T) {
	dir := generate(t, demo.Typical, 300)
	var outs [2][]byte
	for i := range outs {
		var buf bytes.Buffer
		if err := report.JSON(&buf, assess(t, dir, "baseline")); err != nil {
			t.Fatal(err)
		}
		outs[i] = buf.Bytes()
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("two assessments of the same inputs differ")
	}
	// The snapshot date of the bundle is "today" when none is given.
	var res assessment.Result
	if err := json.Unmarshal(outs[0], &res); err != nil {
		t.Fatal(err)
	}
	if res.AsOf != asOf {
		t.Errorf("as_of %s, want the snapshot date %s", res.AsOf, asOf)
	}
}

func TestResultCoversCatalog(t *testing.T) {
	res := assess(t, generate(t, demo.Water, 150), "baseline")
	cat := protocol.Default()
	if len(res.Verdicts) != len(cat.Items) {
		t.Fatalf("%d verdicts for %d catalog items", len(res.Verdicts), len(cat.Items))
	}
	for i, id := range cat.IDs() {
		v := res.Verdicts[i]
		if v.ID != id {
			t.Errorf("verdict %d is %s, want %s", i, v.ID, id)
		}
		if len(v.Findings) == 0 || v.Headline == "" {
			t.Errorf("%s: no findings or headline", id)
		}
		if v.Check.Name == "" || v.Check.Version < 1 {
			t.Errorf("%s: check not recorded", id)
		}
	}
	if res.Decision.Outcome == "insurable" {
		t.Errorf("the water utility came out insurable: %s", res.Decision.Summary)
	}
	if len(res.Decision.Reasons) == 0 {
		t.Error("no reasons")
	}
	if res.Inputs.Bundle.Digest == "" || res.Inputs.Catalog.Digest == "" || res.Inputs.Profile.Digest == "" {
		t.Errorf("inputs not recorded: %+v", res.Inputs)
	}
	// Every failing or needs-review finding has a plan item, owned through
	// the RAM or the officers.
	want := 0
	for _, v := range res.Verdicts {
		for _, f := range v.Findings {
			if f.Status == check.Fail || f.Status == check.NeedsReview {
				want++
			}
		}
	}
	if len(res.Plan.Items) != want {
		t.Errorf("%d plan items for %d failing or needs-review findings", len(res.Plan.Items), want)
	}
	for _, it := range res.Plan.Items {
		if it.Due.IsZero() || it.Status == "" {
			t.Errorf("plan item %s lacks a due date or status", it.ID)
		}
	}
}

func TestProfileChangesDecision(t *testing.T) {
	dir := generate(t, demo.Typical, 200)
	base := assess(t, dir, "baseline")
	strict := assess(t, dir, "critical-infrastructure")
	if base.Inputs.Profile.Digest == strict.Inputs.Profile.Digest {
		t.Fatal("profiles not distinguished")
	}
	rank := map[string]int{"declined": 0, "conditional": 1, "insurable": 2}
	if rank[string(strict.Decision.Outcome)] > rank[string(base.Decision.Outcome)] {
		t.Errorf("stricter profile gave a better outcome: %s over %s", strict.Decision.Outcome, base.Decision.Outcome)
	}
	mandatory := 0
	for _, v := range strict.Verdicts {
		if v.Mandatory {
			mandatory++
		}
	}
	if mandatory != 28 {
		t.Errorf("critical-infrastructure makes %d items mandatory, want 28", mandatory)
	}
}
