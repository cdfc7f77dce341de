package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/insurable/insurable/signature"
)

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// Limits on envelopes read.
const (
	MaxEnvelopeBytes = 64 << 20
	MaxSignatures    = 16
	MaxCandidates    = 10000
)

// Envelope is a DSSE envelope, with the certificates that came with it when
// it was read from a Sigstore bundle.
type Envelope struct {
	dsse.Envelope
	// Certs holds the signing certificate and its intermediates when the
	// envelope came in a Sigstore bundle; nil for a plain envelope.
	Certs []*x509.Certificate
}

// ParseEnvelope reads a DSSE envelope (JSON), or a Sigstore bundle that
// holds one. name is used in errors.
func ParseEnvelope(name string, data []byte) (*Envelope, error) {
	if len(data) > MaxEnvelopeBytes {
		return nil, fmt.Errorf("%s: %d bytes, more than the limit of %d", name, len(data), MaxEnvelopeBytes)
	}
	if signature.Detect(data) == signature.Sigstore {
		return fromBundle(name, data)
	}
	var env dsse.Envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("%s: not a DSSE envelope: %v", name, err)
	}
	if err := checkEnvelope(&env); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &Envelope{Envelope: env}, nil
}

func checkEnvelope(env *dsse.Envelope) error {
	if env.PayloadType == "" {
		return errors.New("the DSSE envelope has no payloadType")
	}
	if _, err := env.DecodeB64Payload(); err != nil {
		return errors.New("the DSSE payload is not base64")
	}
	if len(env.Signatures) == 0 {
		return errors.New("the DSSE envelope holds no signature")
	}
	if len(env.Signatures) > MaxSignatures {
		return fmt.Errorf("the DSSE envelope holds %d signatures, more than the limit of %d", len(env.Signatures), MaxSignatures)
	}
	return nil
}

func fromBundle(name string, data []byte) (*Envelope, error) {
	b, err := signature.LoadBundle(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	de := b.GetDsseEnvelope()
	if de == nil {
		return nil, fmt.Errorf("%s: the Sigstore bundle holds a message signature, not a DSSE envelope", name)
	}
	env := dsse.Envelope{PayloadType: de.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(de.GetPayload())}
	for _, s := range de.GetSignatures() {
		env.Signatures = append(env.Signatures, dsse.Signature{KeyID: s.GetKeyid(), Sig: base64.StdEncoding.EncodeToString(s.GetSig())})
	}
	if err := checkEnvelope(&env); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	out := &Envelope{Envelope: env}
	if vc, err := b.VerificationContent(); err == nil && vc.Certificate() != nil {
		out.Certs = append([]*x509.Certificate{vc.Certificate()}, vc.Intermediates()...)
	}
	return out, nil
}

// Marshal writes the envelope as indented JSON.
func (e *Envelope) Marshal() ([]byte, error) {
	out, err := json.MarshalIndent(&e.Envelope, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// KeyID is the keyid this package writes for a public key:
// go-securesystemslib's SHA-256 fingerprint.
func KeyID(pub crypto.PublicKey) string {
	id, err := dsse.SHA256KeyID(pub)
	if err != nil {
		return ""
	}
	return id
}

// Sign wraps payload of payloadType in a DSSE envelope signed with key:
// ECDSA or RSA PKCS#1 v1.5 over the SHA-256 of the pre-authentication
// encoding, or Ed25519 over it, which is what `openssl dgst -sha256 -sign`
// (or pkeyutl for Ed25519) produces over the same bytes.
func Sign(payloadType string, payload []byte, key crypto.Signer) (*Envelope, error) {
	es, err := dsse.NewEnvelopeSigner(&dsseSigner{key: key, id: KeyID(key.Public())})
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(context.Background(), payloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("attest.Sign: %w", err)
	}
	return &Envelope{Envelope: *env}, nil
}

type dsseSigner struct {
	key crypto.Signer
	id  string
}

func (s *dsseSigner) Sign(_ context.Context, data []byte) ([]byte, error) {
	return signature.SignRaw(data, s.key)
}

func (s *dsseSigner) KeyID() (string, error) { return s.id, nil }

// certVerifier checks a DSSE signature with a certificate's key.
type certVerifier struct{ cert *x509.Certificate }

func (c *certVerifier) Verify(_ context.Context, data, sig []byte) error {
	if signature.VerifyRaw(c.cert.PublicKey, data, sig) {
		return nil
	}
	return errors.New("signature does not verify")
}

func (c *certVerifier) KeyID() (string, error)   { return KeyID(c.cert.PublicKey), nil }
func (c *certVerifier) Public() crypto.PublicKey { return c.cert.PublicKey }

// Open verifies the envelope's signature with each candidate certificate
// (those that came with the envelope first) and returns the payload and
// every certificate whose key verifies it. The keyid of a signature only
// orders the candidates: it is not signed, so it decides nothing.
func (e *Envelope) Open(candidates []*x509.Certificate) ([]byte, []*x509.Certificate, error) {
	all := append(append([]*x509.Certificate(nil), e.Certs...), candidates...)
	if len(all) > MaxCandidates {
		return nil, nil, fmt.Errorf("%d candidate certificates, more than the limit of %d", len(all), MaxCandidates)
	}
	// DSSE's library skips a key whose id differs from a signature's keyid;
	// clearing the hints lets every candidate be tried.
	env := e.Envelope
	env.Signatures = make([]dsse.Signature, len(e.Signatures))
	for i, s := range e.Signatures {
		env.Signatures[i] = dsse.Signature{Sig: s.Sig}
	}
	var payload []byte
	var signers []*x509.Certificate
	seen := map[string]bool{}
	for _, c := range all {
		if c == nil || seen[string(c.Raw)] {
			continue
		}
		seen[string(c.Raw)] = true
		ev, err := dsse.NewEnvelopeVerifier(&certVerifier{cert: c})
		if err != nil {
			return nil, nil, err
		}
		if _, body, err := ev.VerifyAndDecode(context.Background(), &env); err == nil {
			payload = body
			signers = append(signers, c)
		}
	}
	if len(signers) == 0 {
		return nil, nil, errNoSigner
	}
	return payload, signers, nil
}

var errNoSigner = errors.New("no candidate key verifies the envelope")
