package checks

import (
	"context"
	"fmt"
	"sort"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// patching verifies A4: every device model receives updates by an
// automated, authenticated and signed channel; every firmware version in the
// fleet has an update artifact whose signature verifies to the firm's trusted
// keys; and vendor fixes are deployed, above all for known-exploited
// vulnerabilities past their due date.
type patching struct{ base }

func newPatching() check.Check {
	return patching{base{name: "a4-patching", version: 1, item: "A4"}}
}

func (c patching) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	c.channels(env, r)
	if err := c.firmware(ctx, env, r); err != nil {
		return err
	}
	return c.fixes(ctx, env, r)
}

func (c patching) channels(env *check.Env, r *check.Report) {
	b := env.Bundle
	declared := map[string]*evidence.DeviceModel{}
	for i := range b.DeviceModels {
		m := &b.DeviceModels[i]
		declared[check.ModelKey(m.Vendor, m.Product)] = m
	}
	var none, manual, unauth check.Set
	models := map[string]bool{}
	ix := env.Index()
	for i := range b.Assets {
		a := &b.Assets[i]
		k := ix.Models[i]
		if models[k] || a.Vendor == "" {
			continue
		}
		models[k] = true
		name := a.Vendor + " " + a.Product
		m, ok := declared[k]
		switch {
		case !ok || m.Update == nil:
			ref := a.Ref
			if ok {
				ref = m.Ref.WithField("update")
			}
			none.Add(name, ref)
		case !m.Update.Authenticated || !m.Update.Signed:
			unauth.Add(name, m.Ref.WithField("update"))
		case m.Update.Mechanism != "automated":
			manual.Add(name, m.Ref.WithField("update.mechanism"))
		}
	}
	r.Fact("models_without_update_channel", none.Len())
	r.Fact("models_without_signed_updates", unauth.Len())
	if none.Len() > 0 {
		r.Add(none.Fill(check.Finding{
			Code: "a4.no-update-channel", Status: check.Fail, Severity: check.High,
			Title:       plural(none.Len(), "device model has", "device models have") + " no declared update channel",
			Explanation: "Nothing says how these models receive firmware updates, or whether those updates are authenticated.",
			Remediation: "Declare each model's update mechanism in declarations/device-models.yaml (mechanism, authenticated, signed, source).",
		}))
	}
	if unauth.Len() > 0 {
		r.Add(unauth.Fill(check.Finding{
			Code: "a4.unauthenticated-updates", Status: check.Fail, Severity: check.High,
			Title:       plural(unauth.Len(), "device model takes", "device models take") + " updates that are not signed and authenticated",
			Explanation: "The Protocol requires every update to be signed or otherwise verified as coming from a trusted source.",
			Remediation: "Enable the vendor's signed-firmware verification, or deliver updates only through a channel that verifies signatures before installation.",
		}))
	}
	if manual.Len() > 0 {
		r.Add(manual.Fill(check.Finding{
			Code: "a4.manual-updates", Status: check.Fail, Severity: check.Medium,
			Title:       plural(manual.Len(), "device model is", "device models are") + " updated by hand only",
			Explanation: "The Protocol asks for an automated, safe and secure update mechanism; these models are declared as updated manually.",
			Remediation: "Bring these models under an automated update mechanism (a device management platform or the vendor's update server).",
		}))
	}
	if none.Len()+unauth.Len()+manual.Len() == 0 && len(models) > 0 {
		r.Add(check.Finding{
			Code: "a4.update-channels", Status: check.Pass,
			Title:       fmt.Sprintf("All %d device models update automatically with signed, authenticated updates", len(models)),
			Explanation: "Every model in the fleet declares an automated update mechanism that authenticates and verifies the signature of each update.",
			Evidence:    []evidence.Ref{{File: evidence.PathDeviceModels}},
		})
	}
}

