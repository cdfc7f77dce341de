package evidence

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/insurable/insurable"
)

// parseSecurityTxt reads an RFC 9116 security.txt. An OpenPGP cleartext
// signature around the fields is tolerated and its armour skipped; field
// names are case-insensitive and kept in their canonical spelling.
func parseSecurityTxt(name string, data []byte) (*SecurityTxt, error) {
	st := &SecurityTxt{Fields: map[string][]string{}, Lines: map[string]int{}, Ref: Ref{File: name}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	inSignature := false
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "-----BEGIN PGP SIGNED MESSAGE-----", strings.HasPrefix(text, "Hash:"):
			continue
		case text == "-----BEGIN PGP SIGNATURE-----":
			inSignature = true
			continue
		case text == "-----END PGP SIGNATURE-----":
			inSignature = false
			continue
		case inSignature, text == "", strings.HasPrefix(text, "#"):
			continue
		}
		field, value, ok := strings.Cut(text, ":")
		if !ok || strings.ContainsAny(field, " \t") || field == "" {
			return nil, insurable.FileError(opOpen, insurable.Invalid, name, line, "not a security.txt field (want Name: value)")
		}
		key := canonicalField(field)
		st.Fields[key] = append(st.Fields[key], strings.TrimSpace(value))
		if _, seen := st.Lines[key]; !seen {
			st.Lines[key] = line
		}
	}
	if err := sc.Err(); err != nil {
		return nil, insurable.FileError(opOpen, insurable.Invalid, name, line, "%v", err)
	}
	return st, nil
}

var securityTxtFields = []string{"Acknowledgments", "Canonical", "Contact", "Encryption", "Expires", "Hiring", "Policy", "Preferred-Languages", "CSAF"}

func canonicalField(f string) string {
	for _, k := range securityTxtFields {
		if strings.EqualFold(k, f) {
			return k
		}
	}
	return f
}

// Get returns the first value of a field, or "".
func (s *SecurityTxt) Get(field string) string {
	if s == nil || len(s.Fields[field]) == 0 {
		return ""
	}
	return s.Fields[field][0]
}

// FieldRef points at the first line of a field.
func (s *SecurityTxt) FieldRef(field string) Ref {
	return Ref{File: s.Ref.File, Line: s.Lines[field], Field: field}
}

// parseNumber reads a finite decimal number.
func parseNumber(s string) (float64, error) {
	if s == "" {
		return 0, fmt.Errorf("is empty")
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}
