package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/decision"
)

// The charts of the HTML report are laid out here, in Go, as plain shapes
// with coordinates; report/html/charts.tmpl only writes them out, so that
// every label passes through html/template's escaping.

// px is an SVG coordinate, printed with at most one decimal so that the
// output is short and the same on every platform.
type px float64

func (p px) String() string {
	return strconv.FormatFloat(math.Round(float64(p)*10)/10, 'f', -1, 64)
}

// chart is one SVG figure, with the legend and figures printed below it.
type chart struct {
	ID      string
	Title   string
	Caption string
	// Desc says in words what the chart shows, for screen readers.
	Desc   string
	W, H   px
	Rects  []rect
	Texts  []text
	Lines  []line
	Arcs   []arc
	Legend []legendEntry
	// Stats are key figures printed under the chart.
	Stats []stat
	// Empty replaces the chart when there is nothing to draw.
	Empty string
}

type rect struct {
	X, Y, W, H px
	Class      string
	// Pattern overlays a hatch or dots, so that the series can be told
	// apart without colour.
	Pattern string
	Tip     string
}

type text struct {
	X, Y   px
	Anchor string
	Class  string
	Text   string
}

type line struct {
	X1, Y1, X2, Y2 px
	Class          string
}

// arc is an SVG path; D is computed here from numbers only.
type arc struct {
	D     string
	Class string
	Tip   string
}

type stat struct {
	Label, Value string
}

type legendEntry struct {
	Class   string
	Pattern string
	Label   string
	Count   int
}

// statusSeries is the order in which statuses are stacked and listed.
var statusSeries = []check.Status{check.Pass, check.NeedsReview, check.Fail, check.NotApplicable}

// statusPattern marks the statuses that need attention with a texture.
var statusPattern = map[check.Status]string{check.NeedsReview: "pat-dots", check.Fail: "pat-hatch"}

var severityPattern = map[check.Severity]string{check.Critical: "pat-hatch", check.High: "pat-dots"}

func charts(r *assessment.Result, secs []sectionView) []chart {
	score := scoreChart(r.Decision)
	score.Stats = keyFigures(r)
	return []chart{score, verdictChart(secs), findingChart(r), planChart(r)}
}

// keyFigures are the counts an underwriter looks at first.
func keyFigures(r *assessment.Result) []stat {
	var mandatory, failing int
	for _, v := range r.Verdicts {
		if v.Mandatory {
			mandatory++
			if v.Status == check.Fail {
				failing++
			}
		}
	}
	gates := map[string]int{}
	for _, g := range r.Decision.Gates {
		gates[g.Result]++
	}
	critical := 0
	for _, it := range r.Plan.Items {
		if it.Severity == check.Critical {
			critical++
		}
	}
	return []stat{
		{"Mandatory requirements failing", fmt.Sprintf("%d of %d", failing, mandatory)},
		{"Gates", fmt.Sprintf("%d hold, %d fail, %d unknown", gates["pass"], gates["fail"], gates["unknown"])},
		{"Conditions", strconv.Itoa(len(r.Decision.Conditions))},
		{"Remediation items", fmt.Sprintf("%d (%d critical)", len(r.Plan.Items), critical)},
	}
}

