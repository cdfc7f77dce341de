package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/decision"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/remediation"
)

// loadResult reads a result saved by `insurable assess -o json`.
func loadResult(tb testing.TB, name string) *assessment.Result {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var r assessment.Result
	if err := json.Unmarshal(b, &r); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return &r
}

func date(s string) evidence.Date {
	d, err := evidence.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// sampleResult builds a small result with the given outcome: some items
// pass, one needs review and, unless the firm is insurable, one fails.
func sampleResult(outcome decision.Outcome) *assessment.Result {
	asOf := date("2026-06-30")
	pass := func(id protocol.ID, title string) assessment.Verdict {
		return assessment.Verdict{ID: id, Title: title, Section: "I.A.1", Kind: protocol.Requirement,
			Verification: protocol.Automated, Status: check.Pass, Severity: check.Info, Weight: 1,
			Headline: "all checks pass", Mandatory: true,
			Check: assessment.CheckInfo{Name: strings.ToLower(string(id)) + "-check", Version: 1, Item: id},
			Findings: []check.Finding{{Requirement: id, Code: strings.ToLower(string(id)) + ".ok", Status: check.Pass,
				Severity: check.Info, Title: "Evidence verified", Explanation: "Everything checked out.",
				Evidence: []evidence.Ref{{File: "inventory/assets.csv"}}, EvidenceCount: 1}},
			Mappings: []protocol.Mapping{}}
	}
	a1 := pass("A1", "Risk assessment model")
	a1.Mappings = []protocol.Mapping{{Standard: "nist-csf-2.0", Clause: "ID.AM-01", ClauseTitle: "Hardware inventories are maintained", Relationship: protocol.Intersects}}
	b5 := pass("B5", "Ongoing testing")
	b5.Status, b5.Severity, b5.Headline = check.NeedsReview, check.Medium, "pen-test report not signed"
	b5.Findings = []check.Finding{{Requirement: "B5", Code: "b5.unsigned", Status: check.NeedsReview, Severity: check.Medium,
		Title: "Pen-test report not signed", Explanation: "The report carries no signature.",
		Remediation: "Have the tester sign the report.", Unverified: "signature verifier",
		Evidence: []evidence.Ref{{File: "governance/pentests.yaml", Line: 4, Field: "report"}}, EvidenceCount: 1}}
	c1 := pass("C1", "Performance indicators")
	r1 := pass("R1", "Exposure")
	r1.Mandatory = false
	o2 := pass("O2", "Certification")
	o2.Status, o2.Mandatory = check.NotApplicable, false
	o2.Findings[0].Status = check.NotApplicable

	r := &assessment.Result{
		Format: assessment.Format, Tool: assessment.Tool{Name: "insurable", Version: "v0.1.0"}, AsOf: asOf,
		Firm: assessment.Firm{ID: "keystone", Name: "Keystone Precision Machining", NAICS: "332710", Industry: "Manufacturing", Sites: 2, Assets: 120},
		Inputs: assessment.Inputs{
			Bundle:    assessment.Digest{Digest: "sha256:aaaa", Files: 42},
			Catalog:   assessment.Digest{ID: "iiot-ssdp", Version: "1.0.0", Digest: "sha256:bbbb"},
			Profile:   assessment.Digest{ID: "baseline", Version: "1.0.0", Digest: "sha256:cccc"},
			Feeds:     []check.FeedDigest{{Name: "cisa-kev", Version: "2026-06-01", Digest: "sha256:dddd"}},
			Standards: []protocol.StandardID{"nist-csf-2.0"},
		},
		Verdicts: []assessment.Verdict{a1, b5, c1, r1, o2},
		Facts:    map[string]any{"kev_past_due": 0.0, "sbom_coverage": 0.98, "assets_total": 120.0},
		Checks:   []assessment.CheckInfo{a1.Check, b5.Check, c1.Check, r1.Check, o2.Check},
		Notes:    []string{"inventory/assets.csv: column \"Purdue level\" was read as zone"},
		Plan: remediation.Plan{Items: []remediation.Item{{ID: "RP-0000B5B5", Requirement: "B5", Area: "R8", Finding: "b5.unsigned",
			Title: "Pen-test report not signed", Action: "Have the tester sign the report.", Severity: check.Medium,
			Responsible: []string{"Dana Ortiz"}, Accountable: "Marcus Hale", Due: date("2026-09-28"), Status: remediation.Open}}},
	}
	gate := decision.GateResult{ID: "no-kev-past-due", Title: "No known-exploited vulnerability past due", Expr: "facts.kev_past_due == 0", Effect: profile.Decline, Result: "pass"}
	d := decision.Decision{Outcome: outcome, Tier: "B", Score: 0.86, Gates: []decision.GateResult{gate}, Conditions: []decision.Condition{}}
	switch outcome {
	case decision.Insurable:
		r.Verdicts[1] = pass("B5", "Ongoing testing")
		r.Plan.Items = []remediation.Item{}
		d.Tier, d.Score = "A", 1
		d.Summary = "Insurable at tier A (score 1.00)."
		d.Reasons = []decision.Reason{{Kind: "mandatory-pass", Effect: "grade", Text: "All 4 mandatory requirements pass and all 1 gates hold."},
			{Kind: "tier", Effect: "grade", Text: "The score 1.00 earns tier A under profile baseline 1.0.0."}}
	case decision.Conditional:
		d.Summary = "Conditionally insurable at tier B: 1 condition to meet, the first by 2026-08-29."
		d.Reasons = []decision.Reason{{Kind: "mandatory-review", Ref: "B5", Effect: "condition", Text: "B5 Ongoing testing is mandatory and its evidence needs review: pen-test report not signed."},
			{Kind: "tier", Effect: "grade", Text: "The score 0.86 earns tier B under profile baseline 1.0.0."}}
		d.Conditions = []decision.Condition{{ID: "C-B5", Ref: "B5", Text: "Provide verified evidence that B5 Ongoing testing is met.", Due: date("2026-08-29")}}
	case decision.Declined:
		r.Verdicts[2].Status, r.Verdicts[2].Severity, r.Verdicts[2].Headline = check.Fail, check.Critical, "no dashboards"
		r.Verdicts[2].Findings[0] = check.Finding{Requirement: "C1", Code: "c1.none", Status: check.Fail, Severity: check.Critical,
			Title: "No dashboards", Explanation: "No dashboard is declared.", Remediation: "Declare dashboards.",
			Subjects: []string{"dash-1", "dash-2"}, SubjectCount: 7, Evidence: []evidence.Ref{{File: "metrics/dashboards.yaml"}}, EvidenceCount: 3}
		d.Tier, d.Score = "", 0.41
		d.Summary = "Declined: 1 mandatory requirement fails (C1); score 0.41 below 0.50."
		d.Reasons = []decision.Reason{{Kind: "mandatory-fail", Ref: "C1", Effect: "decline", Text: "C1 Performance indicators is mandatory and fails: no dashboards."},
			{Kind: "score", Effect: "decline", Text: "The score 0.41 is below the profile's floor of 0.50."}}
		d.Gates[0].Result = "fail"
	}
	r.Decision = d
	r.Summary = assessment.Summary{Items: len(r.Verdicts), Findings: len(r.Verdicts), PlanItems: len(r.Plan.Items)}
	return r
}

func render(tb testing.TB, r *assessment.Result) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

func TestHTMLContent(t *testing.T) {
	tests := []struct {
		name string
		r    *assessment.Result
		want []string
		not  []string
	}{
		{
			name: "insurable",
			r:    sampleResult(decision.Insurable),
			want: []string{
				`<span class="banner-value" id="outcome">Insurable</span>`,
				`<span class="banner-value" id="tier">A</span>`,
				`<span class="banner-value" id="score">1.00</span>`,
				"Insurable at tier A (score 1.00).",
				"All 4 mandatory requirements pass",
				"Nothing to remediate",
				`<span class="badge s-pass">Holds</span>`,
			},
			not: []string{"<h3>Conditions</h3>", `class="grid plan"`},
		},
		{
			name: "conditional",
			r:    sampleResult(decision.Conditional),
			want: []string{
				`<span class="banner-value" id="outcome">Conditionally insurable</span>`,
				`<span class="banner-value" id="tier">B</span>`,
				"<h3>Conditions</h3>",
				`<time datetime="2026-08-29">2026-08-29</time>`,
				"Provide verified evidence that B5 Ongoing testing is met.",
				`<a class="jump" href="#item-B5">See B5</a>`,
				`<span class="badge s-review">Needs review</span>`,
				"<strong>Not verified:</strong> no signature verifier in this build.",
				"<code>governance/pentests.yaml:4 (report)</code>",
				"<strong>Remediation:</strong> Have the tester sign the report.",
				"<td>Dana Ortiz</td><td>Marcus Hale</td>",
				`<td class="mono"><a href="#item-B5">B5</a></td><td class="mono">R8</td>`,
			},
		},
		{
			name: "declined",
			r:    sampleResult(decision.Declined),
			want: []string{
				`<span class="banner-value" id="outcome">Declined</span>`,
				`<span class="banner-value" id="tier"><span aria-hidden="true">—</span><span class="sr-only">none</span></span>`,
				`<span class="banner-value" id="score">0.41</span>`,
				`<span class="tag effect-decline">Declines</span> C1 Performance indicators is mandatory and fails`,
				`<span class="badge s-fail">Fails</span>`,
				`<span class="badge s-fail">Fail</span>`,
				`<span class="sev v-critical">Critical</span>`,
				"Subjects (7)",
				`<span class="more">and 5 more not listed</span>`,
				`<span class="more">and 2 more not listed</span>`,
			},
			not: []string{"<h3>Conditions</h3>"},
		},
		{
			name: "empty",
			r:    &assessment.Result{},
			want: []string{"No verdicts.", "No finding fails or needs review.", "Nothing to remediate: no finding fails or needs review.", "No notes on the evidence."},
		},
		{
			name: "realistic declined",
			r:    loadResult(t, "riverbend-water.json"),
			want: []string{
				"<h1>Riverbend Water Authority</h1>",
				"NAICS 221310 · Utilities",
				`<span class="banner-value" id="outcome">Declined</span>`,
				"Declined: 18 mandatory requirements fail",
				"no vulnerability assessor (CSAF advisories, KEV, SBOM matching) in this build",
				`<td>IEC 62443-4-2</td>`,
				"Gap-remediation plan",
				"No advisory feed snapshot was used.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, tt.r)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out, w) {
					t.Errorf("report has %q", w)
				}
			}
			checkStructure(t, tt.r, out)
		})
	}
}

