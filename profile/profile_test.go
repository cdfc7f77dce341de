package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

func TestBuiltinProfilesLoad(t *testing.T) {
	cat := protocol.Default()
	names := Builtin()
	if strings.Join(names, ",") != "baseline,critical-infrastructure" {
		t.Errorf("built-in profiles = %q", names)
	}
	for _, name := range names {
		p, err := Load(name, cat)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.ID != name || !strings.HasPrefix(p.Digest(), "sha256:") || len(p.Gates) == 0 {
			t.Errorf("%s: id %q, digest %q, %d gates", name, p.ID, p.Digest(), len(p.Gates))
		}
		// The Protocol's requirements are mandatory in every shipped profile.
		for _, it := range cat.Items {
			if it.Kind == protocol.Requirement && !p.IsMandatory(it.ID) {
				t.Errorf("%s: %s is not mandatory", name, it.ID)
			}
		}
		for i := range p.Gates {
			if p.Gates[i].program == nil {
				t.Errorf("%s: gate %s not compiled", name, p.Gates[i].ID)
			}
		}
	}
	b, _ := Load("", cat)
	if b == nil || b.ID != "baseline" {
		t.Error("the empty name does not give the baseline")
	}
}

func TestBaselineSettings(t *testing.T) {
	p, err := Load("baseline", protocol.Default())
	if err != nil {
		t.Fatal(err)
	}
	if p.IsMandatory("R1") || !p.IsMandatory("A8") {
		t.Error("baseline: R1 must be optional and A8 mandatory")
	}
	if p.Weight("A1") != 3 || p.Weight("R1") != 0.5 || p.Weight("O1") != 1 {
		t.Errorf("weights: A1 %v, R1 %v, O1 (unset) %v", p.Weight("A1"), p.Weight("R1"), p.Weight("O1"))
	}
	s := p.Settings()
	if s.Observations != (evidence.Period{Days: 90}) || s.MetricsMaxAge != (evidence.Period{Days: 45}) || s.CVDFixDays[check.Critical] != 30 ||
		s.IncidentSharingDays != 3 || s.CriticalPentestCloseDays != 90 {
		t.Errorf("settings = %+v", s)
	}
	if p.RemediationDeadline(check.High) != (evidence.Period{Days: 30}) || p.ConditionDeadline() != (evidence.Period{Days: 60}) {
		t.Error("deadlines differ from the file")
	}
	for naics, want := range map[string]string{"221310": "Utilities", "332710": "Manufacturing", "622110": "Health care", "541512": ""} {
		ind, std := p.StandardsFor(naics)
		if ind != want || len(std) == 0 {
			t.Errorf("StandardsFor(%s) = %q, %v; want %q", naics, ind, std, want)
		}
	}
	// A profile that leaves periods out keeps the Protocol's defaults.
	minimal := parseOK(t, minimalProfile)
	if got, want := minimal.Settings(), check.DefaultSettings(); got.BoardReview != want.BoardReview || got.CVDAcknowledgeDays != want.CVDAcknowledgeDays {
		t.Errorf("minimal settings = %+v", got)
	}
	if minimal.RemediationDeadline(check.Critical) != (evidence.Period{Days: 14}) || minimal.ConditionDeadline() != (evidence.Period{Days: 60}) {
		t.Error("minimal profile does not use the default deadlines")
	}
}

const minimalProfile = `id: minimal
title: Minimal
version: 0.1.0
catalog: iiot-ssdp@1
tiers:
  - {tier: A, min_score: 0}
`