// scoreChart draws the score as a half-circle gauge.
func scoreChart(d decision.Decision) chart {
	const cx, cy, rad, width = 130.0, 130.0, 100.0, 22.0
	c := chart{ID: "chart-score", Title: "Score", W: 260, H: 170,
		Caption: "The weighted share of the evidence that passes, from 0 to 1."}
	score := math.Max(0, math.Min(1, d.Score))
	c.Arcs = append(c.Arcs, arc{D: gaugePath(cx, cy, rad, 0, 1), Class: "gauge-track"})
	if score > 0 {
		c.Arcs = append(c.Arcs, arc{D: gaugePath(cx, cy, rad, 0, score), Class: "gauge-" + string(d.Outcome),
			Tip: fmt.Sprintf("score %.2f", d.Score)})
	}
	for _, t := range []float64{0, 0.25, 0.5, 0.75, 1} {
		a := math.Pi * (1 - t)
		x1, y1 := cx+(rad-width/2-3)*math.Cos(a), cy-(rad-width/2-3)*math.Sin(a)
		x2, y2 := cx+(rad-width/2-9)*math.Cos(a), cy-(rad-width/2-9)*math.Sin(a)
		c.Lines = append(c.Lines, line{X1: px(x1), Y1: px(y1), X2: px(x2), Y2: px(y2), Class: "tick"})
	}
	c.Texts = append(c.Texts,
		text{X: cx - rad, Y: cy + 18, Anchor: "middle", Class: "axis", Text: "0"},
		text{X: cx + rad, Y: cy + 18, Anchor: "middle", Class: "axis", Text: "1"},
		text{X: cx, Y: cy - 22, Anchor: "middle", Class: "gauge-value", Text: fmt.Sprintf("%.2f", d.Score)},
		text{X: cx, Y: cy + 2, Anchor: "middle", Class: "gauge-label", Text: tierPhrase(d)},
	)
	c.Desc = fmt.Sprintf("Score %.2f out of 1; %s; decision %s.", d.Score, tierPhrase(d), d.Outcome)
	return c
}

func tierPhrase(d decision.Decision) string {
	if d.Tier == "" {
		return "no tier"
	}
	return "tier " + d.Tier
}

// gaugePath is the stroke of a half circle from fraction a to b, read left
// to right.
func gaugePath(cx, cy, r, a, b float64) string {
	pt := func(f float64) (px, px) {
		ang := math.Pi * (1 - f)
		return px(cx + r*math.Cos(ang)), px(cy - r*math.Sin(ang))
	}
	x0, y0 := pt(a)
	x1, y1 := pt(b)
	return fmt.Sprintf("M%s %sA%s %s 0 0 1 %s %s", x0, y0, px(r), px(r), x1, y1)
}

// hbar is one row of a horizontal stacked bar chart.
type hbar struct {
	Label string
	Parts []hpart
}

type hpart struct {
	Class, Pattern, Name string
	N                    int
}

// chartW is the width of every chart's coordinate system; the charts are
// drawn at about this many CSS pixels, so that 12-unit text reads as 12px.
const chartW = 460

// stackedBars lays out rows of stacked bars scaled to the longest row. With
// labelW zero each label sits above its bar, for long labels.
func stackedBars(c *chart, rows []hbar, labelW px) {
	const barH, right = 18.0, 30.0
	rowH, top, labelAbove := 28.0, 4.0, labelW == 0
	if labelAbove {
		rowH, top = 42.0, 18.0
	}
	c.W = chartW
	c.H = px(top + rowH*float64(len(rows)))
	longest := 0
	for _, r := range rows {
		n := 0
		for _, p := range r.Parts {
			n += p.N
		}
		longest = max(longest, n)
	}
	plotW := float64(c.W) - float64(labelW) - right
	for i, r := range rows {
		y := top + rowH*float64(i)
		if labelAbove {
			c.Texts = append(c.Texts, text{X: 0, Y: px(y - 5), Anchor: "start", Class: "label", Text: r.Label})
		} else {
			c.Texts = append(c.Texts, text{X: labelW - 8, Y: px(y + barH/2 + 4), Anchor: "end", Class: "label", Text: r.Label})
		}
		x := float64(labelW)
		total := 0
		for _, p := range r.Parts {
			if p.N == 0 || longest == 0 {
				continue
			}
			w := plotW * float64(p.N) / float64(longest)
			c.Rects = append(c.Rects, rect{X: px(x), Y: px(y), W: px(w), H: barH, Class: p.Class, Pattern: p.Pattern,
				Tip: fmt.Sprintf("%s: %d %s", r.Label, p.N, p.Name)})
			if w >= 18 {
				c.Texts = append(c.Texts, text{X: px(x + w/2), Y: px(y + barH/2 + 4), Anchor: "middle", Class: "in-bar", Text: strconv.Itoa(p.N)})
			}
			x += w
			total += p.N
		}
		c.Texts = append(c.Texts, text{X: px(x + 6), Y: px(y + barH/2 + 4), Anchor: "start", Class: "total", Text: strconv.Itoa(total)})
	}
	if !labelAbove {
		c.Lines = append(c.Lines, line{X1: labelW, Y1: 0, X2: labelW, Y2: c.H, Class: "axis-line"})
	}
}

