package epss

import (
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, name := range []string{"testdata/epss-sample.csv", "testdata/epss-sample.csv.gz"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Parse(name, data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s.Model != "v2023.03.01" || s.Date != "2025-08-25" || len(s.List) != 3 {
			t.Errorf("%s: %+v", name, s)
		}
		sc, ok := s.Lookup("cve-2019-12256")
		if !ok || sc.EPSS != 0.93215 || sc.Percentile != 0.99791 {
			t.Errorf("%s: lookup = %+v %v", name, sc, ok)
		}
		if s.List[0].CVE != "CVE-2017-9638" {
			t.Errorf("%s: not sorted: %v", name, s.List)
		}
	}
}

func TestParseWithoutComment(t *testing.T) {
	s, err := Parse("x.csv", []byte("cve,epss,percentile\nCVE-2020-0001,0.5,0.9\n"))
	if err != nil || len(s.List) != 1 || s.Date != "" {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestParseRefuses(t *testing.T) {
	tests := map[string]struct{ doc, want string }{
		"no header":   {"", "no header row"},
		"bad header":  {"id,score\n", "lacks cve"},
		"bad cve":     {"cve,epss,percentile\nGHSA-1,0.1,0.2\n", "x:2: \"GHSA-1\" is not a CVE id"},
		"bad number":  {"#model_version:v1\ncve,epss,percentile\nCVE-2020-1,high,0.2\n", "x:3: epss and percentile"},
		"out of band": {"cve,epss,percentile\nCVE-2020-1,1.5,0.2\n", "from 0 to 1"},
		"short row":   {"cve,epss,percentile\nCVE-2020-1\n", "x:2"},
		"bad gzip":    {"\x1f\x8b\x08garbage", "bad gzip"},
		"open quote":  {"#model_version:v1\ncve,epss,percentile\n\"CVE-2020-1,0.1,0.2\n", "x:3: malformed CSV"},
	}
	for name, tt := range tests {
		_, err := Parse("x", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tt.want)
		}
	}
}
