package osv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareSemver(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.3", "v1.2.3", 0},
		{"1.2", "1.2.0", 0},
		{"1.10.0", "1.9.9", 1},
		{"1.0.0-alpha", "1.0.0", -1},
		{"1.0.0-alpha", "1.0.0-alpha.1", -1},
		{"1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"1.0.0-beta.2", "1.0.0-beta.11", -1},
		{"1.0.0-rc.1", "1.0.0", -1},
		{"1.0.0+build.5", "1.0.0", 0},
		{"0.0.0-20210101000000-abcdef123456", "0.0.0-20220101000000-abcdef123456", -1},
		{"0.0.0-20210101000000-abcdef123456", "0.1.0", -1},
		{"2.0.0+incompatible", "2.0.0", 0},
		{"1.2.3.4", "1.2.3", -1}, // a fourth component reads as a pre-release, as in osv-scanner
		{"00001.2.3", "1.2.3", 0},
		{"99999999999999999999.0.0", "1.0.0", 1},
	}
	for _, tt := range tests {
		if got := CompareSemver(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSemver(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareSemver(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareSemver(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func loadTestIndex(t *testing.T) *Index {
	t.Helper()
	recs, probs, err := LoadDir(context.Background(), "testdata/records")
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	return NewIndex(recs)
}

func ids(rs []*Record) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return strings.Join(out, ",")
}

func TestMatch(t *testing.T) {
	ix := loadTestIndex(t)
	tests := []struct {
		pkg  Package
		want string
	}{
		{Package{"Go", "github.com/gin-gonic/gin", "v1.5.0"}, "GO-2020-0001"},
		{Package{"Go", "github.com/gin-gonic/gin", "1.6.0"}, ""},
		{Package{"Go", "github.com/gin-gonic/gin", ""}, "GO-2020-0001"},
		{Package{"Go", "github.com/Gin-Gonic/gin", "1.5.0"}, ""},
		{Package{"npm", "github.com/gin-gonic/gin", "1.5.0"}, ""},
		{Package{"Go", "example.com/multi", "1.1.9"}, "SYNTH-0001"},
		{Package{"Go", "example.com/multi", "1.2.0"}, ""},
		{Package{"Go", "example.com/multi", "1.5.2"}, "SYNTH-0001"},
		{Package{"Go", "example.com/multi", "1.5.3"}, ""},
		{Package{"Go", "example.com/multi", "2.0.0-beta"}, ""},
		{Package{"Go", "example.com/multi", "2.0.0-rc.1"}, "SYNTH-0001"},
		{Package{"Go", "example.com/multi", "2.1.0"}, "SYNTH-0001"},
		{Package{"Go", "example.com/multi", "2.1.1"}, ""},
		{Package{"Go", "example.com/multi", "v3.0.0"}, "SYNTH-0001"},
		{Package{"Go", "example.com/gitfirst", "1.0.0"}, ""},
		{Package{"Go", "stdlib", "1.21.4"}, "SYNTH-0001"},
	}
	for _, tt := range tests {
		if got := ids(ix.Match(tt.pkg)); got != tt.want {
			t.Errorf("Match(%+v) = %q, want %q", tt.pkg, got, tt.want)
		}
	}
}

func TestLoadDirReportsBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile("testdata/records/GO-2020-0001.json")
	files := map[string]string{
		"GO-2020-0001.json": string(good),
		"broken.json":       `{"id": "X", "affected": [`,
		"noid.json":         `{"summary": "no id"}`,
		"twoevents.json":    `{"id": "Y", "affected": [{"package": {"ecosystem": "Go", "name": "a"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1"}]}]}]}`,
		"wrongtype.json":    `{"id": 5}`,
		"notes.txt":         `ignored`,
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	recs, probs, err := LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].ID != "GO-2020-0001" {
		t.Errorf("records = %v", recs)
	}
	want := map[string]string{"broken.json": "broken.json:1: malformed JSON", "noid.json": "no id", "twoevents.json": "exactly one", "wrongtype.json": "id must be string"}
	if len(probs) != len(want) {
		t.Errorf("problems = %v", probs)
	}
	for _, p := range probs {
		if !strings.Contains(p.Reason, want[p.File]) {
			t.Errorf("%s: %q, want %q", p.File, p.Reason, want[p.File])
		}
	}
	if _, _, err := LoadDir(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Error("no error for a missing directory")
	}
}
