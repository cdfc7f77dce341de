package sbom

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/osv"
)

// TestCycloneDXConformance runs the CycloneDX specification's own test
// suites: every valid-*.json is accepted, every invalid-*.json refused.
func TestCycloneDXConformance(t *testing.T) {
	for _, v := range []string{"1.5", "1.6"} {
		files, err := filepath.Glob("testdata/cyclonedx-" + v + "/*.json")
		if err != nil || len(files) < 40 {
			t.Fatalf("suite %s: %d files, %v", v, len(files), err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(filepath.Base(f), data)
			switch valid := strings.HasPrefix(filepath.Base(f), "valid-"); {
			case valid && err != nil:
				t.Errorf("%s refused: %v", f, err)
			case !valid && err == nil:
				t.Errorf("%s accepted", f)
			}
		}
	}
}

func TestValidateCycloneDXRules(t *testing.T) {
	base := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"a","bom-ref":"a"},{"type":"library","name":"b","bom-ref":"%s"}]%s}`
	tests := map[string]struct{ doc, want string }{
		"duplicate bom-ref":   {strings.Replace(strings.Replace(base, "%s", "a", 1), "%s", "", 1), `bom-ref "a" is given to two components`},
		"dangling dependency": {strings.Replace(strings.Replace(base, "%s", "b", 1), "%s", `,"dependencies":[{"ref":"a","dependsOn":["zzz"]}]`, 1), `"zzz" names no component`},
		"unsupported version": {`{"bomFormat":"CycloneDX","specVersion":"2.0","version":1}`, `specVersion "2.0" is not supported`},
		"bad timestamp":       {`{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"metadata":{"timestamp":"noon"}}`, "/metadata/timestamp"},
		"not an sbom":         {`{"hello":"world"}`, "not an SBOM"},
		"malformed":           {`{"bomFormat":`, "malformed JSON"},
	}
	for name, tt := range tests {
		err := Validate(name, []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want it to name the file and say %q", name, err, tt.want)
		}
	}
	ok := strings.Replace(strings.Replace(base, "%s", "b", 1), "%s", `,"dependencies":[{"ref":"a","dependsOn":["b"]}]`, 1)
	if err := Validate("ok", []byte(ok)); err != nil {
		t.Errorf("valid BOM refused: %v", err)
	}
	for _, v := range []string{"1.2", "1.3", "1.4"} {
		doc := `{"bomFormat":"CycloneDX","specVersion":"` + v + `","version":1,"components":[{"type":"library","name":"x","version":"1"}]}`
		if err := Validate("v"+v, []byte(doc)); err != nil {
			t.Errorf("CycloneDX %s: %v", v, err)
		}
	}
}

func TestSPDX(t *testing.T) {
	data, _ := os.ReadFile("testdata/spdx-2.3-valid.spdx.json")
	if err := Validate("valid", data); err != nil {
		t.Fatalf("valid SPDX refused: %v", err)
	}
	d, err := Parse("valid", data)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != FormatSPDX || d.SpecVersion != "2.3" || d.Subject == nil || d.Subject.Name != "edge-gateway-firmware" || len(d.Components) != 2 {
		t.Fatalf("document = %+v", d)
	}
	if s := d.Summarise(); s != (Summary{Components: 2, Specific: 2, Suppliers: 1}) {
		t.Errorf("summary = %+v", s)
	}
	for name, want := range map[string]string{
		"spdx-invalid-license.spdx.json":      "dataLicense",
		"spdx-invalid-created.spdx.json":      "creationInfo.created",
		"spdx-invalid-relationship.spdx.json": "missing used in relationship",
		"spdx-invalid-package.spdx.json":      "downloadLocation",
		"spdx-invalid-version.spdx.json":      "not supported",
	} {
		data, _ := os.ReadFile("testdata/" + name)
		if err := Validate(name, data); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

func TestParseCycloneDX(t *testing.T) {
	data, _ := os.ReadFile("testdata/osv-scanner/sbom.cdx.json")
	d, err := Parse("sbom.cdx.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != FormatCycloneDX || d.SpecVersion != "1.5" || d.Subject.Name != "fleet-gateway" || d.Subject.Supplier != "Example Devices" {
		t.Errorf("document = %+v", d.Subject)
	}
	s := d.Summarise()
	if s.Components != 85 || s.Specific != 85 || s.Suppliers != 0 {
		t.Errorf("summary = %+v", s)
	}
	nested := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"outer","components":[{"type":"library","name":"inner","purl":"pkg:npm/inner@1.0.0"}]}]}`
	d, err = Parse("nested", []byte(nested))
	if err != nil || len(d.Components) != 2 || d.Components[1].Name != "inner" {
		t.Errorf("nested components: %+v %v", d, err)
	}
}

