package vulnassess

import (
	"github.com/insurable/insurable/sbom"
	"github.com/insurable/insurable/vulnmatch"
)

// ComponentMatch is a CSAF advisory's vulnerability matched to a component
// of an SBOM: firmware often embeds products the ICS advisories name (an
// RTOS, a TCP/IP stack, a PLC runtime).
type ComponentMatch struct {
	SBOM      string `json:"sbom"`
	Component string `json:"component"`
	Supplier  string `json:"supplier,omitempty"`
	Version   string `json:"version,omitempty"`
	CPE       string `json:"cpe,omitempty"`
	PURL      string `json:"purl,omitempty"`
	vulnmatch.Match
}

// MatchComponents matches the components of an SBOM that name their
// supplier, or carry a CPE, against the advisories of the catalogue, as
// inventory rows are matched. Components known only by a package URL are
// left to the OSV records.
func MatchComponents(c *vulnmatch.Catalog, d *sbom.Document) []ComponentMatch {
	var out []ComponentMatch
	m := c.Matcher()
	var buf []vulnmatch.Match
	for i := range d.Components {
		comp := &d.Components[i]
		if comp.Supplier == "" && comp.CPE == "" {
			continue
		}
		a := vulnmatch.Asset{Vendor: comp.Supplier, Product: comp.Name, Version: comp.Version, CPE: comp.CPE}
		buf = m.AppendMatches(buf[:0], &a)
		for _, match := range buf {
			out = append(out, ComponentMatch{SBOM: d.File, Component: comp.Name, Supplier: comp.Supplier, Version: comp.Version, CPE: comp.CPE, PURL: comp.PURL, Match: match})
		}
	}
	return out
}
