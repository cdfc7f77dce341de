package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha256" // registers SHA-256 for crypto.Hash
	_ "crypto/sha512" // registers SHA-384 and SHA-512
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/insurable/insurable/pki"
)

// rawHashes are the digests `openssl dgst -sign` is tried with; SHA-256 is
// the one the Protocol's evidence format asks for.
var rawHashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}

func verifyRaw(artifact []byte, sig Signature, v *pki.Verifier) Result {
	if len(sig.Certs) == 0 {
		return Result{Status: Malformed, Reason: fmt.Sprintf("detached signature %s comes without the signer's certificate", sig.File)}
	}
	signer := sig.Certs[0]
	bad, chain := trust(signer, sig.Certs[1:], v)
	if bad != nil {
		return *bad
	}
	r := Result{Signer: signer, Chain: chain}
	for _, candidate := range rawCandidates(sig.Data) {
		if VerifyRaw(signer.PublicKey, artifact, candidate) {
			r.Status = Valid
			return r
		}
	}
	r.Status = InvalidSignature
	r.Reason = fmt.Sprintf("signature %s does not verify with the key of %q: the artifact was changed after signing, or it was signed with another key", sig.File, signerName(signer))
	return r
}

// FindSigner returns the first of certs whose key verifies the detached
// signature sig (raw or base64) of artifact, or nil.
func FindSigner(certs []*x509.Certificate, artifact, sig []byte) *x509.Certificate {
	for _, c := range certs {
		for _, candidate := range rawCandidates(sig) {
			if VerifyRaw(c.PublicKey, artifact, candidate) {
				return c
			}
		}
	}
	return nil
}

// rawCandidates are the ways to read a detached signature file: its bytes
// as they are, and decoded from base64 when it is text.
func rawCandidates(data []byte) [][]byte {
	out := [][]byte{data}
	text := bytes.Join(bytes.Fields(data), nil)
	if dec, err := base64.StdEncoding.DecodeString(string(text)); err == nil && len(dec) > 0 {
		out = append(out, dec)
	}
	return out
}

// VerifyRaw reports whether sig is a signature of msg by pub in any of the
// schemes openssl dgst and pkeyutl produce: RSA PKCS#1 v1.5 or PSS and ECDSA
// over the SHA-256, SHA-384 or SHA-512 of msg, and Ed25519 over msg itself.
func VerifyRaw(pub any, msg, sig []byte) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	case *ecdsa.PublicKey:
		for _, h := range rawHashes {
			if ecdsa.VerifyASN1(k, digest(h, msg), sig) {
				return true
			}
		}
	case *rsa.PublicKey:
		for _, h := range rawHashes {
			d := digest(h, msg)
			if rsa.VerifyPKCS1v15(k, h, d, sig) == nil {
				return true
			}
			if rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil {
				return true
			}
		}
	}
	return false
}

func digest(h crypto.Hash, msg []byte) []byte {
	w := h.New()
	w.Write(msg)
	return w.Sum(nil)
}

// SignRaw signs artifact with key exactly as `openssl dgst -sha256 -sign`
// does: RSA PKCS#1 v1.5 or ECDSA (ASN.1) over the SHA-256 of the artifact,
// or, for Ed25519 (which openssl signs with pkeyutl -rawin), over the
// artifact itself.
func SignRaw(artifact []byte, key crypto.Signer) ([]byte, error) {
	switch key.Public().(type) {
	case ed25519.PublicKey:
		return key.Sign(rand.Reader, artifact, crypto.Hash(0))
	case *ecdsa.PublicKey, *rsa.PublicKey:
		return key.Sign(rand.Reader, digest(crypto.SHA256, artifact), crypto.SHA256)
	}
	return nil, errors.New("signature.SignRaw: unsupported key type")
}
