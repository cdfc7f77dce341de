// Package remediation builds the gap-remediation plan of an assessment: one
// item per failing or needs-review finding, owned by the people the
// Responsibility Assignment Matrix makes responsible and accountable for the
// finding's area, due by a date set from its severity and the insurer's
// profile, and carrying the status the firm tracks for it.
package remediation

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
)

// Status of a plan item.
const (
	Open       = "open"
	InProgress = "in-progress"
	Reopened   = "reopened" // the firm marked it done, but the finding persists
)

// Item is one thing to fix.
type Item struct {
	// ID is stable across assessments for the same requirement and
	// finding code, so that a firm can track it in remediation.yaml.
	ID          string         `json:"id"`
	Requirement protocol.ID    `json:"requirement"`
	Area        protocol.ID    `json:"area,omitempty"`
	Finding     string         `json:"finding"`
	Title       string         `json:"title"`
	Action      string         `json:"action"`
	Severity    check.Severity `json:"severity"`
	Subjects    int            `json:"subjects,omitempty"`
	Responsible []string       `json:"responsible"`
	Accountable string         `json:"accountable"`
	Due         evidence.Date  `json:"due"`
	Status      string         `json:"status"`
}

// Plan is the gap-remediation plan.
type Plan struct {
	Items []Item `json:"items"`
	// Unowned counts items whose area has no one accountable.
	Unowned int `json:"unowned"`
}

// Input is what a plan is built from.
type Input struct {
	Catalog  *protocol.Catalog
	Profile  *profile.Profile
	Findings []check.Finding
	RAM      *evidence.RAM
	Officers *evidence.Officers
	Tracked  []evidence.RemediationRecord
	AsOf     evidence.Date
}

// ItemID returns the stable id of the plan item for a finding code.
func ItemID(req protocol.ID, code string) string {
	sum := sha256.Sum256([]byte(string(req) + "\x00" + code))
	return "RP-" + strings.ToUpper(hex.EncodeToString(sum[:4]))
}

// Build makes the plan: items ordered by due date, then severity, then
// requirement.
func Build(in Input) Plan {
	tracked := map[string]*evidence.RemediationRecord{}
	for i := range in.Tracked {
		tracked[in.Tracked[i].ID] = &in.Tracked[i]
	}
	plan := Plan{Items: []Item{}}
	for _, f := range in.Findings {
		if f.Status != check.Fail && f.Status != check.NeedsReview {
			continue
		}
		it := Item{
			ID: ItemID(f.Requirement, f.Code), Requirement: f.Requirement, Finding: f.Code,
			Title: f.Title, Action: f.Remediation, Severity: f.Severity, Subjects: f.SubjectCount,
			Due: in.AsOf.Plus(in.Profile.RemediationDeadline(f.Severity)), Status: Open,
		}
		if it.Action == "" {
			it.Action = "Review the finding and supply the evidence it asks for."
		}
		if item, ok := in.Catalog.Item(f.Requirement); ok {
			it.Area = item.Area
			if item.Kind == protocol.RAMArea {
				it.Area = item.ID
			}
		}
		it.Responsible, it.Accountable = owners(in, it.Area)
		if it.Accountable == "" {
			plan.Unowned++
		}
		if t, ok := tracked[it.ID]; ok {
			switch strings.ToLower(t.Status) {
			case "done", "closed", "verified":
				it.Status = Reopened
			case "in-progress", "in progress", "started":
				it.Status = InProgress
			}
			if !t.Due.IsZero() && t.Due.Before(it.Due) {
				it.Due = t.Due
			}
			if t.Owner != "" && len(it.Responsible) == 0 {
				it.Responsible = []string{t.Owner}
			}
		}
		plan.Items = append(plan.Items, it)
	}
	sort.SliceStable(plan.Items, func(i, j int) bool {
		a, b := plan.Items[i], plan.Items[j]
		if a.Due != b.Due {
			return a.Due.Before(b.Due)
		}
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.Requirement != b.Requirement {
			return a.Requirement < b.Requirement
		}
		return a.ID < b.ID
	})
	return plan
}

// owners returns who is responsible and accountable for an area; for items
// outside the matrix's areas, and for areas the matrix leaves unassigned, the
// responsible and accountable officers answer.
func owners(in Input, area protocol.ID) ([]string, string) {
	if in.RAM != nil && area != "" {
		if r := in.RAM.Areas[string(area)]; r != nil && (len(r.Responsible) > 0 || len(r.Accountable) > 0) {
			acc := ""
			if len(r.Accountable) > 0 {
				acc = r.Accountable[0]
			}
			return append([]string{}, r.Responsible...), acc
		}
	}
	if o := in.Officers; o != nil {
		resp := []string{}
		acc := ""
		if o.Responsible != nil && o.Responsible.Name != "" {
			resp = []string{o.Responsible.Name}
		}
		if o.Accountable != nil && o.Accountable.Name != "" {
			acc = o.Accountable.Name
		} else if len(resp) > 0 {
			acc = resp[0]
		}
		return resp, acc
	}
	return []string{}, ""
}
