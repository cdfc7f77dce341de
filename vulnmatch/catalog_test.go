package vulnmatch

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/kev"
)

var (
	testAdvOnce sync.Once
	testAdvs    []*advisory.Advisory
)

func loadTestAdvisories(t testing.TB) []*advisory.Advisory {
	t.Helper()
	testAdvOnce.Do(func() {
		set, err := advisory.Load(context.Background(), "testdata/advisories", advisory.Options{RequireHash: true})
		if err != nil {
			panic(err)
		}
		if len(set.Problems) > 0 {
			panic(fmt.Sprint(set.Problems))
		}
		testAdvs = set.Advisories
	})
	return testAdvs
}

func testCatalog(t testing.TB) *Catalog {
	k := &kev.Catalog{Version: "test", Entries: []kev.Entry{
		{CVE: "CVE-2019-12256", DateAdded: "2022-01-10", DueDate: "2022-07-10", Ransomware: "Known"},
	}}
	return NewCatalog(loadTestAdvisories(t), Feeds{KEV: k})
}

// summary renders matches as "ADVISORY CVE status" lines for comparison.
func summary(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.AdvisoryID+" "+m.CVE+" "+m.Status)
	}
	return slices.Compact(out)
}

func TestMatch(t *testing.T) {
	c := testCatalog(t)
	vx := func(status string) []string {
		var out []string
		for _, cve := range []string{"CVE-2019-12255", "CVE-2019-12256", "CVE-2019-12257", "CVE-2019-12258", "CVE-2019-12259", "CVE-2019-12260", "CVE-2019-12261", "CVE-2019-12262", "CVE-2019-12263", "CVE-2019-12264", "CVE-2019-12265"} {
			out = append(out, "ICSA-19-211-01 "+cve+" "+status)
		}
		return out
	}
	tests := []struct {
		name  string
		asset Asset
		want  []string
	}{
		{"exact version with build", Asset{Vendor: "Mitsubishi Electric Corp.", Product: "E-Designer", Version: "7.52 Build 344"},
			[]string{"ICSA-17-213-01 CVE-2017-9634 affected", "ICSA-17-213-01 CVE-2017-9636 affected", "ICSA-17-213-01 CVE-2017-9638 affected"}},
		{"exact version, other build", Asset{Vendor: "Mitsubishi Electric", Product: "E-Designer", Version: "7.52 Build 345"}, nil},
		{"exact version listed affected", Asset{Vendor: "Wind River Systems, Inc.", Product: "VxWorks", Version: "6.9.4.11"}, vx("affected")},
		{"range listed known_not_affected", Asset{Vendor: "Wind River", Product: "VxWorks", Version: "6.2"}, nil},
		{"between the listed versions", Asset{Vendor: "Wind River", Product: "VxWorks", Version: "6.8"}, nil},
		{"no_fix_planned, all versions", Asset{Vendor: "Siemens AG", Product: "PLM Help Server", Version: "V4.2"},
			[]string{"ICSA-22-346-05 CVE-2022-44575 affected"}},
		{"SP range, inside", Asset{Vendor: "SIEMENS", Product: "SIMATIC eaSie PCS 7 Skill Package", Version: "V21.00 SP2"},
			[]string{"ICSA-21-350-11 CVE-2021-42022 affected"}},
		{"SP range, at the fix", Asset{Vendor: "SIEMENS", Product: "SIMATIC eaSie PCS 7 Skill Package", Version: "V21.00 SP3"}, nil},
		{"model number only", Asset{Vendor: "Siemens", Product: "eaSie", Model: "6DL5424-0BX00-0AV8", Version: "V21.00"},
			[]string{"ICSA-21-350-11 CVE-2021-42022 affected"}},
		{"slash variant", Asset{Vendor: "LS Electric", Product: "XGK-CPUH", Version: "V3.40"},
			[]string{"ICSA-22-228-02 CVE-2022-2758 affected"}},
		{"slash variant, fixed", Asset{Vendor: "LS Electric", Product: "XGK-CPUH", Version: "V3.50"}, nil},
		{"update notation, inside", Asset{Vendor: "Siemens", Product: "SIMATIC STEP 7 (TIA Portal)", Version: "V16 Update 4"},
			[]string{"ICSA-22-104-14 CVE-2021-42029 affected"}},
		{"update notation, fixed", Asset{Vendor: "Siemens", Product: "SIMATIC STEP 7 (TIA Portal)", Version: "V17 Update 2"}, nil},
		{"date range is unknown", Asset{Vendor: "Abbott", Product: "Ellipse", Version: "1.0"},
			[]string{"ICSMA-18-107-01 CVE-2017-12712 unknown", "ICSMA-18-107-01 CVE-2017-12714 unknown"}},
		{"no inventory version", Asset{Vendor: "Siemens", Product: "SCALANCE X307-3", Model: "6GK5307-3BL10-2AA3"},
			[]string{"ICSA-20-014-03 CVE-2019-13933 unknown"}},
		{"model number, inside", Asset{Vendor: "Siemens", Product: "SCALANCE X307-3", Model: "6GK5307-3BL10-2AA3", Version: "V4.1.2"},
			[]string{"ICSA-20-014-03 CVE-2019-13933 affected"}},
		{"name only, inside", Asset{Vendor: "Siemens", Product: "SCALANCE XR324-12M TS", Version: "4.0"},
			[]string{"ICSA-20-014-03 CVE-2019-13933 affected"}},
		{"brand left out", Asset{Vendor: "Siemens", Product: "X307-3", Version: "4.0"},
			[]string{"ICSA-20-014-03 CVE-2019-13933 affected"}},
		{"fixed version", Asset{Vendor: "Siemens", Product: "SCALANCE X307-3", Version: "V4.1.3"}, nil},
		{"other vendor, same product name", Asset{Vendor: "Schneider Electric", Product: "SCALANCE X307-3", Version: "4.0"}, nil},
		{"unknown product", Asset{Vendor: "Siemens", Product: "SIMATIC S7-9999", Version: "1.0"}, nil},
		{"CPE without vendor and product", Asset{CPE: "cpe:2.3:h:siemens:scalance_x307-3:-:*:*:*:*:*:*:*", Version: "4.0"},
			[]string{"ICSA-20-014-03 CVE-2019-13933 affected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(c.Match(&tt.asset))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Match(%+v)\n got %v\nwant %v", tt.asset, got, tt.want)
			}
		})
	}
}

