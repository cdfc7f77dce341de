package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// developmentLifecycle verifies A6: a standardised development lifecycle
// with the four kinds of testing and threat modelling, hardening, and an
// inventory of third-party components: a valid, specific SBOM for every
// firmware in the fleet.
type developmentLifecycle struct{ base }

func newDevelopmentLifecycle() check.Check {
	return developmentLifecycle{base{name: "a6-development-lifecycle", version: 1, item: "A6"}}
}

// requiredTesting are the kinds of testing the Protocol names.
var requiredTesting = []string{"unit", "system", "acceptance", "regression"}

func (c developmentLifecycle) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	c.process(ctx, env, r)
	return c.sboms(ctx, env, r)
}

func (c developmentLifecycle) process(ctx context.Context, env *check.Env, r *check.Report) {
	s := env.Bundle.Governance.SDLC
	if s == nil {
		missing(r, "a6.no-sdlc", check.High, "No development lifecycle record",
			"The bundle does not describe the development lifecycle that the firm's devices, services and software went through, nor its threat models.",
			"Write governance/sdlc.yaml: the lifecycle standard followed, the testing performed, the hardening guide, and the threat models with their review dates.", evidence.PathSDLC)
		return
	}
	ref := env.Bundle.Governance.Refs["sdlc"]
	ok := true
	have := map[string]bool{}
	for _, t := range s.Testing {
		have[strings.ToLower(t)] = true
	}
	var lacking []string
	for _, t := range requiredTesting {
		if !have[t] {
			lacking = append(lacking, t)
		}
	}
	if s.Standard == "" || len(lacking) > 0 {
		ok = false
		r.Add(check.Finding{
			Code: "a6.lifecycle-incomplete", Status: check.Fail, Severity: check.Medium,
			Title:       "Development lifecycle lacks a standard or kinds of testing",
			Explanation: fmt.Sprintf("The Protocol asks for a standardised lifecycle with unit, system, acceptance and regression testing. Standard named: %q; testing missing: %s.", s.Standard, orNone(lacking)),
			Remediation: "Adopt a recognised secure development lifecycle (e.g. IEC 62443-4-1) and record all four kinds of testing.",
			Evidence:    []evidence.Ref{ref.WithField("testing")},
		})
	}
	if s.Hardening == "" || !s.DataLeakage {
		ok = false
		r.Add(check.Finding{
			Code: "a6.hardening-undocumented", Status: check.Fail, Severity: check.Medium,
			Title:       "Hardening or data-leak review not documented",
			Explanation: "The Protocol asks for generally accepted hardening across use cases and configurations, including against data leaking between device, apps and cloud.",
			Remediation: "Reference the hardening guide applied and record the review of data flows between device, apps and cloud.",
			Evidence:    []evidence.Ref{ref.WithField("hardening")},
		})
	}
	cutoff := env.AsOf.Minus(env.Settings.ThreatModel)
	var stale check.Set
	for i := range s.ThreatModels {
		tm := &s.ThreatModels[i]
		d := tm.Reviewed
		if d.IsZero() {
			d = tm.Date
		}
		if d.Before(cutoff) {
			stale.Add(fmt.Sprintf("%s (%s)", tm.System, d), tm.Ref)
		}
	}
	if len(s.ThreatModels) == 0 {
		ok = false
		r.Add(check.Finding{
			Code: "a6.no-threat-model", Status: check.Fail, Severity: check.High,
			Title:       "No threat model",
			Explanation: "The Protocol requires threat modelling of IIoT devices, services and software; none is recorded.",
			Remediation: "Model the threats to each IIoT system (e.g. STRIDE or IEC 62443-3-2 zones and conduits) and record the review date.",
			Evidence:    []evidence.Ref{ref.WithField("threat_models")},
		})
	} else if stale.Len() > 0 {
		ok = false
		r.Add(stale.Fill(check.Finding{
			Code: "a6.threat-model-stale", Status: check.Fail, Severity: check.Medium,
			Title:       plural(stale.Len(), "threat model was", "threat models were") + " not reviewed within " + env.Settings.ThreatModel.String(),
			Explanation: fmt.Sprintf("Threat models must be reviewed at least every %s; these were last reviewed before %s.", env.Settings.ThreatModel, cutoff),
			Remediation: "Review each threat model against the current system and threats, and record the date.",
		}))
	}
	if attestation(ctx, env, r, s.Attestation, ref, "a6.sdlc", "The development lifecycle record", nil) != check.Pass {
		ok = false
	}
	if ok {
		r.Add(check.Finding{
			Code: "a6.lifecycle", Status: check.Pass,
			Title:       "Standardised lifecycle with full testing and current threat models",
			Explanation: fmt.Sprintf("Development follows %s with unit, system, acceptance and regression testing; hardening is documented and %s reviewed within %s.", s.Standard, plural(len(s.ThreatModels), "threat model", "threat models"), env.Settings.ThreatModel),
			Evidence:    []evidence.Ref{ref},
		})
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func (c developmentLifecycle) sboms(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	files := b.Files[evidence.DirSBOMs]
	if len(files) == 0 {
		r.Fact("sbom_coverage", 0.0)
		missing(r, "a6.no-sboms", check.High, "No software bills of materials",
			"The bundle holds no SBOMs, so the third-party and open-source components inside the fleet's firmware are not inventoried.",
			"Obtain a CycloneDX or SPDX SBOM for every firmware version deployed (from the vendor, or generated) and put it in sboms/.", evidence.DirSBOMs)
		return nil
	}
	rep, err := env.Vulnerabilities(ctx)
	if err != nil {
		return err
	}
	if rep == nil {
		unverified(r, "a6.sboms-unverified", "SBOMs not validated",
			fmt.Sprintf("The bundle holds %s under sboms/.", plural(len(files), "file", "files")),
			check.VerifierVulnerabilities, fileRefs(files[:min(len(files), check.MaxEvidence)])...)
		return nil
	}
	described := map[string]bool{}
	var invalid, vague check.Set
	for _, s := range rep.SBOMs {
		if !s.Valid {
			invalid.Add(s.File+": "+s.Problem, evidence.Ref{File: s.File})
			continue
		}
		described[check.FirmwareKey(s.Vendor, s.Product, s.Version)] = true
		if s.Components > 0 && (ratio(s.Specific, s.Components) < 0.9 || ratio(s.Suppliers, s.Components) < 0.5) {
			vague.Add(fmt.Sprintf("%s (%d of %d components identified by purl or CPE with a version, %d with a supplier)", s.File, s.Specific, s.Components, s.Suppliers), evidence.Ref{File: s.File})
		}
	}
	var uncovered check.Set
	versions := map[string]bool{}
	ix := env.Index()
	for i := range b.Assets {
		a := &b.Assets[i]
		k := ix.Firmware[i]
		if a.Version == "" || versions[k] {
			continue
		}
		versions[k] = true
		if !described[k] {
			uncovered.Add(fmt.Sprintf("%s %s %s", a.Vendor, a.Product, a.Version), a.Ref.WithField("version"))
		}
	}
	cov := ratio(len(versions)-uncovered.Len(), len(versions))
	r.Fact("sbom_coverage", cov)
	if invalid.Len() > 0 {
		r.Add(invalid.Fill(check.Finding{
			Code: "a6.sbom-invalid", Status: check.Fail, Severity: check.Medium,
			Title:       plural(invalid.Len(), "SBOM is", "SBOMs are") + " not valid",
			Explanation: "These files are not valid CycloneDX or SPDX documents, so their components cannot be relied on.",
			Remediation: "Regenerate them with a conformant tool and check them with insurable sbom validate.",
		}))
	}
	if uncovered.Len() > 0 {
		r.Add(uncovered.Fill(check.Finding{
			Code: "a6.firmware-without-sbom", Status: check.Fail, Severity: check.Medium,
			Title:       fmt.Sprintf("%s of %d deployed have no SBOM", plural(uncovered.Len(), "firmware version", "firmware versions"), len(versions)),
			Explanation: fmt.Sprintf("SBOM coverage of the fleet's firmware is %.0f%%; the components inside the others are unknown.", cov*100),
			Remediation: "Ask the vendors for SBOMs of these versions (the EU CRA requires them of manufacturers) or generate them from the images.",
		}))
	}
	if vague.Len() > 0 {
		r.Add(vague.Fill(check.Finding{
			Code: "a6.sbom-unspecific", Status: check.Fail, Severity: check.Low,
			Title:       plural(vague.Len(), "SBOM identifies", "SBOMs identify") + " too few components precisely",
			Explanation: "At least 90% of components should carry a purl or CPE with a version, and half should name a supplier, for vulnerabilities to be matched.",
			Remediation: "Regenerate the SBOMs with package URLs, versions and suppliers.",
		}))
	}
	if invalid.Len()+uncovered.Len()+vague.Len() == 0 {
		r.Add(check.Finding{
			Code: "a6.sboms", Status: check.Pass,
			Title:       fmt.Sprintf("Valid, specific SBOMs for all %d firmware versions", len(versions)),
			Explanation: "Every firmware version in the fleet has a valid SBOM whose components are identified by purl or CPE with versions and suppliers, and matched against vulnerability data.",
			Evidence:    fileRefs(files[:min(len(files), check.MaxEvidence)]),
		})
	}
	return nil
}
