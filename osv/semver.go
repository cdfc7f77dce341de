package osv

import (
	"strings"
)

// CompareSemver orders two versions by SemVer 2.0 precedence the way OSV
// tooling reads them for Go, npm, crates.io and the other SemVer
// ecosystems, leniently: a leading "v" is ignored, the leading run of
// dot-separated numbers (at most three) are the components, missing ones
// count as zero, and everything from the first other character is the
// pre-release and build part, whose "+build" suffix is ignored.
//
// It is written here rather than imported because the package that
// osv-scanner uses (osv-scalibr's semantic) would bring osv-scalibr's whole
// module graph into ours; the behaviour, including oddities such as a
// fourth component sorting as a pre-release, is kept the same so that
// results agree with osv-scanner's.
func CompareSemver(a, b string) int {
	va, vb := parseSemverLike(a), parseSemverLike(b)
	if c := compareComponents(va.components, vb.components); c != 0 {
		return c
	}
	return compareBuild(va.build, vb.build)
}

type semverLike struct {
	components []string // decimal digits, leading zeros kept
	build      string
}

func parseSemverLike(s string) semverLike {
	var v semverLike
	s = strings.TrimPrefix(s, "v")
	i := 0
	cur := -1 // start of the current component
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			if cur < 0 {
				cur = i
			}
			i++
			continue
		}
		if cur >= 0 {
			v.components = append(v.components, s[cur:i])
			cur = -1
		}
		if c == '.' {
			i++
			continue
		}
		v.build = s[i:]
		break
	}
	if cur >= 0 && v.build == "" {
		v.components = append(v.components, s[cur:])
	}
	// At most three components; the rest join the build string.
	if len(v.components) > 3 {
		var b strings.Builder
		b.WriteString(v.build)
		for _, c := range v.components[3:] {
			b.WriteByte('.')
			b.WriteString(trimLeadingZeros(c))
		}
		v.build = b.String()
		v.components = v.components[:3]
	}
	return v
}

func trimLeadingZeros(d string) string {
	t := strings.TrimLeft(d, "0")
	if t == "" {
		return "0"
	}
	return t
}

// compareDigits compares two decimal strings of any length numerically.
func compareDigits(a, b string) int {
	a, b = trimLeadingZeros(a), trimLeadingZeros(b)
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func compareComponents(a, b []string) int {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := "0", "0"
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := compareDigits(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareBuild compares the pre-release parts: none sorts after any; then
// identifier by identifier, numbers numerically and below words, words in
// ASCII order; more identifiers sort later.
func compareBuild(a, b string) int {
	a, _, _ = strings.Cut(a, "+")
	b, _, _ = strings.Cut(b, "+")
	a = strings.TrimPrefix(a, "-")
	b = strings.TrimPrefix(b, "-")
	switch {
	case a == "" && b != "":
		return 1
	case a != "" && b == "":
		return -1
	}
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < min(len(pa), len(pb)); i++ {
		na, nb := isDigits(pa[i]), isDigits(pb[i])
		var c int
		switch {
		case na && nb:
			c = compareDigits(pa[i], pb[i])
		case !na && !nb:
			c = strings.Compare(pa[i], pb[i])
		case na:
			c = -1
		default:
			c = 1
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case len(pa) > len(pb):
		return 1
	case len(pa) < len(pb):
		return -1
	}
	return 0
}
