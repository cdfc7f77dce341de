package pki

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
)

// Purpose is what a certificate is verified for; it decides which key usage
// and extended key usage the certificate must carry.
type Purpose int

// The purposes.
const (
	// DeviceIdentity is a device authenticating itself, typically in TLS as
	// client or server. Key usage, when present, includes digitalSignature;
	// extended key usage, when present, includes clientAuth or serverAuth
	// and never codeSigning, so a device key cannot sign firmware.
	DeviceIdentity Purpose = iota
	// CodeSigning is a signer of firmware, updates and platform images: the
	// codeSigning extended key usage is required.
	CodeSigning
	// DocumentSigning is a named person signing an attestation: the
	// documentSigning (RFC 9336) or emailProtection extended key usage is
	// required.
	DocumentSigning
)

func (p Purpose) String() string {
	switch p {
	case DeviceIdentity:
		return "device identity"
	case CodeSigning:
		return "code signing"
	case DocumentSigning:
		return "document signing"
	}
	return "unknown purpose"
}

// OIDExtKeyUsageDocumentSigning is id-kp-documentSigning (RFC 9336), which
// crypto/x509 does not name.
var OIDExtKeyUsageDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// KeyProblem returns why a public key is below the key policy (RSA of at
// least 2048 bits, ECDSA on P-256 or a larger NIST curve, Ed25519), or ""
// when it meets it.
func KeyProblem(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < 2048 {
			return fmt.Sprintf("RSA key of %d bits (the policy requires at least 2048)", n)
		}
		return ""
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return ""
		}
		return fmt.Sprintf("ECDSA key on curve %s (the policy requires P-256, P-384 or P-521)", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return ""
	case nil:
		return "unsupported public key algorithm"
	}
	return fmt.Sprintf("%T keys are not allowed (the policy allows RSA ≥ 2048, ECDSA P-256 or stronger, Ed25519)", pub)
}

// KeyDescription names a public key's algorithm and size, such as
// "ECDSA P-256" or "RSA 2048".
func KeyDescription(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// insecureSignature reports whether a certificate is signed with an
// algorithm that is no longer acceptable (MD2, MD5, SHA-1).
func insecureSignature(a x509.SignatureAlgorithm) bool {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return true
	}
	return false
}

// usageProblem returns why the end-entity certificate c is unfit for
// purpose p, or "".
func usageProblem(c *x509.Certificate, p Purpose) string {
	if c.BasicConstraintsValid && c.IsCA {
		return "it is a CA certificate (basicConstraints CA:TRUE); a " + p.String() + " certificate must not be able to issue certificates"
	}
	if c.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return "its key usage allows signing certificates or CRLs (keyCertSign/cRLSign)"
	}
	if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageDigitalSignature == 0 && !(p == DocumentSigning && c.KeyUsage&x509.KeyUsageContentCommitment != 0) {
		return "its key usage lacks digitalSignature (" + keyUsageNames(c.KeyUsage) + ")"
	}
	has := func(u x509.ExtKeyUsage) bool { return slices.Contains(c.ExtKeyUsage, u) }
	hasOID := func(o asn1.ObjectIdentifier) bool {
		return slices.ContainsFunc(c.UnknownExtKeyUsage, func(x asn1.ObjectIdentifier) bool { return x.Equal(o) })
	}
	noEKU := len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0
	switch p {
	case DeviceIdentity:
		if has(x509.ExtKeyUsageCodeSigning) {
			return "its extended key usage includes codeSigning: a device key must not be able to sign firmware"
		}
		if !noEKU && !has(x509.ExtKeyUsageClientAuth) && !has(x509.ExtKeyUsageServerAuth) && !has(x509.ExtKeyUsageAny) {
			return "its extended key usage (" + extKeyUsageNames(c) + ") includes neither clientAuth nor serverAuth"
		}
	case CodeSigning:
		if !has(x509.ExtKeyUsageCodeSigning) {
			if noEKU {
				return "it has no extended key usage; a signer certificate must carry codeSigning"
			}
			return "its extended key usage (" + extKeyUsageNames(c) + ") lacks codeSigning"
		}
	case DocumentSigning:
		if !hasOID(OIDExtKeyUsageDocumentSigning) && !has(x509.ExtKeyUsageEmailProtection) {
			if noEKU {
				return "it has no extended key usage; an officer's certificate must carry documentSigning or emailProtection"
			}
			return "its extended key usage (" + extKeyUsageNames(c) + ") lacks documentSigning and emailProtection"
		}
	}
	return ""
}

