package osv

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes and matches what it reads: no
// panic, and a record that is read has an id.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/records/*.json")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data, "1.5.0")
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, version string) {
		r, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		if r.ID == "" {
			t.Fatal("record without an id")
		}
		ix := NewIndex([]*Record{r})
		for _, a := range r.Affected {
			_ = ix.Match(Package{Ecosystem: a.Ecosystem, Name: a.Name, Version: version})
			_ = FixedVersion(r, Package{Ecosystem: a.Ecosystem, Name: a.Name, Version: version})
		}
	})
}

// FuzzCompareSemver checks that the order is antisymmetric.
func FuzzCompareSemver(f *testing.F) {
	f.Add("1.0.0-alpha.1", "1.0.0-alpha.beta")
	f.Add("v0.0.0-20210101000000-abcdef123456", "1.2.3.4")
	f.Fuzz(func(t *testing.T, a, b string) {
		if x, y := CompareSemver(a, b), CompareSemver(b, a); x != -y {
			t.Fatalf("CompareSemver(%q, %q) = %d, reversed %d", a, b, x, y)
		}
	})
}
