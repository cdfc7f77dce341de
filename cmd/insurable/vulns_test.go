package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/insurable/insurable"
)

const vt = "testdata/vulns/"

// isolateFeeds keeps the tests from a snapshot "feeds update" may have
// left in the user's data directory.
func isolateFeeds(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv(envFeeds, "")
}

func TestVulnsMatchJSONContract(t *testing.T) {
	isolateFeeds(t)
	code, out, errs := run(t, "vulns", "match", "--inventory", vt+"inventory.csv", "--advisories", vt+"advisories", "--kev", vt+"kev.json", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Matches  []map[string]any `json:"matches"`
		Unparsed []struct {
			AdvisoryID string `json:"advisory_id"`
			Assets     int    `json:"assets"`
		} `json:"unparsed"`
		Summary struct {
			Assets, AssetsMatched, Affected, Unknown int
		} `json:"summary"`
		Feeds    []map[string]string             `json:"feeds"`
		Rejected []struct{ File, Reason string } `json:"rejected"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("not JSON: %v\n%.500s", err, out)
	}
	for _, m := range res.Matches {
		for _, k := range []string{"asset_id", "advisory_id", "cve", "status", "kev", "cvss"} {
			if _, ok := m[k]; !ok {
				t.Fatalf("match lacks %q: %v", k, m)
			}
		}
	}
	assets := map[string]int{}
	for _, m := range res.Matches {
		assets[m["asset_id"].(string)]++
	}
	if assets["rtu-1"] != 11 || assets["icd-1"] != 2 || assets["sw-1"] != 1 || assets["sw-2"] != 0 || assets["srv-1"] != 0 {
		t.Errorf("matches per asset = %v", assets)
	}
	if len(res.Unparsed) != 1 || res.Unparsed[0].AdvisoryID != "ICSMA-18-107-01" || res.Unparsed[0].Assets != 1 {
		t.Errorf("unparsed = %+v", res.Unparsed)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].File != "truncated.json" {
		t.Errorf("rejected = %+v", res.Rejected)
	}
	if len(res.Feeds) != 2 || res.Feeds[0]["name"] != "csaf-advisories" || res.Feeds[1]["name"] != "cisa-kev" {
		t.Errorf("feeds = %+v", res.Feeds)
	}
	// Same inputs, same bytes.
	_, again, _ := run(t, "vulns", "match", "--inventory", vt+"inventory.csv", "--advisories", vt+"advisories", "--kev", vt+"kev.json", "-o", "json")
	if again != out {
		t.Error("two runs on the same inputs gave different JSON")
	}
}

func TestVulnsMatchBuiltInAndText(t *testing.T) {
	isolateFeeds(t)
	code, out, errs := run(t, "vulns", "match", "--inventory", vt+"inventory.csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"ASSET", "ICSA-19-211-01", "CVE-2019-12256", "5 assets, 4 matched", "could not be read", "Feeds: csaf-advisories 2024-09-24, cisa-kev 2025.08.25."} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	tests := []struct {
		args []string
		code int
		in   string
	}{
		{[]string{"vulns", "match"}, insurable.ExitUsage, "--inventory FILE is required"},
		{[]string{"vulns", "match", "--inventory", vt + "nope.csv"}, insurable.ExitNotFound, "nope.csv"},
		{[]string{"vulns", "match", "--inventory", vt + "kev.json"}, insurable.ExitInput, "kev.json:1"},
		{[]string{"vulns", "match", "--inventory", vt + "inventory.csv", "--feeds", vt + "nope"}, insurable.ExitNotFound, "feeds snapshot not found"},
		{[]string{"vulns", "match", "--inventory", vt + "inventory.csv", "-o", "xml"}, insurable.ExitUsage, "want one of"},
	}
	for _, tt := range tests {
		code, out, errs := run(t, tt.args...)
		if code != tt.code || !strings.Contains(out+errs, tt.in) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tt.args, code, tt.code, tt.in, out, errs)
		}
	}
	// An inventory refused before matching leaves no partial JSON.
	if code, out, _ := run(t, "vulns", "match", "--inventory", vt+"inventory.csv", "--inventory", vt+"kev.json", "-o", "json"); code != insurable.ExitInput || out != "" {
		t.Errorf("bad second inventory: exit %d, stdout %q", code, out)
	}
}

func TestVulnsSBOM(t *testing.T) {
	isolateFeeds(t)
	code, out, errs := run(t, "vulns", "sbom", vt+"sboms/gateway.cdx.json", "--osv", vt+"osv", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Matches []struct {
			PURL, Name, Version, ID string
			Aliases                 []string
		} `json:"matches"`
		NotChecked []map[string]string `json:"not_checked"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range res.Matches {
		ids = append(ids, m.Name+" "+m.ID)
		if m.PURL == "" || m.Version == "" || len(m.Aliases) == 0 {
			t.Errorf("match = %+v", m)
		}
	}
	if !slices.Equal(ids, []string{"github.com/gin-gonic/gin GO-2020-0001", "golang.org/x/net GO-2022-0969"}) {
		t.Errorf("matches = %v", ids)
	}
	if len(res.NotChecked) != 2 || res.NotChecked[0]["name"] != "VxWorks" || res.NotChecked[1]["name"] != "busybox" {
		t.Errorf("not checked = %v", res.NotChecked)
	}
	// The VxWorks the gateway embeds meets the URGENT/11 advisory.
	if n := strings.Count(out, `"advisory_id": "ICSA-19-211-01"`); n != 11 {
		t.Errorf("%d advisory matches of VxWorks, want 11:\n%s", n, out)
	}
	// The VEX sets gin aside.
	_, out, _ = run(t, "vulns", "sbom", vt+"sboms/gateway.cdx.json", "--osv", vt+"osv", "--vex", vt+"sboms/gateway-vex.json", "-o", "json")
	if !strings.Contains(out, `"suppressed_by": "EXD-VEX-2026-0001: known_not_affected"`) || strings.Count(out, `"id": "GO-`) != 2 {
		t.Errorf("with VEX:\n%s", out)
	}
	// Without --osv, the built-in records.
	code, out, _ = run(t, "vulns", "sbom", vt+"sboms/gateway.cdx.json")
	if code != 0 || !strings.Contains(out, "GO-2020-0001") {
		t.Errorf("built-in OSV: exit %d\n%s", code, out)
	}
	code, _, errs = run(t, "vulns", "sbom", vt+"kev.json", "--osv", vt+"osv")
	if code != insurable.ExitInput || !strings.Contains(errs, "not an SBOM") {
		t.Errorf("not an SBOM: exit %d %s", code, errs)
	}
}

func TestSBOMValidate(t *testing.T) {
	code, out, _ := run(t, "sbom", "validate", vt+"sboms/gateway.cdx.json")
	if code != 0 || !strings.Contains(out, "valid CycloneDX 1.5, 4 components") {
		t.Errorf("valid: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "sbom", "validate", vt+"sboms/gateway.cdx.json", vt+"sboms/broken.cdx.json", "-o", "json")
	if code != insurable.ExitVerifyFail || !strings.Contains(out, `"valid": false`) || !strings.Contains(out, "/metadata/timestamp") {
		t.Errorf("invalid: exit %d\n%s", code, out)
	}
	code, _, _ = run(t, "sbom", "validate", vt+"sboms/nope.json")
	if code != insurable.ExitVerifyFail {
		t.Errorf("missing file: exit %d", code)
	}
	code, out, _ = run(t, "sbom", "show", vt+"sboms/gateway.cdx.json")
	if code != 0 || !strings.Contains(out, "Describes: Example Devices edge-gateway 4.2.0") {
		t.Errorf("show: exit %d\n%s", code, out)
	}
}

// TestSBOMValidateConformance runs sbom validate on the CycloneDX
// specification's suites: exit 0 for every valid file, 7 for every
// invalid one.
func TestSBOMValidateConformance(t *testing.T) {
	for _, v := range []string{"1.5", "1.6"} {
		files, _ := filepath.Glob("../../sbom/testdata/cyclonedx-" + v + "/*.json")
		if len(files) < 40 {
			t.Fatalf("suite %s has %d files", v, len(files))
		}
		for _, f := range files {
			code, out, errs := run(t, "sbom", "validate", f)
			want := 0
			if strings.HasPrefix(filepath.Base(f), "invalid-") {
				want = insurable.ExitVerifyFail
			}
			if code != want {
				t.Errorf("%s: exit %d, want %d\n%s%s", f, code, want, out, errs)
			}
		}
	}
}

func TestVulnsImpact(t *testing.T) {
	isolateFeeds(t)
	code, out, errs := run(t, "vulns", "impact", vt+"advisories/icsa-20-014-03.json", "--inventory", vt+"inventory.csv", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Advisory       map[string]string `json:"advisory"`
		AssetsIndexed  int               `json:"assets_indexed"`
		AffectedAssets int               `json:"affected_assets"`
		Impacts        []struct {
			Assets []struct {
				ID string `json:"asset_id"`
			} `json:"assets"`
			Version string `json:"version"`
		} `json:"impacts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Advisory["id"] != "ICSA-20-014-03" || res.AssetsIndexed != 5 || res.AffectedAssets != 1 || res.Impacts[0].Assets[0].ID != "sw-1" {
		t.Errorf("impact = %+v", res)
	}
	code, _, errs = run(t, "vulns", "impact", vt+"advisories/truncated.json", "--inventory", vt+"inventory.csv")
	if code != insurable.ExitInput || !strings.Contains(errs, "truncated.json") {
		t.Errorf("bad advisory: exit %d %s", code, errs)
	}
}

func TestFeedsUpdateAndShow(t *testing.T) {
	isolateFeeds(t)
	to := filepath.Join(t.TempDir(), "snap")
	code, out, errs := run(t, "feeds", "update", "--from", "../../feeds/testdata/sources", "--to", to, "--require-hash")
	if code != 0 || !strings.Contains(out, "csaf-advisories") || !strings.Contains(out, "first-epss") {
		t.Fatalf("update: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = run(t, "feeds", "show", "--feeds", to, "-o", "json")
	if code != 0 || !strings.Contains(out, `"records": 9`) {
		t.Errorf("show: exit %d\n%s", code, out)
	}
	// Commands use the snapshot named by INSURABLE_FEEDS.
	t.Setenv(envFeeds, to)
	_, out, _ = run(t, "vulns", "match", "--inventory", vt+"inventory.csv", "-o", "json")
	if !strings.Contains(out, `"name": "first-epss"`) {
		t.Errorf("match did not use $INSURABLE_FEEDS:\n%.2000s", out)
	}
	// feeds update writes the user's data directory by default, and later
	// commands find it there.
	t.Setenv(envFeeds, "")
	if code, _, errs := run(t, "feeds", "update", "--from", "../../feeds/testdata/sources"); code != 0 {
		t.Fatalf("update to the default directory: %s", errs)
	}
	_, out, _ = run(t, "feeds", "show")
	if !strings.Contains(out, filepath.Join(os.Getenv("XDG_DATA_HOME"), "insurable", "feeds")) {
		t.Errorf("show after the default update:\n%s", out)
	}
	if code, _, _ := run(t, "feeds", "update"); code != insurable.ExitUsage {
		t.Errorf("update without a source: exit %d", code)
	}
}
