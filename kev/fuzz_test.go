package kev

import (
	"os"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: no panic, and a catalogue read has
// its entries sorted and findable.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/kev-sample.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"title":"t","catalogVersion":"1","dateReleased":"2025-01-01T00:00:00Z","count":0,"vulnerabilities":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		for i, e := range c.Entries {
			if i > 0 && c.Entries[i-1].CVE >= e.CVE {
				t.Fatal("entries not sorted and unique")
			}
			if _, ok := c.Lookup(e.CVE); !ok {
				t.Fatalf("%s not found", e.CVE)
			}
		}
	})
}
