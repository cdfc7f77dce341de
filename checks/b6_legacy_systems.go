package checks

import (
	"context"
	"fmt"

	"github.com/insurable/insurable/check"
)

// legacySystems verifies B6: every device past its end of life, or whose
// vendor will not fix a vulnerability affecting it, is tracked as legacy,
// with compensating controls and a replacement date.
type legacySystems struct{ base }

func newLegacySystems() check.Check {
	return legacySystems{base{name: "b6-legacy-systems", version: 1, item: "B6"}}
}

func (c legacySystems) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	rep, err := env.Vulnerabilities(ctx)
	if err != nil {
		return err
	}
	noFix := map[string]string{} // asset -> an advisory with no fix planned
	if rep != nil {
		for _, m := range rep.Matches {
			if m.NoFixPlanned && m.Status == "affected" {
				if _, seen := noFix[m.AssetID]; !seen {
					noFix[m.AssetID] = m.AdvisoryID
				}
			}
		}
	}
	var untracked, noControls, noReplacement, overdue check.Set
	legacy := 0
	for i := range b.Assets {
		a := &b.Assets[i]
		eol := !a.EndOfLife.IsZero() && !a.EndOfLife.After(env.AsOf)
		adv, unfixable := noFix[a.ID]
		if !eol && !unfixable {
			continue
		}
		legacy++
		if unfixable && a.EndOfLife.IsZero() {
			untracked.Add(fmt.Sprintf("%s (%s)", a.ID, adv), a.Ref.WithField("eol"))
		}
		if a.CompensatingControls == "" {
			noControls.Add(a.ID, a.Ref.WithField("compensating_controls"))
		}
		switch {
		case a.Replacement.IsZero():
			noReplacement.Add(a.ID, a.Ref.WithField("replacement"))
		case a.Replacement.Before(env.AsOf):
			overdue.Add(fmt.Sprintf("%s (due %s)", a.ID, a.Replacement), a.Ref.WithField("replacement"))
		}
	}
	r.Fact("legacy_devices", legacy)
	r.Fact("legacy_untracked", untracked.Len())
	r.Fact("legacy_without_plan", noControls.Len()+noReplacement.Len()+overdue.Len())
	if untracked.Len() > 0 {
		r.Add(untracked.Fill(check.Finding{
			Code: "b6.unfixable-not-tracked", Status: check.Fail, Severity: check.High,
			Title:       plural(untracked.Len(), "device is", "devices are") + " affected by vulnerabilities the vendor will not fix, but not tracked as legacy",
			Explanation: "An advisory marks these products no_fix_planned (typically end of life), yet the inventory gives them no end-of-life date.",
			Remediation: "Record each device's end-of-life date, compensating controls and replacement date in the inventory.",
		}))
	}
	if noControls.Len() > 0 {
		r.Add(noControls.Fill(check.Finding{
			Code: "b6.no-compensating-controls", Status: check.Fail, Severity: check.High,
			Title:       plural(noControls.Len(), "legacy device has", "legacy devices have") + " no compensating controls",
			Explanation: "Devices past end of life, or with unfixable vulnerabilities, must be protected by other means until replaced.",
			Remediation: "Segment and monitor these devices (e.g. a dedicated zone, allow-listed conduits, read-only access) and record the controls.",
		}))
	}
	if noReplacement.Len() > 0 {
		r.Add(noReplacement.Fill(check.Finding{
			Code: "b6.no-replacement-plan", Status: check.Fail, Severity: check.Medium,
			Title:       plural(noReplacement.Len(), "legacy device has", "legacy devices have") + " no replacement date",
			Explanation: "Legacy systems are not grandfathered: each needs a date by which it will be replaced.",
			Remediation: "Plan and budget the replacement of each device and record the date.",
		}))
	}
	if overdue.Len() > 0 {
		r.Add(overdue.Fill(check.Finding{
			Code: "b6.replacement-overdue", Status: check.Fail, Severity: check.Medium,
			Title:       plural(overdue.Len(), "legacy device is", "legacy devices are") + " past the planned replacement date",
			Explanation: "These devices were due to be replaced and are still in service.",
			Remediation: "Replace the devices, or re-plan with the reason for the delay.",
		}))
	}
	if rep == nil {
		unverified(r, "b6.no-fix-unassessed", "Devices the vendor will not fix not identified",
			"Advisories marking products no_fix_planned could not be matched to the inventory.", check.VerifierVulnerabilities, inventoryRefs(b)...)
	}
	if untracked.Len()+noControls.Len()+noReplacement.Len()+overdue.Len() == 0 {
		title := "No device past end of life or without a planned fix"
		expl := "No inventoried device is past its end-of-life date or affected by a vulnerability its vendor will not fix."
		if legacy > 0 {
			title = fmt.Sprintf("All %s tracked with compensating controls and a replacement date", plural(legacy, "legacy device", "legacy devices"))
			expl = "Every device past end of life, or affected by a vulnerability its vendor will not fix, has an end-of-life date, compensating controls and a future replacement date."
		}
		r.Add(check.Finding{Code: "b6.legacy-tracked", Status: check.Pass, Title: title, Explanation: expl, Evidence: inventoryRefs(b)})
	}
	return nil
}
