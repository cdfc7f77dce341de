// Package advisory reads CSAF 2.0 security advisories and VEX documents:
// from a directory or a provider's ROLIE feed snapshot, verifying each
// file's .sha512 and validating it against the CSAF 2.0 JSON schema, and
// flattens each document into the products and vulnerabilities that
// matching needs. A bad file is reported with its reason and the rest are
// kept.
package advisory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/insurable/insurable"
)

// Advisory is the part of a CSAF document that vulnerability matching
// needs: who published it, when, which products it names and which
// vulnerabilities affect, spare or were fixed in them. It holds no maps so
// that it encodes deterministically.
type Advisory struct {
	ID        string `json:"id"`
	Title     string `json:"title,omitempty"`
	Category  string `json:"category"` // csaf_security_advisory, csaf_vex, csaf_base...
	Publisher string `json:"publisher,omitempty"`
	// PublisherCategory is "vendor", "coordinator", "discoverer"...; a
	// vendor's own advisory names its products without a vendor branch.
	PublisherCategory string `json:"publisher_category,omitempty"`
	Version           string `json:"version,omitempty"`
	Status            string `json:"status,omitempty"`
	Released          string `json:"released,omitempty"` // tracking.initial_release_date
	Updated           string `json:"updated,omitempty"`  // tracking.current_release_date
	// File is where the advisory was read from, relative to the directory
	// or feed given.
	File string `json:"file,omitempty"`
	// SHA512 is the hex digest of the file's bytes.
	SHA512   string          `json:"sha512,omitempty"`
	Products []Product       `json:"products"`
	Vulns    []Vulnerability `json:"vulnerabilities"`
}

// Product is one leaf of the product tree, or a product defined by a
// relationship, with the branch names above it.
type Product struct {
	ID      string `json:"id"`
	Name    string `json:"name"`              // full product name
	Vendor  string `json:"vendor,omitempty"`  // the vendor branch
	Family  string `json:"family,omitempty"`  // the product_family branch
	Product string `json:"product,omitempty"` // the product_name branch
	// Version is the product_version branch: an exact version, though
	// some advisories write a range or a list there.
	Version string `json:"version,omitempty"`
	// Range is the product_version_range branch.
	Range  string   `json:"range,omitempty"`
	Models []string `json:"models,omitempty"`
	SKUs   []string `json:"skus,omitempty"`
	CPE    string   `json:"cpe,omitempty"`
	PURL   string   `json:"purl,omitempty"`
	// Relationship, for a product defined by a relationship, names how it
	// relates to another product ("installed_on Windows 10").
	Relationship string `json:"relationship,omitempty"`
}

// Vulnerability is one vulnerability of an advisory with the status of each
// product.
type Vulnerability struct {
	CVE   string   `json:"cve,omitempty"`
	IDs   []string `json:"ids,omitempty"` // other identifiers (system_name:text)
	Title string   `json:"title,omitempty"`
	CWE   string   `json:"cwe,omitempty"`
	// Product ids by status. FirstAffected and LastAffected are folded
	// into Affected, FirstFixed and Recommended into Fixed.
	Affected           []string      `json:"affected,omitempty"`
	Fixed              []string      `json:"fixed,omitempty"`
	NotAffected        []string      `json:"not_affected,omitempty"`
	UnderInvestigation []string      `json:"under_investigation,omitempty"`
	Scores             []Score       `json:"scores,omitempty"`
	Remediations       []Remediation `json:"remediations,omitempty"`
	// Flags are VEX justifications for products not affected
	// (component_not_present, vulnerable_code_not_in_execute_path...).
	Flags []Flag `json:"flags,omitempty"`
}

// Score is a CVSS score and the products it applies to.
type Score struct {
	Products []string `json:"products"`
	Version  string   `json:"version,omitempty"` // "3.1", "3.0" or "2.0"
	Base     float64  `json:"base"`
	Severity string   `json:"severity,omitempty"` // CVSS v3 baseSeverity, upper case
	Vector   string   `json:"vector,omitempty"`
}

// Remediation categories of CSAF 2.0.
const (
	RemediationVendorFix     = "vendor_fix"
	RemediationNoFixPlanned  = "no_fix_planned"
	RemediationNoneAvailable = "none_available"
	RemediationMitigation    = "mitigation"
	RemediationWorkaround    = "workaround"
)

