package vulnmatch

import (
	"strings"
)

// Version is a product version as ICS vendors write it: "V4.3.8",
// "V14 SP1 Update 14", "5.4.0 Build 160414", "02.07.07(10)", "1.03D",
// "2020 R2", "V3.X.17". It is read once and compared with Compare.
//
// A version is a release (the leading dot-separated numbers) followed by
// qualifier tokens. Qualifier words are mapped to ranks so that, for
// example, "V14 Update 5" < "V14 SP1" < "V14 SP1 Update 14" < "V14 SP2".
type Version struct {
	raw     string
	release []part
	rest    []part
}

// part is one component of a version: a number, a word, or a wildcard.
type part struct {
	kind partKind
	num  uint64 // for numbers
	word string // for words: the canonical word; for prefix wildcards the digits
}

type partKind uint8

const (
	partNum        partKind = iota
	partWord                // a qualifier or other word after the release
	partWild                // "x" or "*": matches any one component and anything after
	partPrefix              // "3x": any number whose decimal form starts with 3
	partPrerelease          // alpha, beta, rc...: sorts before the release it qualifies
)

// word ranks for qualifiers after the release. A higher rank sorts later at
// the same position: V14 Update 5 < V14 SP1.
var qualifierRank = map[string]int{
	"build":  1,
	"patch":  2,
	"hf":     3,
	"update": 4,
	"sp":     5,
	"r":      6,
}

var qualifierWords = map[string]string{
	"b": "build", "build": "build", "bld": "build",
	"p": "patch", "patch": "patch", "pl": "patch",
	"hf": "hf", "hotfix": "hf", "fix": "hf",
	"u": "update", "upd": "update", "update": "update", "cu": "update",
	"sp": "sp", "servicepack": "sp",
	"r": "r", "rel": "r", "release": "r",
}

var prereleaseRank = map[string]int{
	"dev": 1, "snapshot": 1, "alpha": 2, "a": 2, "beta": 3, "preview": 4, "pre": 4, "rc": 5,
}

// maxVersionLen bounds the text a version may have; longer strings are not
// versions but prose, and are refused.
const maxVersionLen = 128

// ParseVersion reads a version. It reports false when s holds no digit or
// wildcard, is too long, or reads as a date or prose rather than a version.
func ParseVersion(s string) (Version, bool) {
	v := Version{raw: s}
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxVersionLen {
		return v, false
	}
	toks := tokenize(s)
	if len(toks) == 0 {
		return v, false
	}
	// Leading labels: "version", "firmware", "fw", "v", "r", or the part
	// a version belongs to ("BIOS", "bootloader"), before the first number.
	for len(toks) > 1 && toks[0].kind == tokWord && isLeadingLabel(toks[0].text) {
		toks = toks[1:]
	}
	digits := false
	for _, t := range toks {
		if t.kind == tokNum || t.kind == tokWild {
			digits = true
		}
		if t.kind == tokWord && (monthNames[t.text] || proseWords[t.text] || isProse(t.text)) {
			return v, false
		}
	}
	if !digits {
		return v, false
	}
	inRelease := true
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tokNum:
			p := part{kind: partNum, num: t.num}
			rel := inRelease && (t.sep == '.' || len(v.release) == 0)
			if i+1 < len(toks) && toks[i+1].kind == tokWord && toks[i+1].text == "x" && !toks[i+1].spaced && !toks[i+1].upper {
				// "2.3x": a number followed directly by a lower-case x is
				// a prefix; "1.21X" is a letter revision.
				p = part{kind: partPrefix, word: t.text}
				i++
			}
			if rel {
				v.release = append(v.release, p)
				continue
			}
			inRelease = false
			v.rest = append(v.rest, p)
		case tokWild:
			if inRelease {
				v.release = append(v.release, part{kind: partWild})
				continue
			}
			v.rest = append(v.rest, part{kind: partWild})
		case tokWord:
			if t.text == "x" && inRelease && t.sep == '.' {
				v.release = append(v.release, part{kind: partWild})
				continue
			}
			inRelease = false
			if q, ok := qualifierWords[t.text]; ok {
				v.rest = append(v.rest, part{kind: partWord, word: q})
				continue
			}
			if _, ok := prereleaseRank[t.text]; ok && t.text != "a" {
				v.rest = append(v.rest, part{kind: partPrerelease, word: t.text})
				continue
			}
			v.rest = append(v.rest, part{kind: partWord, word: t.text})
		}
	}
	if len(v.release) == 0 && len(v.rest) == 0 {
		return v, false
	}
	return v, true
}

