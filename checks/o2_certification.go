package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// certification verifies O2: a current certificate or independent
// assurance of conformance to a recognised IIoT security standard.
type certification struct{ base }

func newCertification() check.Check {
	return certification{base{name: "o2-certification", version: 1, item: "O2"}}
}

func (c certification) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	certs := env.Bundle.Governance.Certifications
	if len(certs) == 0 {
		missing(r, "o2.no-certification", check.Medium, "No certification or independent assurance",
			"Nothing shows that an independent body has certified or assured the firm's adoption of IIoT security standards.",
			"Obtain a certification (e.g. IEC 62443-2-4 or 62443-3-3, ISO/IEC 27001 with OT scope) or an independent assurance report, and record it in governance/certifications.yaml.", evidence.PathCertification)
		return nil
	}
	var current []string
	var lapsed check.Set
	oldest := env.AsOf.Minus(env.Settings.CertificationAge)
	for i := range certs {
		ct := &certs[i]
		switch {
		case !ct.Expires.IsZero() && ct.Expires.Before(env.AsOf):
			lapsed.Add(fmt.Sprintf("%s (expired %s)", ct.Standard, ct.Expires), ct.Ref.WithField("expires"))
		case ct.Issued.Before(oldest):
			lapsed.Add(fmt.Sprintf("%s (issued %s)", ct.Standard, ct.Issued), ct.Ref.WithField("issued"))
		case ct.Issuer == "":
			lapsed.Add(ct.Standard+" (no issuer)", ct.Ref.WithField("issuer"))
		default:
			current = append(current, fmt.Sprintf("%s by %s", ct.Standard, ct.Issuer))
		}
	}
	r.Fact("certifications_current", len(current))
	if len(current) == 0 {
		r.Add(lapsed.Fill(check.Finding{
			Code: "o2.certification-lapsed", Status: check.Fail, Severity: check.Medium,
			Title:       "No current certification",
			Explanation: "Every recorded certification has expired, is older than " + env.Settings.CertificationAge.String() + ", or names no issuer.",
			Remediation: "Renew the certification or obtain a new independent assurance.",
		}))
		return nil
	}
	r.Add(check.Finding{
		Code: "o2.certified", Status: check.Pass,
		Title:       "Certified: " + list(current, 2),
		Explanation: "The firm holds current independent certification or assurance: " + strings.Join(current, "; ") + ".",
		Evidence:    []evidence.Ref{env.Bundle.Governance.Refs["certifications"]},
	})
	return nil
}
