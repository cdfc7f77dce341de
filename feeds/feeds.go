// Package feeds builds, writes and loads snapshots of the vulnerability
// feeds insurable matches against: CSAF advisories, the CISA KEV
// catalogue, EPSS scores and OSV records. A snapshot is a directory of
// gzip-compressed gob files and a manifest.json that records, for each
// feed, its version, size and digests; the binary embeds one (see
// Embedded), and "insurable feeds update --from DIR" writes a newer one.
// Loading verifies every file against the manifest. The same sources give
// byte-identical snapshots.
package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/epss"
	"github.com/insurable/insurable/kev"
	"github.com/insurable/insurable/osv"
)

// Format is the snapshot format this package writes and reads.
const Format = "insurable.feeds/v1"

// Feed names, as manifests and assessment records cite them.
const (
	NameCSAF = "csaf-advisories"
	NameKEV  = "cisa-kev"
	NameEPSS = "first-epss"
	NameOSV  = "osv"
)

// Files of a snapshot directory.
const (
	FileManifest = "manifest.json"
	fileCSAF     = "csaf.gob.gz"
	fileKEV      = "kev.gob.gz"
	fileEPSS     = "epss.gob.gz"
	fileOSV      = "osv.gob.gz"
)

// Manifest describes a snapshot.
type Manifest struct {
	Format string `json:"format"`
	Feeds  []Feed `json:"feeds"`
	// Rejected lists source files left out when the snapshot was built,
	// and why.
	Rejected []advisory.Problem `json:"rejected,omitempty"`
}

// Feed describes one feed of a snapshot.
type Feed struct {
	Name    string `json:"name"`
	Version string `json:"version"`          // latest release date, catalogue version, score date
	Digest  string `json:"digest"`           // over the feed's content, independent of compression
	Records int    `json:"records"`          // advisories, KEV entries, scores, OSV records
	File    string `json:"file"`             // in the snapshot directory
	SHA256  string `json:"sha256"`           // of File
	Source  string `json:"source,omitempty"` // where it was built from, as given
}

// Digests returns the feeds as the assessment records them.
func (m *Manifest) Digests() []check.FeedDigest {
	var out []check.FeedDigest
	for _, f := range m.Feeds {
		out = append(out, check.FeedDigest{Name: f.Name, Version: f.Version, Digest: f.Digest})
	}
	return out
}

// Snapshot is a loaded set of feeds. KEV, EPSS and OSV may be empty.
type Snapshot struct {
	Manifest   Manifest
	Advisories []*advisory.Advisory
	KEV        *kev.Catalog
	EPSS       *epss.Scores
	OSV        []*osv.Record
}

// Sources names where Build reads each feed. Empty fields are skipped,
// except Advisories, which is required.
type Sources struct {
	Advisories string // a directory, a ROLIE feed file or one advisory
	KEV        string // known_exploited_vulnerabilities.json
	EPSS       string // FIRST's CSV, plain or gzipped
	OSV        string // a directory of OSV records
}

// SourcesIn finds the feeds in a directory laid out like the project's
// reference data: advisories/, kev/known_exploited_vulnerabilities.json,
// epss/*.csv[.gz] (the last by name), osv/.
func SourcesIn(dir string) (Sources, error) {
	var s Sources
	if fi, err := os.Stat(filepath.Join(dir, "advisories")); err == nil && fi.IsDir() {
		s.Advisories = filepath.Join(dir, "advisories")
	} else {
		return s, insurable.FileError("feeds.SourcesIn", insurable.NotExist, dir, 0, "no advisories/ directory (CSAF advisories, or a provider's ROLIE snapshot)")
	}
	if p := filepath.Join(dir, "kev", "known_exploited_vulnerabilities.json"); exists(p) {
		s.KEV = p
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "epss", "*.csv*")); len(m) > 0 {
		slices.Sort(m)
		s.EPSS = m[len(m)-1]
	}
	if fi, err := os.Stat(filepath.Join(dir, "osv")); err == nil && fi.IsDir() {
		s.OSV = filepath.Join(dir, "osv")
	}
	return s, nil
}

func exists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// BuildOptions tune Build.
type BuildOptions struct {
	// RequireHash refuses advisories without a hash file.
	RequireHash bool
	// Progress reports advisories read.
	Progress func(done, total int)
}

