// Package platform compares what is deployed on a host with the signed
// platform manifest of its service's trusted computing base (A7): files the
// manifest lists that are missing, files deployed with another digest, and
// files deployed that the manifest does not list.
package platform

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/internal/strictyaml"
)

const opParse insurable.Op = "platform.ParseDeployment"

// File is one file observed on a host.
type File struct {
	Path   string `yaml:"path" json:"path"`
	SHA256 string `yaml:"sha256" json:"sha256"`
}

// Deployment is a snapshot of the files of one host, taken to be compared
// with the manifest the host should run.
type Deployment struct {
	// Host is the asset id of the host.
	Host string `yaml:"host" json:"host"`
	// Manifest is the bundle path of the signed manifest the host should
	// match.
	Manifest string `yaml:"manifest" json:"manifest"`
	// Observed is when the snapshot was taken.
	Observed evidence.Date `yaml:"observed" json:"observed"`
	// Files are the files found, with their SHA-256 digests.
	Files []File `yaml:"files,omitempty" json:"files"`
	// SHA256Sum may hold, instead of or besides Files, the output of
	// `sha256sum` (or `find … -exec sha256sum {} +`) run on the host.
	SHA256Sum string `yaml:"sha256sum,omitempty" json:"-"`
}

// ParseDeployment reads a deployment snapshot (YAML) and checks it: a host,
// a manifest, clean absolute paths listed once, SHA-256 digests.
func ParseDeployment(name string, data []byte) (*Deployment, error) {
	var d Deployment
	if err := strictyaml.Decode(opParse, name, data, &d); err != nil {
		return nil, err
	}
	if d.Host == "" || d.Manifest == "" {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "a deployment names its host and the manifest it should match")
	}
	if d.SHA256Sum != "" {
		files, err := ParseSHA256Sum([]byte(d.SHA256Sum))
		if err != nil {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "sha256sum: %v", err)
		}
		d.Files = append(d.Files, files...)
		d.SHA256Sum = ""
	}
	if len(d.Files) > attest.MaxManifestFiles {
		return nil, insurable.FileError(opParse, insurable.TooLarge, name, 0, "lists %d files, more than the limit of %d", len(d.Files), attest.MaxManifestFiles)
	}
	seen := make(map[string]bool, len(d.Files))
	for i, f := range d.Files {
		if !strings.HasPrefix(f.Path, "/") || path.Clean(f.Path) != f.Path {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "file %d: path %q is not a clean absolute path", i+1, f.Path)
		}
		if err := attest.CheckSHA256(f.SHA256); err != nil {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "file %d (%s): %v", i+1, f.Path, err)
		}
		if seen[f.Path] {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "file %s is listed twice", f.Path)
		}
		seen[f.Path] = true
	}
	return &d, nil
}

// ParseSHA256Sum reads the output of sha256sum: lines "<digest>  <path>"
// (or "<digest> *<path>" in binary mode).
func ParseSHA256Sum(data []byte) ([]File, error) {
	var out []File
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		digest, file, ok := strings.Cut(line, " ")
		if !ok || len(file) < 2 || (file[0] != ' ' && file[0] != '*') {
			return nil, fmt.Errorf("line %d: want \"<sha256>  <path>\"", n)
		}
		digest = strings.ToLower(digest)
		if err := attest.CheckSHA256(digest); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		out = append(out, File{Path: file[1:], SHA256: digest})
	}
	return out, sc.Err()
}

// Diff is how a deployment differs from its manifest. Each list is sorted.
type Diff struct {
	Missing  []string // listed in the manifest, not deployed
	Modified []string // deployed with another digest than the manifest's
	Unlisted []string // deployed, not listed in the manifest
}

// Clean reports whether the deployment matches the manifest exactly.
func (d Diff) Clean() bool { return len(d.Missing)+len(d.Modified)+len(d.Unlisted) == 0 }

// Compare compares a deployment with its manifest.
func Compare(m *attest.Manifest, d *Deployment) Diff {
	want := make(map[string]string, len(m.Files))
	for _, f := range m.Files {
		want[f.Path] = f.SHA256
	}
	var diff Diff
	seen := make(map[string]bool, len(d.Files))
	for _, f := range d.Files {
		seen[f.Path] = true
		sum, ok := want[f.Path]
		switch {
		case !ok:
			diff.Unlisted = append(diff.Unlisted, f.Path)
		case sum != f.SHA256:
			diff.Modified = append(diff.Modified, f.Path)
		}
	}
	for _, f := range m.Files {
		if !seen[f.Path] {
			diff.Missing = append(diff.Missing, f.Path)
		}
	}
	sort.Strings(diff.Missing)
	sort.Strings(diff.Modified)
	sort.Strings(diff.Unlisted)
	return diff
}
