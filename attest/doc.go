// Package attest signs and verifies in-toto statements in DSSE envelopes:
// platform manifests (the files of a service's trusted computing base with
// their SHA-256 digests, A7) and governance attestations (a named officer's
// signed statement that binds one governance record, B1–B3, B5).
//
// An envelope is a plain DSSE envelope (go-securesystemslib) whose payload
// is an in-toto Statement v1. The signer's certificate is not inside the
// envelope: the verifier is given candidate certificates (the officers' or
// signers' certificates filed in the evidence bundle) and finds the one whose
// key verifies; the signature's keyid is only a hint, as DSSE says. A Sigstore
// bundle holding a DSSE envelope and its certificate is read as well.
// Whether the certificate is trusted is decided by package pki.
package attest

import "github.com/insurable/insurable/pki"

// Status is the verdict on a signed statement.
type Status string

// The statuses.
const (
	Valid            Status = "valid"
	Unsigned         Status = "unsigned"          // no envelope at all
	InvalidSignature Status = "invalid-signature" // no candidate key verifies it, or it binds other content
	Untrusted        Status = "untrusted"         // the signer's certificate does not chain to the root or may not sign this
	Revoked          Status = "revoked"
	Expired          Status = "expired"
	SignerMismatch   Status = "signer-mismatch" // signed by someone other than the person the record names
	Malformed        Status = "malformed"
)

// fromPKI maps a certificate verdict to a statement verdict.
func fromPKI(s pki.Status) Status {
	switch s {
	case pki.Valid:
		return Valid
	case pki.Revoked:
		return Revoked
	case pki.Expired, pki.NotYetValid:
		return Expired
	case pki.Malformed:
		return Malformed
	}
	return Untrusted // untrusted, weak-key, bad-usage
}