// checkStructure checks what every report must hold, whatever the result.
func checkStructure(t *testing.T, r *assessment.Result, out string) {
	t.Helper()
	if !strings.HasPrefix(out, "<!DOCTYPE html>\n<html lang=\"en\">") || !strings.HasSuffix(out, "</html>\n") {
		t.Error("not a complete HTML5 document")
	}
	if got := strings.Count(out, `<tbody class="verdict"`); got != len(r.Verdicts) {
		t.Errorf("%d verdict rows, want %d", got, len(r.Verdicts))
	}
	for _, v := range r.Verdicts {
		row := fmt.Sprintf(`<tbody class="verdict" id="item-%s">`+"\n"+`<tr class="verdict-row"><td><span class="badge s-%s">%s</span></td><th scope="row" class="mono">%s</th>`,
			v.ID, statusClass(v.Status), statusWord(v.Status), v.ID)
		if !strings.Contains(out, row) {
			t.Errorf("no verdict row for %s with status %s", v.ID, v.Status)
		}
		for _, m := range v.Mappings {
			if !strings.Contains(out, `<td class="mono">`+m.Clause+`</td>`) {
				t.Errorf("%s: mapping to %s %s missing", v.ID, m.Standard, m.Clause)
			}
		}
	}
	for _, it := range r.Plan.Items {
		if !strings.Contains(out, `<tr id="`+it.ID+`"><td class="nowrap"><time datetime="`+it.Due.String()+`">`) {
			t.Errorf("no plan row for %s due %s", it.ID, it.Due)
		}
	}
	for _, reason := range r.Decision.Reasons {
		if !strings.Contains(out, htmlText(reason.Text)) {
			t.Errorf("reason missing: %s", reason.Text)
		}
	}
	for _, g := range r.Decision.Gates {
		if !strings.Contains(out, `<tr id="gate-`+g.ID+`">`) {
			t.Errorf("gate %s missing", g.ID)
		}
	}
	for _, want := range []string{r.Inputs.Bundle.Digest, r.Inputs.Catalog.Digest, r.Inputs.Profile.Digest} {
		if !strings.Contains(out, want) {
			t.Errorf("input digest %s missing", want)
		}
	}
	for _, c := range r.Checks {
		if !strings.Contains(out, `<code>`+c.Name+`</code> <span class="muted">v`+fmt.Sprint(c.Version)+`</span>`) {
			t.Errorf("check %s missing", c.Name)
		}
	}
	if got := strings.Count(out, "<figure class=\"chart\""); got != 4 {
		t.Errorf("%d charts, want 4", got)
	}
	checkSelfContained(t, out)
	checkSVG(t, out)
}

