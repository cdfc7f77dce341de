// Package sbom reads software bills of materials — CycloneDX 1.2 to 1.6
// JSON with cyclonedx-go and SPDX 2.2/2.3 JSON with spdx/tools-golang —
// validates them (CycloneDX against its JSON schemas, offline), summarises
// how specific they are, and matches their components against OSV records,
// honouring VEX statements that a vendor's product is not affected.
package sbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"

	"github.com/insurable/insurable"
)

// Formats of SBOM.
const (
	FormatCycloneDX = "CycloneDX"
	FormatSPDX      = "SPDX"
)

// Component is one component of an SBOM.
type Component struct {
	Name     string `json:"name"`
	Group    string `json:"group,omitempty"`
	Version  string `json:"version,omitempty"`
	Type     string `json:"type,omitempty"`
	PURL     string `json:"purl,omitempty"`
	CPE      string `json:"cpe,omitempty"`
	Supplier string `json:"supplier,omitempty"`
	BOMRef   string `json:"bom_ref,omitempty"`
}

// Specific reports whether the component can be looked up: it has a purl
// or a CPE, and a version.
func (c *Component) Specific() bool {
	return (c.PURL != "" || c.CPE != "") && (c.Version != "" || purlVersion(c.PURL) != "")
}

// Document is an SBOM, read.
type Document struct {
	File        string `json:"file"`
	Format      string `json:"format"`
	SpecVersion string `json:"spec_version"`
	// Subject is what the SBOM describes: CycloneDX metadata.component, or
	// the package an SPDX document DESCRIBES.
	Subject    *Component  `json:"subject,omitempty"`
	Components []Component `json:"components"`
	// Statements are the CycloneDX vulnerabilities the BOM itself
	// analyses (its embedded VEX).
	Statements []Statement `json:"statements,omitempty"`
}

// Statement is an embedded CycloneDX vulnerability analysis.
type Statement struct {
	ID       string   `json:"id"`
	State    string   `json:"state"` // not_affected, false_positive, resolved, exploitable, in_triage...
	Affects  []string `json:"affects"`
	Aliases  []string `json:"aliases,omitempty"`
	Justify  string   `json:"justification,omitempty"`
	Response []string `json:"response,omitempty"`
}

// Summary counts what makes an SBOM useful for vulnerability matching.
type Summary struct {
	Components int `json:"components"`
	Specific   int `json:"specific"`  // with a purl or CPE and a version
	Suppliers  int `json:"suppliers"` // naming a supplier
}

// Summarise counts the document's components.
func (d *Document) Summarise() Summary {
	s := Summary{Components: len(d.Components)}
	for i := range d.Components {
		c := &d.Components[i]
		if c.Specific() {
			s.Specific++
		}
		if c.Supplier != "" {
			s.Suppliers++
		}
	}
	return s
}

const opParse insurable.Op = "sbom.Parse"

// Kind reports the format of a JSON document: FormatCycloneDX,
// FormatSPDX, "csaf" for a CSAF document (a VEX file), or "".
func Kind(data []byte) string {
	var head struct {
		BOMFormat   string          `json:"bomFormat"`
		SPDXVersion string          `json:"spdxVersion"`
		Document    json.RawMessage `json:"document"`
	}
	if json.Unmarshal(data, &head) != nil {
		return ""
	}
	switch {
	case head.BOMFormat != "":
		return FormatCycloneDX
	case head.SPDXVersion != "":
		return FormatSPDX
	case len(head.Document) > 0:
		return "csaf"
	}
	return ""
}

// Parse reads an SBOM, CycloneDX or SPDX JSON. name is used in messages.
// Parse does not validate against the schema: see Validate.
func Parse(name string, data []byte) (*Document, error) {
	if !json.Valid(data) {
		return nil, jsonErr(opParse, name, data)
	}
	switch Kind(data) {
	case FormatCycloneDX:
		return parseCycloneDX(name, data)
	case FormatSPDX:
		return parseSPDX(name, data)
	}
	return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "not an SBOM: neither CycloneDX (bomFormat) nor SPDX (spdxVersion) JSON")
}

