// Package check defines what a check of the Protocol is and what it returns:
// findings with a status, a severity, the evidence they rest on, a plain
// explanation and a remediation. The checks themselves live in package
// checks, one per file; this package knows nothing of any particular one.
package check

import (
	"context"
	"fmt"
	"sort"

	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

// Status is the verdict of a finding or a requirement.
type Status string

// The statuses. A requirement with no evidence is never "pass".
const (
	Pass          Status = "pass"
	Fail          Status = "fail"
	NeedsReview   Status = "needs-review"
	NotApplicable Status = "not-applicable"
)

// Severity says how much a failing finding matters.
type Severity string

// The severities, from most to least serious.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Severities lists every severity from most to least serious.
var Severities = []Severity{Critical, High, Medium, Low, Info}

// Rank orders severities: Critical is 4, Info is 0, unknown is -1.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	case Info:
		return 0
	}
	return -1
}

// ParseSeverity reads a severity as written in evidence ("Critical",
// "HIGH", "moderate"…). Unknown words give "" and false.
func ParseSeverity(s string) (Severity, bool) {
	switch s {
	case "critical", "Critical", "CRITICAL":
		return Critical, true
	case "high", "High", "HIGH", "important", "Important":
		return High, true
	case "medium", "Medium", "MEDIUM", "moderate", "Moderate":
		return Medium, true
	case "low", "Low", "LOW":
		return Low, true
	case "info", "Info", "informational", "Informational", "none", "None":
		return Info, true
	}
	return "", false
}

// MaxEvidence caps how many references and subjects one finding lists; the
// totals are always given. A fleet-wide finding stays readable and small.
const MaxEvidence = 50

// Finding is one conclusion of a check about one aspect of a requirement.
type Finding struct {
	Requirement protocol.ID `json:"requirement"`
	Check       string      `json:"check"`
	// Code identifies the kind of finding, stable across versions, such as
	// "a1.inventory-incomplete". The remediation plan keys items on it.
	Code        string   `json:"code"`
	Status      Status   `json:"status"`
	Severity    Severity `json:"severity"`
	Title       string   `json:"title"`
	Explanation string   `json:"explanation"`
	Remediation string   `json:"remediation,omitempty"`
	// Subjects names the assets or records concerned (at most MaxEvidence);
	// SubjectCount is how many there are in all.
	Subjects     []string `json:"subjects,omitempty"`
	SubjectCount int      `json:"subject_count,omitempty"`
	// Evidence is where the finding's evidence sits (at most MaxEvidence);
	// EvidenceCount is how many references there are in all.
	Evidence      []evidence.Ref `json:"evidence"`
	EvidenceCount int            `json:"evidence_count"`
	// Unverified, when set, says which verifier this build lacks, so that
	// evidence of this kind was present but could not be verified.
	Unverified string `json:"unverified,omitempty"`
}

// Check is one check of the Protocol. Each verifies one catalog item.
type Check interface {
	// Name is unique among checks, such as "a8-root-of-trust".
	Name() string
	// Version increases whenever the check's logic changes, so that a
	// decision records exactly which logic produced it.
	Version() int
	// Item is the catalog item the check verifies.
	Item() protocol.ID
	// Run examines the evidence and reports into r. It must report at
	// least one finding. It returns an error only when it could not run at
	// all (a verifier failed, the context ended).
	Run(ctx context.Context, env *Env, r *Report) error
}

// Report collects what one check finds: findings and facts.
type Report struct {
	check    Check
	findings []Finding
	facts    map[string]any
}

// NewReport starts the report of check c.
func NewReport(c Check) *Report { return &Report{check: c, facts: map[string]any{}} }

// Findings returns what the check found, in the order reported.
func (r *Report) Findings() []Finding { return r.findings }

// Facts returns the facts the check set, for profile gates.
func (r *Report) Facts() map[string]any { return r.facts }

// Fact records a named measurement (a count, a ratio, a flag) that profile
// gates can test. Values are int, float64, bool or string.
func (r *Report) Fact(name string, value any) {
	switch value.(type) {
	case int, float64, bool, string:
	default:
		panic(fmt.Sprintf("check %s: fact %s has unsupported type %T", r.check.Name(), name, value))
	}
	r.facts[name] = value
}

// Add records a finding, filling in the requirement and check name and
// capping its subjects and evidence.
func (r *Report) Add(f Finding) {
	f.Requirement = r.check.Item()
	f.Check = r.check.Name()
	if f.Status == Pass || f.Status == NotApplicable {
		if f.Severity == "" {
			f.Severity = Info
		}
	}
	if f.SubjectCount < len(f.Subjects) {
		f.SubjectCount = len(f.Subjects)
	}
	if len(f.Subjects) > MaxEvidence {
		f.Subjects = f.Subjects[:MaxEvidence]
	}
	if f.EvidenceCount < len(f.Evidence) {
		f.EvidenceCount = len(f.Evidence)
	}
	if len(f.Evidence) > MaxEvidence {
		f.Evidence = f.Evidence[:MaxEvidence]
	}
	if f.Evidence == nil {
		f.Evidence = []evidence.Ref{}
	}
	r.findings = append(r.findings, f)
}

// Set gathers the subjects and evidence of one finding as a check walks the
// evidence, keeping the first MaxEvidence of each and counting all.
type Set struct {
	subjects []string
	refs     []evidence.Ref
	n        int
	seen     map[string]bool
}

// Add records one subject and the evidence about it.
func (s *Set) Add(subject string, ref evidence.Ref) {
	s.n++
	if len(s.subjects) < MaxEvidence {
		s.subjects = append(s.subjects, subject)
		s.refs = append(s.refs, ref)
	}
}

// AddOnce records a subject unless it was already added with AddOnce.
func (s *Set) AddOnce(subject string, ref evidence.Ref) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[subject] {
		return
	}
	s.seen[subject] = true
	s.Add(subject, ref)
}

// Len is the number of subjects added.
func (s *Set) Len() int { return s.n }

// Fill copies the set's subjects and evidence into f and returns it.
func (s *Set) Fill(f Finding) Finding {
	f.Subjects = append([]string(nil), s.subjects...)
	f.SubjectCount = s.n
	f.Evidence = append(f.Evidence, s.refs...)
	f.EvidenceCount = len(f.Evidence) - len(s.refs) + s.n
	return f
}

// Aggregate combines findings into one status: fail if any fails, else
// needs-review if any needs review, else pass if any passes, else
// not-applicable. No findings at all need review.
func Aggregate(fs []Finding) Status {
	if len(fs) == 0 {
		return NeedsReview
	}
	seen := map[Status]bool{}
	for _, f := range fs {
		seen[f.Status] = true
	}
	switch {
	case seen[Fail]:
		return Fail
	case seen[NeedsReview]:
		return NeedsReview
	case seen[Pass]:
		return Pass
	}
	return NotApplicable
}

// MaxSeverity returns the most serious severity among the findings that are
// not passing, or Info when all pass.
func MaxSeverity(fs []Finding) Severity {
	best := Info
	for _, f := range fs {
		if f.Status != Fail && f.Status != NeedsReview {
			continue
		}
		if f.Severity.Rank() > best.Rank() {
			best = f.Severity
		}
	}
	return best
}

// SortStrings sorts and de-duplicates s in place and returns it; checks use
// it to keep their output deterministic.
func SortStrings(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