// htmlText escapes s as html/template escapes text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "+", "&#43;", "'", "&#39;", "\"", "&#34;", "<", "&lt;", ">", "&gt;").Replace(s)
}

var externalRef = regexp.MustCompile(`(?i)\ssrc=|href="(?:[a-z]+:)?//|href="https?:|@import|url\(\s*['"]?(?:[a-z]+:)?//|<link rel="stylesheet"|<iframe|<object|<embed`)

// checkSelfContained fails if the report refers to anything outside itself.
func checkSelfContained(t *testing.T, out string) {
	t.Helper()
	if m := externalRef.FindString(out); m != "" {
		t.Errorf("report refers to an external resource: %q", m)
	}
	if got := strings.Count(out, "<script"); got != 1 {
		t.Errorf("%d script elements, want only the report's own", got)
	}
	if !strings.Contains(out, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;`) {
		t.Error("no content security policy")
	}
}

var svgElement = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// checkSVG parses every inline SVG as XML.
func checkSVG(t *testing.T, out string) {
	t.Helper()
	svgs := svgElement.FindAllString(out, -1)
	drawn := strings.Count(out, `<svg viewBox="0 0 `)
	if want := 4 - strings.Count(out, `<p class="chart-empty">`); drawn != want {
		t.Errorf("%d charts drawn, want %d", drawn, want)
	}
	for _, s := range svgs {
		d := xml.NewDecoder(strings.NewReader(s))
		d.Entity = xml.HTMLEntity
		for {
			_, err := d.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Errorf("svg is not well-formed: %v\n%.300s", err, s)
				break
			}
		}
	}
}

