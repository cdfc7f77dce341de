package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// ongoingAssessment verifies B4: a full assessment of the assets across the
// service and endpoint ecosystems within the profile's cadence, covering
// every site.
type ongoingAssessment struct{ base }

func newOngoingAssessment() check.Check {
	return ongoingAssessment{base{name: "b4-ongoing-assessment", version: 1, item: "B4"}}
}

func (c ongoingAssessment) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	g := env.Bundle.Governance
	if len(g.Assessments) == 0 {
		r.Fact("full_assessment_age_days", -1)
		missing(r, "b4.no-assessments", check.High, "No record of asset assessments",
			"Nothing shows that the firm's assets are assessed frequently and thoroughly.",
			"Record each assessment (date, full or partial, assessor, scope) in governance/assessments.yaml.", evidence.PathAssessments)
		return nil
	}
	i := latest(len(g.Assessments), func(i int) evidence.Date {
		if strings.EqualFold(g.Assessments[i].Kind, "full") {
			return g.Assessments[i].Date
		}
		return evidence.Date{}
	})
	if i < 0 {
		r.Fact("full_assessment_age_days", -1)
		r.Add(check.Finding{
			Code: "b4.no-full-assessment", Status: check.Fail, Severity: check.High,
			Title:       "No full assessment of assets on record",
			Explanation: fmt.Sprintf("%s recorded, none of them full.", plural(len(g.Assessments), "assessment is", "assessments are")),
			Remediation: "Have the whole IIoT estate assessed, across services and endpoints.",
			Evidence:    []evidence.Ref{g.Refs["assessments"]},
		})
		return nil
	}
	a := &g.Assessments[i]
	age := env.AsOf.DaysSince(a.Date)
	r.Fact("full_assessment_age_days", age)
	ok := true
	if a.Date.Before(env.AsOf.Minus(env.Settings.FullAssessment)) {
		ok = false
		r.Add(check.Finding{
			Code: "b4.assessment-stale", Status: check.Fail, Severity: check.High,
			Title:       "Last full assessment is older than " + env.Settings.FullAssessment.String(),
			Explanation: fmt.Sprintf("The last full assessment was on %s, %d days before %s.", a.Date, age, env.AsOf),
			Remediation: "Assess all assets again; consider continuous assessment with insurable assess in CI.",
			Evidence:    []evidence.Ref{a.Ref.WithField("date")},
		})
	}
	scope := map[string]bool{}
	for _, s := range a.Scope {
		scope[strings.ToLower(s)] = true
	}
	var outside []string
	if !scope["all"] && !scope["*"] {
		for _, s := range env.Bundle.Firm.Sites {
			if !scope[strings.ToLower(s.ID)] && !scope[strings.ToLower(s.Name)] {
				outside = append(outside, firstNonEmpty(s.ID, s.Name))
			}
		}
	}
	if len(outside) > 0 {
		ok = false
		r.Add(check.Finding{
			Code: "b4.sites-not-assessed", Status: check.Fail, Severity: check.Medium,
			Title:       plural(len(outside), "site was", "sites were") + " outside the last full assessment",
			Explanation: "The Protocol asks for thorough assessment throughout the service and endpoint ecosystems; the last full assessment left out: " + strings.Join(outside, ", ") + ".",
			Remediation: "Extend the next assessment to every site.",
			Subjects:    outside,
			Evidence:    []evidence.Ref{a.Ref.WithField("scope")},
		})
	}
	if ok {
		r.Add(check.Finding{
			Code: "b4.assessed", Status: check.Pass,
			Title:       fmt.Sprintf("Full assessment of all sites on %s", a.Date),
			Explanation: fmt.Sprintf("%s assessed every site %d days ago, within the %s cadence.", firstNonEmpty(a.Assessor, "An assessor"), age, env.Settings.FullAssessment),
			Evidence:    []evidence.Ref{a.Ref},
		})
	}
	return nil
}
