package vulnmatch

import (
	"testing"
)

func mustVersion(t *testing.T, s string) Version {
	t.Helper()
	v, ok := ParseVersion(s)
	if !ok {
		t.Fatalf("ParseVersion(%q) failed", s)
	}
	return v
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"V4.3.7", "4.3.8", -1},
		{"21.02.02", "BIOS 21.02.03", -1},
		{"BIOS 21.02.03", "21.02.03", 0},
		{"UEFI version 2.10", "2.9", 1},
		{"Bootloader V1.4", "bootloader 1.12", -1},
		{"4.3.8", "V4.3.8", 0},
		{"v4.3.8", "4.3.8.0", 0},
		{"4.10", "4.9", 1},
		{"02.07.07", "2.7.7", 0},
		{"V14 Update 5", "V14 SP1", -1},
		{"V14 SP1", "V14 SP1 Update 14", -1},
		{"V14 SP1 Upd 14", "V14 SP1 Update 14", 0},
		{"V14 SP1 Update 13", "V14 SP1 Update 14", -1},
		{"V14 SP2", "V14 SP1 Update 14", 1},
		{"V14", "V14 SP1", -1},
		{"V4.7 HF27", "V4.7 HF3", 1},
		{"V4.7 SP9 HF1", "V4.7 SP9", 1},
		{"V4.7 HF29", "V4.7 SP1", -1},
		{"V5.2 SP 3 HF 13", "V5.2 SP3 HF13", 0},
		{"3.1 Service Pack 1A", "3.1 SP1", 1},
		{"5.4.0 Build 160414", "5.4.0 build 160401", 1},
		{"7.52 build 344", "7.52", 1},
		{"2020 R2", "2020 R1", 1},
		{"2020 R2", "2021", -1},
		{"1.03D", "1.03", 1},
		{"1.03D", "1.03E", -1},
		{"1.22Y", "1.21X", 1},
		{"1.21W", "1.21X", -1},
		{"7.2.1-Beta", "7.2.1", -1},
		{"2.0.0-rc1", "2.0.0-beta2", 1},
		{"FW14", "13", 1},
		{"R4.10", "4.9", 1},
		{"15.2(5)EA", "15.2(6)E0a", -1},
		{"02.07.07(10)", "02.07.07(9)", 1},
		{"V3.2.16", "V3.X.17", -1},
		{"V3.2.17", "V3.X.17", 0},
		{"3.9.18", "V3.X.17", 1},
		{"1.5", "1.x", 0},
		{"2.0", "1.x", 1},
		{"2.35", "2.3x", 0},
		{"2.41", "2.3x", 1},
		{"2.2", "2.3x", -1},
		{"V4.70 SP9 Security Patch 1", "V4.70 SP9 Patch 1", 0},
		{"99999999999999999999999", "1", 1},
	}
	for _, tt := range tests {
		a, b := mustVersion(t, tt.a), mustVersion(t, tt.b)
		if got := Compare(a, b); got != tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Compare(b, a); got != -tt.want {
			t.Errorf("Compare(%q, %q) = %d, want %d (antisymmetry)", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestParseVersionRefuses(t *testing.T) {
	for _, s := range []string{"", "n/a", "April 1, 2018", "the first 5 digits of serial number 22081", "All Microsoft Windows operating systems", "Protiva Carestation View"} {
		if v, ok := ParseVersion(s); ok {
			t.Errorf("ParseVersion(%q) = %v, want failure", s, v)
		}
	}
}

func TestRangeContains(t *testing.T) {
	tests := []struct {
		rng     string
		inside  []string
		outside []string
	}{
		{"vers:all/*", []string{"1.0", "V99"}, nil},
		{"All versions", []string{"0.1"}, nil},
		{"vers:all/<V4.3.8", []string{"V4.3.7", "4.3", "1.0"}, []string{"V4.3.8", "4.3.8.0", "4.4", "V5"}},
		{"< V4.0.19.0", []string{"4.0.18.9"}, []string{"4.0.19"}},
		{"<= 6.12", []string{"6.12", "6.11.9"}, []string{"6.12.1", "6.13"}},
		{">= 13.3.1 | <= 13.3.3", []string{"13.3.1", "13.3.2", "13.3.3"}, []string{"13.3.0", "13.3.4", "14"}},
		{">=5.3|<=6.4", []string{"5.3", "6.0"}, []string{"5.2", "6.5"}},
		{">= V2.0 < V2.2.28", []string{"V2.0", "2.2.27"}, []string{"1.9", "2.2.28"}},
		{"> V3.0 < V4.0", []string{"3.0.1", "3.9"}, []string{"3.0", "4.0"}},
		{">= V2.3 and < V6.30.016", []string{"2.3", "6.30.15"}, []string{"2.2", "6.30.016"}},
		{"< 1.99 | 2.20 | 2.40", []string{"1.98", "2.20", "2.40"}, []string{"1.99", "2.30", "2.41"}},
		{"V1.0.4, V1.1", []string{"1.0.4", "V1.1"}, []string{"1.0.5", "1.2"}},
		{"All versions < V14 SP1 Update 14", []string{"V14 SP1 Update 13", "V14", "V13 SP2"}, []string{"V14 SP1 Update 14", "V14 SP2", "V15"}},
		{"< V17 Update 5", []string{"V17 Update 4", "V17"}, []string{"V17 Update 5", "V17 SP1"}},
		{"< V2010 SP3", []string{"V2010 SP2"}, []string{"V2010 SP3"}},
		{"<= 3.1 Service Pack 1A", []string{"3.1", "3.1 SP1"}, []string{"3.1 SP2", "3.2"}},
		{"< V4.8 HF4", []string{"V4.8 HF3", "V4.8"}, []string{"V4.8 HF4", "V4.8 SP1"}},
		{"< V3.X.17", []string{"3.2.16", "2.9"}, []string{"3.2.17", "4.0"}},
		{"All versions <= V1.x", []string{"1.0", "1.9.9"}, []string{"2.0"}},
		{"< 19.0.1 | < 18.0.1 | < 15.0.1", []string{"15.0.0", "14.9", "18.0.0", "19.0.0"}, []string{"15.0.1", "16.2", "18.0.1", "19.0.1"}},
		{"All versions between V2.5 (including) and V2.7 (excluding)", []string{"2.5", "2.6.9"}, []string{"2.4", "2.7"}},
		{"3.2 and prior", []string{"3.2", "1.0"}, []string{"3.2.1"}},
		{"1.0 to 1.5", []string{"1.0", "1.5"}, []string{"1.6"}},
		{"<= 2.01 (end-of-life Nov 2017)", []string{"2.01"}, []string{"2.02"}},
		{"NMC2 <= 6.9.6", []string{"6.9.6"}, []string{"6.9.7"}},
		{"V4.7: < V4.7 HF27", []string{"V4.7 HF26"}, []string{"V4.7 HF27"}},
		{"<=firmware_08", []string{"07", "8"}, []string{"09"}},
		{"<= 1.21X", []string{"1.21W", "1.21X", "1.20"}, []string{"1.22Y"}},
		{"<= 15.2(5)EA.fc4", []string{"15.2(5)EA.fc4", "15.2(4)"}, []string{"15.2(6)"}},
		{"All versions with Ethernet interface", []string{"1.0"}, nil},
	}
	for _, tt := range tests {
		r := ParseRange(tt.rng)
		if !r.Parsed() {
			t.Errorf("ParseRange(%q): %s", tt.rng, r.Reason)
			continue
		}
		for _, s := range tt.inside {
			if got := r.Contains(mustVersion(t, s), true); got != Inside {
				t.Errorf("%q contains %q = %v, want inside", tt.rng, s, got)
			}
		}
		for _, s := range tt.outside {
			if got := r.Contains(mustVersion(t, s), true); got != Outside {
				t.Errorf("%q contains %q = %v, want outside", tt.rng, s, got)
			}
		}
	}
}

func TestRangeUnknown(t *testing.T) {
	tests := []struct{ rng, reason string }{
		{"<=the_first_5_digits_of_serial_number_22081", "a serial number range, not a version"},
		{"distributed  < april 1, 2018", "a release date, not a version"},
		{"< January 31 2014", "a release date, not a version"},
		{"No version", "no version given"},
		{"Versions including affected IPv6 stack", "a condition, not a version range: including affected ipv6 stack"},
		{"", "empty range"},
		{"<", "comparison \"<\" without a version"},
	}
	for _, tt := range tests {
		r := ParseRange(tt.rng)
		if r.Parsed() {
			t.Errorf("ParseRange(%q) parsed as %v, want unknown", tt.rng, r.Constraints())
			continue
		}
		if r.Reason != tt.reason {
			t.Errorf("ParseRange(%q).Reason = %q, want %q", tt.rng, r.Reason, tt.reason)
		}
		if got := r.Contains(mustVersion(t, "1.0"), true); got != Undecided {
			t.Errorf("unknown range %q contains 1.0 = %v, want undecided", tt.rng, got)
		}
	}
}

func TestRangeWithoutAssetVersion(t *testing.T) {
	if got := ParseRange("< V4.0").Contains(Version{}, false); got != Undecided {
		t.Errorf("bounded range with no asset version = %v, want undecided", got)
	}
	if got := ParseRange("vers:all/*").Contains(Version{}, false); got != Inside {
		t.Errorf("all-versions range with no asset version = %v, want inside", got)
	}
}

func TestFixedIn(t *testing.T) {
	tests := []struct{ rng, want string }{
		{"vers:all/<V4.3.8", "V4.3.8"},
		{"< V17 Update 5", "V17 Update 5"},
		{"<= 6.12", ""},
		{"vers:all/*", ""},
	}
	for _, tt := range tests {
		got, _ := ParseRange(tt.rng).FixedIn()
		if got != tt.want {
			t.Errorf("FixedIn(%q) = %q, want %q", tt.rng, got, tt.want)
		}
	}
}
