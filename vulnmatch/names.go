package vulnmatch

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// VendorAliases is the alias table for vendors that were renamed, bought,
// or are commonly written under another name. Each key is a canonical
// vendor name; the values are names that mean the same vendor. Matching
// compares vendors after normalisation (case, accents, punctuation,
// corporate suffixes), then through this table, so "Allen-Bradley",
// "Rockwell Automation, Inc." and "ROCKWELL" all meet. docs/vulnerabilities.md
// lists the table and why each entry is there.
var VendorAliases = map[string][]string{
	"ABB":                         {"ABB Ltd", "Asea Brown Boveri"},
	"AVEVA":                       {"Schneider Electric Software", "Wonderware", "OSIsoft", "InduSoft", "AVEVA Group"},
	"Baxter":                      {"Baxter International", "Baxter Healthcare", "Hillrom", "Hill-Rom", "Welch Allyn"},
	"Becton Dickinson":            {"BD", "Becton, Dickinson and Company", "CareFusion"},
	"Belden":                      {"Hirschmann", "Hirschmann Automation and Control", "GarrettCom", "Tofino Security"},
	"Bently Nevada":               {"Baker Hughes", "Baker Hughes Bently Nevada"},
	"Carrier":                     {"Carrier Global", "Interlogix", "LenelS2", "Lenel", "UTC Fire & Security", "Automated Logic", "ALC"},
	"CODESYS":                     {"3S-Smart Software Solutions", "3S Smart Software Solutions", "3S", "3S-Smart Software", "CODESYS Group"},
	"Dahua":                       {"Dahua Technology", "Zhejiang Dahua Technology"},
	"Drager":                      {"Draegerwerk", "Dragerwerk", "Drägerwerk AG & Co. KGaA", "Draeger Medical"},
	"Emerson":                     {"Emerson Electric", "Emerson Process Management", "Emerson Automation Solutions", "Fisher-Rosemount", "Rosemount", "Fisher Controls"},
	"General Electric":            {"GE", "GE Digital", "GE Grid Solutions", "GE Vernova", "GE Power", "GE Intelligent Platforms", "GE Automation"},
	"Hikvision":                   {"Hangzhou Hikvision Digital Technology", "Hangzhou Hikvision"},
	"Hitachi Energy":              {"ABB Power Grids", "Hitachi ABB Power Grids", "Hitachi Energy Ltd"},
	"Honeywell":                   {"Honeywell International", "Honeywell Process Solutions", "Matrikon", "MatrikonOPC", "Tridium"},
	"Johnson Controls":            {"Johnson Controls International", "JCI", "Johnson Contols", "Tyco", "Sensormatic", "Sensormatic Electronics", "Exacq", "Exacq Technologies", "Kantech", "American Dynamics", "Software House", "CKS", "Controlled Electronic Management Systems", "Contolled Electronic Management Systems", "CEM Systems"},
	"LS Electric":                 {"LS Industrial Systems", "LSIS", "LS IS", "LS Industrial"},
	"Mitsubishi Electric":         {"MELCO", "Mitsubishi Electric Europe", "Mitsubishi Electric Automation", "ICONICS"},
	"National Instruments":        {"NI", "Emerson NI"},
	"Philips":                     {"Phillips", "Koninklijke Philips", "Philips Healthcare", "Philips Medical Systems"},
	"Phoenix Contact":             {"Innominate", "Innominate Security Technologies", "Phoenix Contact Innominate"},
	"PSI GridConnect":             {"PSI Nentec"},
	"Rockwell Automation":         {"Allen-Bradley", "Allen Bradley", "Rockwell", "Rockwell Software"},
	"Sauter":                      {"Fr. Sauter", "SAUTER Controls", "Fr. Sauter AG"},
	"Schneider Electric":          {"Schneider", "Schneider Electric Software", "Modicon", "Telemecanique", "APC", "APC by Schneider Electric", "Square D", "Invensys", "Wonderware"},
	"Schweitzer Engineering Labs": {"SEL", "Schweitzer Engineering Laboratories"},
	"Siemens":                     {"Siemens Energy", "Siemens Healthineers", "Siemens Digital Industries", "Siemens Industry", "Siemens Mobility"},
	"Weidmuller":                  {"Weidmueller", "Weidmüller Interface"},
	"Wibu-Systems":                {"WIBU", "WIBU-SYSTEMS AG"},
	"Xiongmai":                    {"Hangzhou Xiongmai Technology", "Xiongmai Technology", "XMeye"},
	"Yokogawa":                    {"Yokogawa Electric", "Yokogawa Electric Corporation"},
	"Real Time Automation":        {"RTA"},
	"Real-Time Innovations":       {"RTI"},
	"Object Computing":            {"OCI"},
	"Automation Direct":           {"AutomationDirect", "ADC", "Host Engineering"},
	"Red Lion":                    {"Red Lion Controls"},
	"Advantech":                   {"B+B SmartWorx", "Advantech B+B SmartWorx"},
	"Moxa":                        {"Moxa Technologies"},
	"Geutebruck":                  {"Geutebrueck"},
	"Orpak":                       {"Gilbarco Veeder-Root", "Gilbarco"},
	"LCDS":                        {"LCDS - Leão Consultoria e Desenvolvimento de Sistemas", "Leão Consultoria e Desenvolvimento de Sistemas"},
	"Natus":                       {"Natus Medical"},
	"Medtronic":                   {"Medtronic plc", "Covidien"},
	"B. Braun":                    {"B. Braun Medical", "B. Braun Melsungen"},
	"Pilz":                        {"Pilz GmbH & Co. KG"},
	"WAGO":                        {"WAGO Kontakttechnik"},
	"Pepperl+Fuchs":               {"Pepperl & Fuchs", "Pepperl and Fuchs", "P+F"},
	"Triangle MicroWorks":         {"TMW"},
}

