package underwriting

import (
	"context"
	"slices"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/policy"
)

// PortfolioRow is one policy of a portfolio with its firm, its insurer
// and the summary of the assessment it rests on.
type PortfolioRow struct {
	Policy  *Policy `json:"policy"`
	Firm    *Org    `json:"firm"`
	Insurer *Org    `json:"insurer"`
	// Assessment is the latest assessment, without its result; nil
	// before the first.
	Assessment *Assessment `json:"assessment,omitempty"`
}

// Exposure is open vulnerability exposure: affected assets by advisory
// severity, on CISA's KEV list, and KEV entries past their due date.
type Exposure struct {
	Critical   int `json:"critical"`
	High       int `json:"high"`
	Medium     int `json:"medium"`
	Low        int `json:"low"`
	KEV        int `json:"kev"`
	KEVPastDue int `json:"kev_past_due"`
}

func (e *Exposure) add(o Exposure) {
	e.Critical += o.Critical
	e.High += o.High
	e.Medium += o.Medium
	e.Low += o.Low
	e.KEV += o.KEV
	e.KEVPastDue += o.KEVPastDue
}

// Portfolio is what an organisation underwrites or holds: every policy it
// may read, counted by state, its exposure, and the renewals and
// suspensions that come next.
type Portfolio struct {
	AsOf     evidence.Date        `json:"as_of"`
	Rows     []*PortfolioRow      `json:"rows"`
	ByState  map[policy.State]int `json:"by_state"`
	ByTier   map[string]int       `json:"by_tier"`
	Exposure Exposure             `json:"exposure"`
	// Renewals are the policies in force whose term ends within
	// RenewalWindow days, soonest first.
	Renewals []*PortfolioRow `json:"renewals"`
	// Suspensions are the policies in a grace period that ends in
	// suspension unless the firm remediates, soonest first.
	Suspensions []*PortfolioRow `json:"suspensions"`
}

// RenewalWindow is how many days ahead a portfolio lists renewals.
const RenewalWindow = 90

// Portfolio gathers the caller's portfolio: an insurer's policies, a
// firm's own, or every policy for an arbiter. It reads in one
// transaction and a fixed number of queries however many policies there
// are.
func (s *Service) Portfolio(ctx context.Context, p *access.Principal) (*Portfolio, error) {
	const op insurable.Op = "underwriting.Portfolio"
	today := s.today()
	out := &Portfolio{AsOf: today, ByState: map[policy.State]int{}, ByTier: map[string]int{}, Rows: []*PortfolioRow{}, Renewals: []*PortfolioRow{}, Suspensions: []*PortfolioRow{}}
	err := s.view(ctx, func(tx Tx) error {
		var pols []*Policy
		f := PolicyFilter{Page: Page{Limit: 500}}
		for {
			// ListPolicies' rules, applied to every page.
			page, err := s.policiesPage(ctx, tx, op, p, f)
			if err != nil {
				return err
			}
			pols = append(pols, page...)
			if len(page) < f.Limit {
				break
			}
			f.After = page[len(page)-1].ID
		}
		orgIDs := make([]string, 0, 2*len(pols))
		asmIDs := make([]string, 0, len(pols))
		for _, pol := range pols {
			orgIDs = append(orgIDs, pol.Firm, pol.Insurer)
			if pol.Assessment != nil {
				asmIDs = append(asmIDs, pol.Assessment.ID)
			}
		}
		slices.Sort(orgIDs)
		orgs, err := tx.OrgsByID(ctx, slices.Compact(orgIDs))
		if err != nil {
			return err
		}
		asms, err := tx.AssessmentsByID(ctx, asmIDs)
		if err != nil {
			return err
		}
		orgOf := make(map[string]*Org, len(orgs))
		for _, o := range orgs {
			orgOf[o.ID] = o
		}
		asmOf := make(map[string]*Assessment, len(asms))
		for _, a := range asms {
			asmOf[a.ID] = a
		}
		for _, pol := range pols {
			row := &PortfolioRow{Policy: pol, Firm: orgOf[pol.Firm], Insurer: orgOf[pol.Insurer]}
			if row.Firm == nil {
				row.Firm = &Org{ID: pol.Firm, Kind: access.Firm, Name: pol.Firm}
			}
			if row.Insurer == nil {
				row.Insurer = &Org{ID: pol.Insurer, Kind: access.Insurer, Name: pol.Insurer}
			}
			if pol.Assessment != nil {
				row.Assessment = asmOf[pol.Assessment.ID]
			}
			out.add(row, today)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out.Rows, func(a, b *PortfolioRow) int {
		if c := strings.Compare(strings.ToLower(a.Firm.Name), strings.ToLower(b.Firm.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.Policy.ID, b.Policy.ID)
	})
	slices.SortStableFunc(out.Renewals, func(a, b *PortfolioRow) int { return a.Policy.Expires.Time().Compare(b.Policy.Expires.Time()) })
	slices.SortStableFunc(out.Suspensions, func(a, b *PortfolioRow) int { return a.Policy.Grace.Time().Compare(b.Policy.Grace.Time()) })
	return out, nil
}

// add counts a row into the portfolio.
func (pf *Portfolio) add(row *PortfolioRow, today evidence.Date) {
	pol := row.Policy
	pf.Rows = append(pf.Rows, row)
	pf.ByState[pol.State]++
	if a := row.Assessment; a != nil && !pol.State.Terminal() {
		if a.Tier != "" {
			pf.ByTier[a.Tier]++
		}
		if sm := a.Summary; sm != nil {
			pf.Exposure.add(sm.Exposure)
		}
	}
	if pol.State.InForce() && !pol.Expires.IsZero() && !pol.Expires.After(today.Plus(evidence.Period{Days: RenewalWindow})) {
		pf.Renewals = append(pf.Renewals, row)
	}
	if pol.State.InForce() && !pol.Grace.IsZero() {
		pf.Suspensions = append(pf.Suspensions, row)
	}
}

// policiesPage is one page of the policies p may list.
func (s *Service) policiesPage(ctx context.Context, tx Tx, op insurable.Op, p *access.Principal, f PolicyFilter) ([]*Policy, error) {
	if p == nil {
		return nil, insurable.Errorf(op, insurable.Unauthorized, "authentication required")
	}
	switch p.Kind {
	case access.Firm:
		f.Firm = p.Org
	case access.Insurer:
		f.Insurer = p.Org
	case access.Arbiter:
	default:
		return nil, authorize(op, p, access.PolicyRead, 0, "", "")
	}
	if err := authorize(op, p, access.PolicyRead, access.Own|access.PolicyInsurer, "", ""); err != nil {
		return nil, err
	}
	return tx.Policies(ctx, f)
}

// FirmMetrics returns the security metric series (C1, C2) of the firm's
// latest evidence version, with that version; NotExist when the firm has
// uploaded none.
func (s *Service) FirmMetrics(ctx context.Context, p *access.Principal, firm string) ([]evidence.MetricPoint, *EvidenceVersion, error) {
	const op insurable.Op = "underwriting.FirmMetrics"
	var ev *EvidenceVersion
	err := s.view(ctx, func(tx Tx) error {
		if err := s.firmAccess(ctx, tx, op, p, firm, access.EvidenceRead); err != nil {
			return err
		}
		var err error
		ev, err = tx.LatestEvidence(ctx, firm)
		return notFoundAs(op, err, "evidence of firm", firm)
	})
	if err != nil {
		return nil, nil, err
	}
	b, release, err := s.bundles.acquire(ctx, ev)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	return slices.Clone(b.Metrics), ev, nil
}
