package signature

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	sgbundle "github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	sgsig "github.com/sigstore/sigstore/pkg/signature"
	"golang.org/x/mod/semver"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/insurable/insurable/pki"
)

// LoadBundle reads a Sigstore bundle (v0.1 to v0.3) from its JSON. A v0.3
// bundle may carry the signer's whole certificate chain, as private
// deployments with intermediates do.
func LoadBundle(data []byte) (*sgbundle.Bundle, error) {
	if len(data) > MaxSignatureBytes {
		return nil, fmt.Errorf("%d bytes, more than the limit of %d", len(data), MaxSignatureBytes)
	}
	pb := new(protobundle.Bundle)
	if err := protojson.Unmarshal(data, pb); err != nil {
		return nil, fmt.Errorf("not a Sigstore bundle: %v", err)
	}
	var opts []sgbundle.Option
	if pb.GetVerificationMaterial().GetX509CertificateChain() != nil {
		if v, err := (&sgbundle.Bundle{Bundle: pb}).Version(); err == nil && semver.Compare(v, "v0.3") >= 0 {
			opts = append(opts, sgbundle.AllowCertificateChain())
		}
	}
	b, err := sgbundle.NewBundle(pb, opts...)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func verifySigstore(artifact []byte, sig Signature, v *pki.Verifier) Result {
	b, err := LoadBundle(sig.Data)
	if err != nil {
		return Result{Status: Malformed, Reason: fmt.Sprintf("Sigstore bundle %s: %v", sig.File, err)}
	}
	vc, err := b.VerificationContent()
	if err != nil {
		return Result{Status: Malformed, Reason: fmt.Sprintf("Sigstore bundle %s: %v", sig.File, err)}
	}
	signer := vc.Certificate()
	if signer == nil {
		return Result{Status: Untrusted, Reason: fmt.Sprintf("Sigstore bundle %s is signed with a bare public key, not with a certificate from the firm's CA", sig.File)}
	}
	bad, chain := trust(signer, vc.Intermediates(), v)
	if bad != nil {
		return *bad
	}
	r := Result{Signer: signer, Chain: chain}
	// sigstore-go's full Verify would also demand a transparency log entry
	// or a timestamp and a Fulcio-style identity in a subject alternative
	// name; here the firm's own CA is the trust root and pki has validated
	// the certificate, so only the signature itself is left to check.
	sc, err := b.SignatureContent()
	if err != nil {
		return Result{Status: Malformed, Reason: fmt.Sprintf("Sigstore bundle %s: %v", sig.File, err)}
	}
	// No key is trusted on its own: the bundle's certificate carries the key.
	err = verify.VerifySignatureWithArtifacts(sc, vc, &root.BaseTrustedMaterial{}, []io.Reader{bytes.NewReader(artifact)})
	if err == nil {
		r.Status = Valid
		return r
	}
	r.Status = InvalidSignature
	msg := b.GetMessageSignature()
	switch {
	case msg != nil && msg.GetMessageDigest().GetAlgorithm() == protocommon.HashAlgorithm_SHA2_256:
		sum := sha256.Sum256(artifact)
		if !bytes.Equal(sum[:], msg.GetMessageDigest().GetDigest()) {
			r.Reason = fmt.Sprintf("the artifact's SHA-256 differs from the digest recorded in %s when it was signed: the artifact was changed after signing", sig.File)
		} else {
			r.Reason = fmt.Sprintf("the signature in %s does not verify with the key of %q: it was made with another key", sig.File, signerName(signer))
		}
	default:
		r.Reason = fmt.Sprintf("the signature in %s does not verify: %v", sig.File, err)
	}
	return r
}

// SignBundle signs artifact with key and returns a Sigstore bundle (v0.3,
// JSON) holding the message signature and the signer's certificate cert,
// with no transparency log entry and no timestamp.
func SignBundle(artifact []byte, cert *x509.Certificate, key crypto.Signer) ([]byte, error) {
	kp, err := newKeypair(key)
	if err != nil {
		return nil, err
	}
	b, err := sign.Bundle(&sign.PlainData{Data: artifact}, kp, sign.BundleOptions{CertificateProvider: certProvider(cert.Raw)})
	if err != nil {
		return nil, fmt.Errorf("signature.SignBundle: %w", err)
	}
	return protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(b)
}

// certProvider hands sigstore-go the certificate the firm's CA issued,
// instead of asking Fulcio for one.
type certProvider []byte

func (c certProvider) GetCertificate(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error) {
	return c, nil
}

// keypair adapts a long-lived crypto.Signer to sigstore-go's Keypair.
type keypair struct {
	key     crypto.Signer
	details sgsig.AlgorithmDetails
	hint    []byte
}

func newKeypair(key crypto.Signer) (*keypair, error) {
	var d protocommon.PublicKeyDetails
	switch k := key.Public().(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			d = protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
		case elliptic.P384():
			d = protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384
		case elliptic.P521():
			d = protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512
		}
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			d = protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_2048_SHA256
		case 3072:
			d = protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_3072_SHA256
		case 4096:
			d = protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_4096_SHA256
		}
	case ed25519.PublicKey:
		d = protocommon.PublicKeyDetails_PKIX_ED25519
	}
	if d == protocommon.PublicKeyDetails_PUBLIC_KEY_DETAILS_UNSPECIFIED {
		return nil, fmt.Errorf("signature: %s keys cannot sign Sigstore bundles", pki.KeyDescription(key.Public()))
	}
	details, err := sgsig.GetAlgorithmDetails(d)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return &keypair{key: key, details: details, hint: []byte(base64.StdEncoding.EncodeToString(sum[:]))}, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm { return k.details.GetProtoHashType() }
func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.details.GetSignatureAlgorithm()
}
func (k *keypair) GetHint() []byte                { return k.hint }
func (k *keypair) GetPublicKey() crypto.PublicKey { return k.key.Public() }

func (k *keypair) GetKeyAlgorithm() string {
	switch k.details.GetKeyType() {
	case sgsig.ECDSA:
		return "ECDSA"
	case sgsig.RSA:
		return "RSA"
	case sgsig.ED25519:
		return "ED25519"
	}
	return ""
}

func (k *keypair) GetPublicKeyPem() (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k.key.Public())
	if err != nil {
		return "", err
	}
	return string(pemEncode("PUBLIC KEY", der)), nil
}

// SignData signs data as sigstore-go expects: the digest for RSA and ECDSA,
// the data itself for Ed25519. It returns the signature and what was signed.
func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	h := k.details.GetHashType()
	toSign := data
	if h != crypto.Hash(0) {
		toSign = digest(h, data)
	}
	s, err := k.key.Sign(rand.Reader, toSign, h)
	if err != nil {
		return nil, nil, err
	}
	return s, toSign, nil
}
