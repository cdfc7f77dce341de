package kev

import (
	"os"
	"strings"
	"testing"
)

func TestParseSample(t *testing.T) {
	data, err := os.ReadFile("testdata/kev-sample.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("kev-sample.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "2025.08.25" || len(c.Entries) != 40 || !strings.HasPrefix(c.Digest, "sha256:") {
		t.Errorf("catalog = %s %d %s", c.Version, len(c.Entries), c.Digest)
	}
	for i := 1; i < len(c.Entries); i++ {
		if c.Entries[i-1].CVE >= c.Entries[i].CVE {
			t.Fatalf("entries not sorted at %d", i)
		}
	}
	e, ok := c.Lookup(" cve-2024-20439 ")
	if !ok || e.VendorProject != "Cisco" || e.DueDate == "" || e.DateAdded == "" {
		t.Errorf("lookup = %+v, %v", e, ok)
	}
	if _, ok := c.Lookup("CVE-1999-0001"); ok {
		t.Error("found a CVE that is not in the catalogue")
	}
	var nilCat *Catalog
	if _, ok := nilCat.Lookup("CVE-2024-20439"); ok {
		t.Error("nil catalogue found a CVE")
	}
}

func TestParseRefuses(t *testing.T) {
	good, _ := os.ReadFile("testdata/kev-sample.json")
	tests := map[string]struct{ doc, want string }{
		"malformed":  {`{"title": "x",`, "malformed JSON"},
		"not kev":    {`{"hello": "world"}`, "not a KEV catalogue"},
		"bad cve":    {strings.Replace(string(good), `"CVE-2024-20439"`, `"CVE-24-1"`, 1), "not a KEV catalogue"},
		"bad date":   {strings.Replace(string(good), `"dateReleased": "2025-08-25T17:04:19.9796Z"`, `"dateReleased": "last monday"`, 1), "not a KEV catalogue"},
		"bad due":    {strings.Replace(string(good), `"dueDate": "2025-08-18"`, `"dueDate": "soon"`, 1), "/vulnerabilities/0/dueDate"},
		"empty file": {``, "malformed JSON"},
	}
	for name, tt := range tests {
		_, err := Parse(name, []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want it to name the file and say %q", name, err, tt.want)
		}
	}
}
