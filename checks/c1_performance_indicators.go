package checks

import (
	"context"
	"fmt"
	"sort"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// performanceIndicators verifies C1: security metrics are kept current and
// presented in dashboards to operational and business decision makers.
type performanceIndicators struct{ base }

func newPerformanceIndicators() check.Check {
	return performanceIndicators{base{name: "c1-performance-indicators", version: 1, item: "C1"}}
}

func (c performanceIndicators) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	ok := true
	if len(b.Metrics) == 0 {
		ok = false
		missing(r, "c1.no-metrics", check.High, "No security metrics",
			"The bundle holds no security metric series, so no dashboard can inform decision makers.",
			"Export the security metrics (date, metric, value) into metrics/ as CSV, at least monthly.", evidence.DirMetrics)
	} else {
		newest := b.Metrics[0]
		for _, p := range b.Metrics[1:] {
			if p.Date.After(newest.Date) {
				newest = p
			}
		}
		age := env.AsOf.DaysSince(newest.Date)
		r.Fact("metrics_age_days", age)
		if newest.Date.Before(env.AsOf.Minus(env.Settings.MetricsMaxAge)) {
			ok = false
			r.Add(check.Finding{
				Code: "c1.metrics-stale", Status: check.Fail, Severity: check.Medium,
				Title:       "Security metrics are not current",
				Explanation: fmt.Sprintf("The newest data point is from %s, %d days before %s; the profile wants data no older than %s.", newest.Date, age, env.AsOf, env.Settings.MetricsMaxAge),
				Remediation: "Feed the metric series automatically from the monitoring systems and export them regularly.",
				Evidence:    []evidence.Ref{newest.Ref},
			})
		}
	}
	audiences := map[string]bool{}
	var names []string
	for _, d := range b.Dashboards {
		if len(d.Metrics) > 0 {
			audiences[d.Audience] = true
			names = append(names, d.Name)
		}
	}
	sort.Strings(names)
	switch {
	case len(b.Dashboards) == 0:
		ok = false
		r.Add(check.Finding{
			Code: "c1.no-dashboards", Status: check.Fail, Severity: check.Medium,
			Title:       "No dashboards of security metrics declared",
			Explanation: "The Protocol asks for clear representations (dashboards and other visualisations) of security metrics for operational and business personnel.",
			Remediation: "Declare the dashboards, their audience and the metrics they show in metrics/dashboards.yaml.",
			Evidence:    []evidence.Ref{{File: evidence.PathDashboards}},
		})
	case !audiences["operations"] || !(audiences["board"] || audiences["management"] || audiences["business"]):
		ok = false
		r.Add(check.Finding{
			Code: "c1.dashboard-audience", Status: check.Fail, Severity: check.Low,
			Title:       "Dashboards do not reach both operations and business decision makers",
			Explanation: "Dashboards should serve operational personnel and business decision makers (board or management); the declared ones do not cover both.",
			Remediation: "Provide a dashboard for operations and one for the board or management.",
			Evidence:    []evidence.Ref{{File: evidence.PathDashboards}},
		})
	}
	if ok {
		r.Add(check.Finding{
			Code: "c1.indicators", Status: check.Pass,
			Title:       fmt.Sprintf("Current metrics on %d dashboards", len(names)),
			Explanation: fmt.Sprintf("Security metrics are current and presented on %s for operations and business decision makers.", list(names, 4)),
			Evidence:    []evidence.Ref{{File: evidence.PathDashboards}, b.Metrics[0].Ref},
		})
	}
	return nil
}
