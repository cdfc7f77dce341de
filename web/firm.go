package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/report"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/web/chart"
)

// firmView is a firm's page: its posture by section of the Protocol, its
// remediation plan, its security metrics and its policies.
type firmView struct {
	Org *underwriting.Org
	// Own is true when the firm looks at itself.
	Own      bool
	Policies []*underwriting.Policy
	// Latest is the newest assessment of any of the policies shown, with
	// its result.
	Latest   *underwriting.Assessment
	Result   *assessment.Result
	Sections []sectionView
	Plan     *planView
	Metrics  []metricChart
	// Evidence is the version the metrics come from.
	Evidence *underwriting.EvidenceVersion
	Alerts   []*underwriting.Alert
}

// sectionView is one section of the Protocol in an assessment.
type sectionView struct {
	Title                  string
	Pass, Fail, Review, NA int
	Chart                  template.HTML
	Verdicts               []*assessment.Verdict
}

// planView is a policy's remediation plan and its progress.
type planView struct {
	Policy   string
	Items    []*underwriting.RemediationItem
	Done     int
	Overdue  int
	Percent  int
	AsOf     evidence.Date
	Editable bool
}

// metricChart is one dashboard chart.
type metricChart struct {
	Title string
	Chart template.HTML
}

func (h *Handler) firm(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	ctx := r.Context()
	p := s.principal
	id := r.PathValue("firm")
	org, err := h.svc.GetOrg(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if org.Kind != access.Firm {
		return nil, insurable.Errorf("web", insurable.NotExist, "no firm %q", id)
	}
	v := &firmView{Org: org, Own: p.Org == org.ID}
	pols, _, err := h.svc.ListPolicies(ctx, p, underwriting.PolicyFilter{Firm: org.ID, Page: underwriting.Page{Limit: 500}})
	if err != nil && insurable.ErrorKind(err) != insurable.Permission {
		return nil, err
	}
	v.Policies = pols
	var latestPolicy *underwriting.Policy
	for _, pol := range pols {
		if pol.Assessment == nil {
			continue
		}
		if latestPolicy == nil || pol.Assessment.Recorded.After(latestPolicy.Assessment.Recorded) ||
			(pol.Assessment.Recorded == latestPolicy.Assessment.Recorded && pol.Assessment.ID > latestPolicy.Assessment.ID) {
			latestPolicy = pol
		}
	}
	if latestPolicy != nil {
		a, res, err := h.loadAssessment(r, p, latestPolicy.Assessment.ID)
		if err != nil {
			return nil, err
		}
		v.Latest, v.Result = a, res
		v.Sections = sections(res)
		if v.Plan, err = h.plan(r, s, latestPolicy); err != nil {
			return nil, err
		}
	}
	pts, ev, err := h.svc.FirmMetrics(ctx, p, org.ID)
	switch {
	case err == nil:
		v.Evidence = ev
		v.Metrics = metricCharts(pts)
	case insurable.ErrorKind(err) == insurable.NotExist, insurable.ErrorKind(err) == insurable.Permission:
		// No evidence yet, or not the caller's to read: no dashboards.
	default:
		return nil, err
	}
	alerts, _, err := h.svc.ListAlerts(ctx, p, underwriting.Page{Limit: 100})
	if err == nil {
		for _, a := range alerts {
			if a.Firm == org.ID && len(v.Alerts) < 20 {
				v.Alerts = append(v.Alerts, a)
			}
		}
	}
	return &page{Name: "firm", Title: org.Name, View: v}, nil
}

// loadAssessment reads an assessment and decodes its result.
func (h *Handler) loadAssessment(r *http.Request, p *access.Principal, id string) (*underwriting.Assessment, *assessment.Result, error) {
	a, err := h.svc.GetAssessment(r.Context(), p, id)
	if err != nil {
		return nil, nil, err
	}
	var res assessment.Result
	if err := json.Unmarshal(a.Result, &res); err != nil {
		return nil, nil, insurable.Wrap("web", insurable.Internal, err)
	}
	return a, &res, nil
}

// plan gathers a policy's remediation plan.
func (h *Handler) plan(r *http.Request, s *session, pol *underwriting.Policy) (*planView, error) {
	items, err := h.svc.ListRemediation(r.Context(), s.principal, pol.ID)
	if err != nil {
		return nil, err
	}
	today := evidence.NewDate(h.now())
	// Open items first, soonest due first.
	slices.SortStableFunc(items, func(a, b *underwriting.RemediationItem) int {
		if da, db := closed(a), closed(b); da != db {
			if da {
				return 1
			}
			return -1
		}
		if c := a.Due.Time().Compare(b.Due.Time()); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	pv := &planView{Policy: pol.ID, Items: items, AsOf: today, Editable: s.principal.Org == pol.Firm && access.Allowed(s.principal, access.RemediationUpdate, access.Own)}
	for _, it := range items {
		switch {
		case closed(it):
			pv.Done++
		case !it.Due.IsZero() && it.Due.Before(today):
			pv.Overdue++
		}
	}
	if len(items) > 0 {
		pv.Percent = pv.Done * 100 / len(items)
	}
	return pv, nil
}

func closed(it *underwriting.RemediationItem) bool {
	return it.Status == underwriting.StatusDone || it.Status == underwriting.StatusResolved
}

// sections groups an assessment's verdicts by section of the Protocol.
func sections(res *assessment.Result) []sectionView {
	var out []sectionView
	for _, sec := range report.Sections {
		sv := sectionView{Title: sec.Title}
		for i := range res.Verdicts {
			vd := &res.Verdicts[i]
			if !strings.HasPrefix(string(vd.ID), sec.Prefix) {
				continue
			}
			sv.Verdicts = append(sv.Verdicts, vd)
			switch vd.Status {
			case check.Pass:
				sv.Pass++
			case check.Fail:
				sv.Fail++
			case check.NeedsReview:
				sv.Review++
			default:
				sv.NA++
			}
		}
		if len(sv.Verdicts) == 0 {
			continue
		}
		sv.Chart = chart.Stacked(sec.Title, []chart.Segment{
			{Label: "pass", Value: float64(sv.Pass), Class: "pass"},
			{Label: "needs review", Value: float64(sv.Review), Class: "review"},
			{Label: "fail", Value: float64(sv.Fail), Class: "fail"},
			{Label: "not applicable", Value: float64(sv.NA), Class: "none"},
		}, chart.Options{Width: 1100})
		out = append(out, sv)
	}
	return out
}

// metricGroups are the dashboards of §I.C: attack attempts on their own
// scale, the rarer events together; any other metric gets a chart of its
// own.
var metricGroups = []struct {
	Title   string
	Metrics []string
}{
	{"Attack attempts", []string{"attack_attempts"}},
	{"Incidents, close calls, policy violations and anomalies", []string{"incidents", "close_calls", "policy_violations", "anomalies"}},
}

func metricCharts(pts []evidence.MetricPoint) []metricChart {
	series := map[string][]chart.Point{}
	var names []string
	for _, pt := range pts {
		if _, ok := series[pt.Metric]; !ok {
			names = append(names, pt.Metric)
		}
		series[pt.Metric] = append(series[pt.Metric], chart.Point{Date: pt.Date.Time(), Value: pt.Value})
	}
	var out []metricChart
	grouped := map[string]bool{}
	for _, g := range metricGroups {
		var ss []chart.Series
		for _, m := range g.Metrics {
			grouped[m] = true
			if pts, ok := series[m]; ok {
				ss = append(ss, chart.Series{Name: metricName(m), Points: pts})
			}
		}
		if len(ss) > 0 {
			out = append(out, metricChart{Title: g.Title, Chart: chart.Lines(g.Title, ss, chart.Options{})})
		}
	}
	slices.Sort(names)
	for _, m := range names {
		if grouped[m] {
			continue
		}
		t := metricName(m)
		out = append(out, metricChart{Title: t, Chart: chart.Lines(t, []chart.Series{{Name: t, Points: series[m]}}, chart.Options{})})
	}
	return out
}

// metricName turns a metric's id into words.
func metricName(m string) string {
	s := strings.ReplaceAll(m, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
