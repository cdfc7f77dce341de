// Package chart draws bar, stacked-bar and time-series charts as inline SVG
// for server-rendered pages.
//
// Each function returns one <svg> element that scales to the width of its
// container and needs no script, font or other resource. Colours come only
// from CSS classes, so a page includes [CSS] in its style sheet and may
// override any class to theme the charts; the output carries no style
// attributes and so also works under a strict Content-Security-Policy.
//
// Values are amounts drawn from zero: a negative value, NaN or ±Inf is drawn
// and printed as 0, and a value above 1e15 as 1e15. Labels, names and titles
// are escaped; a label too long for its place is cut with an ellipsis and kept
// whole in a tooltip (<title>). Links other than site-relative paths ("/...")
// and http(s) URLs are dropped. The output depends only on the arguments, byte
// for byte, so it may be cached or compared.
package chart

import (
	"html/template"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Options sets the size of a chart in SVG user units (pixels when the chart is
// shown at its natural size; the chart scales to its container's width). A
// zero or negative field means the default for the chart; widths below 120
// and heights below 40 are raised to those minimums.
type Options struct {
	Width, Height int
}

// Bar is one row of a bar chart.
type Bar struct {
	Label string
	Value float64
	// Class is the CSS class of the bar, e.g. "critical", "high", "medium",
	// "low", "none", "kev" or "state-issued"; see CSS.
	Class string
	// Href, if set, makes the bar and its label a link to it. Only paths
	// starting with a single "/" and http(s) URLs are allowed; others are dropped.
	Href string
}

// Segment is one part of a stacked bar.
type Segment struct {
	Label string
	Value float64
	Class string // CSS class of the segment and its legend swatch
}

// Point is one value of a time series.
type Point struct {
	Date  time.Time
	Value float64
}

// Series is a named time series. Its points may be in any order.
type Series struct {
	Name string
	// Class is an extra CSS class for the series; the series is always also
	// given series-N, N being its index modulo 6.
	Class  string
	Points []Point
}

const (
	charW    = 6.6  // estimated advance of a character of the 12px chart font
	rowH     = 22.0 // height of a bar chart row
	maxValue = 1e15 // values above are drawn as this
	day      = 86400.0
)

// Bars draws horizontal bars, one row per bar, with the label on the left and
// the value printed at the end of the bar. Bar lengths are proportional to
// the values, the largest bar filling the width. The default size is 560
// wide and 22 units per bar high.
func Bars(title string, bars []Bar, opt Options) template.HTML {
	W, top := dim(opt.Width, 560, 120), titleSpace(title)
	if len(bars) == 0 {
		return empty(title, W, dim(opt.Height, top+40, 40))
	}
	H := dim(opt.Height, top+float64(len(bars))*rowH+4, 40)
	maxV, longest, size := 0.0, 0, 0
	for _, b := range bars {
		maxV = max(maxV, clean(b.Value))
		longest = max(longest, utf8.RuneCountInString(b.Label))
		size += 270 + 2*len(b.Label) + len(b.Class) + len(b.Href)
	}
	maxChars := max(min(longest, int((W*0.4-10)/charW)), 3)
	labelW := float64(maxChars)*charW + 10
	valueW := float64(len(appendValue(nil, maxV))+1)*charW + 4
	barW := max(W-labelW-valueW, 10)

	w := newSVG(title, W, H, size)
	for i, b := range bars {
		v, y := clean(b.Value), top+float64(i)*rowH
		bw := 0.0
		if maxV > 0 {
			bw = v / maxV * barW
		}
		w.raw(`<g class="row"><title>`)
		w.esc(b.Label, 0)
		w.raw(": ")
		w.b = appendValue(w.b, v)
		w.raw(`</title>`)
		href := safeHref(b.Href)
		if href != "" {
			w.raw(`<a href="`)
			w.esc(href, 0)
			w.raw(`">`)
		}
		w.text("label", labelW-6, y+15, "end", b.Label, maxChars)
		w.rect("bar", b.Class, labelW, y+4, bw, 14, "/>")
		if href != "" {
			w.raw(`</a>`)
		}
		w.open("value", labelW+bw+4, y+15, "")
		w.b = appendValue(w.b, v)
		w.raw(`</text></g>`)
	}
	return w.close()
}

// Stacked draws one horizontal bar split into segments proportional to their
// values, with a legend under it giving each segment's label, value and share
// of the total. The default width is 560; the default height fits the legend.
func Stacked(title string, segs []Segment, opt Options) template.HTML {
	W, top := dim(opt.Width, 560, 120), titleSpace(title)
	if len(segs) == 0 {
		return empty(title, W, dim(opt.Height, top+40, 40))
	}
	total := 0.0
	for _, s := range segs {
		total += clean(s.Value)
	}
	suffix := make([]string, len(segs))
	widths := make([]float64, len(segs))
	for i, s := range segs {
		b := appendValue([]byte(" "), clean(s.Value))
		if total > 0 {
			b = append(appendPct(append(b, " ("...), clean(s.Value)/total), "%)"...)
		}
		suffix[i] = string(b)
		widths[i] = 14 + float64(min(utf8.RuneCountInString(s.Label), 28)+len(suffix[i]))*charW
	}
	xs, ys, rows := flow(widths, 0, W)
	H := dim(opt.Height, top+38+float64(rows)*18, 40)

	w := newSVG(title, W, H, 300*len(segs))
	w.rect("track", "", 0, top, W, 24, "/>")
	cum := 0.0
	for i, s := range segs {
		v := clean(s.Value)
		if v == 0 {
			continue
		}
		x0 := cum / total * W
		cum += v
		w.rect("seg", s.Class, x0, top, cum/total*W-x0, 24, "><title>")
		w.esc(s.Label, 0)
		w.raw(":")
		w.esc(suffix[i], 0)
		w.raw(`</title></rect>`)
	}
	for i, s := range segs {
		w.raw(`<g class="legend">`)
		y := top + 44 + ys[i]
		w.rect("swatch", s.Class, xs[i], y-9, 10, 10, "/>")
		w.open("", xs[i]+14, y, "")
		w.esc(s.Label, 28)
		w.esc(suffix[i], 0)
		w.raw(`</text></g>`)
	}
	return w.close()
}

// Lines draws time series on a shared date axis and a value axis starting at
// 0 with ticks at 1, 2 or 5 times a power of ten, a legend naming each series,
// and a marker per point whose tooltip reads "name date: value". Date ticks
// fall on days, Mondays, months or years, whichever suit the span; when all
// points share one date it is drawn in the middle of a three-day axis. The
// default size is 560×220, taller when the legend needs more than one row.
func Lines(title string, series []Series, opt Options) template.HTML {
	W, top := dim(opt.Width, 560, 120), titleSpace(title)
	pts := make([][]Point, len(series))
	var t0, t1 time.Time
	n, most, maxV := 0, 0, 0.0
	for i, s := range series {
		p := slices.Clone(s.Points)
		slices.SortStableFunc(p, func(a, b Point) int { return a.Date.Compare(b.Date) })
		pts[i] = p
		if len(p) == 0 {
			continue
		}
		if n == 0 || p[0].Date.Before(t0) {
			t0 = p[0].Date
		}
		if n == 0 || p[len(p)-1].Date.After(t1) {
			t1 = p[len(p)-1].Date
		}
		n, most = n+len(p), max(most, len(p))
		for _, q := range p {
			maxV = max(maxV, clean(q.Value))
		}
	}
	if n == 0 {
		return empty(title, W, dim(opt.Height, 220, 40))
	}
	if !t1.After(t0) {
		t0, t1 = t0.AddDate(0, 0, -1), t1.AddDate(0, 0, 1)
	}
	s0, span := secs(t0), secs(t1)-secs(t0)
	if !(span > 0) { // only if the dates above overflowed
		span = 1
	}

	ticks, dec := valueTicks(maxV)
	tickW := 0
	for _, v := range ticks {
		tickW = max(tickW, len(appendTick(nil, v, dec)))
	}
	left := float64(tickW)*6.2 + 12
	plotW := max(W-left-28, 10)
	widths := make([]float64, len(series))
	for i, s := range series {
		widths[i] = 20 + float64(min(utf8.RuneCountInString(s.Name), 24))*charW
	}
	xs, ys, rows := flow(widths, left, W)
	H := dim(opt.Height, 202+18*float64(rows), 40)
	bottom := H - 26 - 18*float64(rows)
	plotH := max(bottom-top-6, 10)
	x := func(t time.Time) float64 { return left + (secs(t)-s0)/span*plotW }
	y := func(v float64) float64 { return bottom - clean(v)/ticks[len(ticks)-1]*plotH }

	w := newSVG(title, W, H, 1000+len(series)*300+n*120)
	for _, v := range ticks {
		cls := "grid"
		if v == 0 {
			cls = "axis"
		}
		w.line(cls, left, y(v), left+plotW, y(v))
		w.open("tick", left-6, y(v)+4, "end")
		w.b = appendTick(w.b, v, dec)
		w.raw(`</text>`)
	}
	dates, layout := dateTicks(t0, t1, max(2, int(plotW/72)))
	for _, t := range dates {
		if tx := x(t); tx >= left-0.5 && tx <= left+plotW+0.5 {
			w.line("axis", tx, bottom, tx, bottom+4)
			w.open("tick", tx, bottom+16, "middle")
			w.b = t.AppendFormat(w.b, layout)
			w.raw(`</text>`)
		}
	}
	r := min(max(plotW/float64(most)/2, 1.5), 3)
	for i, s := range series {
		w.raw(`<g class="series series-`)
		w.b = strconv.AppendInt(w.b, int64(i%6), 10)
		if s.Class != "" {
			w.raw(" ")
			w.esc(s.Class, 0)
		}
		w.raw(`">`)
		if p := pts[i]; len(p) > 0 {
			w.raw(`<polyline class="line" points="`)
			for j, q := range p {
				if j > 0 {
					w.raw(" ")
				}
				w.num(x(q.Date))
				w.raw(",")
				w.num(y(q.Value))
			}
			w.raw(`"><title>`)
			w.esc(s.Name, 0)
			w.raw(`</title></polyline>`)
			for _, q := range p {
				w.raw(`<circle class="dot" cx="`)
				w.num(x(q.Date))
				w.raw(`" cy="`)
				w.num(y(q.Value))
				w.raw(`" r="`)
				w.num(r)
				w.raw(`"><title>`)
				w.esc(s.Name, 0)
				w.raw(" ")
				w.b = q.Date.AppendFormat(w.b, "2006-01-02")
				w.raw(": ")
				w.b = appendValue(w.b, q.Value)
				w.raw(`</title></circle>`)
			}
		}
		ly := bottom + 38 + ys[i]
		w.rect("swatch", "", xs[i], ly-9, 12, 10, "/>")
		w.text("", xs[i]+16, ly, "", s.Name, 24)
		w.raw(`</g>`)
	}
	return w.close()
}

// valueTicks returns the ticks of a value axis from 0 to at least maxV, at 1,
// 2 or 5 times a power of ten apart, and how many decimals their labels need.
// An axis for nothing above 0 goes from 0 to 1.
func valueTicks(maxV float64) ([]float64, int) {
	if !(maxV > 1e-9) {
		maxV = 1
	}
	raw := maxV / 4
	e := math.Floor(math.Log10(raw))
	step := math.Pow(10, e)
	switch f := raw / step; {
	case f <= 1+1e-9:
	case f <= 2+1e-9:
		step *= 2
	case f <= 5+1e-9:
		step *= 5
	default:
		step *= 10
		e++
	}
	ticks := make([]float64, max(int(math.Ceil(maxV/step-1e-9)), 1)+1)
	for i := range ticks {
		ticks[i] = float64(i) * step
	}
	return ticks, max(0, int(-e))
}

// dateTicks returns dates between t0 and t1, not many more than n, falling on
// midnights, Mondays, firsts of months or New Year's days, whichever suit the
// span, and the layout to label them with.
func dateTicks(t0, t1 time.Time, n int) ([]time.Time, string) {
	days := (secs(t1) - secs(t0)) / day
	yr, mo, dd := t0.Date()
	loc := t0.Location()
	var t time.Time
	var next func(time.Time) time.Time
	layout := "Jan 2"
	if step := stepFor(days, n, 1, 2, 7, 14); step > 0 {
		t = time.Date(yr, mo, dd, 0, 0, 0, 0, loc)
		if t.Before(t0) {
			t = t.AddDate(0, 0, 1)
		}
		for step >= 7 && t.Weekday() != time.Monday {
			t = t.AddDate(0, 0, 1)
		}
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, step) }
	} else if step := stepFor(days/30.44, n, 1, 2, 3, 6); step > 0 {
		layout = "Jan 2006"
		t = time.Date(yr, mo, 1, 0, 0, 0, 0, loc)
		if t.Before(t0) {
			t = t.AddDate(0, 1, 0)
		}
		for (int(t.Month())-1)%step != 0 {
			t = t.AddDate(0, 1, 0)
		}
		next = func(t time.Time) time.Time { return t.AddDate(0, step, 0) }
	} else {
		layout = "2006"
		step := 1 // years: 1, 2, 5, 10, 20, 50, …
		for k := 0; days/365.25/float64(step) >= float64(n); k++ {
			if k%3 == 1 {
				step = step * 5 / 2
			} else {
				step *= 2
			}
		}
		if time.Date(yr, 1, 1, 0, 0, 0, 0, loc).Before(t0) {
			yr++
		}
		yr += (step - yr%step) % step
		t = time.Date(yr, 1, 1, 0, 0, 0, 0, loc)
		next = func(t time.Time) time.Time { return t.AddDate(step, 0, 0) }
	}
	var ticks []time.Time
	for i := 0; i <= n+1 && !t.After(t1); i++ {
		if !t.Before(t0) {
			ticks = append(ticks, t)
		}
		t = next(t)
	}
	return ticks, layout
}

