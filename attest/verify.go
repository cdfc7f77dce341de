package attest

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	intoto "github.com/in-toto/attestation/go/v1"

	"github.com/insurable/insurable/pki"
)

// Verdict is the outcome of verifying a signed statement.
type Verdict struct {
	Status Status
	Reason string
	// Signer is the certificate whose key verified the envelope.
	Signer *x509.Certificate
	// Chain is the signer's path to the root, when one was found.
	Chain []*x509.Certificate
	// Statement is the verified statement, when the signature verified.
	Statement *intoto.Statement
}

// open verifies the envelope's signature with the candidates, then the
// signer's certificate for purpose p, then parses the statement.
func open(env *Envelope, candidates []*x509.Certificate, v *pki.Verifier, p pki.Purpose, who string) Verdict {
	if env.PayloadType != PayloadType {
		return Verdict{Status: Malformed, Reason: fmt.Sprintf("payload type %q is not an in-toto statement (%s)", env.PayloadType, PayloadType)}
	}
	payload, signers, err := env.Open(candidates)
	if errors.Is(err, errNoSigner) {
		if len(candidates)+len(env.Certs) == 0 {
			return Verdict{Status: Untrusted, Reason: "there is no " + who + " certificate to verify it with"}
		}
		return Verdict{Status: InvalidSignature, Reason: fmt.Sprintf("its signature verifies with none of the %d %s certificates: it was changed after signing, or signed by a key the firm's PKI does not certify", len(candidates)+len(env.Certs), who)}
	}
	if err != nil {
		return Verdict{Status: Malformed, Reason: err.Error()}
	}
	// Several certificates may hold the key (a renewal): any valid one will do.
	var best Verdict
	for i, c := range signers {
		r := v.Verify(c, env.Certs, p)
		if r.Status == pki.Valid {
			best = Verdict{Status: Valid, Signer: c, Chain: r.Chain}
			break
		}
		if i == 0 {
			best = Verdict{Status: fromPKI(r.Status), Reason: fmt.Sprintf("signer %q: %s", subjectName(c), r.Reason), Signer: c, Chain: r.Chain}
		}
	}
	if best.Status != Valid {
		return best
	}
	st, err := ParseStatement(payload)
	if err != nil {
		best.Status, best.Reason = Malformed, err.Error()
		return best
	}
	best.Statement = st
	return best
}

// ManifestVerdict is the outcome of verifying a signed platform manifest.
type ManifestVerdict struct {
	Verdict
	Manifest *Manifest
}

// VerifyManifest verifies a signed platform manifest: its signature by one
// of the candidate certificates, that certificate's path to the root for
// code signing, and the statement's form.
func VerifyManifest(env *Envelope, candidates []*x509.Certificate, v *pki.Verifier) ManifestVerdict {
	r := open(env, candidates, v, pki.CodeSigning, "signer")
	if r.Status != Valid {
		return ManifestVerdict{Verdict: r}
	}
	m, err := ManifestFromStatement(r.Statement)
	if err != nil {
		r.Status, r.Reason = Malformed, err.Error()
		return ManifestVerdict{Verdict: r}
	}
	return ManifestVerdict{Verdict: r, Manifest: m}
}

// VerifyClaim verifies a governance attestation of the record rec of the
// bundle file file: the signature by one of the candidate certificates
// (the officers'), that certificate's path to the root for document
// signing, that the statement binds exactly this record as it is now, and
// that the signer is the person the record names.
func VerifyClaim(env *Envelope, candidates []*x509.Certificate, v *pki.Verifier, file string, rec *Record) Verdict {
	r := open(env, candidates, v, pki.DocumentSigning, "officer")
	if r.Status != Valid {
		return r
	}
	c, err := ClaimFromStatement(r.Statement)
	if err != nil {
		r.Status, r.Reason = Malformed, err.Error()
		return r
	}
	if c.File != file {
		r.Status, r.Reason = InvalidSignature, fmt.Sprintf("it attests a record of %s, not of %s", c.File, file)
		return r
	}
	if c.Digest != rec.Digest {
		r.Status = InvalidSignature
		r.Reason = fmt.Sprintf("it attests %s#%s with other content: the record was changed after signing, or the signature belongs to another record", c.File, c.Pointer)
		return r
	}
	signer := subjectName(r.Signer)
	if !sameName(signer, rec.Name) {
		r.Status, r.Reason = SignerMismatch, fmt.Sprintf("signed by %q, but the record is attested by %q", signer, rec.Name)
		return r
	}
	if !sameName(c.Name, rec.Name) || !sameName(c.Role, rec.Role) || c.Date != rec.Date {
		r.Status = SignerMismatch
		r.Reason = fmt.Sprintf("the signed statement says %s, %s, on %s; the record says %s, %s, on %s", c.Name, c.Role, c.Date, rec.Name, rec.Role, rec.Date)
		return r
	}
	return r
}

// sameName compares person names and roles ignoring case and spacing.
func sameName(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return norm(a) != "" && norm(a) == norm(b)
}

func subjectName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}