// Build reads the sources, validating each feed, and returns the snapshot.
// Advisories that fail verification are left out and listed in
// Manifest.Rejected; a KEV, EPSS or OSV source that cannot be read fails
// the build.
func Build(ctx context.Context, src Sources, opts BuildOptions) (*Snapshot, error) {
	if src.Advisories == "" {
		return nil, insurable.Errorf("feeds.Build", insurable.Invalid, "no advisories to build a snapshot from")
	}
	set, err := advisory.Load(ctx, src.Advisories, advisory.Options{RequireHash: opts.RequireHash, Progress: opts.Progress})
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Advisories: set.Advisories, Manifest: Manifest{Format: Format, Rejected: set.Problems}}
	s.Manifest.Feeds = append(s.Manifest.Feeds, Feed{Name: NameCSAF, Version: advisory.LatestUpdate(set.Advisories), Digest: advisory.DigestOf(set.Advisories), Records: len(set.Advisories), File: fileCSAF, Source: src.Advisories})
	if src.KEV != "" {
		data, err := readFile(src.KEV)
		if err != nil {
			return nil, err
		}
		if s.KEV, err = kev.Parse(src.KEV, data); err != nil {
			return nil, err
		}
		s.Manifest.Feeds = append(s.Manifest.Feeds, Feed{Name: NameKEV, Version: s.KEV.Version, Digest: s.KEV.Digest, Records: len(s.KEV.Entries), File: fileKEV, Source: src.KEV})
	}
	if src.EPSS != "" {
		data, err := readFile(src.EPSS)
		if err != nil {
			return nil, err
		}
		if s.EPSS, err = epss.Parse(src.EPSS, data); err != nil {
			return nil, err
		}
		s.Manifest.Feeds = append(s.Manifest.Feeds, Feed{Name: NameEPSS, Version: s.EPSS.Date, Digest: s.EPSS.Digest, Records: len(s.EPSS.List), File: fileEPSS, Source: src.EPSS})
	}
	if src.OSV != "" {
		recs, probs, err := osv.LoadDir(ctx, src.OSV)
		if err != nil {
			return nil, err
		}
		for _, p := range probs {
			s.Manifest.Rejected = append(s.Manifest.Rejected, advisory.Problem{File: filepath.Join(src.OSV, p.File), Reason: p.Reason})
		}
		s.OSV = recs
		s.Manifest.Feeds = append(s.Manifest.Feeds, Feed{Name: NameOSV, Version: latestModified(recs), Digest: OSVDigest(recs), Records: len(recs), File: fileOSV, Source: src.OSV})
	}
	return s, nil
}

func readFile(p string) ([]byte, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		kind := insurable.Invalid
		if errors.Is(err, fs.ErrNotExist) {
			kind = insurable.NotExist
		}
		return nil, &insurable.Error{Op: "feeds.Build", Kind: kind, Path: p, Err: err}
	}
	return data, nil
}

func latestModified(recs []*osv.Record) string {
	latest := ""
	for _, r := range recs {
		// The Go database leaves modified at the zero time; publication
		// dates then say how recent the records are.
		latest = max(latest, r.Modified, r.Published)
	}
	if len(latest) >= 10 {
		return latest[:10]
	}
	return latest
}

// OSVDigest is a digest over the records' content, in id order.
func OSVDigest(recs []*osv.Record) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, r := range recs {
		_ = enc.Encode(r)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Write writes the snapshot into dir, creating it, and replaces what was
// there only once every file is written.
func Write(dir string, s *Snapshot) error {
	const op insurable.Op = "feeds.Write"
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: parent, Err: err}
	}
	tmp, err := os.MkdirTemp(parent, ".feeds-*")
	if err != nil {
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: parent, Err: err}
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: tmp, Err: err}
	}
	m := s.Manifest
	m.Format = Format
	m.Feeds = slices.Clone(m.Feeds)
	for i := range m.Feeds {
		f := &m.Feeds[i]
		var v any
		switch f.Name {
		case NameCSAF:
			v = s.Advisories
		case NameKEV:
			v = s.KEV
		case NameEPSS:
			v = s.EPSS
		case NameOSV:
			v = s.OSV
		default:
			return insurable.Errorf(op, insurable.Internal, "unknown feed %q", f.Name)
		}
		data, err := encode(v)
		if err != nil {
			return &insurable.Error{Op: op, Kind: insurable.Internal, Msg: "encoding " + f.Name, Err: err}
		}
		sum := sha256.Sum256(data)
		f.SHA256 = hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(tmp, f.File), data, 0o644); err != nil {
			return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: dir, Err: err}
		}
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, FileManifest), append(mj, '\n'), 0o644); err != nil {
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: dir, Err: err}
	}
	old := dir + ".old"
	_ = os.RemoveAll(old)
	if _, err := os.Stat(dir); err == nil {
		if err := os.Rename(dir, old); err != nil {
			return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: dir, Err: err}
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		_ = os.Rename(old, dir)
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: dir, Err: err}
	}
	return os.RemoveAll(old)
}

