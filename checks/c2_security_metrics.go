package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// securityMetrics verifies C2: the five metrics the Protocol names are all
// measured, every month of the window, so that they can feed a loop.
type securityMetrics struct{ base }

func newSecurityMetrics() check.Check {
	return securityMetrics{base{name: "c2-security-metrics", version: 1, item: "C2"}}
}

// RequiredMetrics are the metric names the Protocol's feedback loop needs.
var RequiredMetrics = []string{"attack_attempts", "incidents", "close_calls", "policy_violations", "anomalies"}

func (c securityMetrics) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	months := completeMonths(env.AsOf, env.Settings.MetricsWindow)
	start, end := months[0], months[len(months)-1]
	inWindow := map[string]bool{}
	for _, m := range months {
		inWindow[m] = true
	}
	seen := map[string]map[string]bool{}
	for _, p := range b.Metrics {
		mo := p.Date.Time().Format("2006-01")
		if !inWindow[mo] {
			continue
		}
		if seen[p.Metric] == nil {
			seen[p.Metric] = map[string]bool{}
		}
		seen[p.Metric][mo] = true
	}
	var absent []string
	var gaps check.Set
	for _, m := range RequiredMetrics {
		if len(seen[m]) == 0 {
			absent = append(absent, m)
			continue
		}
		var missingMonths []string
		for _, mo := range months {
			if !seen[m][mo] {
				missingMonths = append(missingMonths, mo)
			}
		}
		if len(missingMonths) > 0 {
			gaps.Add(fmt.Sprintf("%s: %s", m, list(missingMonths, 6)), evidence.Ref{File: evidence.DirMetrics, Field: m})
		}
	}
	r.Fact("metrics_missing", len(absent))
	r.Fact("metrics_with_gaps", gaps.Len())
	if len(absent) > 0 {
		r.Add(check.Finding{
			Code: "c2.metrics-missing", Status: check.Fail, Severity: check.Medium,
			Title:       plural(len(absent), "required metric is", "required metrics are") + " not measured",
			Explanation: fmt.Sprintf("From %s to %s there is no data for: %s. The Protocol names detected attack attempts, incidents, close calls, policy violations and anomalies that merited investigation.", start, end, strings.Join(absent, ", ")),
			Remediation: "Measure each of the five metrics monthly from the monitoring and incident systems.",
			Subjects:    absent,
			Evidence:    []evidence.Ref{{File: evidence.DirMetrics}},
		})
	}
	if gaps.Len() > 0 {
		r.Add(gaps.Fill(check.Finding{
			Code: "c2.metric-gaps", Status: check.Fail, Severity: check.Low,
			Title:       plural(gaps.Len(), "metric has", "metrics have") + " months without data",
			Explanation: fmt.Sprintf("A feedback loop needs an unbroken series; these metrics miss months between %s and %s.", start, end),
			Remediation: "Collect the metrics automatically each month and back-fill the gaps where the data exists.",
		}))
	}
	if len(absent) == 0 && gaps.Len() == 0 {
		r.Add(check.Finding{
			Code: "c2.metrics", Status: check.Pass,
			Title:       fmt.Sprintf("All five security metrics measured every month for %d months", len(months)),
			Explanation: "Attack attempts, incidents, close calls, policy violations and anomalies are measured without gaps over the window.",
			Evidence:    []evidence.Ref{{File: evidence.DirMetrics}},
		})
	}
	return nil
}

// completeMonths lists, oldest first, the calendar months (YYYY-MM) of the
// window that ended with the month before asOf's: the months whose data a
// firm can be expected to have.
func completeMonths(asOf evidence.Date, window evidence.Period) []string {
	n := window.Months + window.Days/30
	if n < 1 {
		n = 1
	}
	first := time0(asOf).AddDate(0, -n, 0)
	out := make([]string, n)
	for i := range out {
		out[i] = first.AddDate(0, i, 0).Format("2006-01")
	}
	return out
}
