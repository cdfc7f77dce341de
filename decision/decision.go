// Package decision turns the verdicts of an assessment into an
// underwriting decision under an insurer's profile: declined, conditional
// or insurable, with a tier, a score, the conditions that must be met and an
// explanation naming every gate and requirement that drove it. It is a pure
// function of its inputs.
package decision

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
)

// Outcome is the underwriting decision.
type Outcome string

// The outcomes.
const (
	Declined    Outcome = "declined"
	Conditional Outcome = "conditional"
	Insurable   Outcome = "insurable"
)

// Verdict is what the decision needs to know of one catalog item.
type Verdict struct {
	ID       protocol.ID
	Title    string
	Status   check.Status
	Severity check.Severity
	// Headline summarises the item's most serious findings in a phrase.
	Headline string
}

// Input is everything a decision depends on.
type Input struct {
	Profile  *profile.Profile
	Verdicts []Verdict
	Facts    map[string]any
	Firm     map[string]any
	AsOf     evidence.Date
}

// Reason is one thing that drove the decision.
type Reason struct {
	// Kind is mandatory-pass, mandatory-fail, mandatory-review, gate-fail,
	// gate-unknown, score or tier.
	Kind string `json:"kind"`
	// Ref names the catalog item or gate concerned.
	Ref    string `json:"ref,omitempty"`
	Effect string `json:"effect"` // decline, condition or grade
	Text   string `json:"text"`
}

// Condition is something a conditionally insurable firm must do by a date.
type Condition struct {
	ID   string        `json:"id"`
	Ref  string        `json:"ref"`
	Text string        `json:"text"`
	Due  evidence.Date `json:"due"`
}

