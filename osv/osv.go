// Package osv reads vulnerability records in the OSV schema (the format of
// osv.dev, the Go vulnerability database and GitHub's advisories) and
// matches packages against them with the semantics osv-scanner applies, so
// that the same SBOM and the same records give the same pairs.
package osv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/insurable/insurable"
)

// Record is an OSV vulnerability record, as far as matching and reporting
// need it.
type Record struct {
	ID        string     `json:"id"`
	Aliases   []string   `json:"aliases,omitempty"`
	Summary   string     `json:"summary,omitempty"`
	Modified  string     `json:"modified,omitempty"`
	Published string     `json:"published,omitempty"`
	Withdrawn string     `json:"withdrawn,omitempty"`
	Affected  []Affected `json:"affected,omitempty"`
	Severity  []Severity `json:"severity,omitempty"`
	// DatabaseSeverity is database_specific.severity, as GitHub writes it
	// (LOW, MODERATE, HIGH, CRITICAL).
	DatabaseSeverity string `json:"database_severity,omitempty"`
}

// Affected is one affected package of a record.
type Affected struct {
	Ecosystem string   `json:"ecosystem"`
	Name      string   `json:"name"`
	PURL      string   `json:"purl,omitempty"`
	Ranges    []Range  `json:"ranges,omitempty"`
	Versions  []string `json:"versions,omitempty"`
}

// Range is a version range in OSV's event form.
type Range struct {
	Type   string  `json:"type"` // SEMVER, ECOSYSTEM or GIT
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Event is one event of a range; exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Severity is a scored severity (CVSS vector) of a record.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// rawRecord is the JSON form.
type rawRecord struct {
	ID        string   `json:"id"`
	Aliases   []string `json:"aliases"`
	Summary   string   `json:"summary"`
	Modified  string   `json:"modified"`
	Published string   `json:"published"`
	Withdrawn string   `json:"withdrawn"`
	Affected  []struct {
		Package *struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
			PURL      string `json:"purl"`
		} `json:"package"`
		Ranges   []Range  `json:"ranges"`
		Versions []string `json:"versions"`
	} `json:"affected"`
	Severity         []Severity `json:"severity"`
	DatabaseSpecific *struct {
		Severity any `json:"severity"`
	} `json:"database_specific"`
}

const opParse insurable.Op = "osv.Parse"

// Parse reads one OSV record. name is used in error messages. It checks
// what matching relies on: an id, and ranges whose events each set one
// version.
func Parse(name string, data []byte) (*Record, error) {
	var raw rawRecord
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonErr(name, data, err)
	}
	if dec.More() {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "unexpected data after the OSV record")
	}
	if raw.ID == "" {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "not an OSV record: no id")
	}
	r := &Record{ID: raw.ID, Aliases: raw.Aliases, Summary: raw.Summary, Modified: raw.Modified, Published: raw.Published, Withdrawn: raw.Withdrawn, Severity: raw.Severity}
	if ds := raw.DatabaseSpecific; ds != nil {
		if s, ok := ds.Severity.(string); ok {
			r.DatabaseSeverity = s
		}
	}
	for i, a := range raw.Affected {
		af := Affected{Ranges: a.Ranges, Versions: a.Versions}
		if a.Package != nil {
			af.Ecosystem, af.Name, af.PURL = a.Package.Ecosystem, a.Package.Name, a.Package.PURL
		}
		for j, rg := range a.Ranges {
			for k, e := range rg.Events {
				n := 0
				for _, v := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
					if v != "" {
						n++
					}
				}
				if n != 1 {
					return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "affected[%d].ranges[%d].events[%d] must set exactly one of introduced, fixed, last_affected, limit", i, j, k)
				}
			}
		}
		r.Affected = append(r.Affected, af)
	}
	return r, nil
}

func jsonErr(name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return insurable.FileError(opParse, insurable.Invalid, name, lineAt(data, int64(len(data))), "malformed JSON: the document ends too early")
	case errors.As(err, &se):
		return insurable.FileError(opParse, insurable.Invalid, name, lineAt(data, se.Offset), "malformed JSON: %v", err)
	case errors.As(err, &te):
		return insurable.FileError(opParse, insurable.Invalid, name, lineAt(data, te.Offset), "%s must be %s, not JSON %s", te.Field, te.Type, te.Value)
	}
	return insurable.FileError(opParse, insurable.Invalid, name, 0, "malformed JSON: %v", err)
}

func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// Problem is a file that could not be read, and why.
type Problem struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// MaxRecordBytes bounds one record file.
const MaxRecordBytes = 16 << 20

// LoadDir reads every *.json record under dir, in parallel. A bad file is
// reported and the rest are kept. Records come back sorted by id.
func LoadDir(ctx context.Context, dir string) ([]*Record, []Problem, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, nil, &insurable.Error{Op: "osv.LoadDir", Kind: insurable.NotExist, Path: dir, Msg: "OSV records not found", Err: err}
	}
	if !fi.IsDir() {
		return nil, nil, insurable.FileError("osv.LoadDir", insurable.Invalid, dir, 0, "OSV records are read from a directory")
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, nil, &insurable.Error{Op: "osv.LoadDir", Kind: insurable.Invalid, Path: dir, Err: err}
	}
	defer root.Close()
	var names []string
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.EqualFold(path.Ext(p), ".json") {
			names = append(names, p)
		}
		return nil
	})
	if err != nil {
		return nil, nil, &insurable.Error{Op: "osv.LoadDir", Kind: insurable.Invalid, Path: dir, Msg: "cannot list", Err: err}
	}
	recs := make([]*Record, len(names))
	probs := make([]*Problem, len(names))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				data, err := fs.ReadFile(root.FS(), names[i])
				if err == nil && len(data) > MaxRecordBytes {
					err = fmt.Errorf("file is %d bytes, more than the limit of %d", len(data), MaxRecordBytes)
				}
				if err == nil {
					recs[i], err = Parse(filepath.ToSlash(names[i]), data)
				}
				if err != nil {
					probs[i] = &Problem{File: names[i], Reason: err.Error()}
				}
			}
		})
	}
	for i := range names {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	var out []*Record
	var problems []Problem
	for i := range names {
		if recs[i] != nil {
			out = append(out, recs[i])
		}
		if probs[i] != nil {
			problems = append(problems, *probs[i])
		}
	}
	slices.SortFunc(out, func(a, b *Record) int { return strings.Compare(a.ID, b.ID) })
	out = slices.CompactFunc(out, func(a, b *Record) bool { return a.ID == b.ID })
	return out, problems, nil
}