func TestMatchDetails(t *testing.T) {
	c := testCatalog(t)
	ms := c.Match(&Asset{Vendor: "Wind River", Product: "VxWorks", Version: "6.9.4.11"})
	i := slices.IndexFunc(ms, func(m Match) bool { return m.CVE == "CVE-2019-12256" })
	if i < 0 {
		t.Fatal("CVE-2019-12256 not matched")
	}
	m := ms[i]
	if !m.KEV || m.KEVDue != "2022-07-10" || !m.Ransomware {
		t.Errorf("KEV not applied: %+v", m)
	}
	if m.CVSS != 9.8 || m.Severity != "critical" || !m.FixAvailable || m.NoFixPlanned || m.ProductID != "CSAFPID-0001" || m.MatchedBy != "name" || m.Published != "2019-07-30" {
		t.Errorf("match = %+v", m)
	}
	ms = c.Match(&Asset{Vendor: "Siemens", Product: "PLM Help Server", Version: "V4.2"})
	if len(ms) != 1 || !ms[0].NoFixPlanned || ms[0].FixAvailable {
		t.Errorf("no_fix_planned: %+v", ms)
	}
	ms = c.Match(&Asset{Vendor: "Siemens", Product: "SCALANCE X307-3", Version: "V4.1"})
	if len(ms) != 1 || ms[0].FixedIn != "V4.1.3" || !ms[0].FixAvailable || ms[0].MatchedBy != "base name" {
		t.Errorf("fixed_in: %+v", ms)
	}
	ms = c.Match(&Asset{Vendor: "Abbott Laboratories", Product: "Ellipse", Version: "1"})
	if len(ms) != 2 || !ms[0].Unparsed || !strings.Contains(ms[0].Reason, "release date") {
		t.Errorf("unparsed: %+v", ms)
	}
	ms = c.Match(&Asset{Vendor: "Siemens", Product: "SCALANCE X307-3", Version: "firmware"})
	if len(ms) != 1 || ms[0].Status != StatusUnknown || ms[0].Unparsed || !strings.Contains(ms[0].Reason, "cannot read the inventory version") {
		t.Errorf("unreadable inventory version: %+v", ms)
	}
}

func TestMatchIsDeterministicAndConcurrent(t *testing.T) {
	c := testCatalog(t)
	assets := randomAssets(loadTestAdvisories(t), 300, 1)
	want := make([][]Match, len(assets))
	for i := range assets {
		want[i] = c.Match(&assets[i])
	}
	c2 := testCatalog(t)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(assets); i += 4 {
				if got := c2.Match(&assets[i]); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("asset %d: concurrent match differs", i)
				}
			}
		})
	}
	wg.Wait()
}

// randomAssets makes inventory rows from the advisories' own products,
// with versions around their ranges and vendor spellings varied, and some
// rows of products no advisory names.
func randomAssets(advs []*advisory.Advisory, n int, seed uint64) []Asset {
	r := rand.New(rand.NewPCG(seed, 2))
	var out []Asset
	versions := []string{"1.0", "V2.0", "V3.2.7", "V4.1.2", "V4.1.3", "6.2", "6.9.4.11", "7.52 build 344", "V16 Update 4", "V21.00 SP2", "", "x"}
	spell := []func(string) string{
		func(s string) string { return s },
		strings.ToUpper,
		func(s string) string { return s + " Inc." },
		func(s string) string { return s + " AG" },
		func(s string) string { return "Ünïtéd " + s + " Ø" }, // accents take the slow path of normalisation
	}
	for i := 0; i < n; i++ {
		a := advs[r.IntN(len(advs))]
		p := a.Products[r.IntN(len(a.Products))]
		as := Asset{
			ID:      fmt.Sprintf("A%04d", i),
			Vendor:  spell[r.IntN(len(spell))](p.Vendor),
			Product: p.Product,
			Version: versions[r.IntN(len(versions))],
		}
		if len(p.Models) > 0 && r.IntN(2) == 0 {
			as.Model = p.Models[0]
		}
		if r.IntN(8) == 0 {
			as.Product = "Unrelated Device " + fmt.Sprint(r.IntN(5))
		}
		out = append(out, as)
	}
	return out
}

func TestMatchSkipsHostileNames(t *testing.T) {
	c := testCatalog(t)
	long := strings.Repeat("ü(", 5000)
	for _, a := range []Asset{
		{Vendor: long, Product: long, Version: long},
		{Vendor: "Siemens", Product: "(((((", Version: ")))"},
		{Vendor: "\xff\xfe", Product: "\x00", Version: "\x00"},
		{},
	} {
		_ = c.Match(&a) // must not panic
	}
}

func TestTestdataHashes(t *testing.T) {
	// The advisories under testdata are verbatim copies: their .sha512
	// files are checked by loadTestAdvisories; this keeps the copy honest.
	if _, err := os.Stat("testdata/advisories/icsa-20-014-03.json.sha512"); err != nil {
		t.Fatal(err)
	}
}