// corporateSuffixes are words dropped from the end of a vendor name:
// "Siemens AG", "Rockwell Automation, Inc.", "Dahua Technology Co, Ltd".
var corporateSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "ltd": true, "limited": true, "co": true,
	"corp": true, "corporation": true, "company": true, "gmbh": true, "ag": true, "se": true,
	"sa": true, "bv": true, "nv": true, "plc": true, "kg": true, "kgaa": true, "ohg": true,
	"oy": true, "oyj": true, "ab": true, "as": true, "asa": true, "spa": true, "srl": true,
	"sas": true, "sarl": true, "pte": true, "pty": true, "kk": true, "lp": true, "llp": true,
	"ltda": true, "me": true, "holdings": true, "holding": true, "group": true,
	"international": true, "technology": true, "technologies": true, "and": true, "the": true,
	"gesmbh": true, "mbh": true, "sl": true, "sro": true, "spzoo": true, "zoo": true, "bhd": true, "sdn": true,
	"subsidiary": true, "of": true, "a": true,
}

// genericProductWords are dropped from the end of a product name: an
// inventory says "UC-2100", the advisory "UC-2100 Series".
var genericProductWords = map[string]bool{
	"firmware": true, "software": true, "series": true, "family": true, "fw": true, "sw": true,
	"device": true, "devices": true, "product": true, "products": true, "module": true,
	"modules": true, "models": true, "model": true, "application": true, "app": true,
}

// newFold returns a transformer that strips accents. Transformers keep
// state, so each use takes a new one.
func newFold() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}

var specialLetters = strings.NewReplacer("ß", "ss", "æ", "ae", "Æ", "AE", "ø", "o", "Ø", "O", "ł", "l", "Ł", "L", "đ", "d", "Đ", "D", "œ", "oe", "Œ", "OE", "™", "", "®", "", "©", "")

// fixMojibake repairs UTF-8 text that was decoded as Latin-1 and encoded
// again ("GeutebrÃ¼ck" for "Geutebrück"), as some advisories carry it.
func fixMojibake(s string) string {
	if !strings.ContainsAny(s, "ÃÂ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return s
		}
		b = append(b, byte(r))
	}
	if !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// words folds s to lower-case ASCII letters and digits and splits it into
