package web

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/policy"
	"github.com/insurable/insurable/underwriting"
	"github.com/insurable/insurable/web/chart"
)

// portfolioView is an insurer's (or arbiter's) portfolio page.
type portfolioView struct {
	*underwriting.Portfolio
	// Shown are the rows that pass the filters.
	Shown                     []*underwriting.PortfolioRow
	State                     string
	Query                     string
	States                    []policy.State
	InForce, Firms, Suspended int
	Arbiter                   bool

	StateChart, ExposureChart, TierChart template.HTML
}

// portfolio is the insurer's overview: every policy with its firm, tier,
// decision and exposure, counted by state, with the renewals and
// suspensions to come.
func (h *Handler) portfolio(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	p := s.principal
	if p.Kind == access.Firm {
		http.Redirect(w, r, "/firms/"+p.Org, http.StatusSeeOther)
		return nil, nil
	}
	if p.Kind != access.Insurer && p.Kind != access.Arbiter {
		return nil, insurable.Errorf("web", insurable.Permission, "a portfolio is an insurer's: a %s has none", p.Kind)
	}
	pf, err := h.svc.Portfolio(r.Context(), p)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	v := &portfolioView{Portfolio: pf, State: q.Get("state"), Query: strings.TrimSpace(q.Get("q")), States: policy.States, Arbiter: p.Kind == access.Arbiter}
	if v.State != "" && !slices.Contains(policy.States, policy.State(v.State)) {
		return nil, insurable.Errorf("web", insurable.Invalid, "no policy state %q", v.State)
	}
	needle := strings.ToLower(v.Query)
	firms := map[string]bool{}
	for _, row := range pf.Rows {
		firms[row.Firm.ID] = true
		if row.Policy.State.InForce() {
			v.InForce++
		}
		if v.State != "" && string(row.Policy.State) != v.State {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(row.Firm.Name), needle) && !strings.Contains(row.Policy.ID, needle) {
			continue
		}
		v.Shown = append(v.Shown, row)
	}
	v.Firms = len(firms)
	v.Suspended = pf.ByState[policy.Suspended]

	var bars []chart.Bar
	for _, st := range policy.States {
		if n := pf.ByState[st]; n > 0 {
			bars = append(bars, chart.Bar{Label: string(st), Value: float64(n), Class: "state-" + string(st), Href: "/portfolio?state=" + string(st)})
		}
	}
	v.StateChart = chart.Bars("Policies by state", bars, chart.Options{})
	e := pf.Exposure
	v.ExposureChart = chart.Stacked("Open exposure by severity", []chart.Segment{
		{Label: "critical", Value: float64(e.Critical), Class: "critical"},
		{Label: "high", Value: float64(e.High), Class: "high"},
		{Label: "medium", Value: float64(e.Medium), Class: "medium"},
		{Label: "low", Value: float64(e.Low), Class: "low"},
	}, chart.Options{})
	tiers := make([]string, 0, len(pf.ByTier))
	for t := range pf.ByTier {
		tiers = append(tiers, t)
	}
	slices.Sort(tiers)
	bars = bars[:0]
	for _, t := range tiers {
		bars = append(bars, chart.Bar{Label: "tier " + t, Value: float64(pf.ByTier[t]), Class: "tier"})
	}
	v.TierChart = chart.Bars("Policies by tier", bars, chart.Options{})
	return &page{Name: "portfolio", Title: "Portfolio", View: v}, nil
}
