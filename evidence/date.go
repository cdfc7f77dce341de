package evidence

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Date is a calendar date without a time of day or zone, the granularity at
// which evidence is dated and deadlines fall. The zero Date means "not given".
type Date struct{ t time.Time }

// DateLayout is the only textual form a Date takes: ISO 8601 calendar date.
const DateLayout = "2006-01-02"

// NewDate returns the date of t in UTC.
func NewDate(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads a date written as YYYY-MM-DD. A full RFC 3339 timestamp is
// accepted too and truncated to its UTC date, since exports often carry one.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(DateLayout, s); err == nil {
		return Date{t}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return NewDate(t), nil
	}
	return Date{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
}

// MustDate is ParseDate for literals in code and tests.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// IsZero reports whether the date was not given.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return d.t }

// String returns the date as YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(DateLayout)
}

// Before reports whether d is strictly earlier than e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is strictly later than e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AddDays returns the date n days later (earlier when n is negative).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// AddMonths returns the date n calendar months later.
func (d Date) AddMonths(n int) Date { return Date{d.t.AddDate(0, n, 0)} }

// DaysSince returns the number of whole days from e to d (negative when e is
// later).
func (d Date) DaysSince(e Date) int { return int(d.t.Sub(e.t).Hours() / 24) }

// MarshalJSON writes the date as a JSON string, or null when zero.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a date from a JSON string or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML reads a date from a YAML scalar, whether the YAML parser saw
// it as a timestamp or a string.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a date must be a single value such as 2026-01-31", n.Line)
	}
	if n.Value == "" || n.Tag == "!!null" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalYAML writes the date as YYYY-MM-DD.
func (d Date) MarshalYAML() (any, error) { return d.String(), nil }

// Period is a length of time in calendar months and days, written as "12mo",
// "90d", "2w" or "1y" (and combinations such as "1y6mo"). Freshness rules
// and deadlines are periods.
type Period struct {
	Months int
	Days   int
}

var periodUnits = map[string]Period{"y": {Months: 12}, "mo": {Months: 1}, "w": {Days: 7}, "d": {Days: 1}}

// ParsePeriod reads a period such as "12mo" or "90d".
func ParsePeriod(s string) (Period, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return Period{}, fmt.Errorf("empty period")
	}
	var p Period
	rest := in
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i > 5 {
			return Period{}, fmt.Errorf("%q is not a period (write e.g. 12mo, 90d, 2w or 1y)", s)
		}
		n := 0
		fmt.Sscan(rest[:i], &n)
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		unit, ok := periodUnits[rest[:j]]
		if !ok {
			return Period{}, fmt.Errorf("%q is not a period: unit %q is not one of y, mo, w, d", s, rest[:j])
		}
		p.Months += n * unit.Months
		p.Days += n * unit.Days
		rest = rest[j:]
	}
	return p, nil
}

// String writes the period in the form ParsePeriod reads.
func (p Period) String() string {
	var b strings.Builder
	if p.Months > 0 {
		fmt.Fprintf(&b, "%dmo", p.Months)
	}
	if p.Days > 0 || p.Months == 0 {
		fmt.Fprintf(&b, "%dd", p.Days)
	}
	return b.String()
}

// Minus returns the date one period before d: evidence dated earlier than
// that is stale.
func (d Date) Minus(p Period) Date { return Date{d.t.AddDate(0, -p.Months, -p.Days)} }

// Plus returns the date one period after d.
func (d Date) Plus(p Period) Date { return Date{d.t.AddDate(0, p.Months, p.Days)} }

// UnmarshalYAML reads a period from a YAML scalar.
func (p *Period) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParsePeriod(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*p = v
	return nil
}

// MarshalJSON writes the period as a string such as "12mo".
func (p Period) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }
