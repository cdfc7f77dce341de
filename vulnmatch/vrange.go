package vulnmatch

import (
	"slices"
	"strings"
)

// Verdict answers "is this version inside the range?".
type Verdict uint8

// The verdicts. Undecided means the range or the version could not be read,
// so a person has to look: the match is reported with status "unknown".
const (
	Outside Verdict = iota
	Inside
	Undecided
)

func (v Verdict) String() string {
	switch v {
	case Inside:
		return "inside"
	case Outside:
		return "outside"
	}
	return "undecided"
}

// Op is the comparison of one constraint.
type Op uint8

// The comparison operators of a constraint, as in the vers specification.
const (
	OpEQ Op = iota
	OpNE
	OpLT
	OpLE
	OpGT
	OpGE
)

var opText = [...]string{"=", "!=", "<", "<=", ">", ">="}

func (o Op) String() string { return opText[o] }

func (o Op) lower() bool { return o == OpGT || o == OpGE }
func (o Op) upper() bool { return o == OpLT || o == OpLE }

// Constraint is one comparison: an operator and a version.
type Constraint struct {
	Op      Op
	Version Version
}

// Range is a set of versions as an advisory writes it. Ranges are read by
// ParseRange in every dialect the CSAF ICS advisories use:
//
//	vers:all/*                      every version
//	vers:all/<V4.3.8                the vers URI form, constraints split by |
//	< V4.0.19.0, <= 6.12, >=5.3     a single comparison, with or without V
//	>= 13.3.1 | <= 13.3.3           vers-style constraints: an interval
//	>= V2.0 < V2.2.28               two comparisons without a separator
//	>= V2.3 and < V6.30.016         two comparisons joined by "and"
//	< 1.99 | 2.20 | 2.40            comparisons mixed with exact versions
//	V1.0.4, V1.1                    a list of exact versions
//	All versions < V14 SP1 Update 14 prose prefixes, SP/Update/HF/Build notations
//	<= V1.x, < V3.X.17, 12.2.x.x    wildcards
//	< 19.0.1 | < 18.0.1 | < 15.0.1  one fix per release line
//
// A range that cannot be read (release dates, serial numbers, free text)
// has Reason set; every question about it is Undecided.
type Range struct {
	// Raw is the text as the advisory wrote it.
	Raw string
	// Reason says why the range could not be read; empty when it was.
	Reason string
	// Note says what was ignored to read it (a comment, a condition, a
	// label before the version), for the person reviewing the match.
	Note string

	all  bool
	cons []Constraint // sorted by version; equality constraints included
}

// Parsed reports whether the range could be read.
func (r Range) Parsed() bool { return r.Reason == "" }

// All reports whether the range holds every version.
func (r Range) All() bool { return r.all }

// Constraints returns the comparisons of the range, sorted by version.
func (r Range) Constraints() []Constraint { return r.cons }

// maxRangeLen bounds the text of a range; advisories never come close.
const maxRangeLen = 512

