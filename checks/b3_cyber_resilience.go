package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// cyberResilience verifies B3: a business continuity plan that integrates
// cyber resilience across people, capital and technology, a recent
// quantification of cyber risk, and a recent exercise of the plan.
type cyberResilience struct{ base }

func newCyberResilience() check.Check {
	return cyberResilience{base{name: "b3-cyber-resilience", version: 1, item: "B3"}}
}

func (c cyberResilience) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	ct := env.Bundle.Governance.Continuity
	if ct == nil {
		missing(r, "b3.no-continuity-plan", check.High, "No business continuity plan for cyber incidents",
			"Nothing shows that cyber resilience is part of the business strategy: no continuity plan, risk quantification or exercise is recorded.",
			"Record the continuity plan, the quantification of cyber risk and the exercises of the plan in governance/continuity.yaml.", evidence.PathContinuity)
		return nil
	}
	ok := true
	if ct.Plan.Title == "" || ct.Plan.Approved.IsZero() {
		ok = false
		r.Add(check.Finding{
			Code: "b3.plan-unapproved", Status: check.Fail, Severity: check.High,
			Title:       "Continuity plan not identified or approved",
			Explanation: "The continuity plan must be named and carry the date it was approved.",
			Remediation: "Record the plan's title, version and approval date.",
			Evidence:    []evidence.Ref{ct.Ref.WithField("plan")},
		})
	}
	var lacking []string
	if !ct.Strategy.People {
		lacking = append(lacking, "people")
	}
	if !ct.Strategy.Capital {
		lacking = append(lacking, "capital")
	}
	if !ct.Strategy.Technology {
		lacking = append(lacking, "technology")
	}
	if len(lacking) > 0 {
		ok = false
		r.Add(check.Finding{
			Code: "b3.strategy-partial", Status: check.Fail, Severity: check.Medium,
			Title:       "Cyber resilience strategy leaves out " + strings.Join(lacking, ", "),
			Explanation: "The Protocol asks for a combined approach to cyber risk across people, capital and technology.",
			Remediation: "Extend the strategy to cover " + strings.Join(lacking, " and ") + ".",
			Evidence:    []evidence.Ref{ct.Ref.WithField("strategy")},
		})
	}
	q := ct.Quantification
	switch {
	case q == nil || q.Date.IsZero() || q.AnnualLossExpectancy == nil || q.AnnualLossExpectancy.Amount <= 0:
		ok = false
		r.Add(check.Finding{
			Code: "b3.risk-not-quantified", Status: check.Fail, Severity: check.Medium,
			Title:       "Cyber risk not quantified",
			Explanation: "The Protocol asks the firm to quantify its cyber risk; no dated quantification with an expected annual loss is recorded.",
			Remediation: "Quantify cyber risk (e.g. with FAIR) into an annualised loss expectancy and record method, date and result.",
			Evidence:    []evidence.Ref{ct.Ref.WithField("risk_quantification")},
		})
	case q.Date.Before(env.AsOf.Minus(env.Settings.RiskQuantification)):
		ok = false
		r.Add(check.Finding{
			Code: "b3.risk-quantification-stale", Status: check.Fail, Severity: check.Medium,
			Title:       "Cyber risk quantification is older than " + env.Settings.RiskQuantification.String(),
			Explanation: fmt.Sprintf("Cyber risk was last quantified on %s.", q.Date),
			Remediation: "Quantify cyber risk again with current exposure.",
			Evidence:    []evidence.Ref{q.Ref.WithField("date")},
		})
	}
	i := latest(len(ct.Exercises), func(i int) evidence.Date { return ct.Exercises[i].Date })
	switch {
	case i < 0:
		ok = false
		r.Add(check.Finding{
			Code: "b3.never-exercised", Status: check.Fail, Severity: check.High,
			Title:       "Continuity plan never exercised",
			Explanation: "A plan that has not been exercised has not shown that the firm can recover from a cyber incident.",
			Remediation: "Run a tabletop or simulation exercise of a cyber incident against the plan and record it.",
			Evidence:    []evidence.Ref{ct.Ref.WithField("exercises")},
		})
	case ct.Exercises[i].Date.Before(env.AsOf.Minus(env.Settings.ContinuityExercise)):
		ok = false
		r.Add(check.Finding{
			Code: "b3.exercise-stale", Status: check.Fail, Severity: check.High,
			Title:       "Continuity plan not exercised within " + env.Settings.ContinuityExercise.String(),
			Explanation: fmt.Sprintf("The last exercise was on %s.", ct.Exercises[i].Date),
			Remediation: "Exercise the plan against a current cyber scenario.",
			Evidence:    []evidence.Ref{ct.Exercises[i].Ref.WithField("date")},
		})
	case ct.Exercises[i].FindingsOpen > 0:
		r.Add(check.Finding{
			Code: "b3.exercise-findings-open", Status: check.NeedsReview, Severity: check.Low,
			Title:       plural(ct.Exercises[i].FindingsOpen, "finding", "findings") + " of the last exercise still open",
			Explanation: fmt.Sprintf("The exercise of %s (%s) left findings open; the plan may not yet reflect its lessons.", ct.Exercises[i].Date, ct.Exercises[i].Scenario),
			Remediation: "Close the exercise's findings and update the plan.",
			Evidence:    []evidence.Ref{ct.Exercises[i].Ref.WithField("findings_open")},
		})
	}
	if attestation(ctx, env, r, ct.Attestation, ct.Ref, "b3.continuity", "The continuity plan record", nil) != check.Pass {
		ok = false
	}
	if ok {
		ex := ct.Exercises[i]
		r.Add(check.Finding{
			Code: "b3.resilience", Status: check.Pass,
			Title:       fmt.Sprintf("Continuity plan exercised on %s; cyber risk quantified", ex.Date),
			Explanation: fmt.Sprintf("%s (approved %s) covers people, capital and technology; cyber risk was quantified on %s (%s, %.0f %s a year expected loss); the plan was exercised on %s (%s).", ct.Plan.Title, ct.Plan.Approved, q.Date, q.Method, q.AnnualLossExpectancy.Amount, q.AnnualLossExpectancy.Currency, ex.Date, ex.Kind),
			Evidence:    []evidence.Ref{ct.Ref},
		})
	}
	return nil
}