// GateResult is the outcome of one gate.
type GateResult struct {
	ID     string         `json:"id"`
	Title  string         `json:"title"`
	Expr   string         `json:"expr"`
	Effect profile.Effect `json:"effect"`
	// Result is pass, fail or unknown (when the expression could not be
	// evaluated, typically because evidence was not verified).
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// Decision is the underwriting decision and why.
type Decision struct {
	Outcome Outcome `json:"outcome"`
	// Tier is the grade (A–D in the shipped profiles); empty when declined.
	Tier string `json:"tier"`
	// Score is the weighted share of the evidence that passes, from 0 to 1.
	Score      float64      `json:"score"`
	Summary    string       `json:"summary"`
	Reasons    []Reason     `json:"reasons"`
	Conditions []Condition  `json:"conditions"`
	Gates      []GateResult `json:"gates"`
}

// Decide makes the decision.
func Decide(in Input) Decision {
	p := in.Profile
	d := Decision{Reasons: []Reason{}, Conditions: []Condition{}, Gates: []GateResult{}}
	status := make(map[string]string, len(in.Verdicts))
	for _, v := range in.Verdicts {
		status[string(v.ID)] = string(v.Status)
	}

	declined := false
	conditionDue := in.AsOf.Plus(p.ConditionDeadline())
	var mandatoryFail []string
	for _, v := range in.Verdicts {
		if !p.IsMandatory(v.ID) {
			continue
		}
		switch v.Status {
		case check.Fail:
			declined = true
			mandatoryFail = append(mandatoryFail, string(v.ID))
			d.Reasons = append(d.Reasons, Reason{Kind: "mandatory-fail", Ref: string(v.ID), Effect: "decline",
				Text: fmt.Sprintf("%s %s is mandatory and fails: %s.", v.ID, v.Title, v.Headline)})
		case check.NeedsReview:
			d.Reasons = append(d.Reasons, Reason{Kind: "mandatory-review", Ref: string(v.ID), Effect: "condition",
				Text: fmt.Sprintf("%s %s is mandatory and its evidence needs review: %s.", v.ID, v.Title, v.Headline)})
			d.Conditions = append(d.Conditions, Condition{ID: "C-" + string(v.ID), Ref: string(v.ID), Due: conditionDue,
				Text: fmt.Sprintf("Provide verified evidence that %s %s is met (%s).", v.ID, v.Title, v.Headline)})
		}
	}
	// A mandatory item with no verdict at all is never silently passed.
	judged := make(map[protocol.ID]bool, len(in.Verdicts))
	for _, v := range in.Verdicts {
		judged[v.ID] = true
	}
	for _, id := range p.Mandatory {
		if judged[id] {
			continue
		}
		judged[id] = true
		d.Reasons = append(d.Reasons, Reason{Kind: "mandatory-review", Ref: string(id), Effect: "condition",
			Text: fmt.Sprintf("%s is mandatory but the assessment holds no verdict on it.", id)})
		d.Conditions = append(d.Conditions, Condition{ID: "C-" + string(id), Ref: string(id), Due: conditionDue,
			Text: fmt.Sprintf("Have %s assessed and provide verified evidence that it is met.", id)})
	}

	gateIn := profile.Input{Facts: in.Facts, Status: status, Firm: in.Firm}
	for i := range p.Gates {
		g := &p.Gates[i]
		gr := GateResult{ID: g.ID, Title: g.Title, Expr: g.Expr, Effect: g.Effect}
		ok, err := g.Evaluate(gateIn)
		due := conditionDue
		if g.Deadline != (evidence.Period{}) {
			due = in.AsOf.Plus(g.Deadline)
		}
		switch {
		case err != nil:
			gr.Result, gr.Error = "unknown", err.Error()
			d.Reasons = append(d.Reasons, Reason{Kind: "gate-unknown", Ref: g.ID, Effect: "condition",
				Text: fmt.Sprintf("Gate %s (%s) could not be evaluated: %s; the evidence it needs was not verified.", g.ID, g.Title, err)})
			d.Conditions = append(d.Conditions, Condition{ID: "G-" + g.ID, Ref: g.ID, Due: due,
				Text: fmt.Sprintf("Provide verified evidence so that gate %s (%s) can be evaluated.", g.ID, g.Title)})
		case !ok && g.Effect == profile.Decline:
			gr.Result = "fail"
			declined = true
			d.Reasons = append(d.Reasons, Reason{Kind: "gate-fail", Ref: g.ID, Effect: "decline",
				Text: fmt.Sprintf("Gate %s fails: %s does not hold (%s).", g.ID, g.Title, g.Expr)})
		case !ok:
			gr.Result = "fail"
			d.Reasons = append(d.Reasons, Reason{Kind: "gate-fail", Ref: g.ID, Effect: "condition",
				Text: fmt.Sprintf("Gate %s fails: %s does not hold (%s).", g.ID, g.Title, g.Expr)})
			text := g.Remediation
			if text == "" {
				text = "Meet the gate: " + g.Title + "."
			}
			d.Conditions = append(d.Conditions, Condition{ID: "G-" + g.ID, Ref: g.ID, Due: due, Text: text})
		default:
			gr.Result = "pass"
		}
		d.Gates = append(d.Gates, gr)
	}

	d.Score = score(p, in.Verdicts)
	d.Tier = tier(p, d.Score)
	if d.Score < p.DeclineBelow {
		declined = true
		d.Reasons = append(d.Reasons, Reason{Kind: "score", Effect: "decline",
			Text: fmt.Sprintf("The score %.2f is below the profile's floor of %.2f.", d.Score, p.DeclineBelow)})
	} else {
		d.Reasons = append(d.Reasons, Reason{Kind: "tier", Effect: "grade",
			Text: fmt.Sprintf("The score %.2f earns tier %s under profile %s %s.", d.Score, d.Tier, p.ID, p.Version)})
	}

	switch {
	case declined:
		d.Outcome, d.Tier = Declined, ""
		d.Conditions = []Condition{}
		var why []string
		if len(mandatoryFail) > 0 {
			why = append(why, plural(len(mandatoryFail), "mandatory requirement fails", "mandatory requirements fail")+" ("+strings.Join(mandatoryFail, ", ")+")")
		}
		for _, g := range d.Gates {
			if g.Result == "fail" && g.Effect == profile.Decline {
				why = append(why, "gate "+g.ID+" fails")
			}
		}
		if d.Score < p.DeclineBelow {
			why = append(why, fmt.Sprintf("score %.2f below %.2f", d.Score, p.DeclineBelow))
		}
		d.Summary = "Declined: " + strings.Join(why, "; ") + "."
	case len(d.Conditions) > 0:
		d.Outcome = Conditional
		sort.SliceStable(d.Conditions, func(i, j int) bool { return d.Conditions[i].Due.Before(d.Conditions[j].Due) })
		d.Summary = fmt.Sprintf("Conditionally insurable at tier %s: %s to meet, the first by %s.", d.Tier, plural(len(d.Conditions), "condition", "conditions"), d.Conditions[0].Due)
	default:
		d.Outcome = Insurable
		d.Reasons = append([]Reason{{Kind: "mandatory-pass", Effect: "grade",
			Text: fmt.Sprintf("All %d mandatory requirements pass and all %d gates hold.", len(p.Mandatory), len(p.Gates))}}, d.Reasons...)
		d.Summary = fmt.Sprintf("Insurable at tier %s (score %.2f).", d.Tier, d.Score)
	}
	return d
}

// score is the weighted credit of all applicable items, rounded to four
// decimals so that it prints the same everywhere.
func score(p *profile.Profile, vs []Verdict) float64 {
	var got, max float64
	for _, v := range vs {
		w := p.Weight(v.ID)
		switch v.Status {
		case check.Pass:
			got += w
		case check.NeedsReview:
			got += w * p.NeedsReviewCredit
		case check.NotApplicable:
			continue
		}
		max += w
	}
	if max == 0 {
		return 0
	}
	return math.Round(got/max*10000) / 10000
}

func tier(p *profile.Profile, s float64) string {
	for _, t := range p.Tiers {
		if s >= t.MinScore {
			return t.Tier
		}
	}
	return p.Tiers[len(p.Tiers)-1].Tier
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
