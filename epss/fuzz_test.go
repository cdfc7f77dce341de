package epss

import (
	"os"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: no panic, and every score read is
// a probability.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/epss-sample.csv", "testdata/epss-sample.csv.gz"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.csv", data)
		if err != nil {
			return
		}
		for _, e := range s.List {
			if e.EPSS < 0 || e.EPSS > 1 || e.Percentile < 0 || e.Percentile > 1 {
				t.Fatalf("score out of range: %+v", e)
			}
		}
	})
}
