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
}

// NewIndex builds the index of b's assets.
func NewIndex(b *evidence.Bundle) *Index {
	n := len(b.Assets)
	ix := &Index{ByID: make(map[string]int, n), ByMAC: make(map[string]int, n), ByIP: make(map[string]int, n), Classes: map[string]int{}}
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
