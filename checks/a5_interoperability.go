package checks

import (
	"context"
	"fmt"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/ports"
)

// interoperability verifies A5: devices speak standard protocols on the
// standard ports of those protocols, and no device can talk only a vendor's
// proprietary protocol.
type interoperability struct{ base }

func newInteroperability() check.Check {
	return interoperability{base{name: "a5-interoperability", version: 1, item: "A5"}}
}

func (c interoperability) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	declared := c.declared(env, r)
	probed, err := c.probed(ctx, env, r)
	if err != nil {
		return err
	}
	if !declared && !probed {
		r.Add(check.Finding{
			Code: "a5.no-service-evidence", Status: check.Fail, Severity: check.Medium,
			Title:       "No evidence of the protocols and ports devices use",
			Explanation: "The inventory declares no services and no scan results are present, so nothing shows that devices use standard protocols on standard ports.",
			Remediation: "List each asset's services (e.g. modbus/502; mqtts/8883) in the inventory's services column, and probe the endpoints.",
			Evidence:    inventoryRefs(env.Bundle),
		})
	}
	return nil
}

// declared judges the services the inventory declares. It reports whether
// any were declared.
func (c interoperability) declared(env *check.Env, r *check.Report) bool {
	b := env.Bundle
	var offPort, proprietary, unknown, proprietaryOnly check.Set
	services := 0
	onlyProprietary := map[string]bool{}
	for i := range b.DeviceModels {
		if b.DeviceModels[i].Capabilities.ProprietaryOnly {
			onlyProprietary[check.ModelKey(b.DeviceModels[i].Vendor, b.DeviceModels[i].Product)] = true
		}
	}
	ix := env.Index()
	for i := range b.Assets {
		a := &b.Assets[i]
		if onlyProprietary[ix.Models[i]] {
			proprietaryOnly.Add(a.ID, a.Ref)
		}
		for _, s := range a.Services {
			services++
			svc, err := ports.ParseService(s)
			if err != nil {
				unknown.Add(a.ID+" "+s, a.Ref.WithField("services"))
				continue
			}
			p, ok := ports.Lookup(svc.Protocol)
			switch {
			case !ok:
				unknown.Add(a.ID+" "+s, a.Ref.WithField("services"))
			case !p.Standard:
				proprietary.Add(fmt.Sprintf("%s %s/%d", a.ID, p.Name, svc.Port), a.Ref.WithField("services"))
			case !p.Registered(svc.Port):
				offPort.Add(fmt.Sprintf("%s %s/%d", a.ID, p.Name, svc.Port), a.Ref.WithField("services"))
			}
		}
	}
	r.Fact("services_declared", services)
	r.Fact("services_nonstandard_port", offPort.Len())
	r.Fact("services_proprietary", proprietary.Len()+proprietaryOnly.Len())
	if services == 0 && proprietaryOnly.Len() == 0 {
		return false
	}
	if proprietaryOnly.Len() > 0 {
		r.Add(proprietaryOnly.Fill(check.Finding{
			Code: "a5.proprietary-only-devices", Status: check.Fail, Severity: check.High,
			Title:       plural(proprietaryOnly.Len(), "device speaks", "devices speak") + " only a proprietary protocol",
			Explanation: "Their models are declared able to communicate only through a vendor's proprietary protocol, so other devices cannot talk to them over a standard one.",
			Remediation: "Enable a standard protocol (OPC UA, MQTT, Modbus/TCP Security…) on these devices or put a standard gateway in front of them, and plan their replacement.",
		}))
	}
	if proprietary.Len() > 0 {
		r.Add(proprietary.Fill(check.Finding{
			Code: "a5.proprietary-services", Status: check.Fail, Severity: check.Medium,
			Title:       plural(proprietary.Len(), "declared service uses", "declared services use") + " a proprietary protocol",
			Explanation: "These services use a vendor's proprietary protocol rather than an open standard.",
			Remediation: "Where the device supports it, move the traffic to an open standard protocol, and restrict the proprietary one to engineering access.",
		}))
	}
	if offPort.Len() > 0 {
		r.Add(offPort.Fill(check.Finding{
			Code: "a5.nonstandard-ports", Status: check.Fail, Severity: check.Medium,
			Title:       plural(offPort.Len(), "service runs on a port not registered for its protocol", "services run on ports not registered for their protocols"),
			Explanation: "Standard protocols on unexpected ports defeat firewall rules and monitoring written for the registered ports (see docs/ports.md).",
			Remediation: "Move each service to its registered port, or document the exception in the firewall and monitoring rules.",
		}))
	}
	if unknown.Len() > 0 {
		r.Add(unknown.Fill(check.Finding{
			Code: "a5.unknown-services", Status: check.NeedsReview, Severity: check.Low,
			Title:       plural(unknown.Len(), "declared service is", "declared services are") + " not recognised",
			Explanation: "These entries of the services column name no protocol in the table of docs/ports.md, or are not written as protocol/port.",
			Remediation: "Write services as protocol/port using the names of docs/ports.md.",
		}))
	}
	if proprietaryOnly.Len()+proprietary.Len()+offPort.Len()+unknown.Len() == 0 {
		r.Add(check.Finding{
			Code: "a5.declared-standard", Status: check.Pass,
			Title:       fmt.Sprintf("All %d declared services are standard protocols on registered ports", services),
			Explanation: "Every service the inventory declares uses an open standard protocol on a port registered for it.",
			Evidence:    inventoryRefs(b),
		})
	}
	return true
}

