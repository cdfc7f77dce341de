package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// informationSharing verifies B7: current membership of a recognised
// intermediary (an ISAC, a CERT, a government programme or the
// clearinghouse), and every incident shared within the deadline.
type informationSharing struct{ base }

func newInformationSharing() check.Check {
	return informationSharing{base{name: "b7-information-sharing", version: 1, item: "B7"}}
}

// sharingKinds are the kinds of intermediary the Protocol recognises.
var sharingKinds = map[string]bool{"isac": true, "isao": true, "cert": true, "csirt": true, "government": true, "clearinghouse": true}

func (c informationSharing) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	sh := env.Bundle.Governance.Sharing
	if sh == nil {
		missing(r, "b7.no-sharing", check.High, "No information sharing with recognised intermediaries",
			"Nothing shows that the firm shares threat and vulnerability information with an ISAC, a CERT, a government programme or the clearinghouse.",
			"Join the ISAC of the sector (or the clearinghouse) and record memberships and shared incidents in governance/sharing.yaml.", evidence.PathSharing)
		return nil
	}
	ref := env.Bundle.Governance.Refs["sharing"]
	ok := true
	var current []string
	for _, m := range sh.Memberships {
		if !sharingKinds[strings.ToLower(m.Kind)] {
			continue
		}
		if !m.Since.After(env.AsOf) && (m.Until.IsZero() || !m.Until.Before(env.AsOf)) {
			current = append(current, m.Organisation)
		}
	}
	r.Fact("sharing_memberships", len(current))
	if len(current) == 0 {
		ok = false
		r.Add(check.Finding{
			Code: "b7.no-current-membership", Status: check.Fail, Severity: check.High,
			Title:       "No current membership of a recognised intermediary",
			Explanation: fmt.Sprintf("Of %s recorded, none is a current membership of an ISAC, ISAO, CERT, government programme or the clearinghouse.", plural(len(sh.Memberships), "membership", "memberships")),
			Remediation: "Join the sector's ISAC or the clearinghouse and renew lapsed memberships.",
			Evidence:    []evidence.Ref{ref.WithField("memberships")},
		})
	}
	deadline := env.Settings.IncidentSharingDays
	var late check.Set
	for i := range sh.Incidents {
		in := &sh.Incidents[i]
		by := in.Occurred.AddDays(deadline)
		switch {
		case in.Shared.IsZero() && by.Before(env.AsOf):
			late.Add(in.ID+" (never shared)", in.Ref.WithField("shared"))
		case !in.Shared.IsZero() && in.Shared.After(by):
			late.Add(fmt.Sprintf("%s (shared after %d days)", in.ID, in.Shared.DaysSince(in.Occurred)), in.Ref.WithField("shared"))
		}
	}
	r.Fact("incidents_shared_late", late.Len())
	if late.Len() > 0 {
		ok = false
		r.Add(late.Fill(check.Finding{
			Code: "b7.incidents-shared-late", Status: check.Fail, Severity: check.Medium,
			Title:       plural(late.Len(), "incident was", "incidents were") + fmt.Sprintf(" not shared within %d days", deadline),
			Explanation: "Information about incidents helps others only if it arrives in time; these were shared late or not at all.",
			Remediation: "Share incidents with the intermediary within the deadline; make it a step of the incident response plan.",
		}))
	}
	if attestation(ctx, env, r, sh.Attestation, ref, "b7.sharing", "The information sharing record", nil) != check.Pass {
		ok = false
	}
	if ok {
		r.Add(check.Finding{
			Code: "b7.sharing", Status: check.Pass,
			Title:       "Member of " + list(current, 3),
			Explanation: fmt.Sprintf("The firm is a current member of %s and shared all %s within %d days.", list(current, 5), plural(len(sh.Incidents), "incident", "incidents"), deadline),
			Evidence:    []evidence.Ref{ref},
		})
	}
	return nil
}
