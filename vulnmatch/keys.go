package vulnmatch

import (
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/insurable/insurable/advisory"
)

// Asset is what matching needs of an inventory row.
type Asset struct {
	ID      string
	Vendor  string
	Product string
	Model   string
	Version string
	CPE     string
	PURL    string
}

// indexKey is one key under which a product is indexed or an asset looked
// up. A product and an asset match when they share a key; the match's tier
// is the looser of the two keys' tiers.
type indexKey struct {
	key     string
	tier    Tier
	version []string // for TierNoVersion on the product side
}

// Key kinds, the first byte of every key.
const (
	kindIdentifier = 'I' // model number, under a vendor
	kindFull       = 'F'
	kindBase       = 'B'
	kindNoVersion  = 'N'
	kindSuffix     = 'S'
	kindVariant    = 'V'
	kindCPE        = 'C' // vendor:product of a CPE, vendor-free
	kindPURL       = 'U' // type/namespace/name of a purl, vendor-free
)

// Vendor key kinds: a vendor's full name, or a leading part of it; and
// the key of products whose advisory names no vendor ("multiple", "multiple
// open source"), which any vendor may meet by the product's own name.
const (
	vendorFull   = "f:"
	vendorPrefix = "p:"
	vendorAny    = "*"
)

func joinKey(vendor string, kind byte, product string) string {
	var b strings.Builder
	b.Grow(len(vendor) + len(product) + 2)
	b.WriteString(vendor)
	b.WriteByte(0)
	b.WriteByte(kind)
	b.WriteString(product)
	return b.String()
}

var tierKind = [...]byte{TierIdentifier: kindIdentifier, TierFull: kindFull, TierBase: kindBase, TierNoVersion: kindNoVersion, TierVariant: kindVariant, TierSuffix: kindSuffix}

// productIndexKeys returns the keys an advisory's product is indexed under.
func productIndexKeys(a *advisory.Advisory, p *advisory.Product) []indexKey {
	var keys []indexKey
	if c := cpeKey(p.CPE); c != "" {
		keys = append(keys, indexKey{key: joinKey("", kindCPE, c), tier: TierIdentifier})
	}
	if u := purlKey(p.PURL); u != "" {
		keys = append(keys, indexKey{key: joinKey("", kindPURL, u), tier: TierIdentifier})
	}
	vendor := p.Vendor
	if vendor == "" && a.PublisherCategory == "vendor" {
		vendor = a.Publisher
	}
	vk := NormalizeVendor(vendor)
	anyVendor := len(vk.Full) == 0
	if anyVendor && !genericVendors[strings.Join(vendorWords(vendor), "")] {
		return keys
	}
	var names []string
	switch {
	case p.Product != "" && p.Family != "":
		names = []string{p.Product, p.Family + " " + p.Product}
	case p.Product != "":
		names = []string{p.Product}
	case p.Family != "":
		names = []string{p.Family}
	default:
		names = []string{p.Name}
	}
	models := append(append([]string(nil), p.Models...), p.SKUs...)
	for _, name := range names {
		for _, pk := range productKeys(name, models, vk, true) {
			if anyVendor {
				keys = append(keys, indexKey{key: joinKey(vendorAny, tierKind[pk.tier], pk.key), tier: pk.tier, version: pk.version})
				continue
			}
			for _, v := range vk.Full {
				keys = append(keys, indexKey{key: joinKey(vendorFull+v, tierKind[pk.tier], pk.key), tier: pk.tier, version: pk.version})
			}
			for _, v := range vk.Prefixes {
				keys = append(keys, indexKey{key: joinKey(vendorPrefix+v, tierKind[pk.tier], pk.key), tier: pk.tier, version: pk.version})
			}
		}
	}
	return dedupKeys(keys)
}