// encode gob-encodes v and gzips it with a fixed header, so that equal
// values give equal bytes.
func encode(v any) ([]byte, error) {
	var raw bytes.Buffer
	if err := gob.NewEncoder(&raw).Encode(v); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// maxDecoded bounds what one snapshot file may expand to.
const maxDecoded = 1 << 30

// Part selects which feeds Load decodes; the manifest is always read.
type Part uint8

// Parts of a snapshot.
const (
	PartCSAF Part = 1 << iota
	PartKEV
	PartEPSS
	PartOSV
	PartAll = PartCSAF | PartKEV | PartEPSS | PartOSV
)

// Load reads a snapshot from fsys (a directory, or the embedded one),
// verifying each file it decodes against the manifest. parts selects the
// feeds to decode; the others stay empty.
func Load(fsys fs.FS, name string, parts Part) (*Snapshot, error) {
	const op insurable.Op = "feeds.Load"
	mj, err := fs.ReadFile(fsys, FileManifest)
	if err != nil {
		return nil, &insurable.Error{Op: op, Kind: insurable.NotExist, Path: name, Msg: "not a feeds snapshot: no " + FileManifest, Err: err}
	}
	s := &Snapshot{}
	if err := json.Unmarshal(mj, &s.Manifest); err != nil {
		return nil, insurable.FileError(op, insurable.Invalid, filepath.Join(name, FileManifest), 0, "malformed manifest: %v", err)
	}
	if s.Manifest.Format != Format {
		return nil, insurable.FileError(op, insurable.Invalid, filepath.Join(name, FileManifest), 0, "snapshot format %q is not supported (want %s); rebuild it with insurable feeds update", s.Manifest.Format, Format)
	}
	for _, f := range s.Manifest.Feeds {
		var target any
		switch {
		case f.Name == NameCSAF && parts&PartCSAF != 0:
			target = &s.Advisories
		case f.Name == NameKEV && parts&PartKEV != 0:
			target = &s.KEV
		case f.Name == NameEPSS && parts&PartEPSS != 0:
			target = &s.EPSS
		case f.Name == NameOSV && parts&PartOSV != 0:
			target = &s.OSV
		default:
			continue
		}
		if strings.ContainsAny(f.File, `/\`) || f.File == ".." {
			return nil, insurable.FileError(op, insurable.Escape, filepath.Join(name, FileManifest), 0, "feed file %q must be a plain file name", f.File)
		}
		data, err := fs.ReadFile(fsys, f.File)
		if err != nil {
			return nil, &insurable.Error{Op: op, Kind: insurable.NotExist, Path: filepath.Join(name, f.File), Err: err}
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, insurable.FileError(op, insurable.Invalid, filepath.Join(name, f.File), 0, "content does not match the manifest's sha256 (file changed or corrupted)")
		}
		if err := decode(data, target); err != nil {
			return nil, insurable.FileError(op, insurable.Invalid, filepath.Join(name, f.File), 0, "cannot decode %s: %v", f.Name, err)
		}
	}
	return s, nil
}

func decode(data []byte, v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	r := io.LimitReader(zr, maxDecoded)
	return gob.NewDecoder(r).Decode(v)
}

// Describe renders a manifest in a line per feed.
func Describe(m *Manifest) string {
	var b strings.Builder
	for _, f := range m.Feeds {
		fmt.Fprintf(&b, "%-16s %-12s %8d records  %s\n", f.Name, f.Version, f.Records, f.Digest)
	}
	return b.String()
}
