package sbom

import (
	"slices"
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/osv"
	"github.com/insurable/insurable/vulnmatch"
)

// VEX holds the statements of VEX documents that products are not
// affected by (or fixed for) vulnerabilities; a finding they cover is
// suppressed. A nil *VEX suppresses nothing.
type VEX struct {
	statements []vexStatement
}

type vexStatement struct {
	source string   // document id, for the record
	ids    []string // CVE and other ids of the vulnerability
	status string   // known_not_affected or fixed
	// The product: by purl (type/namespace/name, and version when the
	// purl has one), or by name and version range.
	purlKey     string
	purlVersion string
	name        string // normalised product name
	versions    vulnmatch.Range
	hasVersions bool
	// bomRefs are CycloneDX components the statement names (embedded
	// VEX of the BOM itself).
	bomRefs []string
}

// NewVEX collects the not-affected and fixed statements of CSAF VEX (or
// any CSAF) documents.
func NewVEX(docs ...*advisory.Advisory) *VEX {
	v := &VEX{}
	for _, a := range docs {
		byID := map[string]*advisory.Product{}
		for i := range a.Products {
			byID[a.Products[i].ID] = &a.Products[i]
		}
		for _, vul := range a.Vulns {
			ids := append([]string{}, vul.IDs...)
			if vul.CVE != "" {
				ids = append(ids, vul.CVE)
			}
			for i, id := range ids {
				if _, text, ok := strings.Cut(id, ":"); ok && !strings.HasPrefix(id, "CVE-") {
					ids[i] = text
				}
			}
			for _, group := range []struct {
				ids    []string
				status string
			}{{vul.NotAffected, advisory.StatusNotAffected}, {vul.Fixed, advisory.StatusFixed}} {
				for _, pid := range group.ids {
					p := byID[pid]
					if p == nil {
						continue
					}
					st := vexStatement{source: a.ID, ids: ids, status: group.status}
					if p.PURL != "" {
						if pu, err := packageurl.FromString(p.PURL); err == nil {
							st.purlKey = purlIdentity(pu)
							st.purlVersion = strings.TrimPrefix(pu.Version, "v")
						}
					}
					name := p.Product
					if name == "" {
						name = p.Name
					}
					st.name = normName(name)
					switch {
					case p.Range != "":
						st.versions, st.hasVersions = vulnmatch.ParseRange(p.Range), true
					case p.Version != "":
						st.versions, st.hasVersions = vulnmatch.ParseRange(p.Version), true
					}
					v.statements = append(v.statements, st)
				}
			}
		}
	}
	return v
}

// with returns the statements that apply to one SBOM: the VEX documents'
// and the SBOM's own embedded analyses.
func (v *VEX) with(d *Document) *VEX {
	out := &VEX{}
	if v != nil {
		out.statements = v.statements
	}
	for _, s := range d.Statements {
		switch s.State {
		case "not_affected", "false_positive", "resolved":
		default:
			continue
		}
		out.statements = append(out.statements, vexStatement{source: d.File + " (" + s.State + ")", ids: append([]string{s.ID}, s.Aliases...), status: s.State, bomRefs: s.Affects})
	}
	return out
}

// suppressor returns the source of the first statement that declares the
// component not affected by the record, or "".
func (v *VEX) suppressor(c *Component, r *osv.Record) string {
	if v == nil {
		return ""
	}
	for i := range v.statements {
		s := &v.statements[i]
		if !s.namesVuln(r) || !s.namesComponent(c) {
			continue
		}
		return s.source + ": " + s.status
	}
	return ""
}

func (s *vexStatement) namesVuln(r *osv.Record) bool {
	for _, id := range s.ids {
		if strings.EqualFold(id, r.ID) || slices.ContainsFunc(r.Aliases, func(a string) bool { return strings.EqualFold(a, id) }) {
			return true
		}
	}
	return false
}

func (s *vexStatement) namesComponent(c *Component) bool {
	if len(s.bomRefs) > 0 {
		return c.BOMRef != "" && slices.Contains(s.bomRefs, c.BOMRef)
	}
	if s.purlKey != "" {
		pu, err := packageurl.FromString(c.PURL)
		if err != nil || purlIdentity(pu) != s.purlKey {
			return false
		}
		if s.purlVersion == "" {
			return true
		}
		version := c.Version
		if version == "" {
			version = pu.Version
		}
		return strings.TrimPrefix(version, "v") == s.purlVersion
	}
	if s.name == "" || normName(c.Name) != s.name && normName(c.Group+" "+c.Name) != s.name {
		return false
	}
	if !s.hasVersions {
		return true
	}
	v, ok := vulnmatch.ParseVersion(c.Version)
	return s.versions.Contains(v, ok) == vulnmatch.Inside
}

// purlIdentity is a purl's type, namespace and name, lower case.
func purlIdentity(p packageurl.PackageURL) string {
	return strings.ToLower(p.Type + "/" + p.Namespace + "/" + p.Name)
}

func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Len returns how many statements the VEX holds.
func (v *VEX) Len() int {
	if v == nil {
		return 0
	}
	return len(v.statements)
}
