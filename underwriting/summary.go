package underwriting

import (
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
)

// summarize takes from a result the figures a portfolio shows.
func summarize(r *assessment.Result) *AssessmentSummary {
	s := &AssessmentSummary{
		Exposure: Exposure{
			Critical: factInt(r.Facts, "vulns_critical"), High: factInt(r.Facts, "vulns_high"),
			Medium: factInt(r.Facts, "vulns_medium"), Low: factInt(r.Facts, "vulns_low"),
			KEV: factInt(r.Facts, "vulns_kev"), KEVPastDue: factInt(r.Facts, "kev_past_due"),
		},
		PlanItems: len(r.Plan.Items),
	}
	for _, v := range r.Verdicts {
		switch v.Status {
		case check.Fail:
			s.Failing++
			if v.Mandatory {
				s.MandatoryFailing++
			}
		case check.NeedsReview:
			s.Review++
		case check.Pass:
			s.Passing++
		}
	}
	return s
}

// factInt reads a numeric fact; facts that are absent or not numbers
// count as 0.
func factInt(facts map[string]any, name string) int {
	switch v := facts[name].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case uint64:
		return int(v)
	}
	return 0
}