// verdictChart stacks each section's verdicts by status.
func verdictChart(secs []sectionView) chart {
	c := chart{ID: "chart-verdicts", Title: "Verdicts by section",
		Caption: "Each catalog item's verdict, grouped by section of the Protocol."}
	totals := map[check.Status]int{}
	var rows []hbar
	var desc []string
	for _, sec := range secs {
		row := hbar{Label: strings.TrimSpace(sec.Prefix + " " + shortTitle(sec.Title))}
		var words []string
		for _, st := range statusSeries {
			n := 0
			for _, v := range sec.Verdicts {
				if v.Status == st {
					n++
				}
			}
			totals[st] += n
			row.Parts = append(row.Parts, hpart{Class: "s-" + statusClass(st), Pattern: statusPattern[st], Name: statusWord(st), N: n})
			if n > 0 {
				words = append(words, fmt.Sprintf("%d %s", n, statusWord(st)))
			}
		}
		rows = append(rows, row)
		desc = append(desc, sec.Title+": "+strings.Join(words, ", "))
	}
	if len(rows) == 0 {
		c.Empty = "No verdicts."
		return c
	}
	stackedBars(&c, rows, 0)
	for _, st := range statusSeries {
		c.Legend = append(c.Legend, legendEntry{Class: "s-" + statusClass(st), Pattern: statusPattern[st], Label: statusWord(st), Count: totals[st]})
	}
	c.Desc = strings.Join(desc, ". ") + "."
	return c
}

// shortTitle drops the seed's section number ("I.A", "II") from a section
// title.
func shortTitle(title string) string {
	head, rest, ok := strings.Cut(title, " ")
	if ok && strings.Trim(head, "IVX.ABC") == "" {
		return rest
	}
	return title
}

// findingChart counts the findings that fail or need review by severity.
func findingChart(r *assessment.Result) chart {
	c := chart{ID: "chart-findings", Title: "Open findings by severity",
		Caption: "Findings that fail or need review, by how much they matter."}
	count := map[check.Severity]map[check.Status]int{}
	all := 0
	for _, v := range r.Verdicts {
		for _, f := range v.Findings {
			if f.Status != check.Fail && f.Status != check.NeedsReview {
				continue
			}
			sev := knownSeverity(f.Severity)
			if count[sev] == nil {
				count[sev] = map[check.Status]int{}
			}
			count[sev][f.Status]++
			all++
		}
	}
	if all == 0 {
		c.Empty = "No finding fails or needs review."
		return c
	}
	var rows []hbar
	var desc []string
	for _, sev := range check.Severities {
		fail, review := count[sev][check.Fail], count[sev][check.NeedsReview]
		rows = append(rows, hbar{Label: severityWord(sev), Parts: []hpart{
			{Class: "s-fail", Pattern: statusPattern[check.Fail], Name: "fail", N: fail},
			{Class: "s-review", Pattern: statusPattern[check.NeedsReview], Name: "need review", N: review},
		}})
		desc = append(desc, fmt.Sprintf("%s: %d fail, %d need review", sev, fail, review))
	}
	stackedBars(&c, rows, 70)
	var fails, reviews int
	for _, m := range count {
		fails += m[check.Fail]
		reviews += m[check.NeedsReview]
	}
	c.Legend = []legendEntry{
		{Class: "s-fail", Pattern: statusPattern[check.Fail], Label: "Fail", Count: fails},
		{Class: "s-review", Pattern: statusPattern[check.NeedsReview], Label: "Needs review", Count: reviews},
	}
	c.Desc = strings.Join(desc, "; ") + "."
	return c
}

// maxMonths bounds the plan chart's time axis; later items share the last
// column.
const maxMonths = 18