// assetLookupKeys returns the keys an asset is looked up under.
func assetLookupKeys(a *Asset) []indexKey {
	var keys []indexKey
	vendor, product := a.Vendor, a.Product
	if c := cpeKey(a.CPE); c != "" {
		keys = append(keys, indexKey{key: joinKey("", kindCPE, c), tier: TierIdentifier})
		if vendor == "" || product == "" {
			cv, cp := cpeVendorProduct(a.CPE)
			vendor, product = firstOf(vendor, cv), firstOf(product, cp)
		}
	}
	if u := purlKey(a.PURL); u != "" {
		keys = append(keys, indexKey{key: joinKey("", kindPURL, u), tier: TierIdentifier})
	}
	if product == "" && a.Model == "" {
		return keys
	}
	vk := NormalizeVendor(vendor)
	var models []string
	if a.Model != "" {
		models = splitModels(a.Model)
	}
	pks := productKeys(product, models, vk, false)
	// Products whose advisory names no vendor: by the product's name, or
	// by the vendor and product written together ("Texas Instruments" and
	// "CC32XX" for "Texas Instruments CC32XX").
	for _, pk := range pks {
		if pk.tier != TierIdentifier {
			keys = append(keys, indexKey{key: joinKey(vendorAny, tierKind[pk.tier], pk.key), tier: pk.tier})
		}
	}
	if vendor != "" {
		for _, pk := range productKeys(vendor+" "+product, nil, VendorKeys{}, false) {
			if pk.tier == TierFull || pk.tier == TierBase {
				keys = append(keys, indexKey{key: joinKey(vendorAny, tierKind[pk.tier], pk.key), tier: pk.tier})
			}
		}
	}
	if len(vk.Full) == 0 {
		return dedupKeys(keys)
	}
	// Vendor lookups: the asset's full name against full names and
	// prefixes of advisory vendors, and the asset's prefixes against full
	// names ("Siemens Energy" meets "Siemens").
	var vendors []string
	for _, v := range vk.Full {
		vendors = append(vendors, vendorFull+v, vendorPrefix+v)
	}
	for _, v := range vk.Prefixes {
		vendors = append(vendors, vendorFull+v)
	}
	var base, variant, suffix string
	for _, pk := range pks {
		switch pk.tier {
		case TierBase:
			base = pk.key
		case TierVariant:
			variant = pk.key
		case TierSuffix:
			suffix = pk.key
		}
	}
	// lookups pairs the kind of key looked up with the asset's key and the
	// tier of a match, beyond the same-kind lookups of identifiers, full
	// names and base names.
	lookups := []struct {
		kind byte
		key  string
		tier Tier
	}{
		{kindNoVersion, base, TierNoVersion}, // the advisory's name carried a version
		{kindVariant, base, TierVariant},     // the advisory's name carried a variant in parentheses
		{kindBase, variant, TierVariant},     // the asset's name did
		{kindVariant, variant, TierVariant},
		{kindSuffix, base, TierSuffix}, // the asset's name leaves out the brand
		{kindBase, suffix, TierSuffix}, // the advisory's name does
	}
	for _, v := range vendors {
		for _, pk := range pks {
			switch pk.tier {
			case TierIdentifier, TierFull, TierBase:
				keys = append(keys, indexKey{key: joinKey(v, tierKind[pk.tier], pk.key), tier: pk.tier})
			}
		}
		for _, l := range lookups {
			if l.key != "" {
				keys = append(keys, indexKey{key: joinKey(v, l.kind, l.key), tier: l.tier})
			}
		}
	}
	return dedupKeys(keys)
}

func dedupKeys(keys []indexKey) []indexKey {
	out := keys[:0]
	seen := make(map[string]Tier, len(keys))
	for _, k := range keys {
		if t, ok := seen[k.key]; ok && t <= k.tier {
			continue
		}
		seen[k.key] = k.tier
		out = append(out, k)
	}
	return out
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// splitModels splits an inventory cell that lists several model numbers.
func splitModels(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == ',' || r == '/' })
}

// cpeKey returns "vendor:product" of a CPE 2.3 formatted string or a CPE
// 2.2 URI, lower case, or "" when s is not one.
func cpeKey(s string) string {
	v, p := cpeParts(s)
	if v == "" || p == "" {
		return ""
	}
	return v + ":" + p
}

func cpeParts(s string) (vendor, product string) {
	s = strings.ToLower(strings.TrimSpace(s))
	var f []string
	switch {
	case strings.HasPrefix(s, "cpe:2.3:"):
		f = splitCPE(s[len("cpe:2.3:"):])
	case strings.HasPrefix(s, "cpe:/"):
		f = strings.Split(s[len("cpe:/"):], ":")
	default:
		return "", ""
	}
	if len(f) < 3 || f[1] == "*" || f[2] == "*" || f[1] == "-" || f[2] == "-" {
		return "", ""
	}
	return f[1], f[2]
}

// splitCPE splits the fields of a CPE 2.3 string, where a colon may be
// escaped with a backslash.
func splitCPE(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i++
		case s[i] == ':':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, b.String())
}

// cpeVendorProduct returns the vendor and product of a CPE as words.
func cpeVendorProduct(s string) (string, string) {
	v, p := cpeParts(s)
	r := strings.NewReplacer("_", " ")
	return r.Replace(v), r.Replace(p)
}

// CPEVersion returns the version field of a CPE, or "" when it is a
// wildcard or absent.
func CPEVersion(s string) string {
	s = strings.TrimSpace(s)
	var f []string
	switch {
	case strings.HasPrefix(strings.ToLower(s), "cpe:2.3:"):
		f = splitCPE(s[len("cpe:2.3:"):])
	case strings.HasPrefix(strings.ToLower(s), "cpe:/"):
		f = strings.Split(s[len("cpe:/"):], ":")
	}
	if len(f) < 4 || f[3] == "*" || f[3] == "-" || f[3] == "" {
		return ""
	}
	return f[3]
}

// purlKey returns type/namespace/name of a package URL, or "" when s is not
// one. Names are compared case-insensitively, as most purl types require.
func purlKey(s string) string {
	if s == "" {
		return ""
	}
	p, err := packageurl.FromString(s)
	if err != nil || p.Type == "" || p.Name == "" {
		return ""
	}
	k := p.Type + "/"
	if p.Namespace != "" {
		k += p.Namespace + "/"
	}
	return strings.ToLower(k + p.Name)
}

// PURLVersion returns the version of a package URL, or "".
func PURLVersion(s string) string {
	p, err := packageurl.FromString(s)
	if err != nil {
		return ""
	}
	return p.Version
}
