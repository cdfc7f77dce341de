package chart

import (
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// days returns n points a day apart from start, with values f(i).
func days(start string, n int, f func(i int) float64) []Point {
	p := make([]Point, n)
	for i := range p {
		p[i] = Point{date(start).AddDate(0, 0, i), f(i)}
	}
	return p
}

var severities = []Bar{
	{"Critical", 12, "critical", "/findings?severity=critical"},
	{"High", 40, "high", ""},
	{"Medium", 77.5, "medium", ""},
	{"Low", 3, "low", ""},
	{"None", 0, "none", ""},
	{"Known exploited vulnerabilities across the whole portfolio", 5, "kev", "https://example.com/kev"},
}

var states = []Segment{
	{"application", 5, "state-application"}, {"assessed", 8, "state-assessed"},
	{"quoted", 3, "state-quoted"}, {"issued", 40, "state-issued"},
	{"renewal", 6, "state-renewal"}, {"suspended", 1, "state-suspended"},
	{"lapsed", 2, "state-lapsed"}, {"cancelled", 2, "state-cancelled"},
	{"declined", 4, "state-declined"},
}

// cases are the charts kept as golden files in testdata; every one must
// also be well formed.
var cases = []struct {
	name string
	svg  func() string
}{
	{"bars", func() string { return string(Bars("Findings by severity", severities, Options{})) }},
	{"bars_zero", func() string {
		return string(Bars("All zero", []Bar{{"a", 0, "", ""}, {"b", 0, "", ""}}, Options{Width: 300}))
	}},
	{"bars_bad_values", func() string {
		return string(Bars("Bad values", []Bar{{"nan", math.NaN(), "", ""}, {"+inf", math.Inf(1), "", ""},
			{"-inf", math.Inf(-1), "", ""}, {"negative", -5, "", ""}, {"two", 2, "", ""}, {"huge", 1e300, "", ""}}, Options{}))
	}},
	{"bars_empty", func() string { return string(Bars("No firms", nil, Options{})) }},
	{"stacked", func() string { return string(Stacked("Policies by state", states, Options{})) }},
	{"stacked_zero", func() string {
		return string(Stacked("", []Segment{{"issued", 0, "state-issued"}, {"lapsed", math.NaN(), "state-lapsed"}}, Options{}))
	}},
	{"stacked_empty", func() string { return string(Stacked("Policies", nil, Options{Width: 400, Height: 80})) }},
	{"lines", func() string {
		return string(Lines("Open findings", []Series{
			{"Critical", "critical", days("2025-01-01", 90, func(i int) float64 { return float64(i%17 + 3) })},
			{"All", "", days("2025-01-01", 90, func(i int) float64 { return float64(i / 3) })},
		}, Options{}))
	}},
	{"lines_single", func() string {
		return string(Lines("One point", []Series{{"Premium", "", []Point{{date("2025-03-01"), 1234}}}}, Options{}))
	}},
	{"lines_years", func() string {
		return string(Lines("Years", []Series{
			{"x", "", []Point{{date("2025-03-01"), 1234}, {date("2001-03-01"), 5}}}, // out of order
			{"y", "", []Point{{date("2011-03-01"), 500}}},
			{"empty", "", nil},
		}, Options{Width: 700, Height: 300}))
	}},
	{"lines_empty", func() string { return string(Lines("Trend", []Series{{"x", "", nil}}, Options{})) }},
}

func TestGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.svg()
			checkSVG(t, got)
			if strings.Contains(got, "NaN") || strings.Contains(got, "Inf") {
				t.Errorf("output contains NaN or Inf:\n%s", got)
			}
			if got != c.svg() {
				t.Error("output differs between two runs")
			}
			file := filepath.Join("testdata", c.name+".svg")
			if *update {
				if err := os.WriteFile(file, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got+"\n" != string(want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", file, got)
			}
		})
	}
}

// node is a parsed element.
type node struct {
	name  string
	attr  map[string]string
	text  string
	kids  []*node
	title string // text of its <title> child
}