// ParseRange reads a version range. It never fails: a range it cannot read
// comes back with Reason set.
func ParseRange(raw string) Range {
	r := Range{Raw: raw}
	s := strings.TrimSpace(raw)
	if s == "" {
		return r.unknown("empty range")
	}
	if len(s) > maxRangeLen {
		return r.unknown("range text too long")
	}
	s = lowerKeepRevisionX(strings.ReplaceAll(s, "_", " "))
	var notes []string
	if rest, ok := strings.CutPrefix(s, "vers:"); ok {
		_, cons, found := strings.Cut(rest, "/")
		if !found {
			return r.unknown("vers: range without a scheme/constraints separator")
		}
		s = strings.TrimSpace(cons)
	}
	s, notes = stripComments(s, notes)
	if s == "*" || s == "" && len(notes) > 0 {
		r.all = s == "*"
		if !r.all {
			return r.unknown("only a comment: " + strings.Join(notes, "; "))
		}
		return r
	}
	s, all, cond := stripAllVersions(s)
	if cond != "" {
		if all {
			r.all = true
			r.Note = joinNotes(append(notes, "applies only "+cond))
			return r
		}
		return r.unknown("a condition, not a version range: " + cond)
	}
	if all && s == "" {
		r.all = true
		r.Note = joinNotes(notes)
		return r
	}
	if s == "" {
		return r.unknown("no version given")
	}
	if why := notVersionText(s); why != "" {
		return r.unknown(why)
	}
	// A label before the first comparison: "NMC2 <= 6.9.6", "V4.7: < V4.7 HF27".
	if i := strings.IndexAny(s, "<>=!"); i > 0 {
		label := strings.TrimSpace(s[:i])
		if strings.HasSuffix(label, ":") || !strings.ContainsAny(label, "|,") && !startsVersion(label) {
			notes = append(notes, "ignored "+quote(strings.TrimSuffix(label, ":")))
			s = s[i:]
		}
	}
	// A trailing condition: "< V9.0 SP2 with WinCC V7.4 SP1 Upd11", "<=
	// V2.3.0 and Function State (FS) <= 3".
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSuffix(s, " and"), ", "))
	for _, w := range []string{" only ", " with ", " for ", " on ", " when ", " if ", " using ", " and ", " in "} {
		i := strings.Index(s, w)
		if i <= 0 {
			continue
		}
		after := strings.TrimSpace(s[i+len(w):])
		if w == " and " && (after == "" || strings.ContainsRune("<>=!", rune(after[0])) || startsVersion(after) || isPhraseSuffix(after)) {
			continue
		}
		notes = append(notes, "applies only "+strings.TrimSpace(s[i:]))
		s = strings.TrimSpace(s[:i])
	}
	var cons []Constraint
	for _, alt := range splitAlternatives(s) {
		cs, note, why := parseAlternative(alt)
		if why != "" {
			return r.unknown(why)
		}
		if note != "" {
			notes = append(notes, note)
		}
		cons = append(cons, cs...)
	}
	if len(cons) == 0 {
		return r.unknown("no version constraint found")
	}
	slices.SortStableFunc(cons, func(a, b Constraint) int { return Compare(a.Version, b.Version) })
	r.cons = cons
	r.Note = joinNotes(notes)
	return r
}

// lowerKeepRevisionX lower-cases ASCII letters except an upper-case X right
// after a digit, which is a letter revision ("1.21X"), not the wildcard of
// "2.3x".
func lowerKeepRevisionX(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' && !(c == 'X' && i > 0 && isDigit(b[i-1])) {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (r Range) unknown(why string) Range {
	r.Reason = why
	r.all = false
	r.cons = nil
	return r
}

func joinNotes(notes []string) string { return strings.Join(notes, "; ") }

func quote(s string) string { return "\"" + s + "\"" }

// stripComments removes parenthesised prose such as "(end-of-life Nov
// 2017)" or "(Windows and Linux)", keeping parenthesised version parts
// such as "02.07.07(10)" or "<=(R4.10)".
func stripComments(s string, notes []string) (string, []string) {
	for range 8 {
		open := strings.LastIndexByte(s, '(')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], ')')
		var inner string
		if end < 0 {
			inner = s[open+1:]
			end = len(s) - open
		} else {
			inner = s[open+1 : open+end]
			end++
		}
		if !strings.Contains(strings.TrimSpace(inner), " ") {
			// A version part: make the parentheses plain separators.
			s = s[:open] + " " + inner + " " + s[open+end:]
			continue
		}
		notes = append(notes, "ignored comment "+quote(strings.TrimSpace(inner)))
		s = strings.TrimSpace(s[:open] + " " + s[open+end:])
	}
	return strings.TrimSpace(s), notes
}

// allPrefixes are the ways advisories say "every version".
var allPrefixes = []string{
	"all firmware versions", "all software versions", "all bios versions", "all hardware versions",
	"all product versions", "all versions", "all version", "any version", "all", "firmware versions",
	"bios", "versions", "version", "firmware",
}

