package checks

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

// base carries what every check declares about itself.
type base struct {
	name    string
	version int
	item    protocol.ID
}

func (b base) Name() string      { return b.name }
func (b base) Version() int      { return b.version }
func (b base) Item() protocol.ID { return b.item }

// attestation judges a dated statement by a named person: present, complete,
// fresh enough (when fresh is set), signed, and signed validly. It adds one
// finding and returns its status. code prefixes the finding codes, what names
// the record in prose.
func attestation(ctx context.Context, env *check.Env, r *check.Report, a *evidence.Attestation, file evidence.Ref, code, what string, fresh *evidence.Period) check.Status {
	switch {
	case a == nil:
		r.Add(check.Finding{
			Code: code + ".attestation-missing", Status: check.Fail, Severity: check.High,
			Title:       what + " is not attested",
			Explanation: fmt.Sprintf("%s carries no attestation: no named person in a named role vouches for it on a date.", what),
			Remediation: "Add an attestation block (name, role, date) and sign it with the officer's key (insurable sign attestation).",
			Evidence:    []evidence.Ref{file},
		})
		return check.Fail
	case !a.Complete():
		r.Add(check.Finding{
			Code: code + ".attestation-incomplete", Status: check.Fail, Severity: check.High,
			Title:       what + ": attestation incomplete",
			Explanation: fmt.Sprintf("The attestation of %s must name a person, a role and a date; it gives name %q, role %q, date %q.", lower(what), a.Name, a.Role, a.Date),
			Remediation: "Complete the attestation with the signer's name, role and the date of signing.",
			Evidence:    []evidence.Ref{a.Ref},
		})
		return check.Fail
	case fresh != nil && a.Date.Before(env.AsOf.Minus(*fresh)):
		r.Add(check.Finding{
			Code: code + ".attestation-stale", Status: check.Fail, Severity: check.Medium,
			Title:       what + ": attestation out of date",
			Explanation: fmt.Sprintf("%s was attested on %s, more than %s before %s.", what, a.Date, *fresh, env.AsOf),
			Remediation: "Have the record reviewed and attested again.",
			Evidence:    []evidence.Ref{a.Ref.WithField("date")},
		})
		return check.Fail
	case a.Signature == "":
		r.Add(check.Finding{
			Code: code + ".attestation-unsigned", Status: check.Fail, Severity: check.High,
			Title:       what + ": attestation not signed",
			Explanation: fmt.Sprintf("%s is attested by %s (%s) on %s but not signed, so nothing shows that this person made the statement.", what, a.Name, a.Role, a.Date),
			Remediation: "Sign the attestation as a DSSE envelope with a key certified by the firm's root (insurable sign attestation) and reference it in the signature field.",
			Evidence:    []evidence.Ref{a.Ref},
		})
		return check.Fail
	case env.Verifiers.Attestations == nil:
		r.Add(check.Finding{
			Code: code + ".attestation-unverified", Status: check.NeedsReview, Severity: check.Medium,
			Title:       what + ": signature not verified",
			Explanation: fmt.Sprintf("%s is attested by %s (%s) on %s and signed in %s, but this build cannot verify attestation signatures.", what, a.Name, a.Role, a.Date, a.Signature),
			Remediation: "Verify the signature with a build that includes the attestation verifier.",
			Evidence:    []evidence.Ref{a.Ref, {File: a.Signature}},
			Unverified:  check.VerifierAttestations,
		})
		return check.NeedsReview
	}
	res := env.Verifiers.Attestations.VerifyAttestation(ctx, env.Bundle, a, env.AsOf)
	if res.Status != "valid" {
		r.Add(check.Finding{
			Code: code + ".attestation-" + res.Status, Status: check.Fail, Severity: check.High,
			Title:       what + ": attestation signature " + strings.ReplaceAll(res.Status, "-", " "),
			Explanation: fmt.Sprintf("The signature on %s (%s) does not hold: %s.", lower(what), a.Signature, res.Reason),
			Remediation: "Re-sign the attestation with the named officer's certified key.",
			Evidence:    []evidence.Ref{a.Ref, {File: a.Signature}},
		})
		return check.Fail
	}
	r.Add(check.Finding{
		Code: code + ".attested", Status: check.Pass,
		Title:       what + " attested and signed",
		Explanation: fmt.Sprintf("%s is attested by %s (%s) on %s; the signature in %s verifies to the firm's root.", what, a.Name, a.Role, a.Date, a.Signature),
		Evidence:    []evidence.Ref{a.Ref, {File: a.Signature}},
	})
	return check.Pass
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// missing adds the finding for evidence that is absent altogether.
func missing(r *check.Report, code string, sev check.Severity, title, explanation, remediation string, where string) {
	r.Add(check.Finding{
		Code: code, Status: check.Fail, Severity: sev, Title: title,
		Explanation: explanation, Remediation: remediation,
		Evidence: []evidence.Ref{{File: where}},
	})
}

// unverified adds the finding for evidence that is present but that this
// build has no verifier for.
func unverified(r *check.Report, code, title, explanation, verifier string, refs ...evidence.Ref) {
	r.Add(check.Finding{
		Code: code, Status: check.NeedsReview, Severity: check.Medium, Title: title,
		Explanation: explanation + " It was not verified: this build has no " + verifier + ".",
		Remediation: "Run the assessment with a build that includes the " + verifier + ".",
		Evidence:    refs,
		Unverified:  verifier,
	})
}

// fileRefs turns bundle paths into references.
func fileRefs(paths []string) []evidence.Ref {
	refs := make([]evidence.Ref, len(paths))
	for i, p := range paths {
		refs[i] = evidence.Ref{File: p}
	}
	return refs
}

// plural writes n with the singular or plural noun.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ratio returns part/whole rounded to four decimals, or 0 when whole is 0.
func ratio(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(int(float64(part)/float64(whole)*10000+0.5)) / 10000
}

// norm lowers s and collapses its runs of white space.
func norm(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// list joins up to n items for a sentence, saying how many more there are.
func list(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// latest returns the index of the latest of n dated records, or -1.
func latest(n int, date func(int) evidence.Date) int {
	best := -1
	for i := 0; i < n; i++ {
		if d := date(i); !d.IsZero() && (best < 0 || d.After(date(best))) {
			best = i
		}
	}
	return best
}

// time0 returns the first day of d's month.
func time0(d evidence.Date) time.Time {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// failSet adds a failing finding for the subjects of s, if there are any,
// titled with one or many as their number requires.
func failSet(r *check.Report, s *check.Set, code string, sev check.Severity, one, many, explanation, remediation string) {
	if s.Len() > 0 {
		r.Add(s.Fill(check.Finding{Code: code, Status: check.Fail, Severity: sev, Title: plural(s.Len(), one, many), Explanation: explanation, Remediation: remediation}))
	}
}