func TestPackage(t *testing.T) {
	tests := []struct {
		c    Component
		want osv.Package
		ok   bool
	}{
		{Component{Name: "gin", Version: "v1.5.0", PURL: "pkg:golang/github.com/gin-gonic/gin@v1.5.0"}, osv.Package{Ecosystem: "Go", Name: "github.com/gin-gonic/gin", Version: "v1.5.0"}, true},
		{Component{Name: "github.com/gin-gonic/gin", PURL: "pkg:golang/github.com/gin-gonic/gin@v1.5.0"}, osv.Package{Ecosystem: "Go", Name: "github.com/gin-gonic/gin", Version: "v1.5.0"}, true},
		{Component{Name: "go", Version: "1.21.0", PURL: "pkg:golang/go@1.21.0"}, osv.Package{Ecosystem: "Go", Name: "stdlib", Version: "1.21.0"}, true},
		{Component{Name: "mod", Version: "v2.1.0", PURL: "pkg:golang/example.com/mod@v2.1.0#v2"}, osv.Package{Ecosystem: "Go", Name: "example.com/mod/v2", Version: "v2.1.0"}, true},
		{Component{Name: "log4j-core", Version: "2.14.1", PURL: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}, osv.Package{Ecosystem: "Maven", Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1"}, true},
		{Component{Name: "Django_Rest.Framework", Version: "3.0", PURL: "pkg:pypi/Django_Rest.Framework@3.0"}, osv.Package{Ecosystem: "PyPI", Name: "django-rest-framework", Version: "3.0"}, true},
		{Component{Name: "openssl", PURL: "pkg:deb/ubuntu/openssl@3.0.2"}, osv.Package{Ecosystem: "Ubuntu", Name: "openssl", Version: "3.0.2"}, true},
		{Component{Name: "x", PURL: "pkg:generic/x@1"}, osv.Package{Ecosystem: "generic"}, false},
		{Component{Name: "no purl", CPE: "cpe:2.3:a:x:y:1:*:*:*:*:*:*:*"}, osv.Package{}, false},
	}
	for _, tt := range tests {
		got, ok := Package(&tt.c)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Package(%+v) = %+v %v, want %+v %v", tt.c, got, ok, tt.want, tt.ok)
		}
	}
}

// TestAgreesWithOSVScanner compares with osv-scanner 2.6.0: the pairs it
// reported, offline, for this SBOM and these Go records (from the Go
// vulnerability database) are in osv-scanner-pairs.txt.
func TestAgreesWithOSVScanner(t *testing.T) {
	recs, probs, err := osv.LoadDir(context.Background(), "testdata/osv-scanner/osv")
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	data, _ := os.ReadFile("testdata/osv-scanner/sbom.cdx.json")
	d, err := Parse("sbom.cdx.json", data)
	if err != nil {
		t.Fatal(err)
	}
	res := Match([]*Document{d}, osv.NewIndex(recs), nil)
	var got []string
	for _, f := range res.Matches {
		got = append(got, f.Name+" "+f.Version+" "+f.ID)
	}
	var want []string
	fh, _ := os.Open("testdata/osv-scanner/osv-scanner-pairs.txt")
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			want = append(want, l)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("pairs differ from osv-scanner's: got %d, want %d", len(got), len(want))
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Logf("missing %s", w)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Logf("extra %s", g)
			}
		}
	}
}