// stripAllVersions removes an "All versions" prefix. It returns the rest,
// whether the prefix said "all", and a condition when the rest is one
// ("with Ethernet interface").
func stripAllVersions(s string) (rest string, all bool, cond string) {
	for _, p := range allPrefixes {
		after, ok := strings.CutPrefix(s, p)
		if !ok || after != "" && isLetter(after[0]) {
			continue
		}
		all = strings.HasPrefix(p, "all") || strings.HasPrefix(p, "any")
		after = strings.TrimSpace(strings.TrimLeft(after, ":"))
		for _, w := range []string{"only ", "with ", "in ", "using ", "running ", "installed ", "including ", "that ", "where ", "when ", "if ", "of "} {
			if strings.HasPrefix(after, w) {
				return "", all, after
			}
		}
		return after, all, ""
	}
	if s == "no version" || s == "n/a" || s == "unknown" {
		return "", false, ""
	}
	return s, false, ""
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// startsVersion reports whether s begins like a version: a digit, or v/r
// followed by a digit, or a wildcard.
func startsVersion(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if isDigit(s[0]) || s[0] == '*' {
		return true
	}
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'r') && (isDigit(s[1]) || s[1] == ' ' && len(s) > 2 && isDigit(s[2])) {
		return true
	}
	return false
}

// notVersionText recognises ranges that are dates or serial numbers.
func notVersionText(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z') }) {
		if monthNames[w] {
			return "a release date, not a version"
		}
		if w == "serial" {
			return "a serial number range, not a version"
		}
	}
	return ""
}

// splitAlternatives splits a range on "|", on " or ", and on commas when
// every comma-separated piece is a version.
func splitAlternatives(s string) []string {
	var out []string
	for _, a := range strings.Split(s, "|") {
		for _, b := range strings.Split(a, " or ") {
			b = strings.TrimSpace(b)
			if b == "" {
				continue
			}
			if strings.Contains(b, ",") {
				pieces := strings.Split(b, ",")
				ok := true
				for _, p := range pieces {
					p = strings.TrimSpace(p)
					if p != "" && !startsVersion(strings.TrimLeft(p, "<>=! ")) {
						ok = false
					}
				}
				if ok {
					for _, p := range pieces {
						if p = strings.TrimSpace(p); p != "" {
							out = append(out, p)
						}
					}
					continue
				}
			}
			out = append(out, b)
		}
	}
	return out
}

// phraseOps are the words advisories use for comparisons.
var phraseOps = []struct {
	text   string
	op     Op
	suffix bool // the phrase follows the version ("3.2 and prior")
}{
	{"and prior", OpLE, true}, {"and earlier", OpLE, true}, {"and older", OpLE, true}, {"and below", OpLE, true},
	{"or earlier", OpLE, true}, {"or older", OpLE, true}, {"or lower", OpLE, true}, {"and lower", OpLE, true},
	{"and later", OpGE, true}, {"and newer", OpGE, true}, {"and above", OpGE, true}, {"or later", OpGE, true},
	{"or newer", OpGE, true}, {"or higher", OpGE, true}, {"and higher", OpGE, true},
	{"prior to", OpLT, false}, {"before", OpLT, false}, {"earlier than", OpLT, false}, {"older than", OpLT, false},
	{"lower than", OpLT, false}, {"up to and including", OpLE, false}, {"up to", OpLE, false},
	{"later than", OpGT, false}, {"newer than", OpGT, false}, {"from", OpGE, false}, {"since", OpGE, false},
}

// isPhraseSuffix reports whether s is the end of a phrase such as "and
// prior" or "and later".
func isPhraseSuffix(s string) bool {
	for _, p := range phraseOps {
		if p.suffix && strings.TrimPrefix(p.text, "and ") == s {
			return true
		}
	}
	return false
}