// chainUsageProblem returns why a CA of the chain forbids the purpose
// through its own extended key usage (RFC 5280 leaves this open; crypto/x509
// and browsers treat a CA's EKU as a constraint on what it issues), or "".
func chainUsageProblem(chain []*x509.Certificate, p Purpose) string {
	var want []x509.ExtKeyUsage
	var wantOID asn1.ObjectIdentifier
	switch p {
	case DeviceIdentity:
		leaf := chain[0]
		for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth} {
			if slices.Contains(leaf.ExtKeyUsage, u) {
				want = append(want, u)
			}
		}
		if len(want) == 0 {
			return ""
		}
	case CodeSigning:
		want = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	case DocumentSigning:
		want = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
		wantOID = OIDExtKeyUsageDocumentSigning
	}
	for _, ca := range chain[1:] {
		if len(ca.ExtKeyUsage) == 0 && len(ca.UnknownExtKeyUsage) == 0 {
			continue
		}
		if slices.Contains(ca.ExtKeyUsage, x509.ExtKeyUsageAny) {
			continue
		}
		ok := slices.ContainsFunc(want, func(u x509.ExtKeyUsage) bool { return slices.Contains(ca.ExtKeyUsage, u) })
		if wantOID != nil && slices.ContainsFunc(ca.UnknownExtKeyUsage, func(x asn1.ObjectIdentifier) bool { return x.Equal(wantOID) }) {
			ok = true
		}
		if !ok {
			return fmt.Sprintf("issuing CA %q restricts its extended key usage to %s, which does not allow %s", name(ca), extKeyUsageNames(ca), p)
		}
	}
	return ""
}

var keyUsageBits = []struct {
	bit  x509.KeyUsage
	name string
}{
	{x509.KeyUsageDigitalSignature, "digitalSignature"},
	{x509.KeyUsageContentCommitment, "nonRepudiation"},
	{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
	{x509.KeyUsageDataEncipherment, "dataEncipherment"},
	{x509.KeyUsageKeyAgreement, "keyAgreement"},
	{x509.KeyUsageCertSign, "keyCertSign"},
	{x509.KeyUsageCRLSign, "cRLSign"},
	{x509.KeyUsageEncipherOnly, "encipherOnly"},
	{x509.KeyUsageDecipherOnly, "decipherOnly"},
}

func keyUsageNames(u x509.KeyUsage) string {
	var out []string
	for _, b := range keyUsageBits {
		if u&b.bit != 0 {
			out = append(out, b.name)
		}
	}
	return strings.Join(out, ", ")
}

var extKeyUsageName = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "anyExtendedKeyUsage",
	x509.ExtKeyUsageServerAuth:      "serverAuth",
	x509.ExtKeyUsageClientAuth:      "clientAuth",
	x509.ExtKeyUsageCodeSigning:     "codeSigning",
	x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageIPSECEndSystem:  "ipsecEndSystem",
	x509.ExtKeyUsageIPSECTunnel:     "ipsecTunnel",
	x509.ExtKeyUsageIPSECUser:       "ipsecUser",
	x509.ExtKeyUsageTimeStamping:    "timeStamping",
	x509.ExtKeyUsageOCSPSigning:     "OCSPSigning",
}

func extKeyUsageNames(c *x509.Certificate) string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		if n, ok := extKeyUsageName[u]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("EKU %d", u))
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		if o.Equal(OIDExtKeyUsageDocumentSigning) {
			out = append(out, "documentSigning")
		} else {
			out = append(out, o.String())
		}
	}
	return strings.Join(out, ", ")
}

// name is how reasons refer to a certificate: its subject's common name, or
// the whole subject when it has none.
func name(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}
