package advisory

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadDirectory(t *testing.T) {
	set, err := Load(context.Background(), "testdata/cisa", Options{RequireHash: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range set.Advisories {
		ids = append(ids, a.ID)
	}
	want := []string{"ICSA-17-213-01", "ICSA-19-211-01", "ICSA-21-350-11", "ICSA-22-346-05", "ICSMA-17-082-02"}
	if !slices.Equal(ids, want) {
		t.Errorf("advisories = %v, want %v", ids, want)
	}
	if len(set.Problems) != 0 {
		t.Errorf("problems = %v, want none", set.Problems)
	}
	if set.Files != 5 {
		t.Errorf("files = %d, want 5", set.Files)
	}
}

func TestLoadKeepsGoodFilesAndReportsBadOnes(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "testdata/cisa", dir)
	copyTree(t, "testdata/bad", filepath.Join(dir, "bad"))
	set, err := Load(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Advisories) != 6 { // the five good ones and the one without a hash
		t.Errorf("kept %d advisories, want 6", len(set.Advisories))
	}
	wantProblems := map[string]string{
		"bad/malformed.json":      "line 2: malformed JSON",
		"bad/schema-invalid.json": "not valid CSAF 2.0: schema: at /document/tracking",
		"bad/tampered.json":       "content does not match bad/tampered.json.sha512",
	}
	if len(set.Problems) != len(wantProblems) {
		t.Errorf("problems = %v, want %d", set.Problems, len(wantProblems))
	}
	for _, p := range set.Problems {
		want, ok := wantProblems[p.File]
		if !ok || !strings.Contains(p.Reason, want) {
			t.Errorf("problem %s: %q, want it to contain %q", p.File, p.Reason, want)
		}
	}
	if !slices.ContainsFunc(set.Notes, func(p Problem) bool {
		return p.File == "bad/no-hash.json" && strings.Contains(p.Reason, "without hash verification")
	}) {
		t.Errorf("notes = %v, want a note on bad/no-hash.json", set.Notes)
	}

	strict, err := Load(context.Background(), dir, Options{RequireHash: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(strict.Problems, func(p Problem) bool { return p.File == "bad/no-hash.json" }) {
		t.Errorf("with RequireHash, bad/no-hash.json is not refused: %v", strict.Problems)
	}
}

func TestLoadROLIEFeed(t *testing.T) {
	set, err := Load(context.Background(), "testdata/rolie/feed-tlp-white.json", Options{RequireHash: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Advisories) != 2 || set.Advisories[0].ID != "ICSA-17-213-01" || set.Advisories[1].ID != "ICSA-22-346-05" {
		t.Fatalf("advisories = %v", set.Advisories)
	}
	if set.Advisories[0].File != "2017/icsa-17-213-01.json" {
		t.Errorf("file = %q", set.Advisories[0].File)
	}
	var files []string
	for _, p := range set.Problems {
		files = append(files, p.File)
	}
	if !slices.Equal(files, []string{"2023/missing-1.json", "etc/passwd"}) {
		t.Errorf("problems = %v", set.Problems)
	}
}

func TestLoadMissingPath(t *testing.T) {
	if _, err := Load(context.Background(), "testdata/nonexistent", Options{}); err == nil {
		t.Fatal("want an error for a missing directory")
	}
}

func TestLoadIsDeterministic(t *testing.T) {
	a, err := Load(context.Background(), "testdata/cisa", Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(context.Background(), "testdata/cisa", Options{Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a.Advisories)
	jb, _ := json.Marshal(b.Advisories)
	if string(ja) != string(jb) {
		t.Error("loading with 1 and 4 workers gives different results")
	}
	if DigestOf(a.Advisories) != DigestOf(b.Advisories) {
		t.Error("digests differ")
	}
}

func TestParseFlattensProductTree(t *testing.T) {
	data, err := os.ReadFile("testdata/cisa/2019/icsa-19-211-01.json")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Parse("icsa-19-211-01.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "ICSA-19-211-01" || a.Publisher != "CISA" || a.Released[:10] != "2019-07-30" {
		t.Errorf("header = %+v", a)
	}
	if len(a.Products) != 12 {
		t.Fatalf("products = %d, want 12", len(a.Products))
	}
	p := a.Products[0]
	if p.ID != "CSAFPID-0001" || p.Vendor != "Wind River" || p.Product != "VxWorks" || p.Version != "6.9.4.11" || p.Range != "" {
		t.Errorf("product 1 = %+v", p)
	}
	p = a.Products[8]
	if p.ID != "CSAFPID-0009" || p.Range != ">=5.3|<=6.4" {
		t.Errorf("product 9 = %+v", p)
	}
	v := a.Vulns[0]
	if v.CVE != "CVE-2019-12256" {
		t.Errorf("cve = %q", v.CVE)
	}
	if got := v.StatusOf("CSAFPID-0001"); got != StatusAffected {
		t.Errorf("status of 0001 = %q", got)
	}
	if got := v.StatusOf("CSAFPID-0009"); got != StatusNotAffected {
		t.Errorf("status of 0009 = %q", got)
	}
	if got := v.StatusOf("CSAFPID-9999"); got != "" {
		t.Errorf("status of an unlisted product = %q", got)
	}
	if s, ok := v.ScoreFor("CSAFPID-0001"); !ok || s.Base != 9.8 || s.Version != "3.0" && s.Version != "3.1" {
		t.Errorf("score = %+v", s)
	}
	if !v.HasRemediation(RemediationVendorFix, "CSAFPID-0001") || v.HasRemediation(RemediationVendorFix, "CSAFPID-0009") {
		t.Error("vendor_fix remediation not read per product")
	}
}

func TestParseModelNumbersAndNoFix(t *testing.T) {
	data, _ := os.ReadFile("testdata/cisa/2021/icsa-21-350-11.json")
	a, err := Parse("x", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Products[0].Models; !slices.Equal(got, []string{"6DL5424-0BX00-0AV8"}) {
		t.Errorf("models = %v", got)
	}
	data, _ = os.ReadFile("testdata/cisa/2022/icsa-22-346-05.json")
	a, err = Parse("x", data)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Vulns[0].HasRemediation(RemediationNoFixPlanned, "CSAFPID-0001") {
		t.Error("no_fix_planned not read")
	}
}

// TestConformanceSuite runs the OASIS CSAF TC's validator test files: the
// documents built to break tests 6.1.1 (product id used but not defined)
// and 6.1.2 (product id defined twice) must be refused, and every document
// the suite marks valid for a mandatory test must pass the schema and be
// read.
func TestConformanceSuite(t *testing.T) {
	var cases struct{ Reject, Accept []string }
	data, err := os.ReadFile("testdata/csaf-tc/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, name := range cases.Reject {
		data, _ := os.ReadFile(filepath.Join("testdata/csaf-tc", name))
		if _, err := Parse(name, data); err == nil {
			t.Errorf("%s: accepted, want refused", name)
		}
	}
	for _, name := range cases.Accept {
		data, _ := os.ReadFile(filepath.Join("testdata/csaf-tc", name))
		if err := Validate(name, data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := Parse(name, data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestExamplesAndVEX(t *testing.T) {
	names, _ := filepath.Glob("testdata/examples/*.json")
	if len(names) < 10 {
		t.Fatalf("only %d examples", len(names))
	}
	vex := 0
	for _, n := range names {
		data, _ := os.ReadFile(n)
		if err := Validate(n, data); err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		a, err := Parse(n, data)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if a.Category == "csaf_vex" {
			vex++
		}
	}
	if vex == 0 {
		t.Error("no VEX document among the examples")
	}
	data, _ := os.ReadFile("testdata/examples/2022-evd-uc-01-na-001.json")
	a, _ := Parse("na", data)
	if len(a.Vulns) != 1 || a.Vulns[0].CVE != "CVE-2021-44228" || a.Vulns[0].StatusOf("CSAFPID-0001") != StatusNotAffected {
		t.Errorf("VEX not-affected statement not read: %+v", a.Vulns)
	}
	if p := a.Products[0]; p.Vendor != "Example Company" || p.Product != "ABC" || p.Version != "4.2" {
		t.Errorf("VEX product = %+v", p)
	}
}

func TestParseRefusesHostileInput(t *testing.T) {
	deep := strings.Repeat(`{"category":"vendor","name":"x","branches":[`, maxBranchDepth+2) + strings.Repeat("]}", maxBranchDepth+2)
	tests := map[string]string{
		"empty":       ``,
		"not object":  `[1,2,3]`,
		"no tracking": `{"document":{"category":"csaf_base"}}`,
		"wrong type":  `{"document":{"tracking":{"id":5}}}`,
		"trailing":    `{"document":{"tracking":{"id":"A"}}} {}`,
		"deep tree":   `{"document":{"tracking":{"id":"A"}},"product_tree":{"branches":[` + deep + `]}}`,
	}
	for name, doc := range tests {
		if _, err := Parse(name, []byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLoadCache(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, "testdata/cisa", dir)
	copyTree(t, "testdata/bad", filepath.Join(dir, "bad"))
	cache := t.TempDir()
	first, err := Load(context.Background(), dir, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		t.Fatalf("cache holds %d files, want 1", len(entries))
	}
	again, err := Load(context.Background(), dir, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Error("the cached outcome differs from the first load")
	}
	// Changing a file, or an option, misses the cache.
	os.WriteFile(filepath.Join(dir, "bad", "tampered.json.sha512"), []byte(strings.Repeat("0", 128)), 0o644)
	third, err := Load(context.Background(), dir, Options{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Problems) != len(first.Problems) || !slices.ContainsFunc(third.Problems, func(p Problem) bool { return p.File == "bad/tampered.json" }) {
		t.Errorf("problems after a change = %v", third.Problems)
	}
	strict, _ := Load(context.Background(), dir, Options{CacheDir: cache, RequireHash: true})
	if !slices.ContainsFunc(strict.Problems, func(p Problem) bool { return p.File == "bad/no-hash.json" }) {
		t.Error("RequireHash was served a cached outcome loaded without it")
	}
	// A corrupt cache file is ignored.
	entries, _ = os.ReadDir(cache)
	for _, e := range entries {
		os.WriteFile(filepath.Join(cache, e.Name()), []byte("garbage"), 0o644)
	}
	if again, err := Load(context.Background(), dir, Options{CacheDir: cache}); err != nil || len(again.Advisories) != len(first.Advisories) {
		t.Errorf("corrupt cache: %v", err)
	}
}
