package vulnassess

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/vulnmatch"
)

var (
	snapOnce sync.Once
	snap     *feeds.Snapshot
	snapErr  error
)

// testSnapshot builds a snapshot from the feeds package's test sources:
// nine CISA advisories, a KEV sample, EPSS scores and two OSV records.
func testSnapshot(t testing.TB) *feeds.Snapshot {
	t.Helper()
	snapOnce.Do(func() {
		var src feeds.Sources
		if src, snapErr = feeds.SourcesIn("../feeds/testdata/sources"); snapErr == nil {
			snap, snapErr = feeds.Build(context.Background(), src, feeds.BuildOptions{RequireHash: true})
		}
	})
	if snapErr != nil {
		t.Fatal(snapErr)
	}
	return snap
}

func TestAssessVulnerabilities(t *testing.T) {
	b, err := evidence.Load("testdata/bundle", evidence.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rep, err := New(testSnapshot(t)).AssessVulnerabilities(context.Background(), b, evidence.MustDate("2026-11-27"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Feeds) != 4 {
		t.Errorf("feeds = %+v", rep.Feeds)
	}
	byAsset := map[string][]check.VulnerabilityMatch{}
	for _, m := range rep.Matches {
		key := m.AssetID
		if m.SBOM != "" {
			key = "sbom:" + m.SBOM
		}
		byAsset[key] = append(byAsset[key], m)
	}
	if n := len(byAsset["rtu-1"]); n != 11 {
		t.Errorf("rtu-1: %d matches, want the 11 URGENT/11 CVEs", n)
	}
	xtr := byAsset["xtr-1"]
	if len(xtr) != 1 || !xtr[0].KEV || xtr[0].KEVDue != evidence.MustDate("2022-05-03") || xtr[0].Severity != check.Critical || xtr[0].CVE != "CVE-2019-0708" {
		t.Errorf("xtr-1 = %+v", xtr)
	}
	plm := byAsset["plm-1"]
	if len(plm) != 1 || !plm[0].NoFixPlanned || plm[0].FixAvailable || plm[0].Published != evidence.MustDate("2022-12-15") {
		t.Errorf("plm-1 = %+v", plm)
	}
	icd := byAsset["icd-1"]
	if len(icd) != 2 || icd[0].Status != "unknown" || !icd[0].Unparsed || rep.Unparsed != 2 || icd[0].Ref.File != "inventory/assets.csv" || icd[0].Ref.Line != 5 {
		t.Errorf("icd-1 = %+v, unparsed %d", icd, rep.Unparsed)
	}
	if len(byAsset["sw-1"]) != 0 || len(byAsset["gw-1"]) != 0 {
		t.Errorf("sw-1 %+v gw-1 %+v", byAsset["sw-1"], byAsset["gw-1"])
	}
	// The gateway's SBOM: gin set aside by the VEX, x/net affected, and the
	// VxWorks it embeds matched against the URGENT/11 advisory.
	gw := byAsset["sbom:sboms/gateway.cdx.json"]
	if len(gw) != 12 || gw[0].AdvisoryID != "GO-2022-0969" || gw[0].CVE != "CVE-2022-27664" || gw[0].Component != "pkg:golang/golang.org/x/net@v0.0.0-20220722155237-a158d28d115b" || !gw[0].FixAvailable {
		t.Fatalf("gateway SBOM matches = %+v", gw)
	}
	for _, m := range gw[1:] {
		if m.AdvisoryID != "ICSA-19-211-01" || m.Component != "cpe:2.3:o:windriver:vxworks:6.9.4.11:*:*:*:*:*:*:*" || m.Version != "6.9.4.11" || m.Status != "affected" {
			t.Errorf("component match = %+v", m)
		}
	}
	var files []string
	for _, s := range rep.SBOMs {
		files = append(files, s.File)
	}
	if !slices.Equal(files, []string{"sboms/broken.cdx.json", "sboms/gateway.cdx.json"}) {
		t.Fatalf("SBOMs = %v", files)
	}
	broken, gwSum := rep.SBOMs[0], rep.SBOMs[1]
	if broken.Valid || !strings.Contains(broken.Problem, "/metadata/timestamp") {
		t.Errorf("broken = %+v", broken)
	}
	want := check.SBOMSummary{File: "sboms/gateway.cdx.json", Valid: true, Subject: "Example Devices edge-gateway 4.2.0", Vendor: "Example Devices", Product: "edge-gateway", Version: "4.2.0",
		Components: 4, Specific: 4, Suppliers: 2, Format: "CycloneDX", SpecVersion: "1.5", Vulnerabilities: 12, Suppressed: 1}
	if !reflect.DeepEqual(gwSum, want) {
		t.Errorf("gateway summary\n got %+v\nwant %+v", gwSum, want)
	}
}

func TestMatchInventoriesAgreesWithCatalog(t *testing.T) {
	s := testSnapshot(t)
	c := vulnmatch.NewCatalog(s.Advisories, vulnmatch.Feeds{KEV: s.KEV, EPSS: s.EPSS})
	paths := []string{"testdata/bundle/inventory/assets.csv", "testdata/bundle/inventory/assets.csv"}
	var got [][]vulnmatch.Match
	var ids []string
	sum, unparsed, err := MatchInventories(context.Background(), c, paths, MatchOptions{ChunkRows: 2}, func(ch *Chunk) error {
		for i := range ch.Rows {
			got = append(got, ch.Matches[i])
			ids = append(ids, ch.Rows[i].ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := ReadInventory(paths[0])
	rows = append(rows, rows...)
	if len(got) != len(rows) {
		t.Fatalf("%d rows emitted, want %d", len(got), len(rows))
	}
	for i := range rows {
		if ids[i] != rows[i].ID {
			t.Fatalf("row %d is %s, want %s: order lost", i, ids[i], rows[i].ID)
		}
		want := c.Match(&rows[i].Asset)
		if len(want) == 0 {
			want = nil
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("row %d (%s): matches differ from Catalog.Match", i, rows[i].ID)
		}
	}
	if sum.Assets != 12 || sum.AssetsMatched != 8 || sum.Unknown != 4 || sum.KEV != 2 || sum.Affected != 26 {
		t.Errorf("summary = %+v", sum)
	}
	if len(unparsed) != 1 || unparsed[0].AdvisoryID != "ICSMA-18-107-01" || unparsed[0].Assets != 2 {
		t.Errorf("unparsed = %+v", unparsed)
	}
}

// TestJSONEncoderAgreesWithEncodingJSON decodes the hand-written JSON with
// encoding/json and compares every field with the match it came from.
func TestJSONEncoderAgreesWithEncodingJSON(t *testing.T) {
	s := testSnapshot(t)
	c := vulnmatch.NewCatalog(s.Advisories, vulnmatch.Feeds{KEV: s.KEV, EPSS: s.EPSS})
	rows, err := ReadInventory("testdata/bundle/inventory/assets.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows[0].ID = "odd \"id\"\\\x01\u2028\xff ü"
	for _, detail := range []bool{false, true} {
		var all []byte
		var ms []vulnmatch.Match
		var rs []Row
		_, _, err := MatchRows(context.Background(), c, rows, MatchOptions{Encode: JSONEncoder(detail)}, func(ch *Chunk) error {
			all = append(all, ch.Encoded...)
			for i := range ch.Rows {
				for _, m := range ch.Matches[i] {
					ms = append(ms, m)
					rs = append(rs, ch.Rows[i])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var objs []map[string]any
		if err := json.Unmarshal(append(append([]byte("["), all[1:]...), ']'), &objs); err != nil {
			t.Fatalf("detail %v: not JSON: %v", detail, err)
		}
		if len(objs) != len(ms) {
			t.Fatalf("%d objects for %d matches", len(objs), len(ms))
		}
		for i, o := range objs {
			m, r := ms[i], rs[i]
			want := map[string]any{"asset_id": strings.ToValidUTF8(r.ID, "\ufffd"), "advisory_id": m.AdvisoryID, "cve": m.CVE, "status": m.Status, "kev": m.KEV, "cvss": m.CVSS, "severity": m.Severity, "product_id": m.ProductID, "fix_available": m.FixAvailable}
			for k, v := range want {
				if !reflect.DeepEqual(o[k], v) {
					t.Errorf("object %d: %s = %#v, want %#v", i, k, o[k], v)
				}
			}
			if m.Status != vulnmatch.StatusAffected && (o["versions"] != m.Versions || o["reason"] != m.Reason) {
				t.Errorf("object %d: versions/reason missing for status %s", i, m.Status)
			}
			if m.KEV && o["kev_due"] != m.KEVDue {
				t.Errorf("object %d: kev_due = %v", i, o["kev_due"])
			}
			if detail && (o["product"] != m.Product || o["inventory"] != r.File || o["line"] != float64(r.Line) || o["matched_by"] != m.MatchedBy) {
				t.Errorf("object %d: detail fields = %v", i, o)
			}
			if !detail && o["product"] != nil {
				t.Errorf("object %d: detail field without --detail", i)
			}
		}
	}
}