// words on everything else.
func words(s string) []string {
	s = clip(s)
	if !isASCII(s) {
		s = fixMojibake(s)
		s = specialLetters.Replace(s)
		if f, _, err := transform.String(newFold(), s); err == nil {
			s = f
		}
	}
	s = strings.ToLower(s)
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// umlautFold maps the German transliterations ae, oe, ue to a, o, u so that
// "Weidmueller" and "Weidmüller" (folded to "weidmuller") meet.
var umlautFold = strings.NewReplacer("ae", "a", "oe", "o", "ue", "u")

// vendorWords normalises one vendor name to its words without corporate
// suffixes: "Rockwell Automation, Inc." gives [rockwell automation].
func vendorWords(s string) []string {
	s = strings.NewReplacer("&", " and ", "+", " and ").Replace(s)
	ws := words(s)
	// Join runs of single letters: "S.A." is "sa", "B.V." is "bv".
	var out []string
	for i := 0; i < len(ws); i++ {
		if len(ws[i]) == 1 && i+1 < len(ws) && len(ws[i+1]) == 1 {
			j := i
			var b strings.Builder
			for j < len(ws) && len(ws[j]) == 1 {
				b.WriteString(ws[j])
				j++
			}
			out = append(out, b.String())
			i = j - 1
			continue
		}
		out = append(out, ws[i])
	}
	for len(out) > 1 && corporateSuffixes[out[len(out)-1]] {
		out = out[:len(out)-1]
	}
	for len(out) > 1 && (out[0] == "the" || out[0] == "a") {
		out = out[1:]
	}
	for i, w := range out {
		out[i] = umlautFold.Replace(w)
	}
	return out
}

// aliasIndex maps the joined words of every alias and canonical name to the
// canonical names' words; aliasNames maps a canonical name's joined words
// to the joined words of all its aliases.
var aliasIndex, aliasNames = buildAliasIndex()

func buildAliasIndex() (map[string][][]string, map[string][]string) {
	idx := map[string][][]string{}
	names := map[string][]string{}
	add := func(alias string, canon []string) {
		k := strings.Join(vendorWords(alias), "")
		for _, c := range idx[k] {
			if slices.Equal(c, canon) {
				return
			}
		}
		idx[k] = append(idx[k], canon)
	}
	for canon, aliases := range VendorAliases {
		cw := vendorWords(canon)
		add(canon, cw)
		ck := strings.Join(cw, "")
		for _, a := range aliases {
			add(a, cw)
			names[ck] = append(names[ck], strings.Join(vendorWords(a), ""))
		}
		slices.Sort(names[ck])
	}
	return idx, names
}

// vendorNames splits a vendor string as advisories write it into the
// vendor names it holds: "ICONICS, Mitsubishi Electric" holds two;
// "General Electric (GE)" holds "General Electric" and "GE"; "Sensormatic
// Electronics, LLC, a subsidiary of Johnson Controls Inc." holds
// Sensormatic and Johnson Controls.
func vendorNames(s string) []string {
	s = fixMojibake(strings.TrimSpace(clip(s)))
	var names []string
	// Parenthesised alternatives: "(GE)", "(formerly PSI Nentec GmbH)".
	for {
		open := strings.IndexByte(s, '(')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], ')')
		if end < 0 {
			s = s[:open]
			break
		}
		inner := strings.TrimSpace(s[open+1 : open+end])
		inner = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(inner, "formerly "), "formerly known as "))
		if inner != "" {
			names = append(names, inner)
		}
		s = s[:open] + " " + s[open+end+1:]
	}
	names = append(names, s)
	repl := strings.NewReplacer(" and ", ",", ";", ",", "/", ",", " - ", ",", "a subsidiary of", ",", "subsidiary of", ",")
	for _, p := range strings.Split(repl.Replace(s), ",") {
		if p = strings.TrimSpace(p); p != "" && p != s {
			names = append(names, p)
		}
	}
	return names
}

// VendorKeys are the normalised forms of a vendor string used for lookups:
// Full holds the joined words of every name it holds (after the alias
// table), Prefixes the joined leading words of those names, so that
// "Mitsubishi" meets "Mitsubishi Electric".
type VendorKeys struct {
	Full     []string
	Prefixes []string
	id       string   // the keys joined, identifying the normalised vendor
	names    []string // every name of the vendor's alias groups, for dropping from product names
}

