package osv

import (
	"slices"
	"strings"
)

// Package is a component to check: its OSV ecosystem, name and version.
type Package struct {
	Ecosystem string
	Name      string
	Version   string
}

// Index finds the records that affect a package. It is safe for concurrent
// use once built.
type Index struct {
	records []*Record
	byPkg   map[string][]int32 // ecosystem \x00 name -> records
}

// NewIndex indexes records by the packages they affect. Withdrawn records
// are left out, as osv-scanner leaves them out.
func NewIndex(records []*Record) *Index {
	ix := &Index{records: records, byPkg: map[string][]int32{}}
	for i, r := range records {
		if r.Withdrawn != "" {
			continue
		}
		for _, a := range r.Affected {
			k := pkgKey(a.Ecosystem, a.Name)
			if refs := ix.byPkg[k]; len(refs) == 0 || refs[len(refs)-1] != int32(i) {
				ix.byPkg[k] = append(refs, int32(i))
			}
		}
	}
	return ix
}

// Len returns how many records the index was built from.
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.records)
}

func pkgKey(ecosystem, name string) string {
	// An ecosystem may carry a release ("Debian:12"); osv-scanner compares
	// the part before the colon and the suffix separately, and the records
	// of one suffix only match packages of that suffix.
	return ecosystem + "\x00" + name
}

// SupportsEcosystem reports whether versions of the ecosystem can be
// compared. The ecosystems osv-scanner orders by SemVer precedence are
// supported; for the others (PyPI, Maven, Debian…) a package is reported
// as not checked rather than guessed at.
func SupportsEcosystem(ecosystem string) bool {
	base, _, _ := strings.Cut(ecosystem, ":")
	switch base {
	case "Go", "npm", "crates.io", "Hex", "Bitnami", "Bioconductor", "ConanCenter", "Docker Hardened Images", "GHC", "Julia", "SwiftURL":
		return true
	}
	return false
}

// Match returns the records that affect the package, sorted by id, each
// once; a nil Index matches nothing. A package without a version is affected by every record that lists
// it, as osv-scanner assumes.
func (ix *Index) Match(p Package) []*Record {
	if ix == nil {
		return nil
	}
	refs := ix.byPkg[pkgKey(p.Ecosystem, p.Name)]
	var out []*Record
	for _, i := range refs {
		r := ix.records[i]
		if isAffected(r, p) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Record) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// isAffected follows osv-scanner 2.6's local matcher: the package must be
// named by an affected entry of the same ecosystem; then it is affected
// when its version is listed (a leading "v" ignored), when a SEMVER or
// ECOSYSTEM range contains it, or when it has no version.
func isAffected(r *Record, p Package) bool {
	for _, a := range r.Affected {
		if a.Ecosystem != p.Ecosystem || a.Name != p.Name {
			continue
		}
		if len(a.Ranges) == 0 && len(a.Versions) == 0 {
			continue
		}
		if listed(a.Versions, p.Version) {
			return true
		}
		if rangesAffect(a.Ranges, p.Version) {
			return true
		}
		if p.Version == "" {
			return true
		}
	}
	return false
}

func listed(versions []string, v string) bool {
	if v == "" {
		return false
	}
	nv := strings.TrimPrefix(v, "v")
	for _, x := range versions {
		if x == v || strings.TrimPrefix(x, "v") == nv {
			return true
		}
	}
	return false
}

// rangesAffect reports whether any range contains the version. Like
// osv-scanner, it stops at the first range that is neither SEMVER nor
// ECOSYSTEM (a GIT range, which needs the repository to evaluate).
func rangesAffect(ranges []Range, version string) bool {
	for _, r := range ranges {
		if r.Type != "ECOSYSTEM" && r.Type != "SEMVER" {
			return false
		}
		if rangeContains(r, version) {
			return true
		}
	}
	return false
}

func eventVersion(e Event) string {
	switch {
	case e.Introduced != "":
		return e.Introduced
	case e.Fixed != "":
		return e.Fixed
	case e.Limit != "":
		return e.Limit
	}
	return e.LastAffected
}

// rangeContains walks the range's events in version order ("introduced:
// 0" first): an introduced event at or below the version opens the range,
// a fixed event above it or a last_affected event at or above it keeps it
// open, and otherwise closes it.
func rangeContains(r Range, version string) bool {
	if len(r.Events) == 0 {
		return false
	}
	events := slices.Clone(r.Events)
	slices.SortStableFunc(events, func(a, b Event) int {
		switch {
		case a.Introduced == "0" && b.Introduced == "0":
			return 0
		case a.Introduced == "0":
			return -1
		case b.Introduced == "0":
			return 1
		}
		return CompareSemver(eventVersion(a), eventVersion(b))
	})
	affected := false
	for _, e := range events {
		switch {
		case affected && e.Fixed != "":
			affected = CompareSemver(version, e.Fixed) < 0
		case affected && e.LastAffected != "":
			affected = e.LastAffected == version || CompareSemver(version, e.LastAffected) <= 0
		case !affected && e.Introduced != "":
			affected = e.Introduced == "0" || CompareSemver(version, e.Introduced) >= 0
		}
	}
	return affected
}

// FixedVersion returns the lowest version above p's that a range of the
// record names as fixed for the package, or "" when there is none (no fix,
// or only a last_affected bound).
func FixedVersion(r *Record, p Package) string {
	best := ""
	for _, a := range r.Affected {
		if a.Ecosystem != p.Ecosystem || a.Name != p.Name {
			continue
		}
		for _, rg := range a.Ranges {
			for _, e := range rg.Events {
				if e.Fixed == "" || p.Version != "" && CompareSemver(e.Fixed, p.Version) <= 0 {
					continue
				}
				if best == "" || CompareSemver(e.Fixed, best) < 0 {
					best = e.Fixed
				}
			}
		}
	}
	return best
}
