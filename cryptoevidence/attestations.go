package cryptoevidence

import (
	"context"

	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// VerifyAttestation verifies the signature of a governance attestation: a
// DSSE envelope (or Sigstore bundle) at a.Signature whose in-toto statement
// binds the record that holds a — its file and its content as it is now —
// signed by the person the record names, with a certificate under
// pki/officers/ that chains to the bundle's root with the documentSigning
// (or emailProtection) usage, as of the end of asOf.
func (v *Verifiers) VerifyAttestation(ctx context.Context, b *evidence.Bundle, a *evidence.Attestation, asOf evidence.Date) check.AttestationResult {
	if a == nil || a.Signature == "" {
		return check.AttestationResult{Status: string(attest.Unsigned), Reason: "the attestation names no signature"}
	}
	bad := func(s attest.Status, reason string) check.AttestationResult {
		return check.AttestationResult{Status: string(s), Reason: reason}
	}
	data, err := b.ReadFile(a.Signature, attest.MaxEnvelopeBytes)
	if err != nil {
		return bad(attest.Malformed, err.Error())
	}
	env, err := attest.ParseEnvelope(a.Signature, data)
	if err != nil {
		return bad(attest.Malformed, err.Error())
	}
	if a.Ref.File == "" {
		return bad(attest.Malformed, "the attestation's record is unknown (no file)")
	}
	record, err := b.ReadFile(a.Ref.File, 64<<20)
	if err != nil {
		return bad(attest.Malformed, err.Error())
	}
	rec, err := attest.FindRecord(record, a.Ref.Line)
	if err != nil {
		return bad(attest.Malformed, a.Ref.File+": "+err.Error())
	}
	t := v.trustFor(b, instant(asOf))
	if t.verifier == nil {
		return bad(attest.Untrusted, t.noRoot())
	}
	r := attest.VerifyClaim(env, t.officers, t.verifier, a.Ref.File, rec)
	return check.AttestationResult{Status: string(r.Status), Reason: r.Reason, Signer: subject(r.Signer)}
}
