package sbom

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse, Validate and Match arbitrary bytes, seeded with
// the CycloneDX suites and the SPDX samples: nothing may panic.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/cyclonedx-1.6/*.json", "testdata/*.spdx.json", "testdata/osv-scanner/sbom.cdx.json"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Validate("fuzz.json", data)
		d, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		_ = d.Summarise()
		for i := range d.Components {
			_, _ = Package(&d.Components[i])
		}
		_ = Match([]*Document{d}, nil, nil)
	})
}
