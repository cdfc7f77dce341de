package vulnassess

import (
	"strconv"
	"unicode/utf8"

	"github.com/insurable/insurable/vulnmatch"
)

// JSONEncoder returns a chunk encoder for MatchOptions.Encode that renders
// each match as a JSON object on its own line, preceded by a comma, in the
// format of "insurable vulns match -o json" (docs/vulnerabilities.md):
// asset_id, advisory_id, cve, status, kev, cvss, severity, product_id and
// fix_available always; kev_due, ransomware, no_fix_planned, fixed_in and
// epss when they apply; versions, reason and unparsed for a match that is
// not plainly affected. With detail, every match also gives inventory,
// line, asset_version, product, versions, matched_by, published and reason.
//
// The objects are written by hand rather than with encoding/json because
// a million-row inventory gives millions of matches and the command must
// finish in a second and a half; TestJSONEncoderAgreesWithEncodingJSON
// checks the output against encoding/json.
func JSONEncoder(detail bool) func(dst []byte, c *Chunk) []byte {
	return func(dst []byte, c *Chunk) []byte {
		n := 0
		for _, ms := range c.Matches {
			n += len(ms)
		}
		if dst == nil {
			per := 230
			if detail {
				per = 520
			}
			dst = make([]byte, 0, n*per)
		}
		for i, ms := range c.Matches {
			r := &c.Rows[i]
			for k := range ms {
				dst = appendMatch(dst, r, &ms[k], detail)
			}
		}
		return dst
	}
}

func appendMatch(b []byte, r *Row, m *vulnmatch.Match, detail bool) []byte {
	b = append(b, ",\n    {\"asset_id\":"...)
	b = appendString(b, r.ID)
	if detail {
		b = append(b, `,"inventory":`...)
		b = appendString(b, r.File)
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(r.Line), 10)
		b = append(b, `,"asset_version":`...)
		b = appendString(b, r.Version)
	}
	b = append(b, `,"advisory_id":`...)
	b = appendString(b, m.AdvisoryID)
	b = append(b, `,"cve":`...)
	b = appendString(b, m.CVE)
	b = append(b, `,"status":`...)
	b = appendString(b, m.Status)
	b = append(b, `,"kev":`...)
	b = strconv.AppendBool(b, m.KEV)
	b = append(b, `,"cvss":`...)
	b = strconv.AppendFloat(b, m.CVSS, 'f', -1, 64)
	b = append(b, `,"severity":`...)
	b = appendString(b, m.Severity)
	b = append(b, `,"product_id":`...)
	b = appendString(b, m.ProductID)
	b = append(b, `,"fix_available":`...)
	b = strconv.AppendBool(b, m.FixAvailable)
	if m.NoFixPlanned {
		b = append(b, `,"no_fix_planned":true`...)
	}
	if m.FixedIn != "" {
		b = append(b, `,"fixed_in":`...)
		b = appendString(b, m.FixedIn)
	}
	if m.KEVDue != "" {
		b = append(b, `,"kev_due":`...)
		b = appendString(b, m.KEVDue)
	}
	if m.Ransomware {
		b = append(b, `,"ransomware":true`...)
	}
	if m.EPSS != 0 {
		b = append(b, `,"epss":`...)
		b = strconv.AppendFloat(b, m.EPSS, 'f', -1, 64)
		b = append(b, `,"epss_percentile":`...)
		b = strconv.AppendFloat(b, m.EPSSPercentile, 'f', -1, 64)
	}
	if detail {
		b = append(b, `,"product":`...)
		b = appendString(b, m.Product)
		b = append(b, `,"matched_by":`...)
		b = appendString(b, m.MatchedBy)
		if m.Published != "" {
			b = append(b, `,"published":`...)
			b = appendString(b, m.Published)
		}
	}
	if detail || m.Status != vulnmatch.StatusAffected {
		b = append(b, `,"versions":`...)
		b = appendString(b, m.Versions)
		if m.Reason != "" {
			b = append(b, `,"reason":`...)
			b = appendString(b, m.Reason)
		}
	}
	if m.Unparsed {
		b = append(b, `,"unparsed":true`...)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, as encoding/json
// does (HTML characters are left as they are, as the project's writeJSON
// leaves them).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
