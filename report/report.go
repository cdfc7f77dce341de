// Package report renders an assessment for people and programs: text for a
// terminal, JSON with a documented schema, and a single-file HTML report
// with no external assets.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/decision"
	"github.com/insurable/insurable/protocol"
)

// JSON writes the result as indented JSON. The same result always gives the
// same bytes.
func JSON(w io.Writer, r *assessment.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// TextOptions tune the text report.
type TextOptions struct {
	// Color adds ANSI colours, for a terminal.
	Color bool
	// Verbose lists passing findings too.
	Verbose bool
}

type painter struct{ on bool }

func (p painter) paint(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p painter) status(s check.Status) string {
	label := map[check.Status]string{check.Pass: "PASS", check.Fail: "FAIL", check.NeedsReview: "REVIEW", check.NotApplicable: "N/A"}[s]
	code := map[check.Status]string{check.Pass: "32", check.Fail: "31;1", check.NeedsReview: "33", check.NotApplicable: "2"}[s]
	return p.paint(code, fmt.Sprintf("%-6s", label))
}

func (p painter) outcome(o decision.Outcome) string {
	code := map[decision.Outcome]string{decision.Insurable: "32;1", decision.Conditional: "33;1", decision.Declined: "31;1"}[o]
	return p.paint(code, strings.ToUpper(string(o)))
}

// Sections names the parts of the catalog in the order reports show them.
var Sections = []struct{ Prefix, Title string }{
	{"A", "I.A Line-of-business device safeguards"},
	{"B", "I.B Internal governance and risk management"},
	{"C", "I.C Record keeping and metrics"},
	{"R", "I.B Responsibility Assignment Matrix"},
	{"O", "II Insurability indicators"},
}

// Text writes the report for a terminal.
func Text(w io.Writer, r *assessment.Result, opts TextOptions) error {
	p := painter{opts.Color}
	ew := &errWriter{w: w}
	d := r.Decision
	ew.printf("%s (%s), NAICS %s%s, %d sites, %d assets\n", r.Firm.Name, r.Firm.ID, r.Firm.NAICS, industry(r.Firm.Industry), r.Firm.Sites, r.Firm.Assets)
	ew.printf("Assessed as of %s under profile %s %s, catalog %s %s\n\n", r.AsOf, r.Inputs.Profile.ID, r.Inputs.Profile.Version, r.Inputs.Catalog.ID, r.Inputs.Catalog.Version)
	tier := d.Tier
	if tier == "" {
		tier = "-"
	}
	ew.printf("DECISION  %s   tier %s   score %.2f\n", p.outcome(d.Outcome), p.paint("1", tier), d.Score)
	ew.printf("  %s\n", d.Summary)
	ew.printf("  Why:\n")
	for _, reason := range d.Reasons {
		ew.printf("   - %s\n", indent(Wrap(reason.Text, 94), "     "))
	}
	if len(d.Conditions) > 0 {
		ew.printf("  Conditions:\n")
		for _, c := range d.Conditions {
			ew.printf("   - by %s: %s\n", c.Due, indent(Wrap(c.Text, 82), "     "))
		}
	}
	if len(d.Gates) > 0 {
		ew.printf("  Gates:\n")
		for _, g := range d.Gates {
			mark := map[string]string{"pass": p.paint("32", "holds  "), "fail": p.paint("31;1", "fails  "), "unknown": p.paint("33", "unknown")}[g.Result]
			ew.printf("   %s %s: %s\n", mark, g.ID, g.Title)
		}
	}
	for _, sec := range Sections {
		ew.printf("\n%s\n", p.paint("1", sec.Title))
		for _, v := range r.Verdicts {
			if !strings.HasPrefix(string(v.ID), sec.Prefix) {
				continue
			}
			mand := " "
			if v.Mandatory {
				mand = "*"
			}
			ew.printf("  %s %s%-3s %-40s %s\n", p.status(v.Status), mand, v.ID, clip(v.Title, 40), clip(v.Headline, 70))
			for _, f := range v.Findings {
				if f.Status == check.Pass && !opts.Verbose {
					continue
				}
				if f.Status == check.NotApplicable {
					continue
				}
				ew.printf("           %-8s %s\n", sevLabel(p, f), indent(Wrap(f.Title, 80), "                    "))
				if len(f.Evidence) > 0 {
					ew.printf("                    %s\n", p.paint("2", "evidence: "+refList(f)))
				}
				if f.Unverified != "" {
					ew.printf("                    %s\n", p.paint("33", "not verified: no "+f.Unverified+" in this build"))
				}
			}
		}
	}
	ew.printf("\n  * mandatory under this profile\n")
	plan := r.Plan
	ew.printf("\n%s\n", p.paint("1", fmt.Sprintf("Gap-remediation plan (%d items)", len(plan.Items))))
	if len(plan.Items) == 0 {
		ew.printf("  Nothing to remediate.\n")
	} else {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  DUE\tSEVERITY\tITEM\tAREA\tOWNER (ACCOUNTABLE)\tWHAT\n")
		for _, it := range plan.Items {
			owner := strings.Join(it.Responsible, ", ")
			if owner == "" {
				owner = "unassigned"
			}
			if it.Accountable != "" {
				owner += " (" + it.Accountable + ")"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", it.Due, it.Severity, it.Requirement, dash(string(it.Area)), clip(owner, 40), clip(it.Title, 70))
		}
		tw.Flush()
	}
	ew.printf("\nInputs\n")
	ew.printf("  bundle   %s (%d files)\n", r.Inputs.Bundle.Digest, r.Inputs.Bundle.Files)
	ew.printf("  catalog  %s %s %s\n", r.Inputs.Catalog.ID, r.Inputs.Catalog.Version, r.Inputs.Catalog.Digest)
	ew.printf("  profile  %s %s %s\n", r.Inputs.Profile.ID, r.Inputs.Profile.Version, r.Inputs.Profile.Digest)
	for _, f := range r.Inputs.Feeds {
		ew.printf("  feed     %s %s %s\n", f.Name, f.Version, f.Digest)
	}
	if len(r.Inputs.Standards) > 0 {
		ss := make([]string, len(r.Inputs.Standards))
		for i, s := range r.Inputs.Standards {
			ss[i] = string(s)
		}
		ew.printf("  standards applied: %s\n", strings.Join(ss, ", "))
	}
	for _, n := range r.Notes {
		ew.printf("  note: %s\n", n)
	}
	return ew.err
}

func industry(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sevLabel(p painter, f check.Finding) string {
	if f.Status == check.Pass {
		return p.paint("32", "ok")
	}
	code := map[check.Severity]string{check.Critical: "31;1", check.High: "31", check.Medium: "33", check.Low: "36", check.Info: "2"}[f.Severity]
	label := string(f.Severity)
	if f.Status == check.NeedsReview {
		label = "review"
	}
	return p.paint(code, fmt.Sprintf("%-8s", label))
}

// refList renders a finding's first references.
func refList(f check.Finding) string {
	var parts []string
	for i, ref := range f.Evidence {
		if i == 3 {
			break
		}
		parts = append(parts, ref.String())
	}
	s := strings.Join(parts, ", ")
	if f.EvidenceCount > len(parts) {
		s += fmt.Sprintf(" (+%d more)", f.EvidenceCount-len(parts))
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Wrap breaks text into lines of at most width columns.
func Wrap(text string, width int) string {
	var b strings.Builder
	col := 0
	for _, w := range strings.Fields(text) {
		if col > 0 && col+1+len(w) > width {
			b.WriteByte('\n')
			col = 0
		} else if col > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

func indent(s, prefix string) string { return strings.ReplaceAll(s, "\n", "\n"+prefix) }

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// SectionOf returns the report section of a catalog item.
func SectionOf(id protocol.ID) string {
	for _, s := range Sections {
		if strings.HasPrefix(string(id), s.Prefix) {
			return s.Title
		}
	}
	return ""
}
