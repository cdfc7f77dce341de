package keys

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net/url"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/pki"
)

// CA is a certificate authority: its certificate, its key, and the CA
// certificates above it up to (not including) the root.
type CA struct {
	Cert  *x509.Certificate
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// Default validity periods.
const (
	RootValidity         = 20 * 365 * 24 * time.Hour
	IntermediateValidity = 10 * 365 * 24 * time.Hour
	LeafValidity         = 2 * 365 * 24 * time.Hour
)

// CAOptions describe a new CA.
type CAOptions struct {
	// Organization and CommonName make the CA's subject.
	Organization string
	CommonName   string
	Algorithm    Algorithm
	// Now is the time of issue; the certificate is valid from an hour
	// before it (for clock skew) for Validity (default RootValidity or
	// IntermediateValidity).
	Now      time.Time
	Validity time.Duration
	// PermittedDNSDomains, when set, constrains the DNS names the CA may
	// certify (name constraints).
	PermittedDNSDomains []string
}

// NewRoot makes a self-signed root CA.
func NewRoot(opts CAOptions) (*CA, error) {
	if opts.CommonName == "" {
		opts.CommonName = opts.Organization + " Root CA"
	}
	if opts.Validity == 0 {
		opts.Validity = RootValidity
	}
	key, err := Generate(opts.Algorithm)
	if err != nil {
		return nil, err
	}
	tmpl, err := caTemplate(opts, -1)
	if err != nil {
		return nil, err
	}
	cert, err := create(tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// NewIntermediate makes an issuing CA under ca that may issue end-entity
// certificates only (path length 0).
func (ca *CA) NewIntermediate(opts CAOptions) (*CA, error) {
	if opts.CommonName == "" {
		opts.CommonName = opts.Organization + " Issuing CA"
	}
	if opts.Validity == 0 {
		opts.Validity = IntermediateValidity
	}
	key, err := Generate(opts.Algorithm)
	if err != nil {
		return nil, err
	}
	tmpl, err := caTemplate(opts, 0)
	if err != nil {
		return nil, err
	}
	tmpl.AuthorityKeyId = ca.Cert.SubjectKeyId
	cert, err := create(tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	var chain []*x509.Certificate
	if !isSelfSigned(ca.Cert) {
		chain = append([]*x509.Certificate{ca.Cert}, ca.Chain...)
	}
	return &CA{Cert: cert, Key: key, Chain: chain}, nil
}

func isSelfSigned(c *x509.Certificate) bool { return bytes.Equal(c.RawIssuer, c.RawSubject) }

func caTemplate(opts CAOptions, maxPathLen int) (*x509.Certificate, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: nonEmpty(opts.Organization), CommonName: opts.CommonName},
		NotBefore:             opts.Now.Add(-time.Hour),
		NotAfter:              opts.Now.Add(opts.Validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		PermittedDNSDomains:   opts.PermittedDNSDomains,
	}
	if maxPathLen == 0 {
		t.MaxPathLenZero = true
	} else {
		t.MaxPathLen = maxPathLen
	}
	return t, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func create(tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, insurable.Wrap(opKeys, insurable.Invalid, err)
	}
	return x509.ParseCertificate(der)
}

// Profile is the kind of end-entity certificate to issue.
type Profile string

// The profiles and the usages they set.
const (
	// Device: digitalSignature (and keyEncipherment for RSA), clientAuth
	// and serverAuth.
	Device Profile = "device"
	// Signer: digitalSignature, codeSigning — firmware, updates and
	// platform manifests.
	Signer Profile = "signer"
	// Officer: digitalSignature and nonRepudiation, documentSigning
	// (RFC 9336) and emailProtection — governance attestations.
	Officer Profile = "officer"
)

// IssueOptions describe an end-entity certificate.
type IssueOptions struct {
	Profile    Profile
	CommonName string
	// Organization defaults to the CA's.
	Organization string
	// SubjectSerial, when set, is written in the subject's serialNumber
	// attribute (for a device, its hardware serial).
	SubjectSerial string
	DNSNames      []string
	Emails        []string
	URIs          []*url.URL
	// PublicKey certifies an existing key (from a request, or reused on
	// purpose); nil generates a key of Algorithm.
	PublicKey crypto.PublicKey
	Algorithm Algorithm
	// Now is the time of issue; the certificate is valid from an hour
	// before it for Validity (default LeafValidity), unless NotBefore and
	// NotAfter are set.
	Now                 time.Time
	Validity            time.Duration
	NotBefore, NotAfter time.Time

	// For demonstration material only: override the profile's extended key
	// usages, make the certificate a CA, or certify a weak key.
	ExtKeyUsage []x509.ExtKeyUsage
	IsCA        bool
	AllowWeak   bool
}

// Issued is a new certificate, with its key when this package made it.
type Issued struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Issue makes an end-entity certificate signed by the CA.
func (ca *CA) Issue(opts IssueOptions) (*Issued, error) {
	if opts.CommonName == "" {
		return nil, insurable.Errorf(opKeys, insurable.Invalid, "a certificate needs a common name")
	}
	var key crypto.Signer
	pub := opts.PublicKey
	if pub == nil {
		k, err := Generate(opts.Algorithm)
		if err != nil {
			return nil, err
		}
		key, pub = k, k.Public()
	}
	if err := checkKey(pub, opts.AllowWeak); err != nil {
		return nil, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Validity == 0 {
		opts.Validity = LeafValidity
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	org := opts.Organization
	if org == "" {
		org = firstOrEmpty(ca.Cert.Subject.Organization)
	}
	t := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: nonEmpty(org), CommonName: opts.CommonName, SerialNumber: opts.SubjectSerial},
		NotBefore:             opts.Now.Add(-time.Hour),
		NotAfter:              opts.Now.Add(opts.Validity),
		BasicConstraintsValid: true,
		IsCA:                  opts.IsCA,
		DNSNames:              opts.DNSNames,
		EmailAddresses:        opts.Emails,
		URIs:                  opts.URIs,
		AuthorityKeyId:        ca.Cert.SubjectKeyId,
	}
	if !opts.NotBefore.IsZero() {
		t.NotBefore = opts.NotBefore
	}
	if !opts.NotAfter.IsZero() {
		t.NotAfter = opts.NotAfter
	}
	switch opts.Profile {
	case Device:
		t.KeyUsage = x509.KeyUsageDigitalSignature
		if _, ok := pub.(*rsa.PublicKey); ok {
			t.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}
	case Signer:
		t.KeyUsage = x509.KeyUsageDigitalSignature
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	case Officer:
		t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}
		t.UnknownExtKeyUsage = append(t.UnknownExtKeyUsage, pki.OIDExtKeyUsageDocumentSigning)
	default:
		return nil, insurable.Errorf(opKeys, insurable.Invalid, "unknown certificate profile %q (want device, signer or officer)", opts.Profile)
	}
	if opts.ExtKeyUsage != nil {
		t.ExtKeyUsage, t.UnknownExtKeyUsage = opts.ExtKeyUsage, nil
	}
	if opts.IsCA {
		t.KeyUsage |= x509.KeyUsageCertSign
	}
	cert, err := create(t, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, err
	}
	return &Issued{Cert: cert, Key: key}, nil
}

func firstOrEmpty(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// Revocation is one revoked certificate.
type Revocation struct {
	Serial *big.Int
	Time   time.Time
	// Reason is an RFC 5280 reason code (1 keyCompromise, 4 superseded,
	// 5 cessationOfOperation…); 0 is unspecified.
	Reason int
}

// Reasons maps the names of CRL reason codes to their numbers.
var Reasons = map[string]int{
	"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3,
	"superseded": 4, "cessationOfOperation": 5, "certificateHold": 6, "privilegeWithdrawn": 9,
}

// CRLOptions describe a CRL.
type CRLOptions struct {
	Revoked []Revocation
	// ThisUpdate defaults to now; NextUpdate to 30 days later.
	ThisUpdate, NextUpdate time.Time
	// Number is the CRL number; it must grow with each CRL of the CA.
	Number *big.Int
}

// CRL makes a CRL signed by the CA and returns it in DER.
func (ca *CA) CRL(opts CRLOptions) ([]byte, error) {
	if opts.ThisUpdate.IsZero() {
		opts.ThisUpdate = time.Now()
	}
	if opts.NextUpdate.IsZero() {
		opts.NextUpdate = opts.ThisUpdate.Add(30 * 24 * time.Hour)
	}
	if opts.Number == nil {
		opts.Number = big.NewInt(opts.ThisUpdate.Unix())
	}
	var entries []x509.RevocationListEntry
	for _, r := range opts.Revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: r.Serial, RevocationTime: r.Time, ReasonCode: r.Reason})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: opts.Number, ThisUpdate: opts.ThisUpdate, NextUpdate: opts.NextUpdate, RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		return nil, insurable.Wrap(opKeys, insurable.Invalid, fmt.Errorf("making the CRL: %w", err))
	}
	return der, nil
}

// Revocations reads the entries of an existing CRL of the CA, so that a new
// CRL can carry them on; it checks the CRL's signature first.
func (ca *CA) Revocations(name string, crl *x509.RevocationList) ([]Revocation, *big.Int, error) {
	if err := crl.CheckSignatureFrom(ca.Cert); err != nil {
		return nil, nil, insurable.FileError(opKeys, insurable.Invalid, name, 0, "this CRL is not signed by %s: %v", ca.Cert.Subject.CommonName, err)
	}
	var out []Revocation
	for _, e := range crl.RevokedCertificateEntries {
		out = append(out, Revocation{Serial: e.SerialNumber, Time: e.RevocationTime, Reason: e.ReasonCode})
	}
	return out, crl.Number, nil
}

// Verifier returns a pki.Verifier that trusts root and knows the CAs, for
// checking freshly made material.
func Verifier(root *CA, cas []*CA, crls []pki.CRL, at time.Time) (*pki.Verifier, error) {
	cfg := pki.Config{Roots: []*x509.Certificate{root.Cert}, CRLs: crls, Time: at}
	for _, c := range cas {
		cfg.Intermediates = append(cfg.Intermediates, c.Cert)
	}
	return pki.New(cfg)
}
