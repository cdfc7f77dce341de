package probe

import (
	//lint:ignore SA1019 DSA keys still occur on old devices and must be recognised.
	"crypto/dsa"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/insurable/insurable/scan"
)

// describeChain describes the leaf of a DER chain as the server sent it and
// verifies the chain: to roots when not nil (the firm's root of trust),
// else to the system roots. Host name matching is reported apart, since IIoT
// devices are often reached by an address their certificate does not name.
func describeChain(raw [][]byte, host string, roots *x509.CertPool, now time.Time) *scan.Certificate {
	if len(raw) == 0 {
		return nil
	}
	var certs []*x509.Certificate
	for _, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			if len(certs) == 0 {
				return &scan.Certificate{ChainError: "the leaf certificate does not parse: " + err.Error()}
			}
			continue
		}
		certs = append(certs, c)
	}
	leaf := certs[0]
	out := &scan.Certificate{
		Subject:   leaf.Subject.String(),
		Issuer:    leaf.Issuer.String(),
		NotBefore: leaf.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:  leaf.NotAfter.UTC().Format(time.RFC3339),
		SHA256:    hexSum(leaf.Raw),
		DNSNames:  leaf.DNSNames,
	}
	for _, ip := range leaf.IPAddresses {
		out.IPAddresses = append(out.IPAddresses, ip.String())
	}
	for _, c := range certs[1:] {
		out.Chain = append(out.Chain, c.Subject.String())
	}
	out.KeyType, out.KeyBits = keyStrength(leaf.PublicKey)
	out.SignatureAlgorithm = leaf.SignatureAlgorithm.String()
	out.SelfSigned = leaf.Subject.String() == leaf.Issuer.String() && leaf.CheckSignatureFrom(leaf) == nil

	out.TrustRoot = "firm"
	pool := roots
	if pool == nil {
		out.TrustRoot = "system"
		var err error
		if pool, err = x509.SystemCertPool(); err != nil {
			out.ChainError = "no system roots: " + err.Error()
			return out
		}
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         pool,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	out.ChainValid = err == nil
	if err != nil {
		out.ChainError = err.Error()
	}
	match := leaf.VerifyHostname(host) == nil
	out.NameMatch = &match
	out.Expired = now.After(leaf.NotAfter)
	return out
}

// keyStrength names a public key's algorithm and size.
func keyStrength(pub any) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	case *dsa.PublicKey:
		return "DSA", k.P.BitLen()
	}
	return fmt.Sprintf("%T", pub), 0
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
