package evidence

import (
	"fmt"
	"strconv"
	"strings"
)

// Ref points at the piece of evidence a finding rests on: a file of the
// bundle, and where known the line and the field within it.
type Ref struct {
	File  string `json:"file"`
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
}

// String renders the reference as file:line (field).
func (r Ref) String() string {
	var b strings.Builder
	b.WriteString(r.File)
	if r.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(r.Line))
	}
	if r.Field != "" {
		fmt.Fprintf(&b, " (%s)", r.Field)
	}
	return b.String()
}

// WithField returns a copy of r that names field.
func (r Ref) WithField(field string) Ref {
	r.Field = field
	return r
}

// IsZero reports whether r points nowhere.
func (r Ref) IsZero() bool { return r.File == "" }
