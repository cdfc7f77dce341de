package schematest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/report"
	"github.com/insurable/insurable/scan"
)

// testBundle is the evidence package's complete test bundle.
var testBundle = repoPath("evidence", "testdata", "valid")

// ourSchemas are the schema files this package keeps in step; other
// schemas in docs/schemas belong to the documents that describe them.
var ourSchemas = []string{
	"common.schema.json", "bundle.schema.json", "firm.schema.json", "inventory.schema.json", "risk-register.schema.json",
	"board-reviews.schema.json", "officers.schema.json", "continuity.schema.json", "pentests.schema.json",
	"assessments.schema.json", "sharing.schema.json", "certifications.schema.json", "sdlc.schema.json",
	"legacy.schema.json", "key-custody.schema.json", "ram.schema.json", "remediation.schema.json",
	"dashboards.schema.json", "cvd-policy.schema.json", "data-stores.schema.json", "device-models.schema.json",
	"changes.schema.json", "profile.schema.json", "assessment-result.schema.json", "scan-results.schema.json",
}

func TestSchemasCompile(t *testing.T) {
	for _, name := range ourSchemas {
		data, err := os.ReadFile(repoPath("docs", "schemas", name))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" || doc["title"] == nil || doc["description"] == nil {
			t.Errorf("%s: want $schema draft 2020-12, a title and a description", name)
		}
		if name != "common.schema.json" {
			schema(t, name)
		}
	}
}

// Every YAML file the loader reads has a schema, so that a new file cannot
// be added to the bundle without documenting it.
func TestEveryBundleFileHasASchema(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, repoPath("evidence", "bundle.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Path") {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		p, _ := strconv.Unquote(lit.Value)
		if !strings.HasSuffix(p, ".yaml") {
			return true
		}
		n++
		if _, ok := bundleSchemas[p]; !ok {
			t.Errorf("%s (%s) has no schema in bundleSchemas", vs.Names[0].Name, p)
		}
		return true
	})
	if n != len(bundleSchemas) {
		t.Errorf("evidence declares %d YAML paths, bundleSchemas maps %d", n, len(bundleSchemas))
	}
}

// The test bundle, and every example bundle, validate file by file.
func TestBundlesValidate(t *testing.T) {
	dirs := append([]string{testBundle}, exampleBundles(t)...)
	for _, dir := range dirs {
		files := bundleFiles(t, dir)
		if dir == testBundle && len(files) != len(bundleSchemas)+2 {
			t.Errorf("the test bundle has %d files with schemas, want every one (%d) plus an inventory and a scan", len(files), len(bundleSchemas)+2)
		}
		names := make([]string, 0, len(files))
		for rel := range files {
			names = append(names, rel)
		}
		sort.Strings(names)
		for _, rel := range names {
			t.Run(filepath.Base(dir)+"/"+rel, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
				if err != nil {
					t.Fatal(err)
				}
				var doc any
				if strings.HasSuffix(rel, ".json") {
					err = json.Unmarshal(data, &doc)
				} else {
					doc, err = yamlToJSON(data)
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := validate(t, files[rel], doc); err != nil {
					t.Errorf("%s against %s:\n%v", rel, files[rel], err)
				}
			})
		}
	}
}

