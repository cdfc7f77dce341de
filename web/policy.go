package web

import (
	"bytes"
	"net/http"
	"net/url"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/report"
	"github.com/insurable/insurable/underwriting"
)

// policyView is a policy's page: its state and terms, its history with
// where each step is in the decision log, its assessments and its
// remediation plan.
type policyView struct {
	Policy      *underwriting.Policy
	FirmName    string
	InsurerName string
	Transitions []*underwriting.Transition
	Assessments []*underwriting.Assessment
	Plan        *planView
	Ledger      map[string]*underwriting.LedgerEntry
}

func (h *Handler) policy(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	ctx := r.Context()
	p := s.principal
	pol, err := h.svc.GetPolicy(ctx, p, r.PathValue("policy"))
	if err != nil {
		return nil, err
	}
	v := &policyView{Policy: pol, FirmName: h.orgName(r, s, pol.Firm), InsurerName: h.orgName(r, s, pol.Insurer)}
	if v.Transitions, err = all(func(pg underwriting.Page) ([]*underwriting.Transition, string, error) {
		return h.svc.ListTransitions(ctx, p, pol.ID, pg)
	}); err != nil {
		return nil, err
	}
	if v.Assessments, err = all(func(pg underwriting.Page) ([]*underwriting.Assessment, string, error) {
		return h.svc.ListAssessments(ctx, p, pol.ID, pg)
	}); err != nil {
		return nil, err
	}
	// Newest first reads best.
	for i, j := 0, len(v.Assessments)-1; i < j; i, j = i+1, j-1 {
		v.Assessments[i], v.Assessments[j] = v.Assessments[j], v.Assessments[i]
	}
	if v.Plan, err = h.plan(r, s, pol); err != nil {
		return nil, err
	}
	if v.Ledger, err = h.svc.PolicyLedger(ctx, p, pol.ID); err != nil {
		return nil, err
	}
	return &page{Name: "policy", Title: "Policy " + pol.ID, View: v}, nil
}

// all pages through a list.
func all[T any](list func(underwriting.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	pg := underwriting.Page{Limit: 500}
	for {
		items, next, err := list(pg)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		pg.After = next
	}
}

// orgName is an organisation's name, or its id when the caller may not
// read it.
func (h *Handler) orgName(r *http.Request, s *session, id string) string {
	if o, err := h.svc.GetOrg(r.Context(), s.principal, id); err == nil {
		return o.Name
	}
	return id
}

// updateRemediation records the firm's progress on a plan item.
func (h *Handler) updateRemediation(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	pol := r.PathValue("policy")
	if _, err := h.svc.UpdateRemediation(r.Context(), s.principal, pol, r.PathValue("item"), r.PostForm.Get("status")); err != nil {
		return nil, err
	}
	back := "/policies/" + url.PathEscape(pol) + "#plan"
	if from := safeNext(r.PostForm.Get("back")); from != "" {
		back = from
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil, nil
}

// assessmentView is an assessment's page: the decision with every gate
// and reason, each requirement's verdict with its findings, and the plan.
type assessmentView struct {
	Assessment *underwriting.Assessment
	Result     *assessment.Result
	Sections   []sectionView
	Policy     string
}

func (h *Handler) assessment(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	a, res, err := h.loadAssessment(r, s.principal, r.PathValue("assessment"))
	if err != nil {
		return nil, err
	}
	a.Result = nil
	return &page{Name: "assessment", Title: "Assessment of " + res.Firm.Name, View: &assessmentView{Assessment: a, Result: res, Sections: sections(res), Policy: a.Policy}}, nil
}

// assessmentReport serves the assessment's standalone HTML report, the
// one `insurable assess -o html` writes.
func (h *Handler) assessmentReport(w http.ResponseWriter, r *http.Request, s *session) (*page, error) {
	_, res, err := h.loadAssessment(r, s.principal, r.PathValue("assessment"))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := report.HTML(&buf, res); err != nil {
		return nil, insurable.Wrap("web", insurable.Internal, err)
	}
	// The report carries its own stylesheet under a hash-based policy.
	w.Header().Del("Content-Security-Policy")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
	return nil, nil
}