// probed judges what a probe found. It reports whether scans were present.
func (c interoperability) probed(ctx context.Context, env *check.Env, r *check.Report) (bool, error) {
	files := env.Bundle.Files[evidence.DirScans]
	if len(files) == 0 {
		return false, nil
	}
	rep, err := env.Scans(ctx)
	if err != nil {
		return true, err
	}
	if rep == nil {
		unverified(r, "a5.scans-unread", "Probed services not read", fmt.Sprintf("The bundle holds %s under scans/.", plural(len(files), "file", "files")), check.VerifierScans, fileRefs(files)...)
		return true, nil
	}
	var offPort, proprietary check.Set
	for _, e := range rep.Endpoints {
		ref := evidence.Ref{File: e.File, Field: fmt.Sprintf("%s:%d", e.Host, e.Port)}
		subject := fmt.Sprintf("%s:%d %s", e.Host, e.Port, e.Protocol)
		switch {
		case !e.Standard:
			proprietary.Add(subject, ref)
		case !e.StandardPort:
			offPort.Add(subject, ref)
		}
	}
	r.Fact("probed_nonstandard_port", offPort.Len())
	r.Fact("probed_proprietary", proprietary.Len())
	if offPort.Len() > 0 {
		r.Add(offPort.Fill(check.Finding{
			Code: "a5.probed-nonstandard-ports", Status: check.Fail, Severity: check.Medium,
			Title:       plural(offPort.Len(), "probed service runs on a port not registered for its protocol", "probed services run on ports not registered for their protocols"),
			Explanation: "A probe found these standard protocols listening on ports not registered for them.",
			Remediation: "Move each service to its registered port, or document the exception.",
		}))
	}
	if proprietary.Len() > 0 {
		r.Add(proprietary.Fill(check.Finding{
			Code: "a5.probed-proprietary", Status: check.Fail, Severity: check.Medium,
			Title:       plural(proprietary.Len(), "probed service speaks", "probed services speak") + " a proprietary or unknown protocol",
			Explanation: "A probe found services that speak no open standard protocol.",
			Remediation: "Identify each service; move the traffic to a standard protocol or restrict it to engineering access.",
		}))
	}
	if offPort.Len()+proprietary.Len() == 0 {
		r.Add(check.Finding{
			Code: "a5.probed-standard", Status: check.Pass,
			Title:       fmt.Sprintf("All %d probed services are standard protocols on registered ports", len(rep.Endpoints)),
			Explanation: "Every service a probe found speaks an open standard protocol on a port registered for it.",
			Evidence:    fileRefs(files),
		})
	}
	return true, nil
}
