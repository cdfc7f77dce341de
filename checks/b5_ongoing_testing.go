package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// ongoingTesting verifies B5: an independent penetration test with IIoT in
// scope within the period, its critical and high findings closed in time,
// and the report attested and signed.
type ongoingTesting struct{ base }

func newOngoingTesting() check.Check {
	return ongoingTesting{base{name: "b5-ongoing-testing", version: 1, item: "B5"}}
}

// iiotScopes are scope words that put the IIoT estate in a test's scope.
var iiotScopes = map[string]bool{"iiot": true, "ot": true, "ics": true, "iot": true, "scada": true, "field-devices": true, "industrial": true}

func (c ongoingTesting) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	g := env.Bundle.Governance
	i := latest(len(g.Pentests), func(i int) evidence.Date {
		for _, s := range g.Pentests[i].Scope {
			if iiotScopes[strings.ToLower(s)] {
				return g.Pentests[i].Date
			}
		}
		return evidence.Date{}
	})
	if i < 0 {
		r.Fact("pentest_age_days", -1)
		what := "No penetration test is recorded."
		if len(g.Pentests) > 0 {
			what = fmt.Sprintf("%s recorded, none with IIoT or OT in scope.", plural(len(g.Pentests), "test is", "tests are"))
		}
		missing(r, "b5.no-iiot-pentest", check.High, "No penetration test of the IIoT estate",
			what+" The Protocol asks for periodic penetration and resilience testing of the IIoT service.",
			"Commission an independent penetration test with the IIoT devices and services in scope, and record it in governance/pentests.yaml.", evidence.PathPentests)
		return nil
	}
	t := &g.Pentests[i]
	age := env.AsOf.DaysSince(t.Date)
	r.Fact("pentest_age_days", age)
	ok := true
	if t.Date.Before(env.AsOf.Minus(env.Settings.PenTest)) {
		ok = false
		r.Add(check.Finding{
			Code: "b5.pentest-stale", Status: check.Fail, Severity: check.High,
			Title:       "Last IIoT penetration test is older than " + env.Settings.PenTest.String(),
			Explanation: fmt.Sprintf("The last test with IIoT in scope (%s) was on %s, %d days before %s.", t.ID, t.Date, age, env.AsOf),
			Remediation: "Commission a new penetration test of the IIoT estate.",
			Evidence:    []evidence.Ref{t.Ref.WithField("date")},
		})
	}
	if !t.Independent {
		ok = false
		r.Add(check.Finding{
			Code: "b5.tester-not-independent", Status: check.Fail, Severity: check.Low,
			Title:       "Penetration test not performed independently",
			Explanation: fmt.Sprintf("Test %s was performed by %q, not marked independent of the teams that run the systems.", t.ID, t.Tester),
			Remediation: "Have at least one test a year performed by an independent tester.",
			Evidence:    []evidence.Ref{t.Ref.WithField("independent")},
		})
	}
	var open check.Set
	due := env.Settings.CriticalPentestCloseDays
	for _, pt := range g.Pentests {
		for j := range pt.Findings {
			f := &pt.Findings[j]
			sev, _ := check.ParseSeverity(f.Severity)
			if sev != check.Critical && sev != check.High {
				continue
			}
			closed := strings.EqualFold(f.Status, "closed") || strings.EqualFold(f.Status, "fixed")
			deadline := pt.Date.AddDays(due)
			if !closed && deadline.Before(env.AsOf) {
				open.Add(fmt.Sprintf("%s/%s (%s, open %d days)", pt.ID, f.ID, sev, env.AsOf.DaysSince(pt.Date)), f.Ref)
			}
		}
	}
	r.Fact("pentest_findings_overdue", open.Len())
	if open.Len() > 0 {
		ok = false
		r.Add(open.Fill(check.Finding{
			Code: "b5.findings-open", Status: check.Fail, Severity: check.High,
			Title:       plural(open.Len(), "critical or high pen-test finding is", "critical or high pen-test findings are") + fmt.Sprintf(" open past %d days", due),
			Explanation: "Testing only makes a firm safer if what it finds is fixed; these serious findings remain open beyond the deadline.",
			Remediation: "Fix or mitigate each finding and have the tester verify the fix.",
		}))
	}
	if attestation(ctx, env, r, t.Attestation, t.Ref, "b5.pentest", "Penetration test "+t.ID, nil) != check.Pass {
		ok = false
	}
	if ok {
		r.Add(check.Finding{
			Code: "b5.tested", Status: check.Pass,
			Title:       fmt.Sprintf("Independent IIoT penetration test on %s", t.Date),
			Explanation: fmt.Sprintf("%s tested %s %d days ago; no critical or high finding is open past %d days.", firstNonEmpty(t.Tester, "An independent tester"), strings.Join(t.Scope, ", "), age, due),
			Evidence:    []evidence.Ref{t.Ref},
		})
	}
	return nil
}
