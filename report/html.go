package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/decision"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

//go:embed html/*.tmpl html/report.css html/report.js
var htmlFiles embed.FS

var (
	htmlTemplate = template.Must(template.New("report.tmpl").Funcs(htmlFuncs).ParseFS(htmlFiles, "html/*.tmpl"))
	htmlCSS      = mustRead("html/report.css")
	htmlScript   = mustRead("html/report.js")
	// htmlCSP lets the report load nothing at all: only its own inline
	// style sheet and script, identified by their digests.
	htmlCSP = "default-src 'none'; style-src " + cspHash(htmlCSS) + "; script-src " + cspHash(htmlScript) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
)

func mustRead(name string) string {
	b, err := htmlFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// HTML writes the assessment as a single-file HTML report: the decision and
// why, charts drawn as inline SVG, every section's verdicts with their
// findings, evidence and standard mappings, the gap-remediation plan and the
// inputs. The file loads nothing from anywhere and reads without
// JavaScript. The same result always gives the same bytes; every string
// from the evidence is escaped.
func HTML(w io.Writer, r *assessment.Result) error {
	var buf bytes.Buffer
	buf.Grow(256 << 10)
	if err := htmlTemplate.Execute(&buf, newHTMLView(r)); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// htmlView is what the template renders: the result, and what is derived
// from it for display.
type htmlView struct {
	R         *assessment.Result
	CSS       template.CSS
	Script    template.JS
	CSP       string
	Charts    []chart
	Sections  []sectionView
	Standards []standardView
	Facts     []factView
	Mandatory int

	items map[string]bool
	gates map[string]bool
	names map[protocol.StandardID]string
}

type sectionView struct {
	Prefix, Title, Anchor string
	Verdicts              []verdictView
	Counts                []legendEntry
}

type verdictView struct {
	*assessment.Verdict
	Findings []findingView
	Open     int
}

// listHead is how many subjects or references a finding shows before the
// rest of its list folds away.
const listHead = 12

type findingView struct {
	*check.Finding
	// Subjects and Evidence are split into what shows at once and what
	// folds away; MoreSubjects and MoreEvidence count what the finding
	// does not list at all.
	SubjectsHead, SubjectsTail []string
	EvidenceHead, EvidenceTail []evidence.Ref
	MoreSubjects, MoreEvidence int
}

type standardView struct {
	ID    protocol.StandardID
	Title string
}

type factView struct {
	Name, Value string
}

func newHTMLView(r *assessment.Result) *htmlView {
	v := &htmlView{R: r, CSS: template.CSS(htmlCSS), Script: template.JS(htmlScript), CSP: htmlCSP,
		items: map[string]bool{}, gates: map[string]bool{}}
	for _, vd := range r.Verdicts {
		v.items[string(vd.ID)] = true
		if vd.Mandatory {
			v.Mandatory++
		}
	}
	for _, g := range r.Decision.Gates {
		v.gates[g.ID] = true
	}
	v.Sections = sectionsOf(r)
	v.Charts = charts(r, v.Sections)
	v.Standards = standardsOf(r)
	v.names = map[protocol.StandardID]string{}
	for _, s := range v.Standards {
		if name := shortStandard(s.Title); name != "" {
			v.names[s.ID] = name
		}
	}
	v.Facts = factsOf(r.Facts)
	return v
}

// Href links a reason or condition to the verdict or gate it names.
func (v *htmlView) Href(ref string) string {
	switch {
	case v.items[ref]:
		return "#item-" + ref
	case v.gates[ref]:
		return "#gate-" + ref
	}
	return ""
}

// StandardName is the short name of a standard, such as "IEC 62443-4-2".
func (v *htmlView) StandardName(id protocol.StandardID) string {
	if name, ok := v.names[id]; ok {
		return name
	}
	return string(id)
}

// shortStandard shortens a standard's title to its name: what comes before
// a colon, or the title without its edition.
func shortStandard(title string) string {
	if name, _, ok := strings.Cut(title, ":"); ok {
		return name
	}
	title, _, _ = strings.Cut(title, ",")
	if i := strings.LastIndex(title, " ("); i > 0 {
		title = title[:i]
	}
	return title
}

// sectionsOf groups the verdicts by the report's sections, keeping catalog
// order; items of no known section come last.
func sectionsOf(r *assessment.Result) []sectionView {
	secs := make([]sectionView, 0, len(Sections)+1)
	for _, s := range Sections {
		secs = append(secs, sectionView{Prefix: s.Prefix, Title: s.Title, Anchor: "section-" + s.Prefix})
	}
	secs = append(secs, sectionView{Title: "Other items", Anchor: "section-other"})
	for i := range r.Verdicts {
		vd := &r.Verdicts[i]
		k := len(secs) - 1
		for j, s := range Sections {
			if strings.HasPrefix(string(vd.ID), s.Prefix) {
				k = j
				break
			}
		}
		secs[k].Verdicts = append(secs[k].Verdicts, newVerdictView(vd))
	}
	out := secs[:0]
	for _, s := range secs {
		if len(s.Verdicts) == 0 {
			continue
		}
		for _, st := range statusSeries {
			n := 0
			for _, vd := range s.Verdicts {
				if vd.Status == st {
					n++
				}
			}
			if n > 0 {
				s.Counts = append(s.Counts, legendEntry{Class: "s-" + statusClass(st), Label: statusWord(st), Count: n})
			}
		}
		out = append(out, s)
	}
	return out
}

func newVerdictView(vd *assessment.Verdict) verdictView {
	vv := verdictView{Verdict: vd, Findings: make([]findingView, len(vd.Findings))}
	for i := range vd.Findings {
		f := &vd.Findings[i]
		fv := findingView{Finding: f,
			MoreSubjects: max(0, f.SubjectCount-len(f.Subjects)),
			MoreEvidence: max(0, f.EvidenceCount-len(f.Evidence))}
		fv.SubjectsHead, fv.SubjectsTail = split(f.Subjects, listHead)
		fv.EvidenceHead, fv.EvidenceTail = split(f.Evidence, listHead)
		vv.Findings[i] = fv
		if f.Status == check.Fail || f.Status == check.NeedsReview {
			vv.Open++
		}
	}
	// The most serious findings first; otherwise the check's order.
	sort.SliceStable(vv.Findings, func(i, j int) bool {
		a, b := vv.Findings[i], vv.Findings[j]
		if ra, rb := statusRank(a.Status), statusRank(b.Status); ra != rb {
			return ra > rb
		}
		return a.Severity.Rank() > b.Severity.Rank()
	})
	return vv
}

// split cuts s after n elements, unless only a few would be left over.
func split[T any](s []T, n int) (head, tail []T) {
	if len(s) <= n+n/2 {
		return s, nil
	}
	return s[:n], s[n:]
}

// standardsOf names the standards applied, with their titles when the
// result was made under the catalog built into this program.
func standardsOf(r *assessment.Result) []standardView {
	titles := map[protocol.StandardID]string{}
	if cat := protocol.Default(); cat.ID == r.Inputs.Catalog.ID && cat.Version == r.Inputs.Catalog.Version {
		for _, s := range cat.Standards {
			titles[s.ID] = s.Title
			if s.Edition != "" {
				titles[s.ID] += ", " + s.Edition
			}
		}
	}
	out := make([]standardView, len(r.Inputs.Standards))
	for i, id := range r.Inputs.Standards {
		out[i] = standardView{ID: id, Title: titles[id]}
	}
	return out
}

func factsOf(facts map[string]any) []factView {
	names := make([]string, 0, len(facts))
	for k := range facts {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]factView, len(names))
	for i, k := range names {
		out[i] = factView{Name: k, Value: factValue(facts[k])}
	}
	return out
}

func factValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprint(v)
}