// parseAlternative reads one alternative of a range: comparisons such as
// ">= V2.0 < V2.2.28", ">= V2.3 and < V6.30.016", "1.0 to 1.5", "3.2 and
// prior", or an exact version.
func parseAlternative(s string) (cons []Constraint, note, why string) {
	s = strings.TrimSpace(s)
	for _, p := range phraseOps {
		if p.suffix {
			if before, ok := strings.CutSuffix(s, " "+p.text); ok {
				s = opText[p.op] + " " + before
				break
			}
		} else if after, ok := strings.CutPrefix(s, p.text+" "); ok {
			s = opText[p.op] + " " + after
			break
		}
	}
	if cs, ok := parseBetween(s); ok {
		return cs, "", ""
	}
	// "1.0 to 1.5", "1.0 through 1.5", "1.0 - 1.5".
	for _, sep := range []string{" through ", " thru ", " until ", " to ", " - "} {
		if lo, hi, ok := strings.Cut(s, sep); ok && startsVersion(lo) && startsVersion(strings.TrimLeft(hi, "v ")) {
			s = ">= " + lo + " <= " + hi
			break
		}
	}
	s = strings.ReplaceAll(s, " and ", " ")
	s = strings.ReplaceAll(s, "&&", " ")
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		op, n := readOp(s[i:])
		i += n
		j := i
		for j < len(s) && !strings.ContainsRune("<>=!", rune(s[j])) {
			j++
		}
		text := strings.TrimSpace(s[i:j])
		i = j
		if text == "" {
			return nil, "", "comparison " + quote(opText[op]) + " without a version"
		}
		text, label := stripVersionLabel(text)
		if label != "" && !isLeadingLabel(strings.TrimRight(label, ".:")) {
			note = "ignored " + quote(label)
		}
		if text == "*" || text == "x" {
			if op == OpEQ || op == OpGE || op == OpLE {
				cons = append(cons, Constraint{Op: OpGE, Version: zeroVersion})
				continue
			}
		}
		v, ok := ParseVersion(text)
		if !ok {
			return nil, "", "cannot read " + quote(text) + " as a version"
		}
		cons = append(cons, Constraint{Op: op, Version: v})
	}
	return cons, note, ""
}

var zeroVersion, _ = ParseVersion("0")

// parseBetween reads "between V2.5 (including) and V2.7 (excluding)", whose
// parentheses stripComments has already turned into plain words.
func parseBetween(s string) ([]Constraint, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(s, "between "))
	lo, hi, ok := strings.Cut(s, " and ")
	if !ok {
		return nil, false
	}
	bound := func(text string, lower bool) (Constraint, bool) {
		text = strings.TrimSpace(text)
		incl := true
		switch {
		case strings.HasSuffix(text, " including"):
			text = strings.TrimSuffix(text, " including")
		case strings.HasSuffix(text, " excluding"):
			text, incl = strings.TrimSuffix(text, " excluding"), false
		default:
			return Constraint{}, false
		}
		v, ok := ParseVersion(text)
		op := map[[2]bool]Op{{true, true}: OpGE, {true, false}: OpGT, {false, true}: OpLE, {false, false}: OpLT}[[2]bool{lower, incl}]
		return Constraint{Op: op, Version: v}, ok
	}
	a, ok1 := bound(lo, true)
	b, ok2 := bound(hi, false)
	if !ok1 || !ok2 {
		return nil, false
	}
	return []Constraint{a, b}, true
}

// readOp reads a comparison operator at the start of s; none means "=".
func readOp(s string) (Op, int) {
	switch {
	case strings.HasPrefix(s, "<="), strings.HasPrefix(s, "=<"):
		return OpLE, 2
	case strings.HasPrefix(s, ">="), strings.HasPrefix(s, "=>"):
		return OpGE, 2
	case strings.HasPrefix(s, "!="):
		return OpNE, 2
	case strings.HasPrefix(s, "=="):
		return OpEQ, 2
	case strings.HasPrefix(s, "<"):
		return OpLT, 1
	case strings.HasPrefix(s, ">"):
		return OpGT, 1
	case strings.HasPrefix(s, "="):
		return OpEQ, 1
	}
	return OpEQ, 0
}

