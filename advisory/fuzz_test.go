package advisory

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse and Validate arbitrary bytes, seeded with real
// advisories and the CSAF TC's examples: neither may panic, and a document
// Parse reads must name an id.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/cisa/*/*.json", "testdata/examples/*.json", "testdata/bad/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(`{"document":{"tracking":{"id":"X"}},"product_tree":{"relationships":[{"product_reference":"a","relates_to_product_reference":"b","full_product_name":{"name":"n","product_id":"c"}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Validate("fuzz.json", data)
		a, err := Parse("fuzz.json", data)
		if err == nil && a.ID == "" {
			t.Fatal("parsed a document without an id")
		}
	})
}
