// Package protocol holds the IIoT Safety and Security Digital Protocol as
// data: its requirements, responsibility areas and insurability indicators,
// each with the evidence that verifies it and its mappings to recognised
// standards. The catalog is embedded in the binary and versioned.
package protocol

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable"
)

// ID identifies a catalog item: A1–A9, B1–B7, C1–C2, R1–R8 or O1–O4.
type ID string

// Kind says what sort of item an ID names.
type Kind string

// The kinds of catalog item.
const (
	Requirement Kind = "requirement" // a requirement of seed §I (A, B and C)
	RAMArea     Kind = "ram-area"    // an area of the Responsibility Assignment Matrix (§I.B, R)
	Indicator   Kind = "indicator"   // an insurability indicator of §II (O)
)

// Method says how an item is verified.
type Method string

// The verification methods.
const (
	Automated Method = "automated" // the tool decides from machine-checkable evidence
	Attested  Method = "attested"  // a dated statement by a named person is the evidence
)

// Relationship says how an item relates to a clause of another standard, in
// the set-theoretic sense NIST's OLIR uses: the item equals, is a subset of,
// is a superset of, or intersects the clause.
type Relationship string

// The relationships a mapping may state.
const (
	Equal      Relationship = "equal"
	Subset     Relationship = "subset"
	Superset   Relationship = "superset"
	Intersects Relationship = "intersects"
)

// StandardID names a recognised standard the catalog maps to.
type StandardID string

// Standard describes one recognised standard and where its clause list was
// checked.
type Standard struct {
	ID      StandardID `yaml:"id" json:"id"`
	Title   string     `yaml:"title" json:"title"`
	Edition string     `yaml:"edition" json:"edition"`
	URL     string     `yaml:"url" json:"url"`
}

// Mapping relates a catalog item to one clause of a standard.
type Mapping struct {
	Standard     StandardID   `yaml:"standard" json:"standard"`
	Clause       string       `yaml:"clause" json:"clause"`
	ClauseTitle  string       `yaml:"clause_title" json:"clause_title"`
	Relationship Relationship `yaml:"relationship" json:"relationship"`
	// Checked says where the clause was confirmed to exist, so that a reader
	// can look it up again.
	Checked string `yaml:"checked" json:"checked"`
}

// Item is one requirement, responsibility area or indicator of the Protocol.
type Item struct {
	ID           ID       `yaml:"id" json:"id"`
	Kind         Kind     `yaml:"kind" json:"kind"`
	Section      string   `yaml:"section" json:"section"`
	Title        string   `yaml:"title" json:"title"`
	Statement    string   `yaml:"statement" json:"statement"`
	Evidence     []string `yaml:"evidence" json:"evidence"`
	Verification Method   `yaml:"verification" json:"verification"`
	// Area is the Responsibility Assignment Matrix area whose owners answer
	// for this item's remediation. Empty for the areas themselves and for
	// governance items, whose remediation falls to the responsible officer.
	Area     ID        `yaml:"area,omitempty" json:"area,omitempty"`
	Mappings []Mapping `yaml:"mappings" json:"mappings"`
}

// Change records what a catalog version changed, so that assessments made
// under an older version can be judged.
type Change struct {
	Version string `yaml:"version" json:"version"`
	Date    string `yaml:"date" json:"date"`
	Summary string `yaml:"summary" json:"summary"`
	// Invalidates lists the items whose verdicts under earlier versions no
	// longer hold.
	Invalidates []ID `yaml:"invalidates,omitempty" json:"invalidates,omitempty"`
}

// Catalog is a versioned edition of the Protocol.
type Catalog struct {
	ID        string     `yaml:"id" json:"id"`
	Title     string     `yaml:"title" json:"title"`
	Version   string     `yaml:"version" json:"version"`
	Source    string     `yaml:"source" json:"source"`
	Standards []Standard `yaml:"standards" json:"standards"`
	Items     []Item     `yaml:"items" json:"items"`
	Changes   []Change   `yaml:"changes" json:"changes"`

	digest string
	index  map[ID]int
}

//go:embed catalog.yaml
var embedded []byte

var (
	defaultOnce    sync.Once
	defaultCatalog *Catalog
	defaultErr     error
)

// Default returns the catalog embedded in the binary. It panics if the
// embedded catalog is invalid, which the package's tests rule out.
func Default() *Catalog {
	defaultOnce.Do(func() {
		defaultCatalog, defaultErr = Parse("catalog.yaml", embedded)
	})
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultCatalog
}