// Remediation is a fix, a mitigation or the statement that there is none.
type Remediation struct {
	Category string   `json:"category"`
	Products []string `json:"products,omitempty"`
	Details  string   `json:"details,omitempty"`
	URL      string   `json:"url,omitempty"`
	Date     string   `json:"date,omitempty"`
}

// Flag is a VEX justification and the products it covers.
type Flag struct {
	Label    string   `json:"label"`
	Products []string `json:"products"`
}

// Statuses of a product for a vulnerability.
const (
	StatusAffected           = "known_affected"
	StatusFixed              = "fixed"
	StatusNotAffected        = "known_not_affected"
	StatusUnderInvestigation = "under_investigation"
)

// StatusOf returns the status of a product for the vulnerability, or "" when
// the vulnerability does not list it.
func (v *Vulnerability) StatusOf(productID string) string {
	switch {
	case slices.Contains(v.Affected, productID):
		return StatusAffected
	case slices.Contains(v.Fixed, productID):
		return StatusFixed
	case slices.Contains(v.NotAffected, productID):
		return StatusNotAffected
	case slices.Contains(v.UnderInvestigation, productID):
		return StatusUnderInvestigation
	}
	return ""
}

// ScoreFor returns the score that applies to a product: the one listing
// it, preferring CVSS v3 over v2, or else the first score of the
// vulnerability.
func (v *Vulnerability) ScoreFor(productID string) (Score, bool) {
	var best Score
	found := false
	for _, s := range v.Scores {
		if !slices.Contains(s.Products, productID) {
			continue
		}
		if !found || best.Version == "2.0" && s.Version != "2.0" {
			best, found = s, true
		}
	}
	if !found && len(v.Scores) > 0 {
		return v.Scores[0], true
	}
	return best, found
}

// Remediation returns whether the vulnerability has a remediation of the
// category for the product.
func (v *Vulnerability) HasRemediation(category, productID string) bool {
	for _, r := range v.Remediations {
		if r.Category == category && slices.Contains(r.Products, productID) {
			return true
		}
	}
	return false
}

