package checks

import (
	"context"
	"fmt"
	"sort"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// hardwareIntegrity verifies A2: every device's hardware and configuration
// match its baseline or changed only under an approved change record, and
// every device model declares how it protects its resources.
type hardwareIntegrity struct{ base }

func newHardwareIntegrity() check.Check {
	return hardwareIntegrity{base{name: "a2-hardware-integrity", version: 1, item: "A2"}}
}

func (c hardwareIntegrity) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	if err := c.drift(ctx, env, r); err != nil {
		return err
	}
	c.capabilities(env, r)
	return nil
}

func (c hardwareIntegrity) drift(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	files := b.Files[evidence.DirHardware]
	if len(files) == 0 {
		missing(r, "a2.no-baselines", check.High, "No hardware baselines",
			"The bundle holds no hardware baselines or snapshots, so uncontrolled changes to device hardware and configuration cannot be detected.",
			"Record a baseline per device (components, serials, hardware revision, firmware, configuration digest) in hardware/baselines/ and a current snapshot in hardware/snapshots/.", evidence.DirHardware)
		return nil
	}
	if env.Verifiers.Hardware == nil {
		unverified(r, "a2.baselines-unverified", "Hardware baselines not compared",
			fmt.Sprintf("The bundle holds %s under hardware/.", plural(len(files), "file", "files")),
			check.VerifierHardware, fileRefs(files)...)
		return nil
	}
	rep, err := env.Verifiers.Hardware.CompareHardware(ctx, b)
	if err != nil {
		return err
	}
	covered := map[string]bool{}
	var unapproved, approved check.Set
	changes := 0
	for _, d := range rep.Devices {
		covered[d.AssetID] = true
		changes += len(d.Changes)
		if len(d.Unapproved) > 0 {
			unapproved.Add(d.AssetID, evidence.Ref{File: d.Snapshot})
		} else if len(d.Changes) > 0 {
			approved.Add(d.AssetID, evidence.Ref{File: d.Snapshot})
		}
	}
	var uncovered check.Set
	for i := range b.Assets {
		if !covered[b.Assets[i].ID] {
			uncovered.Add(b.Assets[i].ID, b.Assets[i].Ref)
		}
	}
	r.Fact("hw_baseline_coverage", ratio(len(b.Assets)-uncovered.Len(), len(b.Assets)))
	r.Fact("hw_unapproved_changes", unapproved.Len())
	if unapproved.Len() > 0 {
		var detail []string
		for _, d := range rep.Devices {
			for _, u := range d.Unapproved {
				detail = append(detail, d.AssetID+": "+u)
			}
		}
		sort.Strings(detail)
		r.Add(unapproved.Fill(check.Finding{
			Code: "a2.unapproved-changes", Status: check.Fail, Severity: check.High,
			Title:       fmt.Sprintf("%s changed without an approved change record", plural(unapproved.Len(), "device", "devices")),
			Explanation: "The current snapshot differs from the baseline and no approved change record covers it: " + list(detail, 8) + ".",
			Remediation: "Investigate each change; if it was authorised, file the change record and re-baseline, otherwise restore the device.",
		}))
	}
	if uncovered.Len() > 0 {
		r.Add(uncovered.Fill(check.Finding{
			Code: "a2.devices-without-baseline", Status: check.Fail, Severity: check.Medium,
			Title:       fmt.Sprintf("%s of %d have no hardware baseline", plural(uncovered.Len(), "device", "devices"), len(b.Assets)),
			Explanation: "Without a baseline and a current snapshot, a change to these devices' hardware or configuration would go unnoticed.",
			Remediation: "Capture a baseline and a current snapshot for each device.",
		}))
	}
	if unapproved.Len() == 0 && uncovered.Len() == 0 {
		r.Add(approved.Fill(check.Finding{
			Code: "a2.hardware-intact", Status: check.Pass,
			Title:       fmt.Sprintf("All %d devices match their baselines or approved changes", len(rep.Devices)),
			Explanation: fmt.Sprintf("Every inventoried device has a baseline and a current snapshot; %s found, each covered by an approved change record.", plural(changes, "change was", "changes were")),
			Evidence:    fileRefs(files[:min(len(files), 1)]),
		}))
	}
	return nil
}

// capabilities checks that every device model in the fleet declares how it
// protects memory, processing time and privileged modes.
func (c hardwareIntegrity) capabilities(env *check.Env, r *check.Report) {
	b := env.Bundle
	declared := map[string]*evidence.DeviceModel{}
	for i := range b.DeviceModels {
		m := &b.DeviceModels[i]
		declared[check.ModelKey(m.Vendor, m.Product)] = m
	}
	var undeclared, unprotected check.Set
	seen := map[string]bool{}
	ix := env.Index()
	for i := range b.Assets {
		a := &b.Assets[i]
		k := ix.Models[i]
		if seen[k] || a.Vendor == "" {
			continue
		}
		seen[k] = true
		m, ok := declared[k]
		switch {
		case !ok:
			undeclared.Add(a.Vendor+" "+a.Product, a.Ref)
		case len(m.Capabilities.ResourceProtection) == 0:
			unprotected.Add(a.Vendor+" "+a.Product, m.Ref.WithField("capabilities.resource_protection"))
		}
	}
	r.Fact("models_without_resource_protection", undeclared.Len()+unprotected.Len())
	if undeclared.Len() > 0 {
		r.Add(undeclared.Fill(check.Finding{
			Code: "a2.models-undeclared", Status: check.Fail, Severity: check.Medium,
			Title:       plural(undeclared.Len(), "device model has", "device models have") + " no capability declaration",
			Explanation: "Nothing says how these models protect themselves against unauthorised access and the monopolising of memory, processing time and privileged modes.",
			Remediation: "Declare each model's capabilities in declarations/device-models.yaml from the vendor's security documentation.",
		}))
	}
	if unprotected.Len() > 0 {
		r.Add(unprotected.Fill(check.Finding{
			Code: "a2.models-unprotected", Status: check.Fail, Severity: check.Medium,
			Title:       plural(unprotected.Len(), "device model declares", "device models declare") + " no resource protection",
			Explanation: "These models are declared, but with no protection of memory, processing time or privileged modes.",
			Remediation: "Enable and declare the vendor's resource protections (memory protection, watchdogs, rate limits, privilege separation), or plan the model's replacement.",
		}))
	}
	if undeclared.Len() == 0 && unprotected.Len() == 0 && len(seen) > 0 {
		r.Add(check.Finding{
			Code: "a2.models-protected", Status: check.Pass,
			Title:       fmt.Sprintf("All %d device models declare resource protection", len(seen)),
			Explanation: "Every model in the fleet declares how it protects its memory, processing time and privileged modes.",
			Evidence:    []evidence.Ref{{File: evidence.PathDeviceModels}},
		})
	}
}