// parse parses s as XML, failing the test if it is not well formed.
func parse(t testing.TB, s string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var root *node
	var stack []*node
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatalf("more than one root element:\n%s", s)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n.name == "title" && len(stack) > 0 {
				stack[len(stack)-1].title = n.text
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			} else if strings.TrimSpace(string(tok)) != "" {
				t.Fatalf("text outside the root element:\n%s", s)
			}
		}
	}
	if root == nil {
		t.Fatalf("no element:\n%s", s)
	}
	return root
}

// all returns the elements under n (n included) named name.
func (n *node) all(name string) []*node {
	var out []*node
	if n.name == name {
		out = append(out, n)
	}
	for _, k := range n.kids {
		out = append(out, k.all(name)...)
	}
	return out
}

func (n *node) hasClass(c string) bool { return slices.Contains(strings.Fields(n.attr["class"]), c) }

func (n *node) num(t testing.TB, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr[attr], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, attr, n.attr[attr], err)
	}
	return v
}

// checkSVG checks that s is one well-formed <svg> element with the
// accessibility attributes and a <title>, and that every number in its
// geometry is finite.
func checkSVG(t testing.TB, s string) *node {
	t.Helper()
	root := parse(t, s)
	if root.name != "svg" || root.attr["role"] != "img" || root.attr["width"] != "100%" || root.attr["class"] != "chart" {
		t.Fatalf("root is not <svg class=chart role=img width=100%%>: %v", root.attr)
	}
	if _, ok := root.attr["aria-label"]; !ok || len(root.kids) == 0 || root.kids[0].name != "title" {
		t.Fatalf("no aria-label or <title> first:\n%s", s)
	}
	if root.attr["aria-label"] != root.kids[0].text {
		t.Errorf("aria-label %q differs from title %q", root.attr["aria-label"], root.kids[0].text)
	}
	var walk func(n *node)
	walk = func(n *node) {
		for name, v := range n.attr {
			switch name {
			case "x", "y", "width", "height", "cx", "cy", "r", "x1", "y1", "x2", "y2", "viewBox", "points":
				if name == "width" && n.name == "svg" {
					continue
				}
				for f := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == ' ' || r == ',' }) {
					if x, err := strconv.ParseFloat(f, 64); err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
						t.Fatalf("<%s %s=%q> is not a finite number", n.name, name, v)
					}
				}
			}
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(root)
	return root
}

const evil = `<script>alert(1)</script>"onload=alert(2) x='&amp;`

func TestEscaping(t *testing.T) {
	for name, out := range map[string]string{
		"bars":    string(Bars(evil, []Bar{{evil, 1, evil, "javascript:alert(3)"}, {"x", 2, "", `/a"onmouseover="alert(4)`}}, Options{})),
		"stacked": string(Stacked(evil, []Segment{{evil, 1, evil}}, Options{})),
		"lines":   string(Lines(evil, []Series{{evil, evil, []Point{{date("2025-01-01"), 1}}}}, Options{})),
		"empty":   string(Lines(evil, nil, Options{})),
	} {
		t.Run(name, func(t *testing.T) {
			root := checkSVG(t, out)
			if root.attr["aria-label"] != evil || root.kids[0].text != evil {
				t.Errorf("title did not survive escaping: %q", root.attr["aria-label"])
			}
			for _, bad := range []string{"<script", "javascript:", " onload=", " onmouseover="} {
				if strings.Contains(out, bad) {
					t.Errorf("output contains %q:\n%s", bad, out)
				}
			}
			var walk func(n *node)
			walk = func(n *node) {
				if n.name == "script" || n.attr["onload"] != "" || n.attr["onmouseover"] != "" {
					t.Errorf("escaped into an element or attribute: %s %v", n.name, n.attr)
				}
				for _, k := range n.kids {
					walk(k)
				}
			}
			walk(root)
		})
	}
}

