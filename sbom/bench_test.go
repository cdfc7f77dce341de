package sbom

import (
	"bytes"
	"testing"

	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/internal/fleetgen"
	"github.com/insurable/insurable/osv"
)

// BenchmarkMatchGoModules is the SBOM target of issue 3: a CycloneDX SBOM
// of 4,432 Go modules against the 4,291 Go records of the built-in
// snapshot — decoding the records, indexing them, reading the SBOM and
// matching, each iteration from scratch.
func BenchmarkMatchGoModules(b *testing.B) {
	s, err := feeds.Embedded(feeds.PartOSV)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := fleetgen.GoModulesSBOM(&buf, s.OSV, 4432, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		snap, err := feeds.Embedded(feeds.PartOSV)
		if err != nil {
			b.Fatal(err)
		}
		d, err := Parse("go-modules.cdx.json", data)
		if err != nil {
			b.Fatal(err)
		}
		res := Match([]*Document{d}, osv.NewIndex(snap.OSV), nil)
		b.ReportMetric(float64(len(res.Matches)), "pairs")
	}
}
