package check

import (
	"strings"

	"github.com/insurable/insurable/evidence"
)

// Index holds lookups over a bundle's assets that several checks share.
type Index struct {
	// ByID maps an asset id to its position in Bundle.Assets (the first one
	// when ids repeat).
	ByID map[string]int
	// ByMAC and ByIP map normalised addresses to asset positions.
	ByMAC map[string]int
	ByIP  map[string]int
	// Duplicates lists asset ids that appear more than once.
	Duplicates []string
	// Classes counts assets per canonical class ("" for unrecognised).
	Classes map[string]int
	// Models and Firmware hold each asset's ModelKey and FirmwareKey, by
	// position in Bundle.Assets.
	Models, Firmware []string
}

// NewIndex builds the index of b's assets.
func NewIndex(b *evidence.Bundle) *Index {
	n := len(b.Assets)
	ix := &Index{ByID: make(map[string]int, n), ByMAC: make(map[string]int, n), ByIP: make(map[string]int, n), Classes: map[string]int{},
		Models: make([]string, n), Firmware: make([]string, n)}
	models := map[[2]string]string{}
	dup := map[string]bool{}
	for i := range b.Assets {
		a := &b.Assets[i]
		if a.ID != "" {
			if _, seen := ix.ByID[a.ID]; seen {
				if !dup[a.ID] {
					ix.Duplicates = append(ix.Duplicates, a.ID)
				}
				dup[a.ID] = true
			} else {
				ix.ByID[a.ID] = i
			}
		}
		if m := NormalizeMAC(a.MAC); m != "" {
			ix.ByMAC[m] = i
		}
		for _, ip := range splitAddrs(a.IP) {
			ix.ByIP[ip] = i
		}
		ix.Classes[evidence.NormalizeClass(a.Class)]++
		mk, ok := models[[2]string{a.Vendor, a.Product}]
		if !ok {
			mk = ModelKey(a.Vendor, a.Product)
			models[[2]string{a.Vendor, a.Product}] = mk
		}
		ix.Models[i] = mk
		ix.Firmware[i] = mk + "\x00" + normWords(a.Version)
	}
	SortStrings(ix.Duplicates)
	return ix
}

// NormalizeMAC reduces a MAC address to 12 lower-case hex digits, or "" when
// it is not one.
func NormalizeMAC(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
			b.WriteRune(r)
		case r == ':' || r == '-' || r == '.':
		default:
			return ""
		}
	}
	if b.Len() != 12 {
		return ""
	}
	return b.String()
}

// splitAddrs splits a cell that may list several addresses.
func splitAddrs(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '|' })
}

// Asset returns the asset with the given id.
func (ix *Index) Asset(b *evidence.Bundle, id string) (*evidence.Asset, bool) {
	i, ok := ix.ByID[id]
	if !ok {
		return nil, false
	}
	return &b.Assets[i], true
}

// ModelKey identifies a device model by its vendor and product, compared
// without regard to case or runs of spaces.
func ModelKey(vendor, product string) string {
	return normWords(vendor) + "\x00" + normWords(product)
}

// FirmwareKey identifies a firmware version of a device model.
func FirmwareKey(vendor, product, version string) string {
	return ModelKey(vendor, product) + "\x00" + normWords(version)
}

// normWords lowers s and collapses its runs of white space.
func normWords(s string) string {
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 0x80, c == '\t' || c == '\n' || c == '\r':
			clean = false
		case c == ' ':
			if prevSpace {
				clean = false
			}
		}
		prevSpace = c == ' '
	}
	if clean && !prevSpace {
		return s
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