// stripVersionLabel removes product words before a version: "ROS V4.3.4",
// "SIMATIC WinAC RTX 2010 SP3", "CPC80 V16.30".
func stripVersionLabel(text string) (string, string) {
	fields := strings.Fields(text)
	if len(fields) < 2 || startsVersion(fields[0]) || isQualifier(fields[0]) {
		return text, ""
	}
	for k := 1; k < len(fields); k++ {
		if startsVersion(fields[k]) {
			return strings.Join(fields[k:], " "), strings.Join(fields[:k], " ")
		}
	}
	return text, ""
}

func isQualifier(f string) bool {
	w := strings.TrimRightFunc(f, func(r rune) bool { return r >= '0' && r <= '9' })
	_, ok := qualifierWords[w]
	return ok
}

// Contains says whether the version v lies in the range. ok is false when
// the asset's version could not be read; then only an "all versions" range
// gives an answer.
func (r Range) Contains(v Version, ok bool) Verdict {
	if !r.Parsed() {
		return Undecided
	}
	if r.all {
		return Inside
	}
	if !ok {
		return Undecided
	}
	var cmp []Constraint
	for _, c := range r.cons {
		switch c.Op {
		case OpEQ:
			if Compare(v, c.Version) == 0 {
				return Inside
			}
		case OpNE:
			if Compare(v, c.Version) == 0 {
				return Outside
			}
		default:
			cmp = append(cmp, c)
		}
	}
	if inIntervals(cmp, v) {
		return Inside
	}
	return Outside
}

// inIntervals applies the vers containment rules to comparisons sorted by
// version: a lower bound opens an interval and the next upper bound closes
// it; an upper bound with no interval open closes one from the start; a
// lower bound left open runs to the end. Two upper bounds in a row are read
// as fixes on separate release lines ("< 19.0.1 | < 18.0.1"): the later one
// covers its own line only, from the same version with its last component
// zero.
func inIntervals(cons []Constraint, v Version) bool {
	var open *Constraint
	closed := false
	for i := range cons {
		c := &cons[i]
		switch {
		case c.Op.lower():
			if open == nil {
				open = c
			}
		case c.Op.upper():
			switch {
			case open != nil:
				if above(v, *open) && below(v, *c) {
					return true
				}
				open = nil
			case !closed:
				if below(v, *c) {
					return true
				}
			default:
				start := Constraint{Op: OpGE, Version: lineStart(c.Version)}
				if above(v, start) && below(v, *c) {
					return true
				}
			}
			closed = true
		}
	}
	return open != nil && above(v, *open)
}

func above(v Version, c Constraint) bool {
	d := Compare(v, c.Version)
	return d > 0 || d == 0 && c.Op == OpGE
}

func below(v Version, c Constraint) bool {
	d := Compare(v, c.Version)
	return d < 0 || d == 0 && c.Op == OpLE
}

// lineStart returns the first version of v's release line: its release with
// the last component set to zero and no qualifiers.
func lineStart(v Version) Version {
	if len(v.release) < 2 {
		return Version{raw: "0", release: []part{{kind: partNum}}}
	}
	rel := slices.Clone(v.release)
	rel[len(rel)-1] = part{kind: partNum}
	return Version{raw: v.raw + " line", release: rel}
}

// FixedIn returns the version that leaves the range, when the range is a
// single "below" bound or ends with one: "< V4.3.8" gives V4.3.8.
func (r Range) FixedIn() (string, bool) {
	if !r.Parsed() || r.all || len(r.cons) == 0 {
		return "", false
	}
	last := r.cons[len(r.cons)-1]
	if last.Op != OpLT {
		return "", false
	}
	text := strings.TrimSpace(last.Version.raw)
	// The range was read in lower case; give the version as written.
	if i := strings.LastIndex(lowerKeepRevisionX(strings.ReplaceAll(r.Raw, "_", " ")), text); i >= 0 {
		return r.Raw[i : i+len(text)], true
	}
	return text, true
}
