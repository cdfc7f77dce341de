package tarball

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insurable/insurable"
)

type entry struct {
	name string
	typ  byte
	body string
	size int64 // when set, overrides len(body) in the header
	link string
}

func archive(t *testing.T, es ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if e.size != 0 {
			h.Size = e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Flush()
	zw.Close()
	return buf.Bytes()
}

func TestExtract(t *testing.T) {
	small := Limits{MaxBytes: 100, MaxFileBytes: 60, MaxFiles: 3}
	tests := []struct {
		name string
		data []byte
		lim  Limits
		kind insurable.Kind // Other: success
	}{
		{"plain", archive(t, entry{name: "./bundle.yaml", typ: tar.TypeReg, body: "x"}, entry{name: "inventory/", typ: tar.TypeDir}, entry{name: "inventory/a.csv", typ: tar.TypeReg, body: "y"}), Limits{}, insurable.Other},
		{"not gzip", []byte("hello"), Limits{}, insurable.Invalid},
		{"gzip not tar", func() []byte {
			var b bytes.Buffer
			z := gzip.NewWriter(&b)
			z.Write(bytes.Repeat([]byte("z"), 1000))
			z.Close()
			return b.Bytes()
		}(), Limits{}, insurable.Invalid},
		{"dot dot", archive(t, entry{name: "../evil", typ: tar.TypeReg, body: "x"}), Limits{}, insurable.Escape},
		{"dot dot inside", archive(t, entry{name: "a/../../evil", typ: tar.TypeReg, body: "x"}), Limits{}, insurable.Escape},
		{"absolute", archive(t, entry{name: "/etc/passwd", typ: tar.TypeReg, body: "x"}), Limits{}, insurable.Escape},
		{"symlink", archive(t, entry{name: "link", typ: tar.TypeSymlink, link: "/etc"}), Limits{}, insurable.Escape},
		{"hard link", archive(t, entry{name: "link", typ: tar.TypeLink, link: "bundle.yaml"}), Limits{}, insurable.Escape},
		{"device", archive(t, entry{name: "dev", typ: tar.TypeChar}), Limits{}, insurable.Invalid},
		{"fifo", archive(t, entry{name: "fifo", typ: tar.TypeFifo}), Limits{}, insurable.Invalid},
		{"duplicate", archive(t, entry{name: "a", typ: tar.TypeReg, body: "x"}, entry{name: "./a", typ: tar.TypeReg, body: "y"}), Limits{}, insurable.Invalid},
		{"file too large", archive(t, entry{name: "a", typ: tar.TypeReg, body: strings.Repeat("x", 61)}), small, insurable.TooLarge},
		{"total too large", archive(t, entry{name: "a", typ: tar.TypeReg, body: strings.Repeat("x", 60)}, entry{name: "b", typ: tar.TypeReg, body: strings.Repeat("x", 60)}), small, insurable.TooLarge},
		{"too many files", archive(t, entry{name: "a", typ: tar.TypeReg}, entry{name: "b", typ: tar.TypeReg}, entry{name: "c", typ: tar.TypeReg}, entry{name: "d", typ: tar.TypeReg}), small, insurable.TooLarge},
		{"truncated", archive(t, entry{name: "a", typ: tar.TypeReg, body: "xy"})[:30], Limits{}, insurable.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Extract(bytes.NewReader(tt.data), dir, tt.lim)
			if got := insurable.ErrorKind(err); got != tt.kind {
				t.Fatalf("kind %v, want %v: %v", got, tt.kind, err)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
				t.Fatal("a file escaped the target directory")
			}
		})
	}
}

func TestPackRoundTrip(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "inventory"), 0o755)
	os.WriteFile(filepath.Join(src, "bundle.yaml"), []byte("format: x\n"), 0o644)
	os.WriteFile(filepath.Join(src, "inventory", "a.csv"), []byte("asset_id\n1\n"), 0o644)
	os.WriteFile(filepath.Join(src, ".hidden"), []byte("no"), 0o644)
	a, err := Pack(src)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Pack(src)
	if !bytes.Equal(a, b) {
		t.Error("Pack is not deterministic")
	}
	dst := t.TempDir()
	if err := Extract(bytes.NewReader(a), dst, Limits{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dst, "inventory", "a.csv"))
	if string(got) != "asset_id\n1\n" {
		t.Errorf("round trip gave %q", got)
	}
	if _, err := os.Stat(filepath.Join(dst, ".hidden")); err == nil {
		t.Error("hidden file packed")
	}
}
