package vulnmatch

import (
	"testing"
)

var rangeSeeds = []string{
	"vers:all/*", "vers:all/<V4.3.8", "< V4.0.19.0", "<= 6.12", ">= 13.3.1 | <= 13.3.3", "< 3.3 SP1 3.x",
	"All versions < V14 SP1 Update 14", ">= V2.0 < V2.2.28", "< 1.99 | 2.20 | 2.40", "V1.0.4, V1.1", "<= V1.x",
	"< V3.X.17", "< 19.0.1 | < 18.0.1", "All versions between V2.5 (including) and V2.7 (excluding)",
	"<=the_first_5_digits_of_serial_number_22081", "distributed  < april 1, 2018", "NMC2 <= 6.9.6", "2.3x",
	"15.2(5)EA.fc4", "(((", "vers:", "<<>>==", "1.21X", "\xff\xfe", "version 1 and prior", "1.0 to 1.5",
}

// FuzzParseRange checks that reading any range and testing any version
// against it never panics, that a range that could not be read answers
// Undecided, and that an exact version is inside the range "= itself".
func FuzzParseRange(f *testing.F) {
	for _, r := range rangeSeeds {
		f.Add(r, "4.3.7")
	}
	f.Fuzz(func(t *testing.T, rng, version string) {
		r := ParseRange(rng)
		v, ok := ParseVersion(version)
		got := r.Contains(v, ok)
		if !r.Parsed() && got != Undecided {
			t.Fatalf("unread range %q gave %v", rng, got)
		}
		_, _ = r.FixedIn()
		if ok {
			if c := Compare(v, v); c != 0 {
				t.Fatalf("Compare(%q, itself) = %d", version, c)
			}
		}
	})
}

// FuzzCompare checks that version order is antisymmetric.
func FuzzCompare(f *testing.F) {
	f.Add("V14 SP1 Update 14", "V14 SP2")
	f.Add("1.03D", "1.03")
	f.Add("V3.X.17", "3.2.16")
	f.Add("2.3x", "2.41")
	f.Add("7.2.1-Beta", "7.2.1")
	f.Fuzz(func(t *testing.T, a, b string) {
		va, oka := ParseVersion(a)
		vb, okb := ParseVersion(b)
		if !oka || !okb {
			return
		}
		if x, y := Compare(va, vb), Compare(vb, va); x != -y {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, x, b, a, y)
		}
	})
}

// FuzzNames checks that normalising any vendor and product name, and
// looking it up, never panics.
func FuzzNames(f *testing.F) {
	f.Add("LS ELECTRIC, LS Industrial Systems (LSIS) Co. Ltd", "XGK-CPUU/H/A/S/E (6GK5307-3BL10-2AA3)", "6ES7 515")
	f.Add("GeutebrÃ¼ck", "SIMATIC WinCC (TIA Portal) V15", "")
	f.Add("multiple", "((((", ")))")
	f.Fuzz(func(t *testing.T, vendor, product, model string) {
		_ = NormalizeVendor(vendor)
		_ = SameVendor(vendor, product)
		a := Asset{Vendor: vendor, Product: product, Model: model, Version: model, CPE: "cpe:2.3:a:" + vendor + ":" + product, PURL: "pkg:generic/" + product}
		_ = assetLookupKeys(&a)
		_ = productKeys(product, []string{model}, NormalizeVendor(vendor), true)
	})
}