// The CSAF document, as far as it is read. Field names follow the CSAF 2.0
// JSON schema.
type csafDocument struct {
	Document struct {
		Category    string `json:"category"`
		CSAFVersion string `json:"csaf_version"`
		Title       string `json:"title"`
		Publisher   struct {
			Category  string `json:"category"`
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"publisher"`
		Tracking struct {
			ID                 string `json:"id"`
			Status             string `json:"status"`
			Version            string `json:"version"`
			InitialReleaseDate string `json:"initial_release_date"`
			CurrentReleaseDate string `json:"current_release_date"`
		} `json:"tracking"`
	} `json:"document"`
	ProductTree *struct {
		Branches         []csafBranch   `json:"branches"`
		FullProductNames []csafFullName `json:"full_product_names"`
		ProductGroups    []struct {
			GroupID    string   `json:"group_id"`
			ProductIDs []string `json:"product_ids"`
		} `json:"product_groups"`
		Relationships []struct {
			Category                  string       `json:"category"`
			FullProductName           csafFullName `json:"full_product_name"`
			ProductReference          string       `json:"product_reference"`
			RelatesToProductReference string       `json:"relates_to_product_reference"`
		} `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE string `json:"cve"`
		IDs []struct {
			SystemName string `json:"system_name"`
			Text       string `json:"text"`
		} `json:"ids"`
		Title string `json:"title"`
		CWE   *struct {
			ID string `json:"id"`
		} `json:"cwe"`
		ProductStatus *struct {
			FirstAffected      []string `json:"first_affected"`
			FirstFixed         []string `json:"first_fixed"`
			Fixed              []string `json:"fixed"`
			KnownAffected      []string `json:"known_affected"`
			KnownNotAffected   []string `json:"known_not_affected"`
			LastAffected       []string `json:"last_affected"`
			Recommended        []string `json:"recommended"`
			UnderInvestigation []string `json:"under_investigation"`
		} `json:"product_status"`
		Scores []struct {
			Products []string `json:"products"`
			CVSSv3   *struct {
				Version      string  `json:"version"`
				BaseScore    float64 `json:"baseScore"`
				BaseSeverity string  `json:"baseSeverity"`
				VectorString string  `json:"vectorString"`
			} `json:"cvss_v3"`
			CVSSv2 *struct {
				Version      string  `json:"version"`
				BaseScore    float64 `json:"baseScore"`
				VectorString string  `json:"vectorString"`
			} `json:"cvss_v2"`
		} `json:"scores"`
		Remediations []struct {
			Category   string   `json:"category"`
			Details    string   `json:"details"`
			URL        string   `json:"url"`
			Date       string   `json:"date"`
			ProductIDs []string `json:"product_ids"`
			GroupIDs   []string `json:"group_ids"`
		} `json:"remediations"`
		Flags []struct {
			Label      string   `json:"label"`
			ProductIDs []string `json:"product_ids"`
			GroupIDs   []string `json:"group_ids"`
		} `json:"flags"`
	} `json:"vulnerabilities"`
}

type csafBranch struct {
	Category string        `json:"category"`
	Name     string        `json:"name"`
	Branches []csafBranch  `json:"branches"`
	Product  *csafFullName `json:"product"`
}

type csafFullName struct {
	Name      string `json:"name"`
	ProductID string `json:"product_id"`
	Helper    *struct {
		CPE          string   `json:"cpe"`
		PURL         string   `json:"purl"`
		ModelNumbers []string `json:"model_numbers"`
		SKUs         []string `json:"skus"`
	} `json:"product_identification_helper"`
}

const opParse insurable.Op = "advisory.Parse"

// maxBranchDepth bounds the product tree's nesting; the schema sets no
// limit, and a hostile document could otherwise exhaust the stack.
const maxBranchDepth = 64

// Parse reads a CSAF 2.0 document and flattens it. name is used in error
// messages. Parse checks the structure it needs (a tracking id, product ids
// defined once and defined before use) but not the JSON schema: see
// Validator.
func Parse(name string, data []byte) (*Advisory, error) {
	var doc csafDocument
	if err := decodeJSON(data, &doc); err != nil {
		return nil, jsonError(opParse, name, data, err)
	}
	d := &doc.Document
	if d.Tracking.ID == "" {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "not a CSAF document: document.tracking.id is missing")
	}
	a := &Advisory{
		ID:                strings.TrimSpace(d.Tracking.ID),
		Title:             d.Title,
		Category:          d.Category,
		Publisher:         d.Publisher.Name,
		PublisherCategory: d.Publisher.Category,
		Version:           d.Tracking.Version,
		Status:            d.Tracking.Status,
		Released:          d.Tracking.InitialReleaseDate,
		Updated:           d.Tracking.CurrentReleaseDate,
		File:              name,
	}
	groups := map[string][]string{}
	defined := map[string]bool{}
	var refs []string // product ids referenced from groups and relationships
	var dup []string
	define := func(p Product) {
		if p.ID == "" {
			return
		}
		if defined[p.ID] {
			dup = append(dup, p.ID)
			return
		}
		defined[p.ID] = true
		a.Products = append(a.Products, p)
	}
	if pt := doc.ProductTree; pt != nil {
		var walk func(bs []csafBranch, ctx Product, depth int) error
		walk = func(bs []csafBranch, ctx Product, depth int) error {
			if depth > maxBranchDepth {
				return fmt.Errorf("product tree nested deeper than %d branches", maxBranchDepth)
			}
			for _, b := range bs {
				c := ctx
				switch b.Category {
				case "vendor":
					c.Vendor = b.Name
				case "product_family":
					c.Family = joinName(c.Family, b.Name)
				case "product_name":
					c.Product = b.Name
				case "product_version":
					c.Version = b.Name
				case "product_version_range":
					c.Range = b.Name
				case "service_pack", "patch_level":
					c.Version = joinName(c.Version, b.Name)
				}
				if b.Product != nil {
					p := c
					fillProduct(&p, b.Product)
					define(p)
				}
				if err := walk(b.Branches, c, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(pt.Branches, Product{}, 0); err != nil {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "%v", err)
		}
		for i := range pt.FullProductNames {
			var p Product
			fillProduct(&p, &pt.FullProductNames[i])
			define(p)
		}
		for _, g := range pt.ProductGroups {
			groups[g.GroupID] = g.ProductIDs
			refs = append(refs, g.ProductIDs...)
		}
		byID := map[string]Product{}
		for _, p := range a.Products {
			byID[p.ID] = p
		}
		for _, r := range pt.Relationships {
			refs = append(refs, r.ProductReference, r.RelatesToProductReference)
			base, ok := byID[r.ProductReference]
			if !ok {
				continue
			}
			p := base
			p.Models, p.SKUs = slices.Clone(base.Models), slices.Clone(base.SKUs)
			p.ID = r.FullProductName.ProductID
			p.Name = r.FullProductName.Name
			p.Relationship = r.Category + " " + productName(byID, r.RelatesToProductReference)
			define(p)
		}
	}
	if len(dup) > 0 {
		slices.Sort(dup)
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "product id %s is defined more than once (CSAF 6.1.2)", strings.Join(slices.Compact(dup), ", "))
	}
	expand := func(ids, gids []string) []string {
		out := slices.Clone(ids)
		for _, g := range gids {
			out = append(out, groups[g]...)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	var missing []string
	check := func(ids []string) []string {
		for _, id := range ids {
			if !defined[id] {
				missing = append(missing, id)
			}
		}
		return ids
	}
	check(refs)
	for _, v := range doc.Vulnerabilities {
		vv := Vulnerability{CVE: strings.TrimSpace(v.CVE), Title: v.Title}
		for _, id := range v.IDs {
			vv.IDs = append(vv.IDs, id.SystemName+":"+id.Text)
		}
		if v.CWE != nil {
			vv.CWE = v.CWE.ID
		}
		if ps := v.ProductStatus; ps != nil {
			vv.Affected = check(expand(append(append(slices.Clone(ps.KnownAffected), ps.FirstAffected...), ps.LastAffected...), nil))
			vv.Fixed = check(expand(append(append(slices.Clone(ps.Fixed), ps.FirstFixed...), ps.Recommended...), nil))
			vv.NotAffected = check(expand(ps.KnownNotAffected, nil))
			vv.UnderInvestigation = check(expand(ps.UnderInvestigation, nil))
		}
		for _, s := range v.Scores {
			sc := Score{Products: check(expand(s.Products, nil))}
			switch {
			case s.CVSSv3 != nil:
				sc.Version, sc.Base, sc.Severity, sc.Vector = s.CVSSv3.Version, s.CVSSv3.BaseScore, strings.ToUpper(s.CVSSv3.BaseSeverity), s.CVSSv3.VectorString
			case s.CVSSv2 != nil:
				sc.Version, sc.Base, sc.Vector = "2.0", s.CVSSv2.BaseScore, s.CVSSv2.VectorString
			default:
				continue
			}
			vv.Scores = append(vv.Scores, sc)
		}
		for _, r := range v.Remediations {
			vv.Remediations = append(vv.Remediations, Remediation{Category: r.Category, Products: check(expand(r.ProductIDs, r.GroupIDs)), Details: r.Details, URL: r.URL, Date: r.Date})
		}
		for _, f := range v.Flags {
			vv.Flags = append(vv.Flags, Flag{Label: f.Label, Products: check(expand(f.ProductIDs, f.GroupIDs))})
		}
		a.Vulns = append(a.Vulns, vv)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		missing = slices.Compact(missing)
		if len(missing) > 5 {
			missing = append(missing[:5], "…")
		}
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "product id %s is used but not defined in the product tree (CSAF 6.1.1)", strings.Join(missing, ", "))
	}
	return a, nil
}

func fillProduct(p *Product, f *csafFullName) {
	p.ID = f.ProductID
	p.Name = f.Name
	if h := f.Helper; h != nil {
		p.CPE = h.CPE
		p.PURL = h.PURL
		p.Models = nonEmpty(h.ModelNumbers)
		p.SKUs = nonEmpty(h.SKUs)
	}
	if p.Product == "" && p.Family == "" {
		p.Product = f.Name
	}
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func productName(byID map[string]Product, id string) string {
	if p, ok := byID[id]; ok {
		return p.Name
	}
	return id
}

func joinName(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

// decodeJSON decodes one JSON value and refuses trailing data.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON document")
	}
	return nil
}

// jsonError turns a JSON decoding error into an error naming the file and
// line.
func jsonError(op insurable.Op, name string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return insurable.FileError(op, insurable.Invalid, name, lineAt(data, int64(len(data))), "malformed JSON: the document ends too early")
	case errors.As(err, &se):
		return insurable.FileError(op, insurable.Invalid, name, lineAt(data, se.Offset), "malformed JSON: %v", err)
	case errors.As(err, &te):
		return insurable.FileError(op, insurable.Invalid, name, lineAt(data, te.Offset), "%s must be %s, not JSON %s", fieldPath(te), te.Type, te.Value)
	}
	return insurable.FileError(op, insurable.Invalid, name, 0, "malformed JSON: %v", err)
}

func fieldPath(te *json.UnmarshalTypeError) string {
	if te.Field == "" {
		return "the document"
	}
	return te.Field
}

// lineAt returns the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	if off < 0 {
		return 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}