func TestHTMLEscapesEvidence(t *testing.T) {
	const evil = `<script>alert("x")</script>`
	tests := []struct {
		name  string
		plant func(r *assessment.Result)
	}{
		{"finding title", func(r *assessment.Result) { r.Verdicts[1].Findings[0].Title = evil }},
		{"finding explanation", func(r *assessment.Result) { r.Verdicts[1].Findings[0].Explanation = evil }},
		{"subject", func(r *assessment.Result) { r.Verdicts[1].Findings[0].Subjects = []string{evil} }},
		{"evidence file", func(r *assessment.Result) { r.Verdicts[1].Findings[0].Evidence[0].File = evil }},
		{"headline", func(r *assessment.Result) { r.Verdicts[1].Headline = evil }},
		{"firm name", func(r *assessment.Result) { r.Firm.Name = evil }},
		{"reason", func(r *assessment.Result) { r.Decision.Reasons[0].Text = evil }},
		{"condition ref", func(r *assessment.Result) { r.Decision.Conditions[0].Ref = evil }},
		{"gate expression", func(r *assessment.Result) { r.Decision.Gates[0].Expr = evil }},
		{"plan owner", func(r *assessment.Result) { r.Plan.Items[0].Responsible = []string{evil} }},
		{"plan id", func(r *assessment.Result) { r.Plan.Items[0].ID = `"><script>alert(1)</script>` }},
		{"note", func(r *assessment.Result) { r.Notes = []string{evil} }},
		{"fact name", func(r *assessment.Result) { r.Facts[evil] = evil }},
		{"standard", func(r *assessment.Result) { r.Inputs.Standards = []protocol.StandardID{evil} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleResult(decision.Conditional)
			tt.plant(r)
			out := render(t, r)
			if strings.Contains(out, "<script>alert") {
				t.Fatal("evidence string reached the page unescaped")
			}
			if !strings.Contains(out, "&lt;script&gt;alert(") {
				t.Error("escaped string not in the report")
			}
			if got := strings.Count(out, "<script"); got != 1 {
				t.Errorf("%d script elements, want 1", got)
			}
		})
	}
}

func TestHTMLDeterministic(t *testing.T) {
	for _, name := range []string{"riverbend-water.json"} {
		first := render(t, loadResult(t, name))
		for range 3 {
			if again := render(t, loadResult(t, name)); again != first {
				t.Fatalf("%s: two renderings of the same result differ", name)
			}
		}
	}
}

// fleetResult inflates the realistic result to what a 100,000-device fleet
// gives: every open finding lists the most subjects and evidence a finding
// may carry and counts 100,000 in all.
func fleetResult(tb testing.TB) *assessment.Result {
	r := loadResult(tb, "riverbend-water.json")
	r.Firm.Assets = 100000
	for i := range r.Verdicts {
		for j := range r.Verdicts[i].Findings {
			f := &r.Verdicts[i].Findings[j]
			if f.Status != check.Fail && f.Status != check.NeedsReview {
				continue
			}
			f.Subjects, f.Evidence = nil, nil
			for k := range check.MaxEvidence {
				f.Subjects = append(f.Subjects, fmt.Sprintf("RW-%06d", k*1997))
				f.Evidence = append(f.Evidence, evidence.Ref{File: "inventory/assets.csv", Line: k*1997 + 2, Field: "version"})
			}
			f.SubjectCount, f.EvidenceCount = 100000, 100000
		}
	}
	return r
}