// genericVendors are vendor strings that name no vendor.
var genericVendors = map[string]bool{"": true, "multiple": true, "na": true, "none": true, "unknown": true, "various": true, "multipleopensource": true, "other": true}

// vendorCache remembers normalised vendors: an inventory names a few
// hundred vendors across a million rows.
var vendorCache sync.Map

// NormalizeVendor returns the lookup keys of a vendor string. The result
// is shared: callers must not modify it.
func NormalizeVendor(s string) VendorKeys {
	if k, ok := vendorCache.Load(s); ok {
		return k.(VendorKeys)
	}
	k := normalizeVendor(s)
	vendorCache.Store(s, k)
	return k
}

func normalizeVendor(s string) VendorKeys {
	var k VendorKeys
	addFull := func(ws []string) {
		key := strings.Join(ws, "")
		if genericVendors[key] || len(key) < 2 {
			return
		}
		if !slices.Contains(k.Full, key) {
			k.Full = append(k.Full, key)
		}
		for i := 1; i < len(ws); i++ {
			p := strings.Join(ws[:i], "")
			if len(p) >= 2 && !slices.Contains(k.Prefixes, p) {
				k.Prefixes = append(k.Prefixes, p)
			}
		}
	}
	for _, name := range vendorNames(s) {
		ws := vendorWords(name)
		if len(ws) == 0 {
			continue
		}
		addFull(ws)
		for _, canon := range aliasIndex[strings.Join(ws, "")] {
			addFull(canon)
			for _, n := range aliasNames[strings.Join(canon, "")] {
				if !slices.Contains(k.names, n) {
					k.names = append(k.names, n)
				}
			}
		}
	}
	if len(k.Full) == 0 {
		// A placeholder such as "multiple": no vendor to look up, but its
		// words may still open a product name.
		for _, name := range vendorNames(s) {
			if key := strings.Join(vendorWords(name), ""); key != "" {
				k.names = append(k.names, key)
			}
		}
	}
	slices.Sort(k.Full)
	slices.Sort(k.Prefixes)
	k.id = strings.Join(k.Full, ",") + ";" + strings.Join(k.Prefixes, ",")
	return k
}

// SameVendor reports whether two vendor strings name the same vendor under
// the rules lookups use.
func SameVendor(a, b string) bool {
	ka, kb := NormalizeVendor(a), NormalizeVendor(b)
	for _, f := range ka.Full {
		if slices.Contains(kb.Full, f) || slices.Contains(kb.Prefixes, f) {
			return true
		}
	}
	for _, p := range ka.Prefixes {
		if slices.Contains(kb.Full, p) {
			return true
		}
	}
	return false
}

// Tier ranks how a product name matched: lower is more specific. For each
// advisory only the products matched at the best tier count, so that an
// exact model number is never diluted by a looser name match.
type Tier uint8

// The tiers, from the most to the least specific.
const (
	TierIdentifier Tier = iota // model number, CPE or purl
	TierFull                   // the whole product name
	TierBase                   // the name without parentheses, vendor words and generic words ("Series")
	TierNoVersion              // the base name without a trailing version ("OpenPCS 7 V9.0")
	TierVariant                // the name without any parenthesised part ("(Annex A)", "(TIA Portal)")
	TierSuffix                 // the base name without its first word ("SIMATIC S7-1500" and "S7-1500")
)

// tierNames name the tiers in match explanations.
var tierNames = [...]string{"identifier", "name", "base name", "name without version", "name without variant", "name without brand"}

func (t Tier) String() string { return tierNames[t] }

// productKey is one lookup key of a product, with its tier. For
// TierNoVersion, Version holds the version words removed from the name.
type productKey struct {
	tier    Tier
	key     string
	version []string
}

// modelCode normalises a model or order number: upper-case letters and
// digits only. It returns "" for strings too short or without a digit to
// identify a product.
func modelCode(s string) string {
	var b strings.Builder
	digit := false
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= '0' && r <= '9':
			digit = true
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		}
	}
	if b.Len() < 4 || !digit {
		return ""
	}
	return b.String()
}

