package sbom

import (
	"regexp"
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/insurable/insurable/osv"
)

// Finding is one component of an SBOM affected by one OSV record.
type Finding struct {
	SBOM      string   `json:"sbom"`
	PURL      string   `json:"purl"`
	Name      string   `json:"name"` // the package name as OSV records name it
	Version   string   `json:"version"`
	Ecosystem string   `json:"ecosystem"`
	ID        string   `json:"id"` // the OSV record's id
	Aliases   []string `json:"aliases"`
	Summary   string   `json:"summary,omitempty"`
	// Severity is the record's first CVSS vector, or its database
	// severity when it gives none.
	Severity string `json:"severity,omitempty"`
	// FixedIn is the lowest fixed version above the component's, when the
	// record names one.
	FixedIn string `json:"fixed_in,omitempty"`
	// SuppressedBy names the VEX statement that declared the component
	// not affected, for suppressed findings.
	SuppressedBy string `json:"suppressed_by,omitempty"`
}

// NotChecked is a component that could not be looked up, and why.
type NotChecked struct {
	SBOM    string `json:"sbom"`
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	PURL    string `json:"purl,omitempty"`
	Reason  string `json:"reason"`
}

// Result is the outcome of matching SBOMs against OSV records.
type Result struct {
	Matches    []Finding    `json:"matches"`
	Suppressed []Finding    `json:"suppressed"`
	NotChecked []NotChecked `json:"not_checked"`
	// Packages is how many distinct packages were looked up.
	Packages int `json:"packages"`
}

// purlEcosystems maps purl types to OSV ecosystems.
var purlEcosystems = map[string]string{
	"golang": "Go", "npm": "npm", "pypi": "PyPI", "maven": "Maven", "cargo": "crates.io",
	"gem": "RubyGems", "nuget": "NuGet", "composer": "Packagist", "hex": "Hex", "pub": "Pub",
	"swift": "SwiftURL", "conan": "ConanCenter", "cran": "CRAN", "hackage": "Hackage",
	"bitnami": "Bitnami", "julia": "Julia", "apk": "Alpine", "deb": "Debian", "rpm": "Red Hat",
}

var (
	majorSuffix = regexp.MustCompile(`(v[0-9]+)`)
	pypiSeps    = regexp.MustCompile(`[-_.]+`)
)

// Package returns the OSV package a component stands for, as osv-scanner
// derives it: the ecosystem from the purl type; the component's name,
// prefixed with the purl namespace unless it already is ("/" between, ":"
// for Maven); Go's "go" as "stdlib" and a major-version subpath appended;
// PyPI names normalised; the component's version, or the purl's.
// It reports false for a component without a parsable purl.
func Package(c *Component) (osv.Package, bool) {
	if c.PURL == "" {
		return osv.Package{}, false
	}
	p, err := packageurl.FromString(c.PURL)
	if err != nil {
		return osv.Package{}, false
	}
	eco, ok := purlEcosystems[p.Type]
	if !ok {
		return osv.Package{Ecosystem: p.Type}, false
	}
	name := c.Name
	if name == "" {
		name = p.Name
	}
	switch {
	case p.Namespace == "" || p.Type == "apk" || p.Type == "deb" || p.Type == "rpm":
	case eco == "Maven":
		if !strings.HasPrefix(name, p.Namespace+":") {
			name = p.Namespace + ":" + name
		}
	default:
		if !strings.HasPrefix(name, p.Namespace+"/") {
			name = p.Namespace + "/" + name
		}
	}
	switch eco {
	case "Go":
		if name == "go" {
			name = "stdlib"
		}
		if p.Subpath != "" {
			if m := majorSuffix.FindString(p.Subpath); m != "" {
				name += "/" + m
			}
		}
	case "PyPI":
		name = strings.ToLower(pypiSeps.ReplaceAllLiteralString(name, "-"))
	case "Debian":
		if strings.EqualFold(p.Namespace, "ubuntu") {
			eco = "Ubuntu"
		}
	}
	version := c.Version
	if version == "" {
		version = p.Version
	}
	return osv.Package{Ecosystem: eco, Name: name, Version: version}, true
}

// Match looks every component of the SBOMs up in the OSV index. Components
// without a purl, or of an ecosystem whose versions cannot be compared, are
// listed as not checked. A finding that a VEX statement covers is moved to
// Suppressed. Results are sorted and each (SBOM, package, version, id)
// appears once.
func Match(docs []*Document, ix *osv.Index, vex *VEX) *Result {
	res := &Result{Matches: []Finding{}, Suppressed: []Finding{}, NotChecked: []NotChecked{}}
	type seenKey struct{ file, eco, name, version string }
	seen := map[seenKey]bool{}
	for _, d := range docs {
		docVEX := vex.with(d)
		for i := range d.Components {
			c := &d.Components[i]
			pkg, ok := Package(c)
			if !ok {
				reason := "no package URL"
				if c.PURL != "" && pkg.Ecosystem != "" {
					reason = "purl type " + pkg.Ecosystem + " has no OSV ecosystem"
				} else if c.PURL != "" {
					reason = "package URL cannot be parsed"
				}
				if c.CPE != "" && c.PURL == "" {
					reason = "CPE only; OSV records are looked up by package"
				}
				res.NotChecked = append(res.NotChecked, NotChecked{SBOM: d.File, Name: c.Name, Version: c.Version, PURL: c.PURL, Reason: reason})
				continue
			}
			if !osv.SupportsEcosystem(pkg.Ecosystem) {
				res.NotChecked = append(res.NotChecked, NotChecked{SBOM: d.File, Name: pkg.Name, Version: pkg.Version, PURL: c.PURL, Reason: "versions of ecosystem " + pkg.Ecosystem + " are not compared yet"})
				continue
			}
			k := seenKey{d.File, pkg.Ecosystem, pkg.Name, pkg.Version}
			if seen[k] {
				continue
			}
			seen[k] = true
			res.Packages++
			for _, r := range ix.Match(pkg) {
				f := Finding{SBOM: d.File, PURL: c.PURL, Name: pkg.Name, Version: pkg.Version, Ecosystem: pkg.Ecosystem, ID: r.ID, Aliases: slices.Clone(r.Aliases), Summary: r.Summary, Severity: recordSeverity(r), FixedIn: osv.FixedVersion(r, pkg)}
				if f.Aliases == nil {
					f.Aliases = []string{}
				}
				if by := docVEX.suppressor(c, r); by != "" {
					f.SuppressedBy = by
					res.Suppressed = append(res.Suppressed, f)
					continue
				}
				res.Matches = append(res.Matches, f)
			}
		}
	}
	sortFindings(res.Matches)
	sortFindings(res.Suppressed)
	slices.SortStableFunc(res.NotChecked, func(a, b NotChecked) int {
		return strings.Compare(a.SBOM+"\x00"+a.Name+"\x00"+a.Version, b.SBOM+"\x00"+b.Name+"\x00"+b.Version)
	})
	return res
}

func recordSeverity(r *osv.Record) string {
	for _, s := range r.Severity {
		if strings.HasPrefix(s.Type, "CVSS") {
			return s.Score
		}
	}
	return r.DatabaseSeverity
}

func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		for _, c := range [][2]string{{a.SBOM, b.SBOM}, {a.Name, b.Name}, {a.Version, b.Version}, {a.ID, b.ID}} {
			if x := strings.Compare(c[0], c[1]); x != 0 {
				return x
			}
		}
		return 0
	})
}