func jsonErr(op insurable.Op, name string, data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return insurable.FileError(op, insurable.Invalid, name, line, "malformed JSON: %v", err)
	}
	return insurable.FileError(op, insurable.Invalid, name, 0, "malformed JSON")
}

func parseCycloneDX(name string, data []byte) (*Document, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		// cyclonedx-go refuses some BOMs the schema accepts (the 1.6
		// attestation example's data classification, for one); read the
		// components, which is all matching needs, without it.
		if d, lerr := parseCycloneDXComponents(name, data); lerr == nil {
			return d, nil
		}
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "not a CycloneDX BOM: %v", err)
	}
	if bom.BOMFormat != "CycloneDX" {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "bomFormat is %q, not CycloneDX", bom.BOMFormat)
	}
	d := &Document{File: name, Format: FormatCycloneDX, SpecVersion: bom.SpecVersion.String()}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		c := cdxComponent(bom.Metadata.Component)
		if c.Supplier == "" && bom.Metadata.Supplier != nil {
			c.Supplier = bom.Metadata.Supplier.Name
		}
		if c.Supplier == "" && bom.Metadata.Manufacture != nil {
			c.Supplier = bom.Metadata.Manufacture.Name
		}
		d.Subject = &c
	}
	if bom.Components != nil {
		var walk func(cs []cdx.Component, depth int) error
		walk = func(cs []cdx.Component, depth int) error {
			if depth > maxDepth {
				return fmt.Errorf("components nested deeper than %d levels", maxDepth)
			}
			for i := range cs {
				d.Components = append(d.Components, cdxComponent(&cs[i]))
				if cs[i].Components != nil {
					if err := walk(*cs[i].Components, depth+1); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if err := walk(*bom.Components, 0); err != nil {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "%v", err)
		}
	}
	if bom.Vulnerabilities != nil {
		for _, v := range *bom.Vulnerabilities {
			if v.Analysis == nil || v.Affects == nil {
				continue
			}
			st := Statement{ID: v.ID, State: string(v.Analysis.State), Justify: string(v.Analysis.Justification)}
			if v.Analysis.Response != nil {
				for _, r := range *v.Analysis.Response {
					st.Response = append(st.Response, string(r))
				}
			}
			for _, a := range *v.Affects {
				st.Affects = append(st.Affects, a.Ref)
			}
			if v.References != nil {
				for _, r := range *v.References {
					st.Aliases = append(st.Aliases, r.ID)
				}
			}
			d.Statements = append(d.Statements, st)
		}
	}
	return d, nil
}

// cdxLite is the part of a CycloneDX BOM that matching reads.
type cdxLite struct {
	BOMFormat   string `json:"bomFormat"`
	SpecVersion string `json:"specVersion"`
	Metadata    *struct {
		Component *cdxLiteComponent `json:"component"`
		Supplier  *struct {
			Name string `json:"name"`
		} `json:"supplier"`
	} `json:"metadata"`
	Components []cdxLiteComponent `json:"components"`
}

type cdxLiteComponent struct {
	Type     string `json:"type"`
	BOMRef   string `json:"bom-ref"`
	Name     string `json:"name"`
	Group    string `json:"group"`
	Version  string `json:"version"`
	PURL     string `json:"purl"`
	CPE      string `json:"cpe"`
	Supplier *struct {
		Name string `json:"name"`
	} `json:"supplier"`
	Publisher  string             `json:"publisher"`
	Components []cdxLiteComponent `json:"components"`
}

func (c *cdxLiteComponent) component() Component {
	out := Component{Name: c.Name, Group: c.Group, Version: c.Version, Type: c.Type, PURL: c.PURL, CPE: c.CPE, BOMRef: c.BOMRef, Supplier: c.Publisher}
	if c.Supplier != nil && c.Supplier.Name != "" {
		out.Supplier = c.Supplier.Name
	}
	return out
}

// parseCycloneDXComponents reads a BOM's components without cyclonedx-go.
func parseCycloneDXComponents(name string, data []byte) (*Document, error) {
	var bom cdxLite
	if err := json.Unmarshal(data, &bom); err != nil {
		return nil, err
	}
	if bom.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("bomFormat is %q", bom.BOMFormat)
	}
	d := &Document{File: name, Format: FormatCycloneDX, SpecVersion: bom.SpecVersion}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		c := bom.Metadata.Component.component()
		if c.Supplier == "" && bom.Metadata.Supplier != nil {
			c.Supplier = bom.Metadata.Supplier.Name
		}
		d.Subject = &c
	}
	var walk func(cs []cdxLiteComponent, depth int) error
	walk = func(cs []cdxLiteComponent, depth int) error {
		if depth > maxDepth {
			return fmt.Errorf("components nested deeper than %d levels", maxDepth)
		}
		for i := range cs {
			d.Components = append(d.Components, cs[i].component())
			if err := walk(cs[i].Components, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(bom.Components, 0); err != nil {
		return nil, err
	}
	return d, nil
}

// maxDepth bounds the nesting of CycloneDX components.
const maxDepth = 64

func cdxComponent(c *cdx.Component) Component {
	out := Component{Name: c.Name, Group: c.Group, Version: c.Version, Type: string(c.Type), PURL: c.PackageURL, CPE: c.CPE, BOMRef: c.BOMRef}
	switch {
	case c.Supplier != nil && c.Supplier.Name != "":
		out.Supplier = c.Supplier.Name
	case c.Manufacturer != nil && c.Manufacturer.Name != "":
		out.Supplier = c.Manufacturer.Name
	case c.Publisher != "":
		out.Supplier = c.Publisher
	case c.Author != "":
		out.Supplier = c.Author
	}
	return out
}

func parseSPDX(name string, data []byte) (*Document, error) {
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "not an SPDX 2.x JSON document: %v", err)
	}
	d := &Document{File: name, Format: FormatSPDX, SpecVersion: strings.TrimPrefix(doc.SPDXVersion, "SPDX-")}
	described := map[string]bool{}
	for _, r := range doc.Relationships {
		if r == nil {
			continue
		}
		switch strings.ToUpper(r.Relationship) {
		case "DESCRIBES":
			if string(r.RefA.ElementRefID) == "DOCUMENT" {
				described[string(r.RefB.ElementRefID)] = true
			}
		case "DESCRIBED_BY":
			if string(r.RefB.ElementRefID) == "DOCUMENT" {
				described[string(r.RefA.ElementRefID)] = true
			}
		}
	}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		c := spdxComponent(p)
		if described[string(p.PackageSPDXIdentifier)] && d.Subject == nil {
			cc := c
			d.Subject = &cc
			continue
		}
		d.Components = append(d.Components, c)
	}
	return d, nil
}

func spdxComponent(p *spdx.Package) Component {
	c := Component{Name: p.PackageName, Version: p.PackageVersion, BOMRef: string(p.PackageSPDXIdentifier)}
	if s := p.PackageSupplier; s != nil && s.Supplier != "" && s.Supplier != "NOASSERTION" {
		c.Supplier = s.Supplier
	}
	for _, r := range p.PackageExternalReferences {
		if r == nil {
			continue
		}
		switch strings.ToLower(r.RefType) {
		case "purl":
			if c.PURL == "" {
				c.PURL = r.Locator
			}
		case "cpe23type", "cpe22type":
			if c.CPE == "" {
				c.CPE = r.Locator
			}
		}
	}
	return c
}

// Supported lists the CycloneDX specification versions that Validate
// checks against a schema.
var Supported = []string{"1.2", "1.3", "1.4", "1.5", "1.6"}

func supported(v string) bool { return slices.Contains(Supported, v) }

// purlVersion returns the version of a package URL, or "".
func purlVersion(s string) string {
	if s == "" {
		return ""
	}
	_, after, ok := strings.Cut(s, "@")
	if !ok {
		return ""
	}
	after, _, _ = strings.Cut(after, "?")
	after, _, _ = strings.Cut(after, "#")
	return after
}
