package evidence

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/insurable/insurable"
)

// table is a CSV file read row by row, with its header normalised through an
// alias table so that exports of common OT asset tools are understood.
type table struct {
	name    string
	r       *csv.Reader
	cols    map[string]int // canonical column -> index
	header  []string
	limit   int
	rows    int
	unknown []string // header names that map to no canonical column
}

// normHeader reduces a header to lower-case letters and digits, so that
// "Firmware Version", "firmware_version" and "FirmwareVersion" compare equal.
func normHeader(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// openTable reads the header of a CSV file. aliases maps normalised header
// names to canonical column names; required lists columns that must be
// present, each alternative separated by "|".
func openTable(name string, data []byte, aliases map[string]string, required []string, limit int) (*table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		return nil, insurable.FileError(opOpen, insurable.Invalid, name, line, "not UTF-8 text; save the CSV as UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	r.TrimLeadingSpace = true
	r.Comma = sniffComma(data)
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, insurable.FileError(opOpen, insurable.Invalid, name, 1, "file is empty; a header row is required")
	}
	if err != nil {
		return nil, csvError(name, err)
	}
	t := &table{name: name, r: r, cols: map[string]int{}, limit: limit}
	t.header = append([]string(nil), head...)
	for i, h := range head {
		key := normHeader(h)
		canon, ok := aliases[key]
		if !ok {
			if strings.TrimSpace(h) != "" {
				t.unknown = append(t.unknown, h)
			}
			continue
		}
		if _, dup := t.cols[canon]; dup {
			return nil, insurable.FileError(opOpen, insurable.Invalid, name, 1, "columns %q and %q both give %s", head[t.cols[canon]], h, canon)
		}
		t.cols[canon] = i
	}
	for _, req := range required {
		found := false
		for _, alt := range strings.Split(req, "|") {
			if _, ok := t.cols[alt]; ok {
				found = true
			}
		}
		if !found {
			return nil, insurable.FileError(opOpen, insurable.Invalid, name, 1, "header has no %s column (found: %s)", strings.ReplaceAll(req, "|", " or "), strings.Join(head, ", "))
		}
	}
	return t, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// sniffComma picks the delimiter of the header line: comma, semicolon (common
// in European exports) or tab.
func sniffComma(data []byte) rune {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	best, n := ',', bytes.Count(line, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(line, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if pe.StartLine != pe.Line {
			// An open quote runs on: point at the record it started.
			return insurable.FileError(opOpen, insurable.Invalid, name, pe.StartLine, "malformed CSV: %v (a quoted field that starts in this record runs to line %d)", pe.Err, pe.Line)
		}
		return insurable.FileError(opOpen, insurable.Invalid, name, pe.Line, "malformed CSV: %v", pe.Err)
	}
	return insurable.FileError(opOpen, insurable.Invalid, name, 0, "malformed CSV: %v", err)
}

// next reads the next row. It returns io.EOF at the end. Blank rows are
// skipped.
func (t *table) next() (row, error) {
	for {
		rec, err := t.r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return row{}, io.EOF
			}
			return row{}, csvError(t.name, err)
		}
		line, _ := t.r.FieldPos(0)
		if blank(rec) {
			// Spreadsheets often export trailing rows of empty cells.
			continue
		}
		t.rows++
		if t.rows > t.limit {
			return row{}, insurable.FileError(opOpen, insurable.TooLarge, t.name, line, "more than %d rows", t.limit)
		}
		if len(rec) != len(t.header) {
			return row{}, insurable.FileError(opOpen, insurable.Invalid, t.name, line, "row has %d fields, the header has %d", len(rec), len(t.header))
		}
		return row{t: t, rec: rec, line: line}, nil
	}
}

// blank reports whether every cell of a record is empty or white space.
func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// row is one record of a table.
type row struct {
	t    *table
	rec  []string
	line int
}

// get returns the trimmed value of a canonical column, or "" when the table
// has no such column.
func (r row) get(col string) string {
	i, ok := r.t.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

func (r row) errorf(col, format string, args ...any) error {
	return insurable.FileError(opOpen, insurable.Invalid, r.t.name, r.line, "%s: %s", col, fmt.Sprintf(format, args...))
}

// date reads an optional date column.
func (r row) date(col string) (Date, error) {
	v := r.get(col)
	if v == "" {
		return Date{}, nil
	}
	d, err := ParseDate(v)
	if err != nil {
		return Date{}, r.errorf(col, "%v", err)
	}
	return d, nil
}

// boolean reads an optional yes/no column.
func (r row) boolean(col string) (bool, error) {
	switch strings.ToLower(r.get(col)) {
	case "", "no", "n", "false", "0", "none":
		return false, nil
	case "yes", "y", "true", "1", "x":
		return true, nil
	}
	return false, r.errorf(col, "%q is not yes or no", r.get(col))
}