func TestSafeHref(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/firms/42", "/firms/42"},
		{"/findings?severity=critical&kev=1", "/findings?severity=critical&kev=1"},
		{"https://example.com/x", "https://example.com/x"},
		{"HTTP://example.com", "HTTP://example.com"},
		{"", ""},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{" javascript:alert(1)", ""},
		{"data:text/html,<script>", ""},
		{"//evil.example/x", ""},
		{`/\evil.example`, ""},
		{"/a\tb", ""},
		{"firms/42", ""},
		{"https:///nohost", ""},
		{"ftp://example.com", ""},
	} {
		if got := safeHref(c.in); got != c.want {
			t.Errorf("safeHref(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	out := string(Bars("", []Bar{{"a", 1, "", "/x?a=1&b=2"}, {"b", 1, "", "javascript:alert(1)"}}, Options{}))
	links := checkSVG(t, out).all("a")
	if len(links) != 1 || links[0].attr["href"] != "/x?a=1&b=2" {
		t.Errorf("links = %v, want one to /x?a=1&b=2", links)
	}
}

func TestValueTicks(t *testing.T) {
	for _, c := range []struct {
		max  float64
		want []float64
		dec  int
	}{
		{0, []float64{0, 0.5, 1}, 1},
		{math.NaN(), []float64{0, 0.5, 1}, 1},
		{1, []float64{0, 0.5, 1}, 1},
		{4, []float64{0, 1, 2, 3, 4}, 0},
		{7, []float64{0, 2, 4, 6, 8}, 0},
		{8, []float64{0, 2, 4, 6, 8}, 0},
		{10, []float64{0, 5, 10}, 0},
		{1234, []float64{0, 500, 1000, 1500}, 0},
		{0.07, []float64{0, 0.02, 0.04, 0.06, 0.08}, 2},
		{1e15, []float64{0, 5e14, 1e15}, 0},
	} {
		got, dec := valueTicks(c.max)
		ok := len(got) == len(c.want) && dec == c.dec
		for i := 0; ok && i < len(got); i++ {
			ok = math.Abs(got[i]-c.want[i]) <= 1e-9*c.want[len(c.want)-1]
		}
		if !ok {
			t.Errorf("valueTicks(%v) = %v, %d decimals; want %v, %d", c.max, got, dec, c.want, c.dec)
		}
	}
	// The labels on the axis of a chart.
	root := checkSVG(t, string(Lines("", []Series{{"x", "", []Point{{date("2025-01-01"), 1234}}}}, Options{})))
	var labels []string
	for _, n := range root.all("text") {
		if n.hasClass("tick") && !strings.HasPrefix(n.text, "Dec") && !strings.HasPrefix(n.text, "Jan") {
			labels = append(labels, n.text)
		}
	}
	if want := []string{"0", "500", "1,000", "1,500"}; !slices.Equal(labels, want) {
		t.Errorf("value labels = %q, want %q", labels, want)
	}
}

func TestDateTicks(t *testing.T) {
	for _, c := range []struct {
		from, to string
		layout   string
		first    string
		count    int
	}{
		{"2025-01-01", "2025-01-04", "Jan 2", "2025-01-01", 4},
		{"2025-01-01", "2025-01-08", "Jan 2", "2025-01-01", 4}, // every other day
		{"2025-01-01", "2025-02-15", "Jan 2", "2025-01-06", 6}, // Mondays
		{"2025-01-01", "2025-12-31", "Jan 2006", "2025-01-01", 6},
		{"2024-11-15", "2025-03-31", "Jan 2006", "2024-12-01", 4},
		{"2001-03-01", "2025-03-01", "2006", "2005-01-01", 5},
		{"0001-01-01", "9999-12-31", "2006", "2000-01-01", 4},
	} {
		t0, t1 := date(c.from), date(c.to)
		got, layout := dateTicks(t0, t1, 7)
		if layout != c.layout || len(got) != c.count || got[0].Format("2006-01-02") != c.first {
			t.Errorf("dateTicks(%s, %s) = %v, %q; want %d from %s, %q", c.from, c.to, got, layout, c.count, c.first, c.layout)
			continue
		}
		for i, d := range got {
			if d.Before(t0) || d.After(t1) || i > 0 && !d.After(got[i-1]) {
				t.Errorf("dateTicks(%s, %s): tick %v out of range or order", c.from, c.to, d)
			}
			if layout == "Jan 2" && len(got) > 1 && got[1].Sub(got[0]) >= 7*24*time.Hour && d.Weekday() != time.Monday {
				t.Errorf("weekly tick %v is not a Monday", d)
			}
		}
	}
}

func TestBarWidthsProportional(t *testing.T) {
	values := []float64{10, 5, 2.5, 0, 7.3, 1}
	bars := make([]Bar, len(values))
	for i, v := range values {
		bars[i] = Bar{Label: "firm " + strconv.Itoa(i), Value: v, Class: "high"}
	}
	root := checkSVG(t, string(Bars("Risk", bars, Options{})))
	var rects []*node
	for _, r := range root.all("rect") {
		if r.hasClass("bar") {
			rects = append(rects, r)
		}
	}
	if len(rects) != len(values) {
		t.Fatalf("%d bars, want %d", len(rects), len(values))
	}
	full := rects[0].num(t, "width")
	for i, r := range rects {
		if want := values[i] / 10 * full; math.Abs(r.num(t, "width")-want) > 0.1 {
			t.Errorf("bar %d is %v wide, want %.2f", i, r.num(t, "width"), want)
		}
		if !r.hasClass("high") {
			t.Errorf("bar %d has class %q", i, r.attr["class"])
		}
	}
	if rows := root.all("g"); len(rows) != len(values) || rows[4].title != "firm 4: 7.3" || rows[4].all("text")[1].text != "7.3" {
		t.Errorf("rows do not carry their label and value")
	}
}

func TestStackedProportional(t *testing.T) {
	root := checkSVG(t, string(Stacked("", []Segment{{"a", 1, "low"}, {"b", 0, "none"}, {"c", 3, "high"}, {"d", -1, ""}}, Options{Width: 400})))
	var segs []*node
	for _, r := range root.all("rect") {
		if r.hasClass("seg") {
			segs = append(segs, r)
		}
	}
	if len(segs) != 2 || segs[0].num(t, "width") != 100 || segs[1].num(t, "x") != 100 || segs[1].num(t, "width") != 300 {
		t.Fatalf("segments are not 100 and 300 wide: %v", segs)
	}
	if segs[1].title != "c: 3 (75%)" {
		t.Errorf("segment tooltip = %q", segs[1].title)
	}
	var legend []string
	for _, g := range root.all("g") {
		legend = append(legend, g.all("text")[0].text)
	}
	if want := []string{"a 1 (25%)", "b 0 (0%)", "c 3 (75%)", "d 0 (0%)"}; !slices.Equal(legend, want) {
		t.Errorf("legend = %q, want %q", legend, want)
	}
}

func TestTruncation(t *testing.T) {
	long := strings.Repeat("Überlange Bezeichnung ", 10)
	for name, out := range map[string]string{
		"bars":    string(Bars(long, []Bar{{long, 1, "", ""}, {"short", 2, "", ""}}, Options{})),
		"stacked": string(Stacked("", []Segment{{long, 1, ""}}, Options{})),
		"lines":   string(Lines("", []Series{{long, "", []Point{{date("2025-01-01"), 1}}}}, Options{})),
	} {
		root := checkSVG(t, out)
		cut, whole := false, false
		for _, n := range root.all("text") {
			if head, _, ok := strings.Cut(n.text, "…"); ok && len(head) > 10 && strings.HasPrefix(long, head) {
				cut = true
			}
			if strings.Contains(n.text, long) {
				t.Errorf("%s: text not cut: %q", name, n.text)
			}
		}
		var walk func(n *node)
		walk = func(n *node) {
			whole = whole || strings.Contains(n.title, long)
			for _, k := range n.kids {
				walk(k)
			}
		}
		walk(root)
		if !cut || !whole {
			t.Errorf("%s: cut with an ellipsis %v, whole in a title %v", name, cut, whole)
		}
	}
}

func TestLinesSortsPoints(t *testing.T) {
	pts := []Point{{date("2025-01-03"), 3}, {date("2025-01-01"), 1}, {date("2025-01-02"), math.Inf(1)}}
	before := slices.Clone(pts)
	root := checkSVG(t, string(Lines("", []Series{{"s", "", pts}}, Options{})))
	if !slices.Equal(pts, before) {
		t.Error("Lines reordered its argument")
	}
	var xs []float64
	var tips []string
	for _, c := range root.all("circle") {
		xs = append(xs, c.num(t, "cx"))
		tips = append(tips, c.title)
	}
	if !slices.IsSorted(xs) || len(xs) != 3 || xs[0] == xs[2] {
		t.Errorf("markers not in date order: %v", xs)
	}
	if want := []string{"s 2025-01-01: 1", "s 2025-01-02: 0", "s 2025-01-03: 3"}; !slices.Equal(tips, want) {
		t.Errorf("tooltips = %q, want %q", tips, want)
	}
	// A zero span draws the points in the middle.
	root = checkSVG(t, string(Lines("", []Series{{"a", "", []Point{{date("2025-01-01"), 1}, {date("2025-01-01"), 2}}}}, Options{})))
	c := root.all("circle")
	if len(c) != 2 || c[0].num(t, "cx") != c[1].num(t, "cx") || len(root.all("polyline")) != 1 {
		t.Errorf("zero span not drawn: %v", c)
	}
}

func TestAppendValue(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {-3, "0"}, {math.NaN(), "0"}, {math.Inf(1), "0"}, {1, "1"}, {1.5, "1.5"},
		{2.345, "2.35"}, {77.5, "77.5"}, {999.999, "1,000"}, {1234.4, "1,234"}, {1234567, "1,234,567"},
		{0.25, "0.25"}, {0.0004, "0.0004"}, {1e300, "1,000,000,000,000,000"},
	} {
		if got := string(appendValue(nil, c.v)); got != c.want {
			t.Errorf("appendValue(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// TestControlCharacters checks that text XML cannot hold is replaced.
func TestControlCharacters(t *testing.T) {
	for _, s := range []string{"a\x00b", "\x1b[31m", "\xff\xfe", "a\ufffeb", "line\nbreak"} {
		checkSVG(t, string(Bars(s, []Bar{{s, 1, s, ""}}, Options{})))
	}
}

func FuzzBars(f *testing.F) {
	f.Add("Critical", 12.0, -1.0, "critical", "/x", 0, 0)
	f.Add(evil, math.NaN(), math.Inf(1), evil, "javascript:x", 1, -5)
	f.Add("\xff\x00", 1e308, 5e-324, "", "https://a/b", 100000, 3)
	f.Fuzz(func(t *testing.T, label string, v1, v2 float64, class, href string, w, h int) {
		for _, out := range []string{
			string(Bars(label, []Bar{{label, v1, class, href}, {label + label, v2, class, ""}}, Options{w, h})),
			string(Stacked(label, []Segment{{label, v1, class}, {class, v2, label}}, Options{w, h})),
		} {
			checkSVG(t, out)
		}
	})
}

func FuzzLines(f *testing.F) {
	f.Add("Critical", int64(1735689600), 1.0, int64(1735776000), 2.0, int64(1767225600), 3.0, 0, 0)
	f.Add(evil, int64(0), math.NaN(), int64(0), math.Inf(-1), int64(-1), 1e300, 10, 10)
	f.Add("x", int64(math.MinInt64), 1.0, int64(math.MaxInt64), 2.0, int64(253402300799), 3.0, 1<<40, -1)
	f.Fuzz(func(t *testing.T, name string, s1 int64, v1 float64, s2 int64, v2 float64, s3 int64, v3 float64, w, h int) {
		out := string(Lines(name, []Series{
			{name, name, []Point{{time.Unix(s1, 0), v1}, {time.Unix(s2, 0).UTC(), v2}}},
			{"", "", []Point{{time.Unix(s3, 0), v3}}},
		}, Options{w, h}))
		checkSVG(t, out)
	})
}