// stepFor returns the first step that divides span into fewer than n parts,
// or 0 if none does.
func stepFor(span float64, n int, steps ...int) int {
	for _, s := range steps {
		if span/float64(s) < float64(n) {
			return s
		}
	}
	return 0
}

// flow places legend items of the given widths left to right from x0,
// wrapping before W, and returns their positions (y relative to the first
// row) and the number of rows.
func flow(widths []float64, x0, W float64) (xs, ys []float64, rows int) {
	x, y := x0, 0.0
	rows = 1
	for _, wd := range widths {
		if x > x0 && x+wd > W {
			x, y, rows = x0, y+18, rows+1
		}
		xs, ys = append(xs, x), append(ys, y)
		x += wd + 16
	}
	return xs, ys, rows
}

// clean returns v as drawn: 0 for negative values, NaN and ±Inf, and at most
// maxValue.
func clean(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 1) {
		return 0
	}
	return min(v, maxValue)
}

// dim returns v, raised to lo, or def if v is not positive; and at most 20000.
func dim(v int, def, lo float64) float64 {
	if v <= 0 {
		return def
	}
	return min(max(float64(v), lo), 20000)
}

// titleSpace is the height above the plot: room for the visible title.
func titleSpace(title string) float64 {
	if title == "" {
		return 4
	}
	return 26
}

