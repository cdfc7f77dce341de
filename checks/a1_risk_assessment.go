package checks

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// riskAssessment verifies A1: every asset identified, a risk register that
// covers every asset class with threat agents and risk factors, and a
// vulnerability assessment of the fleet.
type riskAssessment struct{ base }

func newRiskAssessment() check.Check {
	return riskAssessment{base{name: "a1-risk-assessment", version: 1, item: "A1"}}
}

// requiredAssetFields are the inventory fields A1 needs filled for every asset.
var requiredAssetFields = []string{"asset_id", "class", "vendor", "product", "version", "site", "criticality"}

func (c riskAssessment) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	ix := env.Index()
	r.Fact("assets_total", len(b.Assets))
	if len(b.Assets) == 0 {
		missing(r, "a1.no-inventory", check.Critical, "No asset inventory",
			"The bundle holds no asset inventory, so no asset can be shown to be identified, let alone assessed.",
			"Export the asset inventory (CSV or YAML) into inventory/.", evidence.DirInventory)
	} else {
		c.inventory(env, r, ix)
	}
	c.observations(env, r, ix)
	c.register(env, r, ix)
	return c.vulnerabilities(ctx, env, r)
}

func (c riskAssessment) inventory(env *check.Env, r *check.Report, ix *check.Index) {
	b := env.Bundle
	var incomplete check.Set
	gaps := map[string]int{}
	for i := range b.Assets {
		a := &b.Assets[i]
		var miss []string
		for _, f := range requiredAssetFields {
			if assetField(a, f) == "" {
				miss = append(miss, f)
				gaps[f]++
			}
		}
		if a.Class != "" && evidence.NormalizeClass(a.Class) == "" {
			miss = append(miss, "class")
			gaps["class (unrecognised)"]++
		}
		if a.Criticality != "" && !validCriticality[a.Criticality] {
			miss = append(miss, "criticality")
			gaps["criticality (not high, medium or low)"]++
		}
		if len(miss) > 0 {
			incomplete.Add(firstNonEmpty(a.ID, fmt.Sprintf("line %d", a.Ref.Line)), a.Ref.WithField(strings.Join(miss, ",")))
		}
	}
	r.Fact("assets_incomplete", incomplete.Len())
	if incomplete.Len() > 0 {
		sev := check.Medium
		if ratio(incomplete.Len(), len(b.Assets)) > 0.1 {
			sev = check.High
		}
		r.Add(incomplete.Fill(check.Finding{
			Code: "a1.inventory-incomplete", Status: check.Fail, Severity: sev,
			Title:       fmt.Sprintf("%s of %d incompletely identified", plural(incomplete.Len(), "asset", "assets"), len(b.Assets)),
			Explanation: "Each asset needs an id, a recognised class, vendor, product, firmware version, site and criticality so that it can be assessed. Missing: " + describeGaps(gaps) + ".",
			Remediation: "Fill the missing inventory fields; the firmware version is what vulnerability matching works from.",
		}))
	} else {
		r.Add(check.Finding{
			Code: "a1.inventory-complete", Status: check.Pass,
			Title:       fmt.Sprintf("All %d assets fully identified", len(b.Assets)),
			Explanation: "Every inventoried asset has an id, a recognised class, vendor, product, firmware version, site and criticality.",
			Evidence:    inventoryRefs(b),
		})
	}
	r.Fact("assets_duplicate_ids", len(ix.Duplicates))
	if len(ix.Duplicates) > 0 {
		var dups check.Set
		for i := range b.Assets {
			if first, ok := ix.ByID[b.Assets[i].ID]; ok && first != i {
				dups.Add(b.Assets[i].ID, b.Assets[i].Ref.WithField("asset_id"))
			}
		}
		r.Add(dups.Fill(check.Finding{
			Code: "a1.duplicate-asset-ids", Status: check.Fail, Severity: check.Medium,
			Title:       plural(len(ix.Duplicates), "asset id is", "asset ids are") + " used more than once",
			Explanation: "Asset ids must be unique so that findings, certificates and baselines attach to one device: " + list(ix.Duplicates, 10) + ".",
			Remediation: "Give every asset its own id.",
		}))
	}
}

var validCriticality = map[string]bool{"high": true, "medium": true, "low": true, "critical": true}

func assetField(a *evidence.Asset, f string) string {
	switch f {
	case "asset_id":
		return a.ID
	case "class":
		return a.Class
	case "vendor":
		return a.Vendor
	case "product":
		return a.Product
	case "version":
		return a.Version
	case "site":
		return a.Site
	case "criticality":
		return a.Criticality
	}
	return ""
}

func describeGaps(gaps map[string]int) string {
	keys := make([]string, 0, len(gaps))
	for k := range gaps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s on %d", k, gaps[k])
	}
	return strings.Join(parts, "; ")
}

