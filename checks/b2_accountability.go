package checks

import (
	"context"
	"fmt"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

// accountability verifies B2: a responsible officer for cybersecurity and
// resilience and an officer accountable for organisational security are
// named and attest it; staff are trained; a Responsibility Assignment
// Matrix covers all eight areas (each area's detail is judged under R1–R8).
type accountability struct{ base }

func newAccountability() check.Check {
	return accountability{base{name: "b2-accountability", version: 1, item: "B2"}}
}

func (c accountability) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	o := env.Bundle.Governance.Officers
	ref := env.Bundle.Governance.Refs["officers"]
	ok := true
	if o == nil {
		ok = false
		missing(r, "b2.no-officers", check.Critical, "No responsible officer named",
			"Nothing names a responsible officer for cybersecurity and resilience, or an officer accountable for organisational security and the responsibility matrix.",
			"Name both officers in governance/officers.yaml and have the appointment attested and signed.", evidence.PathOfficers)
	} else {
		if o.Responsible == nil || o.Responsible.Name == "" || o.Responsible.Role == "" {
			ok = false
			r.Add(check.Finding{
				Code: "b2.no-responsible-officer", Status: check.Fail, Severity: check.Critical,
				Title:       "No responsible officer for cybersecurity and resilience",
				Explanation: "The Protocol requires a named Responsible Officer for cybersecurity and resilience.",
				Remediation: "Appoint the officer and record the name and role.",
				Evidence:    []evidence.Ref{ref.WithField("responsible_officer")},
			})
		}
		if o.Accountable == nil || o.Accountable.Name == "" || o.Accountable.Role == "" {
			ok = false
			r.Add(check.Finding{
				Code: "b2.no-accountable-officer", Status: check.Fail, Severity: check.High,
				Title:       "No officer accountable for organisational security and the RAM",
				Explanation: "The Protocol requires an officer accountable for organisational security and resilience and for implementing the Responsibility Assignment Matrix (it may be the responsible officer).",
				Remediation: "Name the accountable officer and record the name and role.",
				Evidence:    []evidence.Ref{ref.WithField("accountable_officer")},
			})
		}
		recent := false
		for _, t := range o.Training {
			if !t.Date.Before(env.AsOf.Minus(evidence.Period{Months: 12})) {
				recent = true
			}
		}
		if !recent {
			ok = false
			r.Add(check.Finding{
				Code: "b2.no-recent-training", Status: check.Fail, Severity: check.Low,
				Title:       "No cybersecurity training of business and IT staff in the last 12 months",
				Explanation: "The Protocol asks that business and IT personnel have appropriate command of the subject; no training in the last year is recorded.",
				Remediation: "Train business and IT staff on IIoT security and record the sessions in governance/officers.yaml.",
				Evidence:    []evidence.Ref{ref.WithField("training")},
			})
		}
		if attestation(ctx, env, r, o.Attestation, ref, "b2.officers", "The officers' appointment", &env.Settings.OfficerAttestation) != check.Pass {
			ok = false
		}
	}
	ram := env.Bundle.RAM
	var absent []string
	for i := 1; i <= 8; i++ {
		id := fmt.Sprintf("R%d", i)
		if ram == nil || ram.Areas[id] == nil || len(ram.Areas[id].Responsible)+len(ram.Areas[id].Accountable) == 0 {
			absent = append(absent, id)
		}
	}
	r.Fact("ram_areas_missing", len(absent))
	if ram == nil {
		ok = false
		missing(r, "b2.no-ram", check.High, "No Responsibility Assignment Matrix",
			"The Protocol requires the accountable officer to implement a Responsibility Assignment Matrix over the eight assessment areas; none is in the bundle.",
			"Write ram.yaml assigning Responsible, Accountable, Consulted and Informed for each area R1–R8.", evidence.PathRAM)
	} else if len(absent) > 0 {
		ok = false
		r.Add(check.Finding{
			Code: "b2.ram-incomplete", Status: check.Fail, Severity: check.High,
			Title:       fmt.Sprintf("Responsibility Assignment Matrix leaves %d of 8 areas unassigned", len(absent)),
			Explanation: "No one is assigned to: " + areaTitles(absent) + ".",
			Remediation: "Assign Responsible and Accountable people to every area in ram.yaml.",
			Subjects:    absent,
			Evidence:    []evidence.Ref{ram.Ref},
		})
	}
	if ok {
		r.Add(check.Finding{
			Code: "b2.accountability", Status: check.Pass,
			Title:       fmt.Sprintf("%s is responsible officer; all 8 RAM areas assigned", o.Responsible.Name),
			Explanation: fmt.Sprintf("%s (%s) is the responsible officer and %s (%s) the accountable officer; staff were trained in the last year, and every area of the Responsibility Assignment Matrix is assigned.", o.Responsible.Name, o.Responsible.Role, o.Accountable.Name, o.Accountable.Role),
			Evidence:    []evidence.Ref{ref, ram.Ref},
		})
	}
	return nil
}

func areaTitles(ids []string) string {
	cat := protocol.Default()
	out := make([]string, len(ids))
	for i, id := range ids {
		it, _ := cat.Item(protocol.ID(id))
		out[i] = id + " " + it.Title
	}
	return list(out, 8)
}
