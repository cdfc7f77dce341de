package checks

import (
	"context"
	"fmt"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// legacyMeans verifies O4: the firm proves it has the means to maintain and
// update deployed systems: a maintenance budget for this year and next, and
// support contracts covering the vendors of its devices.
type legacyMeans struct{ base }

func newLegacyMeans() check.Check {
	return legacyMeans{base{name: "o4-legacy-means", version: 1, item: "O4"}}
}

func (c legacyMeans) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	lm := env.Bundle.Governance.Legacy
	if lm == nil {
		missing(r, "o4.no-means", check.Medium, "No proof of means to maintain deployed systems",
			"Nothing shows a budget or support contracts for maintaining and updating the IIoT systems already deployed.",
			"Record the maintenance budget for this year and next and the vendor support contracts in governance/legacy.yaml, attested by the finance officer.", evidence.PathLegacy)
		return nil
	}
	ref := env.Bundle.Governance.Refs["legacy"]
	ok := true
	year := env.AsOf.Time().Year()
	funded := map[int]bool{}
	for _, b := range lm.Budget {
		if b.Amount > 0 {
			funded[b.Year] = true
		}
	}
	if !funded[year] || !funded[year+1] {
		ok = false
		r.Add(check.Finding{
			Code: "o4.budget-missing", Status: check.Fail, Severity: check.Medium,
			Title:       fmt.Sprintf("No maintenance budget for %d and %d", year, year+1),
			Explanation: "The Protocol asks for proof of assets sufficient to maintain and update deployed systems; a budget for the current and the next year is not recorded.",
			Remediation: "Approve and record the maintenance and replacement budget for both years.",
			Evidence:    []evidence.Ref{ref.WithField("budget")},
		})
	}
	covered := map[string]bool{}
	for _, sc := range lm.SupportContracts {
		if !sc.Until.Before(env.AsOf) {
			covered[norm(sc.Vendor)] = true
		}
	}
	var uncovered check.Set
	for i := range env.Bundle.Assets {
		a := &env.Bundle.Assets[i]
		if a.Vendor != "" && !covered[norm(a.Vendor)] {
			uncovered.AddOnce(a.Vendor, a.Ref.WithField("vendor"))
		}
	}
	r.Fact("vendors_without_support", uncovered.Len())
	if uncovered.Len() > 0 {
		ok = false
		r.Add(uncovered.Fill(check.Finding{
			Code: "o4.vendors-unsupported", Status: check.Fail, Severity: check.Low,
			Title:       plural(uncovered.Len(), "vendor's devices are", "vendors' devices are") + " not under a current support contract",
			Explanation: "Without support, updates and replacement parts for these vendors' devices are not assured.",
			Remediation: "Put the fleet's vendors under support contracts, or plan to replace their devices.",
		}))
	}
	if attestation(ctx, env, r, lm.Attestation, ref, "o4.legacy", "The maintenance budget record", nil) != check.Pass {
		ok = false
	}
	if ok {
		r.Add(check.Finding{
			Code: "o4.means", Status: check.Pass,
			Title:       fmt.Sprintf("Maintenance funded for %d–%d; every vendor under support", year, year+1),
			Explanation: fmt.Sprintf("A maintenance budget is approved for %d and %d and %s cover every vendor in the fleet.", year, year+1, plural(len(lm.SupportContracts), "support contract", "support contracts")),
			Evidence:    []evidence.Ref{ref},
		})
	}
	return nil
}
