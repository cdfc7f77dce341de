package signature

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"

	"github.com/insurable/insurable/pki"
)

// Signature is the evidence that an artifact was signed.
type Signature struct {
	// File names the signature or bundle file in reasons.
	File string
	// Data is the content of the signature or bundle file.
	Data []byte
	// Format says how Data is encoded; "" means Detect it.
	Format Format
	// Certs is the signing certificate followed by any intermediates that
	// came with it. Raw signatures need it; a CMS signature may carry its
	// own, and then Certs, when given, must name the same signer; a
	// Sigstore bundle always carries its own and Certs is not used.
	Certs []*x509.Certificate
}

// Result is the verdict on one artifact.
type Result struct {
	Status Status
	Reason string
	Format Format
	// Signer is the signing certificate, when one was found.
	Signer *x509.Certificate
	// Chain is the signer's path to the root, when one was found.
	Chain []*x509.Certificate
}

// Detect tells the format of a signature file from its content.
func Detect(data []byte) Format {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var probe struct {
			MediaType string `json:"mediaType"`
		}
		if json.Unmarshal(trimmed, &probe) == nil && bytes.Contains([]byte(probe.MediaType), []byte("sigstore.bundle")) {
			return Sigstore
		}
	}
	if _, err := parseCMS(data); err == nil {
		return CMS
	}
	return Raw
}

// Verify verifies artifact against sig, with v deciding whether the signer
// is trusted for code signing at v's time.
func Verify(artifact []byte, sig Signature, v *pki.Verifier) Result {
	if len(bytes.TrimSpace(sig.Data)) == 0 {
		return Result{Status: Malformed, Reason: fmt.Sprintf("signature file %s is empty", sig.File), Format: sig.Format}
	}
	f := sig.Format
	if f == "" {
		f = Detect(sig.Data)
	}
	var r Result
	switch f {
	case Raw:
		r = verifyRaw(artifact, sig, v)
	case CMS:
		r = verifyCMS(artifact, sig, v)
	case Sigstore:
		r = verifySigstore(artifact, sig, v)
	default:
		r = Result{Status: Malformed, Reason: fmt.Sprintf("unknown signature format %q", f)}
	}
	r.Format = f
	return r
}

// trust decides whether signer (with extra untrusted certificates) may sign
// code. It returns a non-nil result when it may not.
func trust(signer *x509.Certificate, extra []*x509.Certificate, v *pki.Verifier) (*Result, []*x509.Certificate) {
	pr := v.Verify(signer, extra, pki.CodeSigning)
	if pr.Status == pki.Valid {
		return nil, pr.Chain
	}
	return &Result{Status: fromPKI(pr.Status), Reason: fmt.Sprintf("signer %q: %s", signerName(signer), pr.Reason), Signer: signer, Chain: pr.Chain}, nil
}

func signerName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}