func inventoryRefs(b *evidence.Bundle) []evidence.Ref {
	seen := map[string]bool{}
	var refs []evidence.Ref
	for i := range b.Assets {
		if f := b.Assets[i].Ref.File; !seen[f] {
			seen[f] = true
			refs = append(refs, evidence.Ref{File: f})
		}
	}
	return refs
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (c riskAssessment) observations(env *check.Env, r *check.Report, ix *check.Index) {
	b := env.Bundle
	if len(b.Observed) == 0 {
		r.Fact("observed_unlisted", 0)
		r.Add(check.Finding{
			Code: "a1.no-observations", Status: check.NeedsReview, Severity: check.Medium,
			Title:       "Inventory completeness not shown against the network",
			Explanation: "No network observations (passive monitoring or discovery exports) are in the bundle, so nothing shows that every device on the network is inventoried.",
			Remediation: "Export the devices seen by network monitoring over the last 90 days into observations/.",
			Evidence:    []evidence.Ref{{File: evidence.DirObservations}},
		})
		return
	}
	since := env.AsOf.Minus(env.Settings.Observations)
	var unlisted check.Set
	considered := 0
	for i := range b.Observed {
		o := &b.Observed[i]
		if !o.LastSeen.IsZero() && o.LastSeen.Before(since) {
			continue
		}
		considered++
		if _, ok := ix.ByMAC[check.NormalizeMAC(o.MAC)]; ok && o.MAC != "" {
			continue
		}
		if _, ok := ix.ByIP[o.IP]; ok && o.IP != "" {
			continue
		}
		unlisted.Add(firstNonEmpty(o.IP, o.MAC), o.Ref)
	}
	r.Fact("observed_unlisted", unlisted.Len())
	if unlisted.Len() > 0 {
		r.Add(unlisted.Fill(check.Finding{
			Code: "a1.observed-not-inventoried", Status: check.Fail, Severity: check.High,
			Title:       fmt.Sprintf("%s seen on the network but not inventoried", plural(unlisted.Len(), "device", "devices")),
			Explanation: fmt.Sprintf("Of %d devices seen since %s, %d match no inventoried asset by MAC or IP address: the inventory does not identify all assets.", considered, since, unlisted.Len()),
			Remediation: "Identify each device and add it to the inventory, or remove it from the network.",
		}))
		return
	}
	r.Add(check.Finding{
		Code: "a1.observed-all-inventoried", Status: check.Pass,
		Title:       fmt.Sprintf("Every device seen on the network is inventoried (%d)", considered),
		Explanation: fmt.Sprintf("All %d devices observed since %s match an inventoried asset by MAC or IP address.", considered, since),
		Evidence:    []evidence.Ref{{File: b.Observed[0].Ref.File}},
	})
}

func (c riskAssessment) register(env *check.Env, r *check.Report, ix *check.Index) {
	rr := env.Bundle.RiskRegister
	if rr == nil {
		r.Fact("risk_classes_uncovered", len(ix.Classes))
		missing(r, "a1.no-risk-register", check.High, "No risk register",
			"The bundle holds no risk register, so no risk factors or threat agents are identified for the IIoT systems.",
			"Write risk/register.yaml with a risk per asset class, its threat agents, risk factors, likelihood, impact and treatment.", evidence.PathRiskRegister)
		return
	}
	covered := map[string]bool{}
	var thin check.Set
	for i := range rr.Risks {
		k := &rr.Risks[i]
		for _, cl := range k.AssetClasses {
			if cl == "*" || cl == "all" {
				for c := range ix.Classes {
					covered[c] = true
				}
			}
			covered[evidence.NormalizeClass(cl)] = true
		}
		if len(k.ThreatAgents) == 0 || len(k.RiskFactors) == 0 || k.Likelihood < 1 || k.Impact < 1 {
			thin.Add(k.ID, k.Ref)
		}
	}
	var uncovered []string
	for cl := range ix.Classes {
		if cl != "" && !covered[cl] {
			uncovered = append(uncovered, cl)
		}
	}
	sort.Strings(uncovered)
	r.Fact("risk_classes_uncovered", len(uncovered))
	ok := true
	if len(uncovered) > 0 {
		ok = false
		r.Add(check.Finding{
			Code: "a1.risk-classes-uncovered", Status: check.Fail, Severity: check.Medium,
			Title:       plural(len(uncovered), "asset class has", "asset classes have") + " no assessed risk",
			Explanation: "The risk register names no risk for these inventoried asset classes: " + strings.Join(uncovered, ", ") + ".",
			Remediation: "Assess the risks of each asset class and add them to the register.",
			Subjects:    uncovered,
			Evidence:    []evidence.Ref{rr.Ref},
		})
	}
	if thin.Len() > 0 {
		ok = false
		r.Add(thin.Fill(check.Finding{
			Code: "a1.risks-incomplete", Status: check.Fail, Severity: check.Medium,
			Title:       plural(thin.Len(), "risk lacks", "risks lack") + " threat agents, risk factors or a rating",
			Explanation: "Each risk must name the threat agents that could act on it and the risk factors behind it, and rate likelihood and impact from 1 to 5.",
			Remediation: "Complete the threat agents, risk factors, likelihood and impact of each risk.",
		}))
	}
	if rr.Reviewed.IsZero() || rr.Reviewed.Before(env.AsOf.Minus(env.Settings.RiskRegister)) {
		ok = false
		r.Add(check.Finding{
			Code: "a1.risk-register-stale", Status: check.Fail, Severity: check.Medium,
			Title:       "Risk register not reviewed within " + env.Settings.RiskRegister.String(),
			Explanation: fmt.Sprintf("The register was last reviewed on %q; the profile wants a review within %s of %s.", rr.Reviewed.String(), env.Settings.RiskRegister, env.AsOf),
			Remediation: "Review the risk register and record the date.",
			Evidence:    []evidence.Ref{rr.Ref.WithField("reviewed")},
		})
	}
	if ok {
		r.Add(check.Finding{
			Code: "a1.risk-register", Status: check.Pass,
			Title:       fmt.Sprintf("Risk register covers every asset class (%d risks)", len(rr.Risks)),
			Explanation: fmt.Sprintf("Every inventoried asset class has at least one rated risk with threat agents and risk factors; the register (%s) was reviewed on %s.", rr.Method, rr.Reviewed),
			Evidence:    []evidence.Ref{rr.Ref},
		})
	}
}

func (c riskAssessment) vulnerabilities(ctx context.Context, env *check.Env, r *check.Report) error {
	if len(env.Bundle.Assets) == 0 {
		return nil
	}
	rep, err := env.Vulnerabilities(ctx)
	if err != nil {
		return err
	}
	if rep == nil {
		unverified(r, "a1.vulnerabilities-unassessed", "Vulnerability assessment not computed",
			"The fleet's exposure to published advisories and known-exploited vulnerabilities could not be computed.",
			check.VerifierVulnerabilities, inventoryRefs(env.Bundle)...)
		return nil
	}
	bySev := map[check.Severity]int{}
	assets := map[string]bool{}
	kev, unknown := 0, 0
	var unknownSet check.Set
	for _, m := range rep.Matches {
		switch m.Status {
		case "affected":
			bySev[m.Severity]++
			assets[m.AssetID] = true
			if m.KEV {
				kev++
			}
		case "unknown":
			unknown++
			unknownSet.Add(m.AssetID+" "+m.AdvisoryID, m.Ref)
		}
	}
	r.Fact("vulns_total", bySev[check.Critical]+bySev[check.High]+bySev[check.Medium]+bySev[check.Low]+bySev[check.Info])
	r.Fact("vulns_critical", bySev[check.Critical])
	r.Fact("vulns_high", bySev[check.High])
	r.Fact("vulns_medium", bySev[check.Medium])
	r.Fact("vulns_low", bySev[check.Low])
	r.Fact("vulns_kev", kev)
	r.Fact("vulns_unknown", unknown)
	r.Fact("assets_affected", len(assets))
	feeds := make([]string, len(rep.Feeds))
	for i, f := range rep.Feeds {
		feeds[i] = strings.TrimSpace(f.Name + " " + f.Version)
	}
	r.Add(check.Finding{
		Code: "a1.vulnerabilities-assessed", Status: check.Pass,
		Title: fmt.Sprintf("Vulnerability assessment: %d assets exposed (%d critical, %d high, %d known exploited)", len(assets), bySev[check.Critical], bySev[check.High], kev),
		Explanation: fmt.Sprintf("Every inventoried asset was matched against %s. Exposure by severity: critical %d, high %d, medium %d, low %d; %d on CISA's known-exploited list. Patching is judged under A4, legacy devices under B6.",
			list(feeds, 4), bySev[check.Critical], bySev[check.High], bySev[check.Medium], bySev[check.Low], kev),
		Evidence: inventoryRefs(env.Bundle),
	})
	if unknown > 0 {
		r.Add(unknownSet.Fill(check.Finding{
			Code: "a1.vulnerabilities-unknown", Status: check.NeedsReview, Severity: check.Low,
			Title:       plural(unknown, "possible match needs", "possible matches need") + " review",
			Explanation: "These assets match an advisory's product, but the advisory's version range could not be interpreted, so whether the deployed version is affected is unknown.",
			Remediation: "Check each advisory's affected versions against the deployed firmware by hand and record the outcome.",
		}))
	}
	return nil
}