// The loader and the schema accept and refuse the same documents.
func TestLoaderAndSchemaAgree(t *testing.T) {
	board := readTestFile(t, evidence.PathBoardReviews)
	const sig = "governance/signatures/board-2026-03.dsse.json"
	tests := []struct {
		name, file, content string
		ok                  bool
	}{
		{"unquoted numbers and booleans in text fields", evidence.PathFirm, "id: 42\nname: true\nnaics: 221310\nsites: [{id: 7, name: 1.5}]\n", true},
		{"a date-time where a date belongs", evidence.PathChanges, "changes:\n  - id: C-1\n    approved: 2026-01-31T10:00:00Z\n", true},
		{"an area of the matrix left empty", evidence.PathRAM, "areas:\n  R1:\n  R2: {responsible: [a], accountable: [b]}\n", true},
		{"severity keys of the firm's own", evidence.PathCVDPolicy, "fix_days: {Critical: 7, urgent: 1}\n", true},
		{"null for records Go leaves out", evidence.PathOfficers, "responsible_officer: null\naccountable_officer: ~\nattestation: null\n", true},
		{"an empty date", evidence.PathRiskRegister, "reviewed: \"\"\n", true},
		{"unknown field", evidence.PathFirm, "id: f\nname: F\nnaics: \"221\"\nceo: X\n", false},
		{"unknown nested field", evidence.PathContinuity, "plan:\n  title: BCP\n  owner: Tom\n", false},
		{"unknown field in a list", evidence.PathRemediation, "items:\n  - id: RP-00000000\n    notes: x\n", false},
		{"wrong type: text for a number", evidence.PathRiskRegister, "risks:\n  - id: R\n    likelihood: high\n", false},
		{"wrong type: quoted boolean", evidence.PathPentests, "tests:\n  - id: T\n    independent: \"true\"\n", false},
		{"wrong type: list for an object", evidence.PathDeviceModels, "models:\n  - vendor: V\n    product: P\n    update: [automated]\n", false},
		{"wrong type: object for a list", evidence.PathBoardReviews, "reviews:\n  date: 2026-01-01\n", false},
		{"wrong type: text for days", evidence.PathCVDPolicy, "fix_days: {critical: thirty}\n", false},
		{"not a date", evidence.PathBoardReviews, "reviews:\n  - date: next week\n", false},
		{"a day that does not exist", evidence.PathBoardReviews, "reviews:\n  - date: 2026-02-30\n", false},
		{"a month that does not exist", "inventory/extra.yaml", "assets:\n  - asset_id: A\n    eol: 2026-13-01\n", false},
		{"signature climbing out of the bundle", evidence.PathBoardReviews, strings.Replace(board, sig, "../outside.json", 1), false},
		{"signature with .. inside", evidence.PathBoardReviews, strings.Replace(board, sig, "governance/../../x.json", 1), false},
		{"absolute signature", evidence.PathBoardReviews, strings.Replace(board, sig, "/etc/passwd", 1), false},
		{"signature with a drive letter", evidence.PathBoardReviews, strings.Replace(board, sig, "C:/sig.json", 1), false},
		{"signature with backslashes", evidence.PathBoardReviews, strings.Replace(board, sig, `governance\signatures\x.json`, 1), false},
		{"another bundle format", evidence.PathManifest, "format: insurable.evidence/v2\n", false},
		{"manifest without a format", evidence.PathManifest, "description: x\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := yamlToJSON([]byte(tt.content))
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := validate(t, schemaFor(tt.file), doc)
			dir := copyDir(t, testBundle)
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(tt.file)), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			b, loadErr := evidence.Load(dir, evidence.Options{})
			if b != nil {
				b.Close()
			}
			if tt.ok && (schemaErr != nil || loadErr != nil) {
				t.Errorf("want both to accept; schema: %v; loader: %v", schemaErr, loadErr)
			}
			if !tt.ok && (schemaErr == nil || loadErr == nil) {
				t.Errorf("want both to refuse; schema: %v; loader: %v", schemaErr, loadErr)
			}
			if loadErr != nil && !tt.ok && !strings.Contains(loadErr.Error(), tt.file) {
				t.Errorf("the loader's error does not name %s: %v", tt.file, loadErr)
			}
		})
	}
}