// String returns the version as it was written.
func (v Version) String() string { return v.raw }

// IsZero reports whether v was never parsed.
func (v Version) IsZero() bool { return v.release == nil && v.rest == nil }

// isProse reports whether a word is too long to be a version qualifier
// such as "hw", "ea" or "rc": words like "function" or "windows" show that
// the text is a sentence.
func isProse(w string) bool {
	if len(w) < 5 || isLeadingLabel(w) {
		return false
	}
	if _, ok := qualifierWords[w]; ok {
		return false
	}
	_, ok := prereleaseRank[w]
	return !ok
}

func isLeadingLabel(w string) bool {
	switch w {
	case "v", "ver", "version", "versions", "r", "rev", "revision", "fw", "firmware", "sw", "software", "release", "build",
		"bios", "uefi", "boot", "bootloader", "kernel", "os", "image", "package", "app", "application":
		return true
	}
	return false
}

var monthNames = map[string]bool{
	"january": true, "february": true, "march": true, "april": true, "may": true, "june": true,
	"july": true, "august": true, "september": true, "october": true, "november": true, "december": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
}

// proseWords are words that show a string is a sentence, not a version.
var proseWords = map[string]bool{
	"and": true, "or": true, "with": true, "the": true, "of": true, "if": true, "prior": true,
	"before": true, "after": true, "earlier": true, "later": true, "older": true, "newer": true,
	"all": true, "only": true, "including": true, "installed": true, "running": true, "serial": true,
	"number": true, "digits": true, "first": true, "distributed": true, "configuration": true, "may": true,
	"affected": true, "to": true, "through": true, "from": true, "in": true, "on": true, "not": true,
}

type tokKind uint8

const (
	tokNum tokKind = iota
	tokWord
	tokWild
)

type token struct {
	kind   tokKind
	text   string
	num    uint64
	sep    byte // the separator before this token: '.', ' ', '-', 0 for none
	spaced bool // a separator precedes the token
	upper  bool // a word written in upper case
}

// tokenize splits text into numbers, lower-cased words and wildcards.
// "service pack" is joined into one word.
func tokenize(s string) []token {
	var toks []token
	var sep byte
	spaced := false
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			toks = append(toks, token{kind: tokNum, text: trimZeros(s[i:j]), num: parseUint(s[i:j]), sep: sep, spaced: spaced})
			i = j
			sep, spaced = 0, false
		case isLetter(c):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			w := strings.ToLower(s[i:j])
			up := w != s[i:j]
			if w == "security" {
				// "Security Patch 1" is a patch.
				i = j
				continue
			}
			if w == "pack" && len(toks) > 0 && toks[len(toks)-1].kind == tokWord && toks[len(toks)-1].text == "service" {
				toks[len(toks)-1].text = "servicepack"
			} else {
				toks = append(toks, token{kind: tokWord, text: w, sep: sep, spaced: spaced, upper: up})
			}
			i = j
			sep, spaced = 0, false
		case c == '*' || c == '?':
			toks = append(toks, token{kind: tokWild, sep: sep, spaced: spaced})
			i++
			sep, spaced = 0, false
		default:
			// Any other byte (punctuation, space, non-ASCII) separates.
			if sep == 0 || c == '.' {
				sep = c
			}
			spaced = true
			i++
		}
	}
	return toks
}

