package platform

import (
	"reflect"
	"strings"
	"testing"

	"github.com/insurable/insurable/attest"
)

func digest(c string) string { return strings.Repeat(c, 64) }

func TestCompare(t *testing.T) {
	m := &attest.Manifest{Platform: "gw", Files: []attest.ManifestFile{
		{Path: "/usr/bin/gatewayd", SHA256: digest("a"), Kind: attest.KindApplication},
		{Path: "/usr/lib/libssl.so.3", SHA256: digest("b"), Kind: attest.KindLibrary},
		{Path: "/etc/gatewayd.conf", SHA256: digest("c"), Kind: attest.KindConfiguration},
	}}
	tests := []struct {
		name  string
		files []File
		want  Diff
	}{
		{"exact", []File{{"/usr/bin/gatewayd", digest("a")}, {"/usr/lib/libssl.so.3", digest("b")}, {"/etc/gatewayd.conf", digest("c")}}, Diff{}},
		{"missing", []File{{"/usr/bin/gatewayd", digest("a")}}, Diff{Missing: []string{"/etc/gatewayd.conf", "/usr/lib/libssl.so.3"}}},
		{"modified and unlisted", []File{{"/usr/bin/gatewayd", digest("d")}, {"/usr/lib/libssl.so.3", digest("b")}, {"/etc/gatewayd.conf", digest("c")}, {"/tmp/.x", digest("e")}},
			Diff{Modified: []string{"/usr/bin/gatewayd"}, Unlisted: []string{"/tmp/.x"}}},
	}
	for _, tt := range tests {
		got := Compare(m, &Deployment{Host: "h", Manifest: "m", Files: tt.files})
		if !reflect.DeepEqual(got, tt.want) || got.Clean() != tt.want.Clean() {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseDeployment(t *testing.T) {
	sum := digest("a") + "  /usr/bin/gatewayd\n" + digest("b") + " */usr/lib/libssl.so.3\n"
	tests := []struct {
		name, yaml string
		files      int
		err        string
	}{
		{"files", "host: gw-01\nmanifest: platform/manifests/gw.dsse.json\nobserved: 2026-02-01\nfiles:\n  - path: /usr/bin/gatewayd\n    sha256: " + digest("a") + "\n", 1, ""},
		{"sha256sum", "host: gw-01\nmanifest: m\nsha256sum: |\n  " + strings.ReplaceAll(strings.TrimSpace(sum), "\n", "\n  ") + "\n", 2, ""},
		{"no host", "manifest: m\n", 0, "names its host"},
		{"unknown field", "host: h\nmanifest: m\nfiels: []\n", 0, "field fiels not found"},
		{"relative path", "host: h\nmanifest: m\nfiles:\n  - path: usr/bin/x\n    sha256: " + digest("a") + "\n", 0, "not a clean absolute path"},
		{"bad digest", "host: h\nmanifest: m\nfiles:\n  - path: /x\n    sha256: 1234\n", 0, "64 lower-case hex"},
		{"twice", "host: h\nmanifest: m\nfiles:\n  - {path: /x, sha256: " + digest("a") + "}\n  - {path: /x, sha256: " + digest("a") + "}\n", 0, "listed twice"},
		{"bad sha256sum", "host: h\nmanifest: m\nsha256sum: |\n  nonsense\n", 0, "sha256sum: line 1"},
		{"empty", "", 0, "file is empty"},
	}
	for _, tt := range tests {
		d, err := ParseDeployment("dep.yaml", []byte(tt.yaml))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "dep.yaml") {
				t.Errorf("%s: got %v, want an error naming dep.yaml saying %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || len(d.Files) != tt.files {
			t.Errorf("%s: got %v, %v", tt.name, d, err)
		}
	}
}

func FuzzParseDeployment(f *testing.F) {
	f.Add([]byte("host: gw-01\nmanifest: m\nfiles:\n  - path: /a\n    sha256: " + digest("a") + "\n"))
	f.Add([]byte("host: h\nmanifest: m\nsha256sum: |\n  " + digest("b") + "  /x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDeployment("fuzz.yaml", data)
		if err != nil {
			return
		}
		_ = Compare(&attest.Manifest{Files: []attest.ManifestFile{{Path: "/a", SHA256: digest("a")}}}, d)
	})
}