func secs(t time.Time) float64 { return float64(t.Unix()) + float64(t.Nanosecond())/1e9 }

// safeHref returns s if it is a site-relative path or an http(s) URL, and
// "" otherwise.
func safeHref(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || strings.ContainsAny(s, "\\ \t\r\n"):
		return ""
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//"):
		return s
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
		return s
	}
	return ""
}

// appendValue appends v as printed: whole numbers with thousands separators
// from 1000, two decimals at most from 1, and three below (or two significant
// digits for smaller values).
func appendValue(b []byte, v float64) []byte {
	v = clean(v)
	switch {
	case v >= 999.995:
		return appendTick(b, math.Round(v), 0)
	case v >= 1:
		return trimZeros(strconv.AppendFloat(b, v, 'f', 2, 64), len(b))
	case v >= 0.0005:
		return trimZeros(strconv.AppendFloat(b, v, 'f', 3, 64), len(b))
	case v > 0:
		return strconv.AppendFloat(b, v, 'g', 2, 64)
	}
	return append(b, '0')
}

// appendTick appends v with dec decimals, or as a whole number with
// thousands separators if dec is 0.
func appendTick(b []byte, v float64, dec int) []byte {
	if dec > 0 {
		return strconv.AppendFloat(b, v, 'f', dec, 64)
	}
	var buf [32]byte
	digits := strconv.AppendFloat(buf[:0], v, 'f', 0, 64)
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	return b
}

