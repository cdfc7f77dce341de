package keys

import (
	"crypto/x509"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/internal/testpki"
	"github.com/insurable/insurable/pki"
)

var fixtures string

func TestMain(m *testing.M) { os.Exit(testpki.Main(m, &fixtures)) }

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func openssl(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := testpki.OpenSSL(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestIssuedMaterialPassesOpenSSL makes a root, an issuing CA, the three
// profiles and a CRL with this package, and checks each with openssl.
func TestIssuedMaterialPassesOpenSSL(t *testing.T) {
	now := time.Now()
	root, err := NewRoot(CAOptions{Organization: "Acme Utilities", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := root.NewIntermediate(CAOptions{Organization: "Acme Utilities", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if ca.Cert.Subject.CommonName != "Acme Utilities Issuing CA" || !ca.Cert.MaxPathLenZero || len(ca.Chain) != 0 {
		t.Errorf("intermediate %v pathlen0=%v chain=%d", ca.Cert.Subject, ca.Cert.MaxPathLenZero, len(ca.Chain))
	}
	dev, err := ca.Issue(IssueOptions{Profile: Device, CommonName: "plc-0001", DNSNames: []string{"plc-0001.plant.example"}, SubjectSerial: "SN123"})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ca.Issue(IssueOptions{Profile: Signer, CommonName: "Acme Release Signing"})
	if err != nil {
		t.Fatal(err)
	}
	officer, err := ca.Issue(IssueOptions{Profile: Officer, CommonName: "Alice Example", Emails: []string{"alice@acme.example"}})
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := ca.Issue(IssueOptions{Profile: Device, CommonName: "plc-0002"})
	if err != nil {
		t.Fatal(err)
	}
	crl, err := ca.CRL(CRLOptions{Revoked: []Revocation{{Serial: revoked.Cert.SerialNumber, Time: now, Reason: Reasons["keyCompromise"]}}, Number: big.NewInt(2)})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	write(t, dir, "root.pem", MarshalCertificates(root.Cert))
	write(t, dir, "int.pem", MarshalCertificates(ca.Cert))
	write(t, dir, "dev.pem", MarshalCertificates(dev.Cert))
	write(t, dir, "signer.pem", MarshalCertificates(signer.Cert))
	write(t, dir, "officer.pem", MarshalCertificates(officer.Cert))
	write(t, dir, "revoked.pem", MarshalCertificates(revoked.Cert))
	write(t, dir, "crl.pem", MarshalCRL(crl))

	if out := openssl(t, dir, "verify", "-CAfile", "root.pem", "-untrusted", "int.pem", "-purpose", "sslclient", "dev.pem"); !strings.Contains(out, "dev.pem: OK") {
		t.Errorf("openssl verify device: %s", out)
	}
	if out := openssl(t, dir, "verify", "-CAfile", "root.pem", "-untrusted", "int.pem", "-purpose", "sslserver", "dev.pem"); !strings.Contains(out, "OK") {
		t.Errorf("openssl verify device as server: %s", out)
	}
	for _, f := range []string{"signer.pem", "officer.pem"} {
		if out := openssl(t, dir, "verify", "-CAfile", "root.pem", "-untrusted", "int.pem", f); !strings.Contains(out, f+": OK") {
			t.Errorf("openssl verify %s: %s", f, out)
		}
	}
	if out := openssl(t, dir, "x509", "-in", "signer.pem", "-noout", "-ext", "extendedKeyUsage,keyUsage"); !strings.Contains(out, "Code Signing") || !strings.Contains(out, "Digital Signature") {
		t.Errorf("signer usages: %s", out)
	}
	if out := openssl(t, dir, "x509", "-in", "officer.pem", "-noout", "-ext", "extendedKeyUsage"); !strings.Contains(out, "E-mail Protection") || !(strings.Contains(out, "1.3.6.1.5.5.7.3.36") || strings.Contains(out, "Document Signing")) {
		t.Errorf("officer usages: %s", out)
	}
	if out := openssl(t, dir, "x509", "-in", "dev.pem", "-noout", "-subject"); !strings.Contains(out, "serialNumber = SN123") {
		t.Errorf("device subject: %s", out)
	}
	if out := openssl(t, dir, "crl", "-in", "crl.pem", "-CAfile", "int.pem", "-noout"); !strings.Contains(out, "verify OK") {
		t.Errorf("openssl crl: %s", out)
	}
	out, _ := testpki.OpenSSL(dir, "verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "root.pem", "-untrusted", "int.pem", "revoked.pem")
	if !strings.Contains(string(out), "certificate revoked") {
		t.Errorf("openssl does not see the revocation: %s", out)
	}

	// And our own verifier agrees.
	l, err := x509.ParseRevocationList(crl)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verifier(root, []*CA{ca}, []pki.CRL{{File: "crl", List: l}}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		c    *x509.Certificate
		p    pki.Purpose
		want pki.Status
	}{
		{dev.Cert, pki.DeviceIdentity, pki.Valid},
		{signer.Cert, pki.CodeSigning, pki.Valid},
		{officer.Cert, pki.DocumentSigning, pki.Valid},
		{revoked.Cert, pki.DeviceIdentity, pki.Revoked},
	} {
		if got := v.Verify(tt.c, nil, tt.p); got.Status != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.c.Subject.CommonName, got.Status, got.Reason, tt.want)
		}
	}
}

func TestDefectiveMaterial(t *testing.T) {
	now := time.Now()
	root, err := NewRoot(CAOptions{Organization: "Demo", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := root.NewIntermediate(CAOptions{Organization: "Demo", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verifier(root, []*CA{ca}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := Generate(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts IssueOptions
		want pki.Status
	}{
		{"expired", IssueOptions{NotBefore: now.AddDate(-3, 0, 0), NotAfter: now.AddDate(-1, 0, 0)}, pki.Expired},
		{"not yet valid", IssueOptions{NotBefore: now.AddDate(1, 0, 0), NotAfter: now.AddDate(3, 0, 0)}, pki.NotYetValid},
		{"weak", IssueOptions{Algorithm: RSA1024, AllowWeak: true}, pki.WeakKey},
		{"code signing device", IssueOptions{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, pki.BadUsage},
		{"device that is a CA", IssueOptions{IsCA: true}, pki.BadUsage},
		{"shared key", IssueOptions{PublicKey: shared.Public()}, pki.Valid},
	}
	for _, tt := range tests {
		tt.opts.Profile, tt.opts.CommonName = Device, tt.name
		iss, err := ca.Issue(tt.opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := v.Verify(iss.Cert, nil, pki.DeviceIdentity); got.Status != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.name, got.Status, got.Reason, tt.want)
		}
		if tt.opts.PublicKey != nil && iss.Key != nil {
			t.Errorf("%s: a key was made though one was given", tt.name)
		}
	}
	if _, err := ca.Issue(IssueOptions{Profile: Device, CommonName: "weak", Algorithm: RSA1024}); err == nil || !strings.Contains(err.Error(), "1024 bits") {
		t.Errorf("weak key without AllowWeak: %v", err)
	}
	if _, err := ca.Issue(IssueOptions{Profile: "robot", CommonName: "x"}); err == nil {
		t.Error("unknown profile: no error")
	}
	if _, err := Generate("dsa-1024"); err == nil {
		t.Error("unknown algorithm: no error")
	}
}

func TestPrivateKeysRoundTripWithOpenSSL(t *testing.T) {
	dir := t.TempDir()
	key, err := Generate(ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := MarshalPrivateKey(key, []byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if !IsEncrypted(enc) {
		t.Fatal("not encrypted")
	}
	write(t, dir, "ours.key", enc)
	if out := openssl(t, dir, "pkey", "-in", "ours.key", "-passin", "pass:correct horse", "-noout", "-text"); !strings.Contains(out, "P-256") {
		t.Errorf("openssl cannot read our encrypted key: %s", out)
	}
	openssl(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass", "pass:s3cret", "-out", "theirs.key")
	theirs, _ := os.ReadFile(filepath.Join(dir, "theirs.key"))
	if _, err := ParsePrivateKey("theirs.key", theirs, []byte("s3cret")); err != nil {
		t.Errorf("openssl's encrypted key: %v", err)
	}
	tests := []struct {
		name, file string
		pass       string
		err        string
	}{
		{"wrong passphrase", "ours.key", "wrong", "wrong passphrase"},
		{"no passphrase", "ours.key", "", "a passphrase is needed"},
		{"a certificate", "", "", "not a private key"},
	}
	for _, tt := range tests {
		data := enc
		if tt.file == "" {
			data, _ = os.ReadFile(filepath.Join(fixtures, "signer.pem"))
		}
		if _, err := ParsePrivateKey("k.pem", data, []byte(tt.pass)); err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "k.pem") {
			t.Errorf("%s: got %v, want an error naming k.pem saying %q", tt.name, err, tt.err)
		}
	}
	plain, err := MarshalPrivateKey(key, nil)
	if err != nil || IsEncrypted(plain) {
		t.Fatalf("plain key: %v", err)
	}
	if _, err := ParsePrivateKey("plain.key", plain, nil); err != nil {
		t.Error(err)
	}
	// Keys openssl made unencrypted, in every algorithm the fixtures use.
	for _, f := range []string{"dev/valid.key", "dev/valid-rsa.key", "dev/valid-ed25519.key"} {
		data, _ := os.ReadFile(filepath.Join(fixtures, f))
		if _, err := ParsePrivateKey(f, data, nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestCSRFromOpenSSL(t *testing.T) {
	dir := t.TempDir()
	openssl(t, dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "d.key", "-subj", "/CN=plc-0009", "-out", "d.csr")
	data, _ := os.ReadFile(filepath.Join(dir, "d.csr"))
	csr, err := ParseCSR("d.csr", data)
	if err != nil {
		t.Fatal(err)
	}
	if csr.Subject.CommonName != "plc-0009" {
		t.Errorf("subject %v", csr.Subject)
	}
	broken := append([]byte{}, data...)
	copy(broken[len(broken)/2:], "AAAA")
	if _, err := ParseCSR("b.csr", broken); err == nil {
		t.Error("corrupted request: no error")
	}
}
