package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// clearinghouse verifies O3: the firm contributes data or analysis to the
// indicators and data consortium.
type clearinghouse struct{ base }

func newClearinghouse() check.Check {
	return clearinghouse{base{name: "o3-clearinghouse", version: 1, item: "O3"}}
}

func (c clearinghouse) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	sh := env.Bundle.Governance.Sharing
	if sh == nil {
		missing(r, "o3.no-contributions", check.Low, "No contributions to the clearinghouse",
			"Nothing shows that the firm contributes incident data or analysis to the consortium's clearinghouse.",
			"Contribute incident and indicator data to the clearinghouse and record each contribution in governance/sharing.yaml.", evidence.PathSharing)
		return nil
	}
	since := env.AsOf.Minus(evidence.Period{Months: 12})
	var recent []string
	for _, k := range sh.Contributions {
		if !k.Date.Before(since) && !k.Date.After(env.AsOf) {
			recent = append(recent, fmt.Sprintf("%s to %s on %s", k.Kind, k.Recipient, k.Date))
		}
	}
	member := false
	for _, m := range sh.Memberships {
		if strings.EqualFold(m.Kind, "clearinghouse") && (m.Until.IsZero() || !m.Until.Before(env.AsOf)) {
			member = true
		}
	}
	r.Fact("clearinghouse_contributions", len(recent))
	if len(recent) == 0 {
		sev := check.Low
		expl := "No contribution of data or analysis to the clearinghouse is recorded in the last 12 months."
		if member {
			expl += " The firm is a member but has not contributed."
		}
		r.Add(check.Finding{
			Code: "o3.no-recent-contribution", Status: check.Fail, Severity: sev,
			Title:       "No contribution to the clearinghouse in the last year",
			Explanation: expl,
			Remediation: "Share incident reports and indicators with the clearinghouse at least quarterly.",
			Evidence:    []evidence.Ref{env.Bundle.Governance.Refs["sharing"].WithField("contributions")},
		})
		return nil
	}
	r.Add(check.Finding{
		Code: "o3.contributing", Status: check.Pass,
		Title:       plural(len(recent), "contribution", "contributions") + " to the clearinghouse in the last year",
		Explanation: "The firm contributed: " + list(recent, 4) + ".",
		Evidence:    []evidence.Ref{env.Bundle.Governance.Refs["sharing"].WithField("contributions")},
	})
	return nil
}