func readTestFile(t testing.TB, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testBundle, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The built-in profiles validate, and profile.Parse and the schema refuse
// the same mistakes (those a schema can express: CEL, the order of tiers
// and the floor are checked by insurable alone).
func TestProfilesAgree(t *testing.T) {
	cat := protocol.Default()
	for _, name := range profile.Builtin() {
		data, err := os.ReadFile(repoPath("profile", "profiles", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := yamlToJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(t, "profile.schema.json", doc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	const head = "id: p\ntitle: P\nversion: 1.0.0\ncatalog: iiot-ssdp@1\n"
	const tiers = "tiers: [{tier: A, min_score: 0}]\n"
	tests := []struct {
		name, src string
		ok        bool
	}{
		{"minimal", head + tiers, true},
		{"everything", head + tiers + "mandatory: [A1, O4]\nweights: {A1: 3, R2: 0.5}\nneeds_review_credit: 0.5\ndecline_below: 0\n" +
			"gates: [{id: g-1, title: T, expr: 'facts.kev_past_due == 0', effect: condition, deadline: 1y6mo, remediation: Fix}]\n" +
			"freshness: {board_review: 12mo, observations: 90d}\ndeadlines: {remediation: {critical: 7d}, conditions: 2w, cvd_fix: {low: 1y}}\n" +
			"assessment_validity: 90d\ngrace_period: 30d\nstandards: {default: [eu-cra], industries: [{name: U, naics: ['221'], standards: [nist-csf-2.0]}]}\n", true},
		{"unknown field", head + tiers + "owner: me\n", false},
		{"unknown item", head + tiers + "mandatory: [Z9]\n", false},
		{"item in lower case", head + tiers + "mandatory: [a1]\n", false},
		{"weight over 100", head + tiers + "weights: {A1: 101}\n", false},
		{"weight on an unknown item", head + tiers + "weights: {A10: 1}\n", false},
		{"credit over 1", head + tiers + "needs_review_credit: 1.5\n", false},
		{"no tiers", head + "tiers: []\n", false},
		{"tier without a name", head + "tiers: [{min_score: 0}]\n", false},
		{"tier score over 1", head + "tiers: [{tier: A, min_score: 2}]\n", false},
		{"version not semantic", strings.Replace(head, "1.0.0", "\"1.0\"", 1) + tiers, false},
		{"catalog without a major", strings.Replace(head, "@1", "", 1) + tiers, false},
		{"empty id", strings.Replace(head, "id: p", "id: \"\"", 1) + tiers, false},
		{"gate effect unknown", head + tiers + "gates: [{id: g, expr: 'true', effect: warn}]\n", false},
		{"gate id with capitals", head + tiers + "gates: [{id: G, expr: 'true', effect: decline}]\n", false},
		{"gate without expression", head + tiers + "gates: [{id: g, effect: decline}]\n", false},
		{"bad period", head + tiers + "grace_period: a month\n", false},
		{"unknown severity", head + tiers + "deadlines: {remediation: {urgent: 1d}}\n", false},
		{"unknown standard", head + tiers + "standards: {default: [iso-27001]}\n", false},
		{"NAICS not digits", head + tiers + "standards: {industries: [{name: U, naics: ['22x']}]}\n", false},
		{"industry without NAICS", head + tiers + "standards: {industries: [{name: U, naics: []}]}\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := yamlToJSON([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			schemaErr := validate(t, "profile.schema.json", doc)
			_, parseErr := profile.Parse("p.yaml", []byte(tt.src), cat)
			if tt.ok && (schemaErr != nil || parseErr != nil) {
				t.Errorf("want both to accept; schema: %v; Parse: %v", schemaErr, parseErr)
			}
			if !tt.ok && (schemaErr == nil || parseErr == nil) {
				t.Errorf("want both to refuse; schema: %v; Parse: %v", schemaErr, parseErr)
			}
		})
	}
}

// scan.Parse and the scan results schema refuse the same mistakes.
func TestScanResultsAgree(t *testing.T) {
	good := readTestFile(t, "scans/probe-2026-06.json")
	tests := []struct {
		name, src string
		ok        bool
	}{
		{"test bundle's scan", good, true},
		{"minimal", `{"format": "insurable.scan/v1"}`, true},
		{"endpoint without TLS", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 1}]}`, true},
		{"other format", `{"format": "insurable.scan/v2"}`, false},
		{"no format", `{"endpoints": []}`, false},
		{"unknown field", `{"format": "insurable.scan/v1", "operator": "me"}`, false},
		{"unknown endpoint field", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 1, "vulns": []}]}`, false},
		{"port 0", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 0}]}`, false},
		{"port too high", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 70000}]}`, false},
		{"no host", `{"format": "insurable.scan/v1", "endpoints": [{"port": 22}]}`, false},
		{"port as text", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": "22"}]}`, false},
		{"client auth unknown", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 443, "tls": {"client_auth": "maybe"}}]}`, false},
		{"client auth missing", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 443, "tls": {"versions": []}}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(tt.src), &doc); err != nil {
				t.Fatal(err)
			}
			schemaErr := validate(t, "scan-results.schema.json", doc)
			_, parseErr := scan.Parse("scans/x.json", []byte(tt.src))
			if tt.ok && (schemaErr != nil || parseErr != nil) {
				t.Errorf("want both to accept; schema: %v; Parse: %v", schemaErr, parseErr)
			}
			if !tt.ok && (schemaErr == nil || parseErr == nil) {
				t.Errorf("want both to refuse; schema: %v; Parse: %v", schemaErr, parseErr)
			}
		})
	}
}

// assess is what insurable assess does for the JSON output, with the
// verifiers that need no feed: it returns the result's JSON.
func assess(t testing.TB, dir, prof string, asOf evidence.Date) ([]byte, *assessment.Result) {
	t.Helper()
	cat := protocol.Default()
	p, err := profile.Load(prof, cat)
	if err != nil {
		t.Fatal(err)
	}
	res, err := assessment.Run(context.Background(), assessment.Options{
		Dir: dir, Catalog: cat, Profile: p, AsOf: asOf, Today: evidence.MustDate("2026-06-30"),
		Verifiers: check.Verifiers{Scans: scan.Reader{}},
		Tool:      assessment.Tool{Name: "insurable", Version: "test"},
	})
	if err != nil {
		t.Fatalf("assess %s: %v", dir, err)
	}
	var buf bytes.Buffer
	if err := report.JSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), res
}

// The JSON result of an assessment validates against its schema, for the
// test bundle under both built-in profiles and for every example.
func TestAssessmentResultValidates(t *testing.T) {
	type run struct{ dir, profile string }
	runs := []run{{testBundle, "baseline"}, {testBundle, "critical-infrastructure"}}
	for _, dir := range exampleBundles(t) {
		runs = append(runs, run{dir, "baseline"})
	}
	for _, r := range runs {
		t.Run(filepath.Base(r.dir)+"/"+r.profile, func(t *testing.T) {
			data, res := assess(t, r.dir, r.profile, evidence.Date{})
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema(t, "assessment-result.schema.json").Validate(inst); err != nil {
				t.Errorf("result does not validate:\n%v", err)
			}
			if len(res.Verdicts) != len(protocol.Default().Items) {
				t.Errorf("%d verdicts for %d catalog items", len(res.Verdicts), len(protocol.Default().Items))
			}
		})
	}
}

// Assessing the same bundle twice gives the same bytes, and the result
// changes when a byte of the evidence does.
func TestAssessmentIsDeterministic(t *testing.T) {
	asOf := evidence.MustDate("2026-06-30")
	first, res := assess(t, testBundle, "baseline", asOf)
	again, _ := assess(t, copyDir(t, testBundle), "baseline", asOf)
	if !bytes.Equal(first, again) {
		t.Error("two assessments of the same evidence differ")
	}
	if res.AsOf != asOf || !strings.HasPrefix(res.Inputs.Bundle.Digest, "sha256:") || res.Inputs.Bundle.Files == 0 {
		t.Errorf("as_of %s, bundle input %+v", res.AsOf, res.Inputs.Bundle)
	}
	dir := copyDir(t, testBundle)
	if err := os.WriteFile(filepath.Join(dir, "governance", "docs", "assessment-2026.txt"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, changed := assess(t, dir, "baseline", asOf)
	if changed.Inputs.Bundle.Digest == res.Inputs.Bundle.Digest {
		t.Error("changing a file left the bundle digest unchanged")
	}
	// Without --as-of the bundle's snapshot date counts as today.
	_, snap := assess(t, testBundle, "baseline", evidence.Date{})
	if snap.AsOf != evidence.MustDate("2026-06-30") {
		t.Errorf("as-of from the snapshot date: %s", snap.AsOf)
	}
}

// A malformed bundle is an input error, with the file and line, and no
// result.
func TestAssessMalformedBundle(t *testing.T) {
	dir := copyDir(t, testBundle)
	if err := os.WriteFile(filepath.Join(dir, "ram.yaml"), []byte("areas:\n  R1:\n    owner: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ := profile.Load("baseline", protocol.Default())
	res, err := assessment.Run(context.Background(), assessment.Options{Dir: dir, Profile: p, AsOf: evidence.MustDate("2026-06-30")})
	var e *insurable.Error
	if res != nil || !errors.As(err, &e) || e.Path != "ram.yaml" || e.Line != 3 || insurable.ExitCode(err) != insurable.ExitInput {
		t.Errorf("Run = %v, %v", res, err)
	}
}
