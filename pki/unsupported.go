package pki

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// UnsupportedKeyError is returned for a certificate that is well formed but
// whose public key crypto/x509 cannot use: an elliptic curve other than the
// NIST ones (P-192, secp256k1, brainpool…) or an unknown algorithm. Such a
// key is below the key policy, so verification reports it as weak-key
// rather than malformed.
type UnsupportedKeyError struct {
	File      string
	Subject   string
	Algorithm string // the key's algorithm and curve, as OIDs or names
}

func (e *UnsupportedKeyError) Error() string {
	return fmt.Sprintf("%s: the certificate of %q has a %s key, which the key policy does not allow (RSA ≥ 2048, ECDSA P-256 or stronger, Ed25519)", e.File, e.Subject, e.Algorithm)
}

var curveNames = map[string]string{
	"1.2.840.10045.3.1.1":   "ECDSA P-192",
	"1.3.132.0.10":          "ECDSA secp256k1",
	"1.3.36.3.3.2.8.1.1.7":  "ECDSA brainpoolP256r1",
	"1.3.36.3.3.2.8.1.1.11": "ECDSA brainpoolP384r1",
	"1.3.36.3.3.2.8.1.1.13": "ECDSA brainpoolP512r1",
	"1.3.132.0.33":          "ECDSA P-224",
}

var oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

// unsupportedKey reads just enough of a DER certificate that crypto/x509
// refused to tell whether the refusal is about its key, and returns the
// error to report when it is.
func unsupportedKey(name string, der []byte) *UnsupportedKeyError {
	in := cryptobyte.String(der)
	var cert, tbs cryptobyte.String
	if !in.ReadASN1(&cert, cbasn1.SEQUENCE) || !cert.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil
	}
	var skip cryptobyte.String
	var subject, spki, alg cryptobyte.String
	if !tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.ReadASN1(&skip, cbasn1.INTEGER) || // serial
		!tbs.ReadASN1(&skip, cbasn1.SEQUENCE) || // signature algorithm
		!tbs.ReadASN1(&skip, cbasn1.SEQUENCE) || // issuer
		!tbs.ReadASN1(&skip, cbasn1.SEQUENCE) || // validity
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1(&spki, cbasn1.SEQUENCE) ||
		!spki.ReadASN1(&alg, cbasn1.SEQUENCE) {
		return nil
	}
	var oid asn1.ObjectIdentifier
	if !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil
	}
	algorithm := "public key algorithm " + oid.String()
	if oid.Equal(oidECPublicKey) {
		var curve asn1.ObjectIdentifier
		if !alg.ReadASN1ObjectIdentifier(&curve) {
			return nil // explicit curve parameters: malformed for our purposes
		}
		algorithm = "ECDSA key on curve " + curve.String()
		if n, ok := curveNames[curve.String()]; ok {
			algorithm = n
		}
	}
	var rdn pkix.RDNSequence
	subj := ""
	if rest, err := asn1.Unmarshal(subject, &rdn); err == nil && len(rest) == 0 {
		var n pkix.Name
		n.FillFromRDNSequence(&rdn)
		subj = n.String()
	}
	return &UnsupportedKeyError{File: name, Subject: subj, Algorithm: algorithm}
}