func (c patching) firmware(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	files := b.Files[evidence.DirFirmware]
	if len(files) == 0 {
		missing(r, "a4.no-firmware-artifacts", check.High, "No signed update artifacts",
			"The bundle holds no firmware or update artifacts with signatures, so nothing shows that the fleet runs authenticated firmware.",
			"Put each deployed firmware image with its signature (or Sigstore bundle) in firmware/ and index it.", evidence.DirFirmware)
		return nil
	}
	if env.Verifiers.Firmware == nil {
		unverified(r, "a4.firmware-unverified", "Firmware signatures not verified",
			fmt.Sprintf("The bundle holds %s under firmware/.", plural(len(files), "file", "files")),
			check.VerifierFirmware, fileRefs(files[:min(len(files), check.MaxEvidence)])...)
		return nil
	}
	rep, err := env.Verifiers.Firmware.VerifyFirmware(ctx, b, env.AsOf)
	if err != nil {
		return err
	}
	verified := map[string]bool{}
	var bad check.Set
	badReasons := map[string]int{}
	for _, a := range rep.Results {
		if a.Status == "valid" {
			verified[check.FirmwareKey(a.Vendor, a.Product, a.Version)] = true
			continue
		}
		bad.Add(fmt.Sprintf("%s (%s)", a.File, a.Status), evidence.Ref{File: a.File})
		badReasons[a.Status]++
	}
	var uncovered check.Set
	seen := map[string]bool{}
	ix := env.Index()
	for i := range b.Assets {
		a := &b.Assets[i]
		k := ix.Firmware[i]
		if a.Version == "" || seen[k] {
			continue
		}
		seen[k] = true
		if !verified[k] {
			uncovered.Add(fmt.Sprintf("%s %s %s", a.Vendor, a.Product, a.Version), a.Ref.WithField("version"))
		}
	}
	r.Fact("firmware_invalid", bad.Len())
	r.Fact("firmware_unverified", uncovered.Len())
	if bad.Len() > 0 {
		var reasons []string
		for k, n := range badReasons {
			reasons = append(reasons, fmt.Sprintf("%s: %d", k, n))
		}
		sort.Strings(reasons)
		r.Add(bad.Fill(check.Finding{
			Code: "a4.firmware-signature-invalid", Status: check.Fail, Severity: check.Critical,
			Title:       plural(bad.Len(), "update artifact fails", "update artifacts fail") + " signature verification",
			Explanation: "These artifacts' signatures do not verify to the firm's trusted keys (" + list(reasons, 6) + "); a device that installed them may run tampered or untrusted firmware.",
			Remediation: "Withdraw these artifacts, obtain them again from the vendor's signed source, and check the devices that installed them.",
		}))
	}
	if uncovered.Len() > 0 {
		r.Add(uncovered.Fill(check.Finding{
			Code: "a4.fleet-firmware-unverified", Status: check.Fail, Severity: check.High,
			Title:       plural(uncovered.Len(), "firmware version in the fleet has", "firmware versions in the fleet have") + " no verified artifact",
			Explanation: "Every firmware version deployed must be backed by an update artifact whose signature verifies; these are not.",
			Remediation: "Add each version's signed artifact to firmware/, or update the devices to a version that has one.",
		}))
	}
	if bad.Len() == 0 && uncovered.Len() == 0 {
		r.Add(check.Finding{
			Code: "a4.firmware-verified", Status: check.Pass,
			Title:       fmt.Sprintf("All %d firmware versions in the fleet verified", len(seen)),
			Explanation: fmt.Sprintf("Each of the %d firmware versions deployed has an update artifact whose signature verifies to the firm's root.", len(seen)),
			Evidence:    fileRefs(files[:min(len(files), check.MaxEvidence)]),
		})
	}
	return nil
}

func (c patching) fixes(ctx context.Context, env *check.Env, r *check.Report) error {
	if len(env.Bundle.Assets) == 0 {
		return nil
	}
	rep, err := env.Vulnerabilities(ctx)
	if err != nil {
		return err
	}
	if rep == nil {
		unverified(r, "a4.fixes-unassessed", "Deployment of vendor fixes not assessed",
			"Whether fixed firmware exists for the deployed versions could not be computed.", check.VerifierVulnerabilities, inventoryRefs(env.Bundle)...)
		return nil
	}
	ix := env.Index()
	var pastDue, fixable check.Set
	criticalFix := 0
	fixAssets := map[string]bool{}
	for _, m := range rep.Matches {
		if m.Status != "affected" {
			continue
		}
		ref := m.Ref
		if a, ok := ix.Asset(env.Bundle, m.AssetID); ok && ref.IsZero() {
			ref = a.Ref.WithField("version")
		}
		if m.KEV && !m.KEVDue.IsZero() && m.KEVDue.Before(env.AsOf) {
			pastDue.Add(fmt.Sprintf("%s %s (due %s)", m.AssetID, m.CVE, m.KEVDue), ref)
		}
		if m.FixAvailable {
			fixAssets[m.AssetID] = true
			if m.Severity == check.Critical {
				criticalFix++
			}
			fixable.AddOnce(m.AssetID, ref)
		}
	}
	r.Fact("kev_past_due", pastDue.Len())
	r.Fact("patches_missing", len(fixAssets))
	r.Fact("critical_fix_available", criticalFix)
	if pastDue.Len() > 0 {
		r.Add(pastDue.Fill(check.Finding{
			Code: "a4.kev-past-due", Status: check.Fail, Severity: check.Critical,
			Title:       plural(pastDue.Len(), "known-exploited vulnerability is", "known-exploited vulnerabilities are") + " unpatched past CISA's due date",
			Explanation: "These vulnerabilities are being exploited in the wild (CISA KEV) and their remediation due date has passed.",
			Remediation: "Apply the vendor fix or the mitigations CISA lists at once; isolate devices that cannot be fixed.",
		}))
	}
	if fixable.Len() > 0 {
		r.Add(fixable.Fill(check.Finding{
			Code: "a4.fixes-not-deployed", Status: check.Fail, Severity: check.High,
			Title:       fmt.Sprintf("%s run firmware for which the vendor has published a fix", plural(fixable.Len(), "asset", "assets")),
			Explanation: fmt.Sprintf("Vendor fixes exist but are not deployed; %d of the open vulnerabilities with a fix are critical.", criticalFix),
			Remediation: "Schedule the vendor's fixed firmware for these assets, critical and known-exploited first.",
		}))
	}
	if pastDue.Len() == 0 && fixable.Len() == 0 {
		r.Add(check.Finding{
			Code: "a4.fixes-deployed", Status: check.Pass,
			Title:       "Every available vendor fix is deployed",
			Explanation: "No inventoried asset runs a version for which an advisory lists a fix that has not been applied, and no known-exploited vulnerability is past its due date.",
			Evidence:    inventoryRefs(env.Bundle),
		})
	}
	return nil
}
