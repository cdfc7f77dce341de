// Package keys makes the organisation's PKI so that producing valid
// evidence needs no PKI expertise: a root CA and an issuing (intermediate)
// CA with passphrase-encrypted keys, device, signer and officer
// certificates with the right key usages, and CRLs. It can also make
// deliberately defective material (expired, not yet valid, weak, misused,
// duplicated keys) for demonstration evidence and tests.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"

	"go.step.sm/crypto/pemutil"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/pki"
)

// Algorithm names a key type and size.
type Algorithm string

// The algorithms. RSA1024 is below the key policy; it exists to make
// deliberately weak demonstration material.
const (
	ECDSAP256 Algorithm = "ecdsa-p256"
	ECDSAP384 Algorithm = "ecdsa-p384"
	RSA2048   Algorithm = "rsa-2048"
	RSA3072   Algorithm = "rsa-3072"
	RSA4096   Algorithm = "rsa-4096"
	Ed25519   Algorithm = "ed25519"
	RSA1024   Algorithm = "rsa-1024"
)

// Algorithms lists the algorithms that meet the key policy.
var Algorithms = []Algorithm{ECDSAP256, ECDSAP384, RSA2048, RSA3072, RSA4096, Ed25519}

const opKeys insurable.Op = "keys"

// Generate makes a new private key.
func Generate(alg Algorithm) (crypto.Signer, error) {
	switch alg {
	case ECDSAP256, "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case RSA1024:
		return rsa.GenerateKey(rand.Reader, 1024)
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	names := make([]string, len(Algorithms))
	for i, a := range Algorithms {
		names[i] = string(a)
	}
	return nil, insurable.Errorf(opKeys, insurable.Invalid, "unknown key algorithm %q (want one of %s)", alg, strings.Join(names, ", "))
}

// MarshalPrivateKey encodes a private key as PKCS#8 PEM, encrypted with
// passphrase (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC) unless passphrase is
// empty. openssl reads it (`openssl pkey -in KEY`).
func MarshalPrivateKey(key crypto.Signer, passphrase []byte) ([]byte, error) {
	opts := []pemutil.Options{pemutil.WithPKCS8(true)}
	if len(passphrase) > 0 {
		opts = append(opts, pemutil.WithPassword(passphrase))
	}
	b, err := pemutil.Serialize(key, opts...)
	if err != nil {
		return nil, insurable.Wrap(opKeys, insurable.Internal, err)
	}
	return pem.EncodeToMemory(b), nil
}

// IsEncrypted reports whether a PEM private key file is encrypted.
func IsEncrypted(data []byte) bool {
	b, _ := pem.Decode(data)
	return b != nil && (b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED"))
}

// ParsePrivateKey decodes a private key file as openssl and this package
// write them: PKCS#8 (plain or encrypted), PKCS#1, SEC 1, or legacy
// encrypted PEM. name is used in errors.
func ParsePrivateKey(name string, data, passphrase []byte) (crypto.Signer, error) {
	if IsEncrypted(data) && len(passphrase) == 0 {
		return nil, insurable.FileError(opKeys, insurable.Invalid, name, 0, "the key is encrypted: a passphrase is needed")
	}
	var opts []pemutil.Options
	if len(passphrase) > 0 {
		opts = append(opts, pemutil.WithPassword(passphrase))
	}
	k, err := pemutil.ParseKey(data, opts...)
	if err != nil {
		if IsEncrypted(data) {
			return nil, insurable.FileError(opKeys, insurable.Invalid, name, 0, "cannot decrypt the key: wrong passphrase?")
		}
		return nil, &insurable.Error{Op: opKeys, Kind: insurable.Invalid, Path: name, Msg: "not a private key", Err: err}
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, insurable.FileError(opKeys, insurable.Invalid, name, 0, "not a private key (it holds a %T)", k)
	}
	return s, nil
}

// MarshalCertificates encodes certificates as PEM, in order.
func MarshalCertificates(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// MarshalCRL encodes a DER CRL as PEM.
func MarshalCRL(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// ParseCSR reads a PKCS#10 certificate request (PEM or DER) and checks its
// self-signature, which proves the requester holds the key.
func ParseCSR(name string, data []byte) (*x509.CertificateRequest, error) {
	der := data
	if b, _ := pem.Decode(data); b != nil {
		if b.Type != "CERTIFICATE REQUEST" && b.Type != "NEW CERTIFICATE REQUEST" {
			return nil, insurable.FileError(opKeys, insurable.Invalid, name, 0, "PEM block %q is not a certificate request", b.Type)
		}
		der = b.Bytes
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, &insurable.Error{Op: opKeys, Kind: insurable.Invalid, Path: name, Msg: "not a certificate request", Err: err}
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, &insurable.Error{Op: opKeys, Kind: insurable.Invalid, Path: name, Msg: "the request's signature does not verify", Err: err}
	}
	return csr, nil
}

// randomSerial returns a positive 127-bit serial number.
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	return n.Add(n, big.NewInt(1)), nil
}

// checkKey refuses a key below the policy unless weak keys are asked for.
func checkKey(pub crypto.PublicKey, allowWeak bool) error {
	if p := pki.KeyProblem(pub); p != "" && !allowWeak {
		return insurable.Errorf(opKeys, insurable.Invalid, "refusing to certify an %s", p)
	}
	return nil
}