// Parse reads a catalog from YAML and validates it. name is used in errors.
func Parse(name string, data []byte) (*Catalog, error) {
	const op insurable.Op = "protocol.Parse"
	var c Catalog
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Err: err}
	}
	if err := c.validate(); err != nil {
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Err: err}
	}
	sum := sha256.Sum256(data)
	c.digest = "sha256:" + hex.EncodeToString(sum[:])
	return &c, nil
}

var (
	idPattern      = regexp.MustCompile(`^(A[1-9]|B[1-7]|C[1-2]|R[1-8]|O[1-4])$`)
	semverPattern  = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	wantItemCounts = map[Kind]int{Requirement: 18, RAMArea: 8, Indicator: 4}
)

func (c *Catalog) validate() error {
	if c.ID == "" || c.Title == "" {
		return fmt.Errorf("catalog id and title are required")
	}
	if !semverPattern.MatchString(c.Version) {
		return fmt.Errorf("catalog version %q is not a semantic version", c.Version)
	}
	standards := map[StandardID]bool{}
	for _, s := range c.Standards {
		if s.ID == "" || s.Title == "" {
			return fmt.Errorf("a standard needs an id and a title")
		}
		standards[s.ID] = true
	}
	c.index = make(map[ID]int, len(c.Items))
	counts := map[Kind]int{}
	for i, it := range c.Items {
		if !idPattern.MatchString(string(it.ID)) {
			return fmt.Errorf("item %d: id %q is not a Protocol item id", i+1, it.ID)
		}
		if _, dup := c.index[it.ID]; dup {
			return fmt.Errorf("item %s appears twice", it.ID)
		}
		c.index[it.ID] = i
		if want := kindOf(it.ID); it.Kind != want {
			return fmt.Errorf("item %s: kind %q, want %q", it.ID, it.Kind, want)
		}
		counts[it.Kind]++
		if it.Title == "" || it.Statement == "" || it.Section == "" {
			return fmt.Errorf("item %s: title, statement and section are required", it.ID)
		}
		if len(it.Evidence) == 0 {
			return fmt.Errorf("item %s: names no evidence", it.ID)
		}
		if it.Verification != Automated && it.Verification != Attested {
			return fmt.Errorf("item %s: verification %q is neither automated nor attested", it.ID, it.Verification)
		}
		for j, m := range it.Mappings {
			if !standards[m.Standard] {
				return fmt.Errorf("item %s mapping %d: unknown standard %q", it.ID, j+1, m.Standard)
			}
			if m.Clause == "" || m.Checked == "" {
				return fmt.Errorf("item %s mapping %d: clause and checked are required", it.ID, j+1)
			}
			switch m.Relationship {
			case Equal, Subset, Superset, Intersects:
			default:
				return fmt.Errorf("item %s mapping %d: relationship %q is not one of equal, subset, superset, intersects", it.ID, j+1, m.Relationship)
			}
		}
	}
	for k, n := range wantItemCounts {
		if counts[k] != n {
			return fmt.Errorf("catalog has %d items of kind %s, want %d", counts[k], k, n)
		}
	}
	for _, it := range c.Items {
		if it.Kind == RAMArea {
			if it.Area != "" {
				return fmt.Errorf("item %s: a responsibility area has no area of its own", it.ID)
			}
			continue
		}
		if it.Area == "" {
			continue
		}
		if _, ok := c.index[it.Area]; !ok || kindOf(it.Area) != RAMArea {
			return fmt.Errorf("item %s: area %q is not a responsibility area", it.ID, it.Area)
		}
	}
	return nil
}

func kindOf(id ID) Kind {
	switch id[0] {
	case 'R':
		return RAMArea
	case 'O':
		return Indicator
	}
	return Requirement
}

// Digest is the SHA-256 of the catalog's source, recorded on every
// assessment so that the catalog used can be identified exactly.
func (c *Catalog) Digest() string { return c.digest }

// Item returns the item with the given id.
func (c *Catalog) Item(id ID) (Item, bool) {
	i, ok := c.index[ID(strings.ToUpper(string(id)))]
	if !ok {
		return Item{}, false
	}
	return c.Items[i], true
}

// Standard returns the standard with the given id.
func (c *Catalog) Standard(id StandardID) (Standard, bool) {
	i := slices.IndexFunc(c.Standards, func(s Standard) bool { return s.ID == id })
	if i < 0 {
		return Standard{}, false
	}
	return c.Standards[i], true
}

// IDs returns every item id in catalog order.
func (c *Catalog) IDs() []ID {
	ids := make([]ID, len(c.Items))
	for i, it := range c.Items {
		ids[i] = it.ID
	}
	return ids
}