// looksLikeCode reports whether a parenthesised part of a product name is
// an order code ("6GK5307-3BL10-2AA3") rather than words ("24V", "USA",
// "incl. SIPLUS variants").
func looksLikeCode(s string) bool {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, " \t") || len(s) < 6 {
		return false
	}
	letter, digit := false, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsLetter(r):
			letter = true
		}
	}
	return letter && digit
}

// splitParens separates a name's parenthesised parts from the rest.
func splitParens(s string) (base string, parts []string) {
	var b strings.Builder
	depth := 0
	var cur strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == '[':
			if depth > 0 {
				cur.WriteRune(' ')
			}
			depth++
		case (r == ')' || r == ']') && depth > 0:
			depth--
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(cur.String()))
				cur.Reset()
				b.WriteRune(' ')
			} else {
				cur.WriteRune(' ')
			}
		case depth > 0:
			cur.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	if depth > 0 {
		parts = append(parts, strings.TrimSpace(cur.String()))
	}
	return b.String(), parts
}

// isVersionWord reports whether a word of a product name is a version:
// "v9", "v16", "v3".
func isVersionWord(w string) bool {
	return len(w) >= 2 && w[0] == 'v' && strings.Trim(w[1:], "0123456789") == ""
}

// droppableParen reports whether a parenthesised part of a product name
// can be left out of its base name: an order code, an "incl. SIPLUS
// variants" remark, a hardware variant with figures ("24V", "230V, ports
// on front", "L3 int.") or a short tag ("USA", "EEC", "PRP/HSR"). Words
// alone such as "(TIA Portal)" name a different product line and stay.
func droppableParen(p string) bool {
	p = strings.TrimSpace(p)
	lp := strings.ToLower(p)
	switch {
	case looksLikeCode(p), strings.HasPrefix(lp, "incl"), strings.HasPrefix(lp, "formerly"):
		return true
	case strings.ContainsAny(p, "0123456789"):
		return true
	case !strings.ContainsAny(p, " \t") && len(p) <= 8:
		return true
	}
	return false
}

// productKeys returns the lookup keys of a product: its name, model numbers
// and the names of its vendor (whose words are dropped when the product
// name starts with them). expand reads the shorthand "XGK-CPUU/H/A" as
// the names it stands for; advisories write it, inventories do not.
func productKeys(name string, models []string, vendor VendorKeys, expand bool) []productKey {
	var keys []productKey
	add := func(t Tier, k string, version []string) {
		if k == "" {
			return
		}
		for _, e := range keys {
			if e.tier == t && e.key == k {
				return
			}
		}
		keys = append(keys, productKey{tier: t, key: k, version: version})
	}
	_, parts := splitParens(name)
	for _, m := range models {
		add(TierIdentifier, modelCode(m), nil)
	}
	for _, p := range parts {
		if looksLikeCode(p) {
			add(TierIdentifier, modelCode(p), nil)
		}
	}
	variants := []string{name}
	if expand {
		variants = slashVariants(name)
	}
	for _, variant := range variants {
		full := words(variant)
		add(TierFull, strings.Join(full, ""), nil)
		add(TierFull, strings.Join(dropVendorWords(full, vendor), ""), nil)
		vw := dropVendorWords(words(allParensRemoved(variant)), vendor)
		for len(vw) > 1 && genericProductWords[vw[len(vw)-1]] {
			vw = vw[:len(vw)-1]
		}
		add(TierVariant, strings.Join(vw, ""), nil)
		bw := dropVendorWords(words(baseName(variant)), vendor)
		for len(bw) > 1 && genericProductWords[bw[len(bw)-1]] {
			bw = bw[:len(bw)-1]
		}
		add(TierBase, strings.Join(bw, ""), nil)
		// "OpenPCS 7 V9.0": words [openpcs 7 v9 0]; drop the trailing version.
		for i := len(bw) - 1; i >= 1; i-- {
			if isVersionWord(bw[i]) {
				rest := bw[i+1:]
				allNum := true
				for _, w := range rest {
					if strings.Trim(w, "0123456789") != "" {
						allNum = false
					}
				}
				if allNum {
					ver := append([]string{strings.TrimPrefix(bw[i], "v")}, rest...)
					add(TierNoVersion, strings.Join(bw[:i], ""), ver)
				}
				break
			}
			if strings.Trim(bw[i], "0123456789") != "" {
				break
			}
		}
		if len(bw) >= 2 {
			if s := strings.Join(bw[1:], ""); len(s) >= 4 {
				add(TierSuffix, s, nil)
			}
		}
	}
	return keys
}