func TestHTMLFleetSize(t *testing.T) {
	r := fleetResult(t)
	out := render(t, r)
	if !strings.Contains(out, `<summary>show 38 more</summary>`) || !strings.Contains(out, `<span class="more">and 99950 more not listed</span>`) {
		t.Error("capped subjects do not say how many more there are")
	}
	if len(out) > 2<<20 {
		t.Errorf("report for a 100,000-device fleet is %d bytes, want at most 2 MiB", len(out))
	}
	checkStructure(t, r, out)
}

func TestPlanChart(t *testing.T) {
	item := func(due string, sev check.Severity) remediation.Item {
		return remediation.Item{Due: date(due), Severity: sev}
	}
	tests := []struct {
		name   string
		items  []remediation.Item
		labels []string
		empty  bool
	}{
		{name: "none", empty: true},
		{name: "one month", items: []remediation.Item{item("2026-07-14", check.Critical), item("2026-07-30", check.High)}, labels: []string{"Jul 26"}},
		{name: "gap filled", items: []remediation.Item{item("2026-07-14", check.High), item("2026-09-30", check.Low)}, labels: []string{"Jul 26", "Aug 26", "Sep 26"}},
		{name: "year end", items: []remediation.Item{item("2026-12-01", check.High), item("2027-01-30", check.Low)}, labels: []string{"Dec 26", "Jan 27"}},
		{name: "long tail", items: []remediation.Item{item("2026-07-01", check.High), item("2029-01-01", check.Low)}, labels: []string{"Jul 26", "later"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := planChart(&assessment.Result{Plan: remediation.Plan{Items: tt.items}})
			if (c.Empty != "") != tt.empty {
				t.Fatalf("empty = %q, want empty %v", c.Empty, tt.empty)
			}
			var labels []string
			bars := 0
			for _, x := range c.Texts {
				if x.Class == "axis" && (strings.Contains(x.Text, " ") || x.Text == "later") {
					labels = append(labels, x.Text)
				}
			}
			for _, b := range c.Rects {
				bars++
				if b.H <= 0 || b.W <= 0 || b.Y < 0 || b.Y+b.H > c.H {
					t.Errorf("bar %+v outside the chart", b)
				}
			}
			if len(tt.labels) > 0 && (labels[0] != tt.labels[0] || labels[len(labels)-1] != tt.labels[len(tt.labels)-1]) {
				t.Errorf("month labels %v, want %v", labels, tt.labels)
			}
			if bars != len(tt.items) && tt.name != "one month" {
				t.Errorf("%d bars for %d items in distinct months or severities", bars, len(tt.items))
			}
		})
	}
}

func TestScoreChart(t *testing.T) {
	tests := []struct {
		d    decision.Decision
		arcs int
		tier string
	}{
		{decision.Decision{Outcome: decision.Declined, Score: 0}, 1, "no tier"},
		{decision.Decision{Outcome: decision.Conditional, Score: 0.5, Tier: "C"}, 2, "tier C"},
		{decision.Decision{Outcome: decision.Insurable, Score: 1, Tier: "A"}, 2, "tier A"},
	}
	for _, tt := range tests {
		c := scoreChart(tt.d)
		if len(c.Arcs) != tt.arcs {
			t.Errorf("score %v: %d arcs, want %d", tt.d.Score, len(c.Arcs), tt.arcs)
		}
		if !strings.Contains(c.Desc, tt.tier) {
			t.Errorf("score %v: description %q lacks %q", tt.d.Score, c.Desc, tt.tier)
		}
	}
	if got := gaugePath(100, 100, 50, 0, 1); got != "M50 100A50 50 0 0 1 150 100" {
		t.Errorf("full gauge path = %q", got)
	}
	if got := gaugePath(100, 100, 50, 0, 0.5); got != "M50 100A50 50 0 0 1 100 50" {
		t.Errorf("half gauge path = %q", got)
	}
}

func BenchmarkHTML(b *testing.B) {
	for _, bc := range []struct {
		name string
		r    *assessment.Result
	}{
		{"riverbend", loadResult(b, "riverbend-water.json")},
		{"fleet-100k", fleetResult(b)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := HTML(&buf, bc.r); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}
