// Package signature verifies that an artifact — a firmware image, an update,
// a platform image — was signed by a signer whose certificate chains to the
// organisation's root and carries the codeSigning extended key usage. It
// reads the three forms firms actually produce: a detached signature made
// by `openssl dgst -sha256 -sign`, a CMS / PKCS#7 signature made by
// `openssl cms -sign` or `openssl smime -sign` (DER, PEM or S/MIME), and a
// Sigstore bundle whose trust root is the firm's own CA, with no public
// transparency log. It also makes all three, for `insurable sign` and for
// building demonstration evidence.
//
// Verification checks, in order: that the signature can be read
// (malformed), that the signer's certificate is valid for code signing at
// the time of verification (untrusted, revoked, expired, bad-usage, as
// package pki decides), and that the signature covers exactly the artifact
// (invalid-signature, with a reason that tells a modified artifact from a
// signature by another key where the format allows).
package signature

import "github.com/insurable/insurable/pki"

// Status is the verdict on one artifact.
type Status string

// The statuses of an artifact.
const (
	Valid            Status = "valid"
	InvalidSignature Status = "invalid-signature" // the artifact was modified, or signed by another key
	Untrusted        Status = "untrusted"         // the signer does not chain to the root (or its key is too weak)
	Revoked          Status = "revoked"           // the signer or an issuing CA is revoked
	Expired          Status = "expired"           // the signer or an issuing CA is outside its validity period
	BadUsage         Status = "bad-usage"         // the signer may not sign code
	Malformed        Status = "malformed"         // the signature cannot be read
	MissingSignature Status = "missing-signature" // no signature at all
)

// Format is how a signature is encoded.
type Format string

// The formats.
const (
	// Raw is a bare signature over the artifact: RSA PKCS#1 v1.5 or PSS,
	// ECDSA (ASN.1) over its SHA-256 (also SHA-384, SHA-512), or Ed25519
	// over the artifact itself, as bytes or base64.
	Raw Format = "raw"
	// CMS is a PKCS#7 / CMS SignedData, detached or with the content, in
	// DER, PEM or S/MIME.
	CMS Format = "cms"
	// Sigstore is a Sigstore bundle (v0.1 to v0.3) with a message signature
	// or a DSSE envelope whose statement names the artifact.
	Sigstore Format = "sigstore"
)

// fromPKI maps a certificate verdict to an artifact verdict.
func fromPKI(s pki.Status) Status {
	switch s {
	case pki.Valid:
		return Valid
	case pki.Revoked:
		return Revoked
	case pki.Expired, pki.NotYetValid:
		return Expired
	case pki.BadUsage:
		return BadUsage
	case pki.Malformed:
		return Malformed
	}
	return Untrusted // untrusted, weak-key
}
