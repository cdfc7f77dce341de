package vulnmatch

import (
	"reflect"
	"slices"
	"testing"

	"github.com/insurable/insurable/advisory"
)

// TestImpactAgreesWithMatch checks the incremental path against the full
// one: for every advisory, the assets Fleet.Impact reports, with their
// matches, are exactly those a catalogue of that advisory alone matches.
func TestImpactAgreesWithMatch(t *testing.T) {
	advs := loadTestAdvisories(t)
	assets := randomAssets(advs, 400, 7)
	f := NewFleet()
	f.Add("site-a.csv", assets[:250])
	f.Add("site-b.csv", assets[250:])
	if f.Len() != len(assets) {
		t.Fatalf("Len = %d", f.Len())
	}
	inv := func(i int) string {
		if i < 250 {
			return "site-a.csv"
		}
		return "site-b.csv"
	}
	total := 0
	for _, a := range advs {
		c := NewCatalog([]*advisory.Advisory{a}, Feeds{})
		want := map[AssetRef][]Match{}
		for i := range assets {
			if ms := c.Match(&assets[i]); len(ms) > 0 {
				want[AssetRef{Inventory: inv(i), ID: assets[i].ID}] = ms
			}
		}
		total += len(want)
		got := map[AssetRef][]Match{}
		for _, im := range f.Impact(a, Feeds{}) {
			for _, r := range im.Assets {
				got[r] = im.Matches
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: impact gives %d assets, matching gives %d", a.ID, len(got), len(want))
			for r := range want {
				if _, ok := got[r]; !ok {
					t.Logf("  missing %v", r)
				}
			}
		}
	}
	if total < 100 {
		t.Errorf("only %d asset–advisory pairs matched: the test exercises too little", total)
	}
}

func TestFleetAddRemove(t *testing.T) {
	advs := loadTestAdvisories(t)
	i := slices.IndexFunc(advs, func(a *advisory.Advisory) bool { return a.ID == "ICSA-20-014-03" })
	adv := advs[i]
	f := NewFleet()
	f.Add("a.csv", []Asset{
		{ID: "sw1", Vendor: "Siemens", Product: "SCALANCE X307-3", Version: "V4.1.0"},
		{ID: "sw2", Vendor: "Siemens", Product: "SCALANCE X307-3", Version: "V4.1.0"},
		{ID: "sw3", Vendor: "Siemens", Product: "SCALANCE X307-3", Version: "V4.1.3"},
	})
	f.Add("b.csv", []Asset{{ID: "sw9", Vendor: "SIEMENS AG", Product: "SCALANCE X307-3", Version: "V4.1.0"}})
	if got := AffectedAssets(f.Impact(adv, Feeds{})); got != 3 {
		t.Errorf("affected = %d, want 3", got)
	}
	f.Add("a.csv", []Asset{{ID: "sw1", Vendor: "Siemens", Product: "SCALANCE X307-3", Version: "V4.1.3"}})
	if got := AffectedAssets(f.Impact(adv, Feeds{})); got != 1 {
		t.Errorf("after replacing a.csv, affected = %d, want 1", got)
	}
	f.Remove("b.csv")
	if got := f.Impact(adv, Feeds{}); len(got) != 0 {
		t.Errorf("after removing b.csv: %+v", got)
	}
	if f.Len() != 1 {
		t.Errorf("Len = %d, want 1", f.Len())
	}
	f.Remove("never-added.csv")
}