func statusRank(s check.Status) int {
	switch s {
	case check.Fail:
		return 3
	case check.NeedsReview:
		return 2
	case check.Pass:
		return 1
	}
	return 0
}

func statusWord(s check.Status) string {
	switch s {
	case check.Pass:
		return "Pass"
	case check.Fail:
		return "Fail"
	case check.NeedsReview:
		return "Needs review"
	case check.NotApplicable:
		return "Not applicable"
	}
	return string(s)
}

func statusClass(s check.Status) string {
	switch s {
	case check.Pass:
		return "pass"
	case check.Fail:
		return "fail"
	case check.NeedsReview:
		return "review"
	}
	return "na"
}

func severityWord(s check.Severity) string {
	if s == "" {
		return "Unrated"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

func severityClass(s check.Severity) string {
	if s.Rank() < 0 {
		return "v-info"
	}
	return "v-" + string(s)
}

func outcomeWord(o decision.Outcome) string {
	switch o {
	case decision.Insurable:
		return "Insurable"
	case decision.Conditional:
		return "Conditionally insurable"
	case decision.Declined:
		return "Declined"
	}
	return string(o)
}

func effectWord(e string) string {
	switch e {
	case "decline":
		return "Declines"
	case "condition":
		return "Sets a condition"
	case "grade":
		return "Grades"
	}
	return e
}

func gateWord(result string) string {
	switch result {
	case "pass":
		return "Holds"
	case "fail":
		return "Fails"
	case "unknown":
		return "Unknown"
	}
	return result
}

func gateClass(result string) string {
	switch result {
	case "pass":
		return "pass"
	case "fail":
		return "fail"
	}
	return "review"
}

var htmlFuncs = template.FuncMap{
	"statusWord":    statusWord,
	"statusClass":   statusClass,
	"severityWord":  severityWord,
	"severityClass": severityClass,
	"outcomeWord":   outcomeWord,
	"effectWord":    effectWord,
	"gateWord":      gateWord,
	"gateClass":     gateClass,
	"join":          strings.Join,
	"score":         func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	},
	"isOpen": func(s check.Status) bool { return s == check.Fail || s == check.NeedsReview },
}