// planChart stacks the remediation plan's items by due month and severity.
func planChart(r *assessment.Result) chart {
	c := chart{ID: "chart-plan", Title: "Remediation plan by due month",
		Caption: "Plan items by the month they fall due, stacked by severity."}
	items := r.Plan.Items
	if len(items) == 0 {
		c.Empty = "Nothing to remediate."
		return c
	}
	monthOf := func(i int) int {
		t := items[i].Due.Time()
		return t.Year()*12 + int(t.Month()) - 1
	}
	first, last := monthOf(0), monthOf(0)
	for i := range items {
		m := monthOf(i)
		first, last = min(first, m), max(last, m)
	}
	n := last - first + 1
	clipped := n > maxMonths
	if clipped {
		n = maxMonths
	}
	cols := make([]map[check.Severity]int, n)
	for i := range cols {
		cols[i] = map[check.Severity]int{}
	}
	sevTotal := map[check.Severity]int{}
	tallest := 0
	for i := range items {
		k := min(monthOf(i)-first, n-1)
		sev := knownSeverity(items[i].Severity)
		cols[k][sev]++
		sevTotal[sev]++
	}
	for _, col := range cols {
		s := 0
		for _, v := range col {
			s += v
		}
		tallest = max(tallest, s)
	}

	const left, top, bottom, plotH = 34.0, 20.0, 26.0, 170.0
	c.W, c.H = chartW, px(top+plotH+bottom)
	plotW := float64(c.W) - left - 8
	colW := plotW / float64(n)
	barW := math.Min(colW*0.7, 40)
	scale := plotH / float64(niceCeil(tallest))
	for _, t := range ticks(tallest) {
		y := top + plotH - float64(t)*scale
		c.Lines = append(c.Lines, line{X1: left, Y1: px(y), X2: c.W - 8, Y2: px(y), Class: "grid"})
		c.Texts = append(c.Texts, text{X: left - 6, Y: px(y + 4), Anchor: "end", Class: "axis", Text: strconv.Itoa(t)})
	}
	every := (n + 7) / 8
	var desc []string
	for k, col := range cols {
		x := left + colW*float64(k) + (colW-barW)/2
		y := top + plotH
		label := monthLabel(first + k)
		if clipped && k == n-1 {
			label = "later"
		}
		sum := 0
		for _, sev := range check.Severities {
			v := col[sev]
			if v == 0 {
				continue
			}
			h := float64(v) * scale
			y -= h
			c.Rects = append(c.Rects, rect{X: px(x), Y: px(y), W: px(barW), H: px(h), Class: "v-" + string(sev),
				Pattern: severityPattern[sev], Tip: fmt.Sprintf("%s: %d %s", label, v, sev)})
			sum += v
		}
		if sum > 0 {
			c.Texts = append(c.Texts, text{X: px(x + barW/2), Y: px(y - 4), Anchor: "middle", Class: "total", Text: strconv.Itoa(sum)})
			desc = append(desc, fmt.Sprintf("%s: %d", label, sum))
		}
		if k%every == 0 || (clipped && k == n-1) {
			c.Texts = append(c.Texts, text{X: px(x + barW/2), Y: px(top + plotH + 16), Anchor: "middle", Class: "axis", Text: label})
		}
	}
	c.Lines = append(c.Lines, line{X1: left, Y1: px(top + plotH), X2: c.W - 8, Y2: px(top + plotH), Class: "axis-line"})
	for _, sev := range check.Severities {
		if sevTotal[sev] > 0 {
			c.Legend = append(c.Legend, legendEntry{Class: "v-" + string(sev), Pattern: severityPattern[sev], Label: severityWord(sev), Count: sevTotal[sev]})
		}
	}
	c.Desc = fmt.Sprintf("%d plan items due by month: %s.", len(items), strings.Join(desc, ", "))
	return c
}

// knownSeverity files a severity the charts do not know under Info.
func knownSeverity(s check.Severity) check.Severity {
	if s.Rank() < 0 {
		return check.Info
	}
	return s
}

var monthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func monthLabel(m int) string {
	return fmt.Sprintf("%s %02d", monthNames[m%12], (m/12)%100)
}

// niceCeil rounds n up to a value the axis can be divided into evenly.
func niceCeil(n int) int {
	step := tickStep(n)
	return max(step, (n+step-1)/step*step)
}

func tickStep(n int) int {
	for _, s := range []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000} {
		if n/s <= 5 {
			return s
		}
	}
	return (n/5 + 999) / 1000 * 1000
}

func ticks(n int) []int {
	step := tickStep(n)
	var out []int
	for t := 0; t <= niceCeil(n); t += step {
		out = append(out, t)
	}
	return out
}