func trimZeros(d string) string {
	t := strings.TrimLeft(d, "0")
	if t == "" {
		return "0"
	}
	return t
}

// parseUint reads a run of digits, saturating at the largest value so that
// absurdly long numbers still compare sensibly.
func parseUint(d string) uint64 {
	var n uint64
	for i := 0; i < len(d); i++ {
		x := uint64(d[i] - '0')
		if n > (1<<63)/10 {
			return 1 << 63
		}
		n = n*10 + x
	}
	return n
}

// Compare orders two versions: -1 when a < b, 0 when they are equal (or a
// wildcard in either makes them indistinguishable), +1 when a > b.
func Compare(a, b Version) int {
	n := max(len(a.release), len(b.release))
	for i := 0; i < n; i++ {
		pa, oka := at(a.release, i)
		pb, okb := at(b.release, i)
		if !oka && !okb {
			break
		}
		if (!oka && endsWild(a.release)) || (!okb && endsWild(b.release)) {
			return 0
		}
		if !oka {
			pa = part{kind: partNum}
		}
		if !okb {
			pb = part{kind: partNum}
		}
		if pa.kind == partWild || pb.kind == partWild {
			continue
		}
		if c := comparePart(pa, pb); c != 0 {
			return c
		}
	}
	if endsWild(a.release) || endsWild(b.release) {
		return 0
	}
	m := max(len(a.rest), len(b.rest))
	for i := 0; i < m; i++ {
		pa, oka := at(a.rest, i)
		pb, okb := at(b.rest, i)
		switch {
		case !oka:
			if s := restSign(pb); s != 0 {
				return -s
			}
			continue
		case !okb:
			if s := restSign(pa); s != 0 {
				return s
			}
			continue
		}
		if pa.kind == partWild || pb.kind == partWild {
			return 0
		}
		if c := comparePart(pa, pb); c != 0 {
			return c
		}
	}
	return 0
}

func at(ps []part, i int) (part, bool) {
	if i < len(ps) {
		return ps[i], true
	}
	return part{}, false
}

func endsWild(ps []part) bool {
	return len(ps) > 0 && ps[len(ps)-1].kind == partWild
}

// restSign says whether a trailing qualifier makes a version later (+1) or
// earlier (-1) than the same version without it.
func restSign(p part) int {
	switch p.kind {
	case partPrerelease:
		return -1
	case partNum:
		if p.num == 0 {
			return 0
		}
	}
	return 1
}

// class orders parts of different kinds at the same position.
func class(p part) int {
	switch p.kind {
	case partPrerelease:
		return 0
	case partNum, partPrefix:
		return 1
	}
	if _, ok := qualifierRank[p.word]; ok {
		return 2
	}
	return 3
}

func comparePart(a, b part) int {
	ca, cb := class(a), class(b)
	if ca != cb {
		return cmpInt(ca, cb)
	}
	switch ca {
	case 0:
		return cmpInt(prereleaseRank[a.word], prereleaseRank[b.word])
	case 1:
		return compareNumeric(a, b)
	case 2:
		return cmpInt(qualifierRank[a.word], qualifierRank[b.word])
	}
	return strings.Compare(a.word, b.word)
}

func compareNumeric(a, b part) int {
	switch {
	case a.kind == partPrefix && b.kind == partPrefix:
		return strings.Compare(a.word, b.word)
	case a.kind == partPrefix:
		return -comparePrefix(b.num, a.word)
	case b.kind == partPrefix:
		return comparePrefix(a.num, b.word)
	}
	switch {
	case a.num < b.num:
		return -1
	case a.num > b.num:
		return 1
	}
	return 0
}

// comparePrefix compares a number with a prefix pattern such as "3x": equal
// when the number's digits start with the prefix.
func comparePrefix(n uint64, prefix string) int {
	d := uintString(n)
	if strings.HasPrefix(d, prefix) {
		return 0
	}
	p := parseUint(prefix)
	if n < p {
		return -1
	}
	return 1
}

func uintString(n uint64) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