// appendPct appends share (0..1) as a percentage with at most one decimal.
func appendPct(b []byte, share float64) []byte {
	if share > 0 && share < 0.0005 {
		return append(b, "<0.1"...)
	}
	return trimZeros(strconv.AppendFloat(b, share*100, 'f', 1, 64), len(b))
}

// trimZeros removes trailing zeros after the decimal point of the number
// that starts at b[from:], and the point if nothing follows it.
func trimZeros(b []byte, from int) []byte {
	if !slices.Contains(b[from:], '.') {
		return b
	}
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return b
}

// svg accumulates the markup of one chart.
type svg struct{ b []byte }

// newSVG starts a chart of the given size, reserving about size bytes.
func newSVG(title string, W, H float64, size int) *svg {
	w := &svg{b: make([]byte, 0, 1024+size)}
	w.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="100%" viewBox="0 0 `)
	w.num(W)
	w.raw(" ")
	w.num(H)
	w.raw(`" aria-label="`)
	w.esc(title, 0)
	w.raw(`"><title>`)
	w.esc(title, 0)
	w.raw(`</title>`)
	if title != "" {
		w.text("title", 0, 15, "", title, int(W/7.5))
	}
	return w
}

// empty is a chart saying there is no data.
func empty(title string, W, H float64) template.HTML {
	w := newSVG(title, W, H, 0)
	w.text("empty", W/2, (H+titleSpace(title))/2+4, "middle", "no data", 0)
	return w.close()
}

