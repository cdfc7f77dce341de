// Package kev reads the CISA Known Exploited Vulnerabilities catalogue: the
// JSON feed CISA publishes, validated against CISA's own JSON schema.
package kev

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/internal/schemacheck"
)

// Entry is one known exploited vulnerability.
type Entry struct {
	CVE           string   `json:"cve"`
	VendorProject string   `json:"vendor_project,omitempty"`
	Product       string   `json:"product,omitempty"`
	Name          string   `json:"name,omitempty"`
	DateAdded     string   `json:"date_added"`           // YYYY-MM-DD
	DueDate       string   `json:"due_date"`             // YYYY-MM-DD: remediate by this date (BOD 22-01)
	Ransomware    string   `json:"ransomware,omitempty"` // "Known" or "Unknown"
	CWEs          []string `json:"cwes,omitempty"`
}

// Catalog is a snapshot of the KEV catalogue.
type Catalog struct {
	Title    string  `json:"title"`
	Version  string  `json:"version"`  // catalogVersion, such as 2025.08.25
	Released string  `json:"released"` // dateReleased
	Digest   string  `json:"digest"`   // sha256 of the file the catalogue was read from
	Entries  []Entry `json:"entries"`  // sorted by CVE

	once  sync.Once
	index map[string]int
}

// Lookup returns the entry of a CVE.
func (c *Catalog) Lookup(cve string) (Entry, bool) {
	if c == nil {
		return Entry{}, false
	}
	c.once.Do(func() {
		c.index = make(map[string]int, len(c.Entries))
		for i, e := range c.Entries {
			c.index[e.CVE] = i
		}
	})
	i, ok := c.index[strings.ToUpper(strings.TrimSpace(cve))]
	if !ok {
		return Entry{}, false
	}
	return c.Entries[i], true
}

//go:embed schema/known_exploited_vulnerabilities_schema.json
var kevSchema []byte

const schemaURL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json"

var compiled struct {
	once sync.Once
	s    *schemacheck.Schema
	err  error
}

const opParse insurable.Op = "kev.Parse"

// Parse reads the catalogue from its JSON. name is used in error messages.
// The document is validated against CISA's schema (formats included), and
// each entry's dates must be calendar dates.
func Parse(name string, data []byte) (*Catalog, error) {
	compiled.once.Do(func() {
		compiled.s, compiled.err = schemacheck.Compile(schemaURL, true, schemacheck.Resource{URL: schemaURL, JSON: kevSchema})
	})
	if compiled.err != nil {
		return nil, &insurable.Error{Op: opParse, Kind: insurable.Internal, Msg: "compiling the KEV schema", Err: compiled.err}
	}
	doc, err := schemacheck.Decode(data)
	if err != nil {
		return nil, fileErr(name, data, err)
	}
	if err := compiled.s.Validate(doc, 3); err != nil {
		return nil, &insurable.Error{Op: opParse, Kind: insurable.Invalid, Path: name, Msg: "not a KEV catalogue", Err: err}
	}
	var raw struct {
		Title           string `json:"title"`
		CatalogVersion  string `json:"catalogVersion"`
		DateReleased    string `json:"dateReleased"`
		Vulnerabilities []struct {
			CVEID                      string   `json:"cveID"`
			VendorProject              string   `json:"vendorProject"`
			Product                    string   `json:"product"`
			VulnerabilityName          string   `json:"vulnerabilityName"`
			DateAdded                  string   `json:"dateAdded"`
			DueDate                    string   `json:"dueDate"`
			KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
			CWEs                       []string `json:"cwes"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fileErr(name, data, err)
	}
	sum := sha256.Sum256(data)
	c := &Catalog{Title: raw.Title, Version: raw.CatalogVersion, Released: raw.DateReleased, Digest: "sha256:" + hex.EncodeToString(sum[:])}
	seen := map[string]bool{}
	for i, v := range raw.Vulnerabilities {
		e := Entry{
			CVE: v.CVEID, VendorProject: v.VendorProject, Product: v.Product, Name: v.VulnerabilityName,
			DateAdded: v.DateAdded, DueDate: v.DueDate, Ransomware: v.KnownRansomwareCampaignUse, CWEs: v.CWEs,
		}
		for _, d := range []string{e.DateAdded, e.DueDate} {
			if !isDate(d) {
				return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "vulnerabilities[%d] (%s): %q is not a date YYYY-MM-DD", i, e.CVE, d)
			}
		}
		if seen[e.CVE] {
			continue
		}
		seen[e.CVE] = true
		c.Entries = append(c.Entries, e)
	}
	slices.SortFunc(c.Entries, func(a, b Entry) int { return strings.Compare(a.CVE, b.CVE) })
	return c, nil
}

func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func fileErr(name string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return insurable.FileError(opParse, insurable.Invalid, name, line, "malformed JSON: %v", err)
	}
	return insurable.FileError(opParse, insurable.Invalid, name, 0, "%v", fmt.Errorf("malformed JSON: %w", err))
}
