package pki

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/internal/testpki"
)

// fixtures is the directory of certificates and CRLs made by openssl (see
// internal/testpki/mkfixtures.sh).
var fixtures string

func TestMain(m *testing.M) { os.Exit(testpki.Main(m, &fixtures)) }

func readCerts(t testing.TB, rel string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ParseCertificates(rel, data)
	if err != nil {
		t.Fatal(err)
	}
	return certs
}

func readCRL(t testing.TB, rel string) CRL {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	crls, err := ParseCRLs(rel, data)
	if err != nil {
		t.Fatal(err)
	}
	return CRL{File: rel, List: crls[0]}
}

// fixtureVerifier trusts the fixture root and knows its three issuing CAs.
func fixtureVerifier(t testing.TB, at time.Time, crlFiles ...string) *Verifier {
	t.Helper()
	cfg := Config{Roots: readCerts(t, "root.pem"), Time: at}
	for _, f := range []string{"int.pem", "int-nc.pem", "int-revoked.pem"} {
		cfg.Intermediates = append(cfg.Intermediates, readCerts(t, f)...)
	}
	for _, f := range crlFiles {
		cfg.CRLs = append(cfg.CRLs, readCRL(t, f))
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var allCRLs = []string{"crl/root.crl.pem", "crl/int.crl.der", "crl/int-nc.crl.pem", "crl/int-revoked.crl.pem"}

// item reads a certificate file as the CLI does: the first certificate is
// the subject, the rest may complete its path; unreadable files are kept
// with their error.
func item(t testing.TB, rel string) Item {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ParseCertificates(rel, data)
	if err != nil {
		return Item{Name: rel, Err: err}
	}
	return Item{Name: rel, Cert: certs[0], Extra: certs[1:]}
}

func TestVerifyDeviceCertificatesMadeByOpenSSL(t *testing.T) {
	tests := []struct {
		file   string
		want   Status
		reason string // a part of the reason
	}{
		{"dev/valid.pem", Valid, ""},
		{"dev/valid.der", Valid, ""},
		{"dev/with-chain.pem", Valid, ""},
		{"dev/valid-rsa.pem", Valid, ""},
		{"dev/valid-ed25519.pem", Valid, ""},
		{"dev/valid-p384.pem", Valid, ""},
		{"dev/nc-ok.pem", Valid, ""},
		{"dev/expired.pem", Expired, "certificate expired on 2021-01-01"},
		{"dev/not-yet-valid.pem", NotYetValid, "not valid before 2040-01-01"},
		{"dev/revoked.pem", Revoked, "(keyCompromise) according to crl/int.crl.der"},
		{"dev/under-revoked-ca.pem", Revoked, `issuing CA "Fixture Retired CA" was revoked`},
		{"dev/weak.pem", WeakKey, "RSA key of 1024 bits"},
		{"dev/weak-curve.pem", WeakKey, "ECDSA P-192"},
		{"dev/sha1.pem", WeakKey, "ECDSA-SHA1"},
		{"dev/bad-usage.pem", BadUsage, "codeSigning"},
		{"dev/is-ca.pem", BadUsage, "CA certificate"},
		{"dev/dup-a.pem", DuplicateKey, "dev/dup-b.pem"},
		{"dev/dup-b.pem", DuplicateKey, "dev/dup-a.pem"},
		{"dev/untrusted.pem", Untrusted, "no valid path to the root"},
		{"dev/nc-bad.pem", Untrusted, "name constraints"},
		{"dev/garbage.pem", Malformed, "neither PEM nor a DER certificate"},
		{"dev/bad-pem.pem", Malformed, "dev/bad-pem.pem:1: malformed PEM block"},
	}
	v := fixtureVerifier(t, time.Now(), allCRLs...)
	items := make([]Item, len(tests))
	for i, tt := range tests {
		items[i] = item(t, tt.file)
	}
	results, err := v.VerifyAll(context.Background(), items, DeviceIdentity)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		got := results[i]
		if got.Status != tt.want || !strings.Contains(got.Reason, tt.reason) {
			t.Errorf("%s: got %s (%s), want %s (…%s…)", tt.file, got.Status, got.Reason, tt.want, tt.reason)
		}
		if tt.want == Valid && (len(got.Chain) != 3 || got.Chain[2].Subject.CommonName != "Fixture Root CA") {
			t.Errorf("%s: chain %v does not end at the root", tt.file, got.Chain)
		}
	}
	for _, st := range v.CRLs() {
		if st.State != CRLCurrent {
			t.Errorf("CRL %s: %s (%s), want current", st.File, st.State, st.Reason)
		}
	}
}

func TestRevocationNeedsATrustworthyCurrentCRL(t *testing.T) {
	valid, revoked := item(t, "dev/valid.pem"), item(t, "dev/revoked.pem")
	tests := []struct {
		name        string
		crls        []string
		optional    bool
		valid       Status
		revoked     Status
		reason      string // part of the reason for dev/valid.pem
		forgedState CRLState
	}{
		{name: "no CRL: revocation is not checked", crls: nil, valid: Valid, revoked: Valid},
		{name: "current CRL", crls: []string{"crl/int.crl.pem"}, valid: Valid, revoked: Revoked},
		{name: "stale CRL only", crls: []string{"crl/int-stale.crl.pem"}, valid: Untrusted, revoked: Untrusted, reason: "is stale: its next update was due 2020-02-01"},
		{name: "stale CRL, revocation optional", crls: []string{"crl/int-stale.crl.pem"}, optional: true, valid: Valid, revoked: Valid},
		{name: "forged CRL only", crls: []string{"crl/int-forged.crl.pem"}, valid: Untrusted, revoked: Untrusted, reason: "bad-signature", forgedState: CRLBadSignature},
		{name: "forged CRL beside the real one", crls: []string{"crl/int-forged.crl.pem", "crl/int.crl.pem"}, valid: Valid, revoked: Revoked, forgedState: CRLBadSignature},
		{name: "CRL of another CA only", crls: []string{"crl/int-nc.crl.pem"}, valid: Untrusted, revoked: Untrusted, reason: `no current CRL from its issuer "Fixture Device CA"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := fixtureVerifier(t, time.Now(), tt.crls...)
			v2, err := New(Config{Roots: readCerts(t, "root.pem"), Intermediates: readCerts(t, "int.pem"), CRLs: v.crlList(), Time: time.Now(), OptionalCRL: tt.optional})
			if err != nil {
				t.Fatal(err)
			}
			got := v2.Verify(valid.Cert, nil, DeviceIdentity)
			if got.Status != tt.valid || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("valid device: got %s (%s), want %s (…%s…)", got.Status, got.Reason, tt.valid, tt.reason)
			}
			if got := v2.Verify(revoked.Cert, nil, DeviceIdentity); got.Status != tt.revoked {
				t.Errorf("revoked device: got %s (%s), want %s", got.Status, got.Reason, tt.revoked)
			}
			for _, st := range v2.CRLs() {
				if st.File == "crl/int-forged.crl.pem" && st.State != tt.forgedState {
					t.Errorf("forged CRL: state %s (%s), want %s", st.State, st.Reason, tt.forgedState)
				}
			}
		})
	}
}

// crlList returns the CRLs a test verifier was built with.
func (v *Verifier) crlList() []CRL {
	var out []CRL
	for _, st := range v.crls.states {
		data, err := os.ReadFile(filepath.Join(fixtures, st.File))
		if err != nil {
			panic(err)
		}
		crls, err := ParseCRLs(st.File, data)
		if err != nil {
			panic(err)
		}
		out = append(out, CRL{File: st.File, List: crls[0]})
	}
	return out
}

func TestVerifyAsOfAnotherTime(t *testing.T) {
	expired := item(t, "dev/expired.pem")
	valid := item(t, "dev/valid.pem")
	// In 2030 the device certificates made today have expired, and so has
	// the CRL; in 2050 the root itself has.
	tests := []struct {
		at   time.Time
		cert Item
		want Status
		part string
	}{
		{time.Now().AddDate(1, 1, 0), valid, Expired, "certificate expired on"},
		{time.Now().AddDate(0, 6, 0), valid, Valid, ""},
		{time.Now().AddDate(20, 0, 0), valid, Expired, "certificate expired on"},
		{time.Now(), expired, Expired, "certificate expired on 2021-01-01"},
	}
	for _, tt := range tests {
		v := fixtureVerifier(t, tt.at)
		got := v.Verify(tt.cert.Cert, nil, DeviceIdentity)
		if got.Status != tt.want || !strings.Contains(got.Reason, tt.part) {
			t.Errorf("%s at %s: got %s (%s), want %s (…%s…)", tt.cert.Name, day(tt.at), got.Status, got.Reason, tt.want, tt.part)
		}
	}
}

func TestPurposes(t *testing.T) {
	tests := []struct {
		file    string
		purpose Purpose
		want    Status
		part    string
	}{
		{"signer.pem", CodeSigning, Valid, ""},
		{"signer-rsa.pem", CodeSigning, Valid, ""},
		{"signer.pem", DeviceIdentity, BadUsage, "a device key must not be able to sign firmware"},
		{"dev/valid.pem", CodeSigning, BadUsage, "lacks codeSigning"},
		{"officer.pem", DocumentSigning, Valid, ""},
		{"officer.pem", CodeSigning, BadUsage, "documentSigning"},
		{"signer.pem", DocumentSigning, BadUsage, "lacks documentSigning and emailProtection"},
		{"int.pem", CodeSigning, BadUsage, "CA certificate"},
		{"signer-expired.pem", CodeSigning, Expired, "2021-01-01"},
		{"signer-revoked.pem", CodeSigning, Revoked, "keyCompromise"},
		{"signer-rogue.pem", CodeSigning, Untrusted, "no valid path"},
	}
	v := fixtureVerifier(t, time.Now(), allCRLs...)
	for _, tt := range tests {
		c := readCerts(t, tt.file)[0]
		got := v.Verify(c, nil, tt.purpose)
		if got.Status != tt.want || !strings.Contains(got.Reason, tt.part) {
			t.Errorf("%s for %s: got %s (%s), want %s (…%s…)", tt.file, tt.purpose, got.Status, got.Reason, tt.want, tt.part)
		}
	}
}

func TestNewNeedsARootAndATime(t *testing.T) {
	if _, err := New(Config{Time: time.Now()}); err == nil || !strings.Contains(err.Error(), "no root certificate") {
		t.Errorf("no root: got %v", err)
	}
	if _, err := New(Config{Roots: readCerts(t, "root.pem")}); err == nil {
		t.Error("no time: got no error")
	}
}

func TestVerifyAllStopsWithItsContext(t *testing.T) {
	v := fixtureVerifier(t, time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.VerifyAll(ctx, []Item{item(t, "dev/valid.pem")}, DeviceIdentity); err == nil {
		t.Error("got no error from a cancelled context")
	}
}