func (w *svg) close() template.HTML {
	w.raw("</svg>")
	return template.HTML(w.b)
}

func (w *svg) raw(s string) { w.b = append(w.b, s...) }

// num appends a coordinate with one decimal at most; never NaN or Inf.
func (w *svg) num(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) < 0.05 {
		w.b = append(w.b, '0')
		return
	}
	if math.Abs(v) >= 1e12 {
		w.b = trimZeros(strconv.AppendFloat(w.b, v, 'f', 1, 64), len(w.b))
		return
	}
	n := int64(math.Round(v * 10))
	if n < 0 {
		w.b, n = append(w.b, '-'), -n
	}
	w.b = strconv.AppendInt(w.b, n/10, 10)
	if n%10 != 0 {
		w.b = append(w.b, '.', byte('0'+n%10))
	}
}

// esc appends s escaped for XML and HTML text and attribute values, with
// characters XML does not allow replaced by U+FFFD and line breaks and tabs
// by spaces. If n > 0 and s is longer than n characters, it appends the first
// n-1 and an ellipsis.
func (w *svg) esc(s string, n int) {
	cut := false
	if n > 0 && len(s) > n && utf8.RuneCountInString(s) > n {
		i := 0
		for j := range s {
			if i == n-1 {
				s, cut = s[:j], true
				break
			}
			i++
		}
	}
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' && c != '"' && c != '\''
	}
	if plain {
		w.raw(s)
	} else {
		for _, r := range s {
			switch {
			case r == '&':
				w.raw("&amp;")
			case r == '<':
				w.raw("&lt;")
			case r == '>':
				w.raw("&gt;")
			case r == '"':
				w.raw("&#34;")
			case r == '\'':
				w.raw("&#39;")
			case r == '\t' || r == '\n' || r == '\r':
				w.raw(" ")
			case r < 0x20 || r == 0xfffe || r == 0xffff:
				w.b = utf8.AppendRune(w.b, utf8.RuneError)
			default:
				w.b = utf8.AppendRune(w.b, r)
			}
		}
	}
	if cut {
		w.raw("…")
	}
}

// open starts a text element; class and anchor may be empty.
func (w *svg) open(class string, x, y float64, anchor string) {
	w.raw("<text")
	if class != "" {
		w.raw(` class="`)
		w.raw(class)
		w.raw(`"`)
	}
	w.raw(` x="`)
	w.num(x)
	w.raw(`" y="`)
	w.num(y)
	if anchor != "" {
		w.raw(`" text-anchor="`)
		w.raw(anchor)
	}
	w.raw(`">`)
}

// text appends a text element holding s, cut to n characters if n > 0.
func (w *svg) text(class string, x, y float64, anchor, s string, n int) {
	w.open(class, x, y, anchor)
	w.esc(s, n)
	w.raw("</text>")
}

// rect appends a rectangle of classes base and extra (escaped), ending the
// element with end: "/>" or "><title>".
func (w *svg) rect(base, extra string, x, y, wd, h float64, end string) {
	w.raw(`<rect class="`)
	w.raw(base)
	if extra != "" {
		w.raw(" ")
		w.esc(extra, 0)
	}
	w.raw(`" x="`)
	w.num(x)
	w.raw(`" y="`)
	w.num(y)
	w.raw(`" width="`)
	w.num(max(wd, 0))
	w.raw(`" height="`)
	w.num(h)
	w.raw(`"`)
	w.raw(end)
}

func (w *svg) line(class string, x1, y1, x2, y2 float64) {
	w.raw(`<line class="`)
	w.raw(class)
	w.raw(`" x1="`)
	w.num(x1)
	w.raw(`" y1="`)
	w.num(y1)
	w.raw(`" x2="`)
	w.num(x2)
	w.raw(`" y2="`)
	w.num(y2)
	w.raw(`"/>`)
}
