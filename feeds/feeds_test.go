package feeds

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func buildTestSnapshot(t *testing.T) *Snapshot {
	t.Helper()
	src, err := SourcesIn("testdata/sources")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(context.Background(), src, BuildOptions{RequireHash: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuildWriteLoad(t *testing.T) {
	s := buildTestSnapshot(t)
	if len(s.Advisories) != 9 || s.KEV == nil || len(s.KEV.Entries) != 11 || s.EPSS == nil || len(s.OSV) != 2 {
		t.Fatalf("snapshot: %d advisories, kev %v, epss %v, osv %d", len(s.Advisories), s.KEV != nil, s.EPSS != nil, len(s.OSV))
	}
	names := []string{}
	for _, f := range s.Manifest.Feeds {
		names = append(names, f.Name)
		if !strings.HasPrefix(f.Digest, "sha256:") || f.Records == 0 {
			t.Errorf("feed %+v", f)
		}
	}
	if strings.Join(names, ",") != "csaf-advisories,cisa-kev,first-epss,osv" {
		t.Errorf("feeds = %v", names)
	}
	dir := filepath.Join(t.TempDir(), "snap")
	if err := Write(dir, s); err != nil {
		t.Fatal(err)
	}
	got, err := Load(os.DirFS(dir), dir, PartAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Advisories) != len(s.Advisories) || got.Advisories[3].ID != s.Advisories[3].ID || len(got.Advisories[3].Products) != len(s.Advisories[3].Products) {
		t.Error("advisories differ after a round trip")
	}
	if e, ok := got.KEV.Lookup("CVE-2019-0708"); !ok || e.DueDate != "2022-05-03" {
		t.Errorf("KEV after a round trip: %+v %v", e, ok)
	}
	if _, ok := got.EPSS.Lookup("CVE-2017-9638"); !ok {
		t.Error("EPSS lost in the round trip")
	}
	only, err := Load(os.DirFS(dir), dir, PartKEV)
	if err != nil || only.Advisories != nil || only.KEV == nil || only.OSV != nil {
		t.Errorf("partial load: %+v %v", only, err)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	if err := Write(a, buildTestSnapshot(t)); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, buildTestSnapshot(t)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{FileManifest, fileCSAF, fileKEV, fileEPSS, fileOSV} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds of the same sources", f)
		}
	}
	// Writing over an existing snapshot replaces it.
	if err := Write(a, buildTestSnapshot(t)); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRefusesTampering(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snap")
	if err := Write(dir, buildTestSnapshot(t)); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, fileKEV)
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(os.DirFS(dir), dir, PartKEV); err == nil || !strings.Contains(err.Error(), "does not match the manifest") {
		t.Errorf("tampered file: %v", err)
	}
	// The other feeds still load.
	if _, err := Load(os.DirFS(dir), dir, PartCSAF); err != nil {
		t.Errorf("untouched feed: %v", err)
	}
	if _, err := Load(os.DirFS(t.TempDir()), "empty", PartAll); err == nil {
		t.Error("a directory without a manifest loaded")
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, FileManifest), []byte(`{"format":"insurable.feeds/v1","feeds":[{"name":"cisa-kev","file":"../x","sha256":"0"}]}`), 0o644)
	if _, err := Load(os.DirFS(bad), bad, PartAll); err == nil || !strings.Contains(err.Error(), "plain file name") {
		t.Errorf("escaping file name: %v", err)
	}
	os.WriteFile(filepath.Join(bad, FileManifest), []byte(`{"format":"other/v9"}`), 0o644)
	if _, err := Load(os.DirFS(bad), bad, PartAll); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestBuildReportsRejectedAdvisories(t *testing.T) {
	dir := t.TempDir()
	adv := filepath.Join(dir, "advisories")
	os.MkdirAll(adv, 0o755)
	good, _ := os.ReadFile("testdata/sources/advisories/icsa-17-213-01.json")
	sum, _ := os.ReadFile("testdata/sources/advisories/icsa-17-213-01.json.sha512")
	os.WriteFile(filepath.Join(adv, "good.json"), good, 0o644)
	os.WriteFile(filepath.Join(adv, "good.json.sha512"), sum, 0o644)
	os.WriteFile(filepath.Join(adv, "bad.json"), []byte(`{"document":`), 0o644)
	s, err := Build(context.Background(), Sources{Advisories: adv}, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Advisories) != 1 || len(s.Manifest.Rejected) != 1 || s.Manifest.Rejected[0].File != "bad.json" {
		t.Errorf("advisories %d, rejected %+v", len(s.Advisories), s.Manifest.Rejected)
	}
	if _, err := Build(context.Background(), Sources{}, BuildOptions{}); err == nil {
		t.Error("built a snapshot without advisories")
	}
	if _, err := Build(context.Background(), Sources{Advisories: adv, KEV: filepath.Join(dir, "nope.json")}, BuildOptions{}); err == nil {
		t.Error("built a snapshot with a missing KEV file")
	}
}

// TestEmbedded checks the snapshot shipped in the binary: every CISA ICS
// advisory of the reference data, the KEV catalogue and the Go OSV records.
func TestEmbedded(t *testing.T) {
	s, err := Embedded(PartAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Advisories) != 1655 || len(s.KEV.Entries) != 1404 || len(s.OSV) != 4291 {
		t.Errorf("embedded: %d advisories, %d KEV entries, %d OSV records", len(s.Advisories), len(s.KEV.Entries), len(s.OSV))
	}
	if len(s.Manifest.Rejected) != 0 {
		t.Errorf("rejected when built: %v", s.Manifest.Rejected)
	}
	if d := s.Manifest.Digests(); len(d) != 3 || d[0].Name != NameCSAF {
		t.Errorf("digests = %+v", d)
	}
}