func TestVEXSuppresses(t *testing.T) {
	recs, _, err := osv.LoadDir(context.Background(), "testdata/vex-osv")
	if err != nil {
		t.Fatal(err)
	}
	ix := osv.NewIndex(recs)
	data, _ := os.ReadFile("testdata/spdx-2.3-valid.spdx.json")
	d, _ := Parse("gw.spdx.json", data)
	res := Match([]*Document{d}, ix, nil)
	if len(res.Matches) != 1 || res.Matches[0].ID != "GO-2020-0001" || !slices.Contains(res.Matches[0].Aliases, "CVE-2020-36567") {
		t.Fatalf("without VEX: %+v", res.Matches)
	}
	if len(res.NotChecked) != 1 || res.NotChecked[0].Name != "busybox" {
		t.Errorf("not checked = %+v", res.NotChecked)
	}
	vexData, _ := os.ReadFile("testdata/vex-gateway.json")
	a, err := advisory.Parse("vex-gateway.json", vexData)
	if err != nil {
		t.Fatal(err)
	}
	res = Match([]*Document{d}, ix, NewVEX(a))
	if len(res.Matches) != 0 || len(res.Suppressed) != 1 || !strings.Contains(res.Suppressed[0].SuppressedBy, "EXD-VEX-2026-0001") {
		t.Errorf("with VEX: matches %+v suppressed %+v", res.Matches, res.Suppressed)
	}
	// A statement about another version does not suppress.
	other := strings.Replace(string(vexData), "gin@v1.5.0", "gin@v1.4.0", 1)
	b, _ := advisory.Parse("other", []byte(other))
	if res = Match([]*Document{d}, ix, NewVEX(b)); len(res.Matches) != 1 {
		t.Errorf("VEX for another version suppressed: %+v", res)
	}
	// The BOM's own analysis (CycloneDX embedded VEX) suppresses too.
	embedded := `{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
	 "components":[{"type":"library","bom-ref":"gin","name":"github.com/gin-gonic/gin","version":"v1.5.0","purl":"pkg:golang/github.com/gin-gonic/gin@v1.5.0"}],
	 "vulnerabilities":[{"id":"CVE-2020-36567","analysis":{"state":"not_affected","justification":"code_not_reachable"},"affects":[{"ref":"gin"}]}]}`
	e, err := Parse("embedded", []byte(embedded))
	if err != nil {
		t.Fatal(err)
	}
	if res = Match([]*Document{e}, ix, nil); len(res.Matches) != 0 || len(res.Suppressed) != 1 {
		t.Errorf("embedded VEX: %+v", res)
	}
}

func TestParseRefusesHostileInput(t *testing.T) {
	deep := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":` + strings.Repeat(`[{"type":"library","name":"x","components":`, 100) + `[]` + strings.Repeat(`}]`, 100) + `}`
	for name, doc := range map[string]string{
		"deep":     deep,
		"empty":    ``,
		"array":    `[]`,
		"badspdx":  `{"spdxVersion":"SPDX-2.3","packages":"nope"}`,
		"badcdx":   `{"bomFormat":"CycloneDX","components":"nope"}`,
		"notsbom":  `{"a":1}`,
		"trailing": `{"bomFormat":"CycloneDX"} x`,
	} {
		if _, err := Parse(name, []byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestParseEverySuiteBOM reads every valid BOM of the CycloneDX suites,
// including those cyclonedx-go cannot decode.
func TestParseEverySuiteBOM(t *testing.T) {
	files, _ := filepath.Glob("testdata/cyclonedx-1.*/valid-*.json")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if _, err := Parse(f, data); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