// allParensRemoved removes every parenthesised part of a name.
func allParensRemoved(name string) string {
	base, _ := splitParens(name)
	return base
}

// baseName removes the droppable parenthesised parts of a name, keeping
// the others in place without their parentheses.
func baseName(name string) string {
	var b strings.Builder
	rest := name
	for {
		open := strings.IndexAny(rest, "([")
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.IndexAny(rest[open:], ")]")
		if end < 0 {
			b.WriteString(rest[:open])
			if !droppableParen(rest[open+1:]) {
				b.WriteString(" " + rest[open+1:])
			}
			break
		}
		b.WriteString(rest[:open])
		inner := rest[open+1 : open+end]
		if !droppableParen(inner) {
			b.WriteString(" " + inner + " ")
		} else {
			b.WriteString(" ")
		}
		rest = rest[open+end+1:]
	}
	return b.String()
}

// slashVariants expands the shorthand "XGK-CPUU/H/A/S/E" into the names it
// stands for: XGK-CPUU, XGK-CPUH, XGK-CPUA, XGK-CPUS, XGK-CPUE. The name
// itself always comes first.
func slashVariants(name string) []string {
	out := []string{name}
	fields := strings.Fields(name)
	for i, f := range fields {
		parts := strings.Split(f, "/")
		if len(parts) < 2 || len(parts[0]) < 3 {
			continue
		}
		ok := true
		for _, p := range parts[1:] {
			if p == "" || len(p) >= len(parts[0]) || len(p) > 2 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		for j, p := range parts {
			v := parts[0]
			if j > 0 {
				v = parts[0][:len(parts[0])-len(p)] + p
			}
			alt := slices.Clone(fields)
			alt[i] = v
			out = append(out, strings.Join(alt, " "))
		}
		break
	}
	return out
}

// maxVendorWords bounds how many leading words of a product name are
// compared with vendor names.
const maxVendorWords = 8

// maxNameLen bounds the text of a vendor, product or model name that
// matching reads; longer names are cut, so hostile input costs little.
const maxNameLen = 512

func clip(s string) string {
	if len(s) <= maxNameLen {
		return s
	}
	s = s[:maxNameLen]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// dropVendorWords removes the vendor's own name from the front of a product
// name, with a corporate suffix after it, as often as it appears:
// "Mitsubishi Electric MC Works64" under Mitsubishi Electric, "iniNet
// Solutions GmbH iniNet Webserver" under iniNet Solutions. Any name of the
// vendor's alias group counts. At least one word is kept.
func dropVendorWords(ws []string, vendor VendorKeys) []string {
	folded := make([]string, len(ws))
	for i, w := range ws {
		folded[i] = umlautFold.Replace(w)
	}
	for {
		cut := 0
		// Vendor names run to a few words; look no further.
		for n := min(len(folded)-1, maxVendorWords); n >= 1; n-- {
			p := strings.Join(folded[:n], "")
			if slices.Contains(vendor.Full, p) || slices.Contains(vendor.Prefixes, p) || slices.Contains(vendor.names, p) {
				cut = n
				break
			}
		}
		if cut == 0 {
			return ws
		}
		for cut < len(ws)-1 && corporateSuffixes[folded[cut]] && folded[cut] != "a" && folded[cut] != "the" {
			cut++
		}
		ws, folded = ws[cut:], folded[cut:]
	}
}

// versionStartsWith reports whether a version begins with the given words
// of a product name ("V9.0" in "OpenPCS 7 V9.0" gives [9 0]).
func versionStartsWith(v Version, ok bool, prefix []string) bool {
	if !ok {
		return true
	}
	for i, w := range prefix {
		if i >= len(v.release) {
			return false
		}
		p := v.release[i]
		if p.kind != partNum || uintString(p.num) != trimZeros(w) {
			return false
		}
	}
	return true
}