func parseOK(t *testing.T, src string) *Profile {
	t.Helper()
	p, err := Parse("p.yaml", []byte(src), protocol.Default())
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte(minimalProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path, protocol.Default())
	if err != nil || p.ID != "minimal" {
		t.Fatalf("Load(%s) = %v, %v", path, p, err)
	}
	for _, name := range []string{filepath.Join(dir, "absent.yaml"), "no-such-builtin"} {
		_, err := Load(name, protocol.Default())
		if insurable.ErrorKind(err) != insurable.NotExist {
			t.Errorf("Load(%s): %v, want a not-exist error", name, err)
		}
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(minimalProfile+"#"+strings.Repeat("x", 4<<20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big, protocol.Default()); insurable.ErrorKind(err) != insurable.TooLarge {
		t.Errorf("oversized profile: %v", err)
	}
}

// Bad profiles are refused with the file, the line, and what is wrong.
func TestParseRejects(t *testing.T) {
	baseline, err := builtin.ReadFile("profiles/baseline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(baseline)
	lineOf := func(s string) int {
		i := strings.Index(base, s)
		if i < 0 {
			t.Fatalf("baseline has no %q", s)
		}
		return strings.Count(base[:i], "\n") + 1
	}
	edit := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("baseline has no %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"unknown mandatory item", edit("mandatory: [A1, A2,", "mandatory: [A1, Z9,"), lineOf("mandatory: ["), `mandatory: "Z9" is not a catalog item`},
		{"lower-case mandatory item", edit("mandatory: [A1, A2,", "mandatory: [a1, A2,"), lineOf("mandatory: ["), `mandatory: "a1" is not a catalog item`},
		{"lower-case weighted item", edit("  A3: 2\n", "  a3: 2\n"), lineOf("  A3: 2"), `weights: "a3" is not a catalog item`},
		{"unknown weighted item", edit("  A3: 2\n", "  A3: 2\n  A10: 1\n"), lineOf("  A3: 2") + 1, `weights: "A10" is not a catalog item`},
		{"weight out of range", edit("  A3: 2\n", "  A3: 200\n"), lineOf("  A3: 2"), "use 0 to 100"},
		{"CEL that does not compile", edit("expr: facts.kev_past_due == 0", "expr: facts.kev_past_due =="), lineOf("expr: facts.kev_past_due"), "does not compile"},
		{"CEL that is not boolean", edit("expr: facts.kev_past_due == 0", "expr: facts.kev_past_due + 1"), lineOf("expr: facts.kev_past_due"), "a gate must give true or false"},
		{"empty CEL", edit("expr: facts.kev_past_due == 0", "expr: ''"), lineOf("expr: facts.kev_past_due"), "expr is empty"},
		{"CEL with an unknown variable", edit("expr: facts.kev_past_due == 0", "expr: fact.kev_past_due == 0"), lineOf("expr: facts.kev_past_due"), "undeclared reference"},
		{"tiers out of order", edit("{tier: B, min_score: 0.85}", "{tier: B, min_score: 0.99}"), lineOf("{tier: B"), "falling min_score (B after A)"},
		{"tier without a name", edit("{tier: B, min_score: 0.85}", "{min_score: 0.85}"), lineOf("{tier: B"), "a tier needs a name"},
		{"lowest tier above the floor", edit("{tier: D, min_score: 0.50}", "{tier: D, min_score: 0.60}"), lineOf("{tier: D"), "above decline_below"},
		{"no tiers", edit("tiers:\n  - {tier: A, min_score: 0.95}\n  - {tier: B, min_score: 0.85}\n  - {tier: C, min_score: 0.70}\n  - {tier: D, min_score: 0.50}\n", "tiers: []\n"), lineOf("tiers:"), "at least one tier"},
		{"catalog major mismatch", edit("catalog: iiot-ssdp@1", "catalog: iiot-ssdp@2"), lineOf("catalog:"), "written for catalog iiot-ssdp@2"},
		{"other catalog", edit("catalog: iiot-ssdp@1", "catalog: other-protocol@1"), lineOf("catalog:"), "written for catalog other-protocol@1"},
		{"catalog without a major", edit("catalog: iiot-ssdp@1", "catalog: iiot-ssdp"), lineOf("catalog:"), "<catalog-id>@<major>"},
		{"version not semantic", edit("version: 1.0.0", "version: \"1.0\""), lineOf("version:"), "not a semantic version"},
		{"missing title", edit("title: Baseline - the IIoT Safety and Security Digital Protocol as written\n", ""), lineOf("id: baseline"), "id and title are required"},
		{"needs-review credit above 1", edit("needs_review_credit: 0.5", "needs_review_credit: 1.5"), lineOf("needs_review_credit"), "between 0 and 1"},
		{"decline floor below 0", edit("decline_below: 0.5", "decline_below: -0.1"), lineOf("decline_below"), "between 0 and 1"},
		{"gate effect unknown", edit("effect: decline", "effect: warn"), lineOf("effect: decline"), `effect "warn" is neither`},
		{"gate id with spaces", edit("id: no-kev-past-due", "id: No KEV"), lineOf("id: no-kev-past-due"), "must be unique, lower case"},
		{"duplicate gate id", edit("id: critical-fixes-deployed", "id: no-kev-past-due"), lineOf("id: critical-fixes-deployed"), "must be unique"},
		{"unknown severity", edit("remediation: {critical: 14d,", "remediation: {urgent: 3d, critical: 14d,"), lineOf("  remediation: {critical"), `"urgent" is not a severity`},
		{"unknown cvd severity", edit("cvd_fix: {critical: 30d,", "cvd_fix: {severe: 3d, critical: 30d,"), lineOf("cvd_fix:"), `"severe" is not a severity`},
		{"unknown standard", edit("default: [nist-csf-2.0, iec-62443-4-2]", "default: [nist-csf-2.0, iso-27001]"), lineOf("default: [nist"), `"iso-27001" is not a standard`},
		{"industry standard unknown", edit("standards: [iec-62443-4-2, nist-csf-2.0]\n    - name: Manufacturing", "standards: [iec-62443-4-2, pci-dss]\n    - name: Manufacturing"), lineOf("standards: [iec-62443-4-2, nist-csf-2.0]\n    - name: Manufacturing"), `"pci-dss" is not a standard`},
		{"NAICS not digits", edit(`naics: ["221"]`, `naics: ["22x"]`), lineOf(`naics: ["221"]`), "not a NAICS code prefix"},
		{"industry without NAICS", edit(`naics: ["221"]`, `naics: []`), lineOf("- name: Utilities"), "list the NAICS code prefixes"},
		{"unknown field", edit("grace_period: 30d", "grace_period: 30d\ngrace: 3d"), lineOf("grace_period:") + 1, "field grace not found"},
		{"wrong type", edit("decline_below: 0.5", "decline_below: low"), lineOf("decline_below"), "cannot unmarshal"},
		{"bad period", edit("deadline: 30d", "deadline: a month"), lineOf("deadline: 30d"), "is not a period"},
		{"malformed YAML", edit("weights:\n  A1: 3", "weights: [A1: 3"), lineOf("weights:"), "malformed profile"},
		{"second document", base + "---\nid: other\n", strings.Count(base, "\n") + 1, "more than one YAML document"},
		{"empty", "", 0, "the profile is empty"},
	}
	cat := protocol.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("insurer.yaml", []byte(tt.src), cat)
			if err == nil {
				t.Fatalf("accepted: %+v", p)
			}
			if p != nil {
				t.Error("a profile returned with an error")
			}
			var e *insurable.Error
			if !errors.As(err, &e) || e.Path != "insurer.yaml" || e.Kind != insurable.Invalid {
				t.Fatalf("error %v is not an invalid-input *insurable.Error naming the file", err)
			}
			if e.Line != tt.line {
				t.Errorf("line %d, want %d: %v", e.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestGateEvaluate(t *testing.T) {
	in := Input{
		Facts:  map[string]any{"kev_past_due": 0, "sbom_coverage": 0.95, "root_key_custody": "hsm", "flag": true},
		Status: map[string]string{"A8": "pass", "B5": "needs-review"},
		Firm:   map[string]any{"naics": "221310", "assets": 150, "sites": 3, "id": "f"},
	}
	tests := []struct {
		expr string
		want bool
		err  string // substring of the error, when evaluation fails
	}{
		{expr: "facts.kev_past_due == 0", want: true},
		{expr: "facts.kev_past_due > 0", want: false},
		{expr: "facts.sbom_coverage >= 0.9", want: true},
		{expr: "facts.sbom_coverage >= 1", want: false}, // ints and doubles compare
		{expr: "facts.root_key_custody in ['hsm', 'offline']", want: true},
		{expr: "facts.flag", want: true},
		{expr: "status.A8 == 'pass' && status.B5 != 'fail'", want: true},
		{expr: "firm.naics.startsWith('221') && firm.assets < 1000", want: true},
		{expr: "!has(facts.vulns_kev) || facts.vulns_kev == 0", want: true},
		// A fact that no check set (its evidence was absent or unverified)
		// cannot be evaluated: the gate is unknown, never passed.
		{expr: "facts.vulns_kev == 0", err: "no such key: vulns_kev"},
		{expr: "facts.kev_past_due == 0 && facts.vulns_kev == 0", err: "no such key"},
		{expr: "status.Z9 == 'pass'", err: "no such key"},
		{expr: "facts.kev_past_due", err: "not true or false"},
	}
	for _, tt := range tests {
		g := Gate{ID: "g", Expr: tt.expr, Effect: Decline}
		got, err := g.Evaluate(in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: got %v, %v; want an error saying %q", tt.expr, got, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("%s = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
	// Gates built in code compile on first use; bad ones report it.
	bad := Gate{ID: "bad", Expr: "facts.", Effect: Condition}
	if _, err := bad.Evaluate(in); err == nil {
		t.Error("a gate that does not compile evaluated")
	}
	// The cost limit stops runaway expressions.
	heavy := Gate{ID: "heavy", Expr: "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, a+b+c+d+e+f > 0))))))", Effect: Decline}
	if _, err := heavy.Evaluate(in); err == nil || !strings.Contains(err.Error(), "cost") {
		t.Errorf("a gate of a million steps ran: %v", err)
	}
}

func TestNodeLine(t *testing.T) {
	src := minimalProfile + "gates:\n  - id: a\n    expr: 'true'\n    effect: decline\n"
	parseOK(t, src)
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path []any
		line int
	}{
		{nil, 1},
		{[]any{"catalog"}, 4},
		{[]any{"tiers", 0}, 6},
		{[]any{"gates", 0, "effect"}, 10},
		{[]any{"gates", 3, "effect"}, 8}, // past the end: the deepest node found (the list)
		{[]any{"nope"}, 1},
	} {
		if got := nodeLine(&root, tt.path...); got != tt.line {
			t.Errorf("nodeLine(%v) = %d, want %d", tt.path, got, tt.line)
		}
	}
}
