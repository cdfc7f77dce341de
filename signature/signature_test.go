package signature

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/internal/testpki"
	"github.com/insurable/insurable/pki"
)

// fixtures holds certificates, artifacts and signatures made by openssl
// (internal/testpki/mkfixtures.sh).
var fixtures string

func TestMain(m *testing.M) { os.Exit(testpki.Main(m, &fixtures)) }

func read(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func certs(t testing.TB, rel string) []*x509.Certificate {
	t.Helper()
	cs, err := pki.ParseCertificates(rel, read(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// verifier trusts the fixture root through its device CA, with its CRLs.
func verifier(t testing.TB, at time.Time) *pki.Verifier {
	t.Helper()
	var crls []pki.CRL
	for _, f := range []string{"crl/root.crl.pem", "crl/int.crl.pem"} {
		l, err := pki.ParseCRLs(f, read(t, f))
		if err != nil {
			t.Fatal(err)
		}
		crls = append(crls, pki.CRL{File: f, List: l[0]})
	}
	v, err := pki.New(pki.Config{Roots: certs(t, "root.pem"), Intermediates: certs(t, "int.pem"), CRLs: crls, Time: at})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyOpenSSLSignatures(t *testing.T) {
	tests := []struct {
		artifact, sig, cert string
		format              Format
		want                Status
		reason              string
	}{
		// openssl dgst -sha256 -sign
		{"fw.bin", "fw.sig", "signer.pem", Raw, Valid, ""},
		{"fw.bin", "fw.sig.b64", "signer.pem", Raw, Valid, ""},
		{"fw.bin", "fw-rsa.sig", "signer-rsa.pem", Raw, Valid, ""},
		{"fw.bin", "fw-rsa-pss.sig", "signer-rsa.pem", Raw, Valid, ""},
		{"fw-tampered.bin", "fw.sig", "signer.pem", Raw, InvalidSignature, "changed after signing, or it was signed with another key"},
		{"fw.bin", "fw-wrongkey.sig", "signer.pem", Raw, InvalidSignature, "does not verify with the key of"},
		{"fw.bin", "fw-expired.sig", "signer-expired.pem", Raw, Expired, "expired on 2021-01-01"},
		{"fw.bin", "fw-revoked.sig", "signer-revoked.pem", Raw, Revoked, "keyCompromise"},
		{"fw.bin", "fw-rogue.sig", "signer-rogue.pem", Raw, Untrusted, "no valid path to the root"},
		{"fw.bin", "fw-devkey.sig", "dev/valid.pem", Raw, BadUsage, "lacks codeSigning"},
		{"fw.bin", "readme.txt", "signer.pem", Raw, InvalidSignature, ""},
		{"fw.bin", "fw.sig", "", Raw, Malformed, "without the signer's certificate"},
		// openssl cms -sign and smime -sign
		{"fw.bin", "fw.p7s", "", CMS, Valid, ""},
		{"fw.bin", "fw.p7s", "signer.pem", CMS, Valid, ""},
		{"fw.bin", "fw.p7s.pem", "", CMS, Valid, ""},
		{"fw.bin", "fw.smime", "", CMS, Valid, ""},
		{"fw.bin", "fw.pkcs7.pem", "", CMS, Valid, ""},
		{"fw.bin", "fw-attached.p7m", "", CMS, Valid, ""},
		{"fw.bin", "fw-nocerts.p7s", "signer.pem", CMS, Valid, ""},
		{"fw.bin", "fw-rsa.p7s", "", CMS, Valid, ""},
		{"fw.bin", "fw-sha512.p7s", "", CMS, Valid, ""},
		{"fw.bin", "fw-rsa-pss.p7s", "", CMS, Malformed, "cannot be verified here"},
		{"readme.txt", "readme-textmode.p7s", "", CMS, Valid, "text mode"},
		{"fw.bin", "fw-textmode.p7s", "", CMS, InvalidSignature, "sign with -binary"},
		{"fw-tampered.bin", "fw.p7s", "", CMS, InvalidSignature, "changed after signing"},
		{"fw-tampered.bin", "fw.smime", "", CMS, InvalidSignature, "changed after signing"},
		{"fw-tampered.bin", "fw-attached.p7m", "", CMS, InvalidSignature, "differs from the content signed inside"},
		{"fw.bin", "fw.p7s", "signer-rsa.pem", CMS, InvalidSignature, "not by the certificate given"},
		{"fw.bin", "fw-nocerts.p7s", "", CMS, Malformed, "-nocerts"},
		{"fw.bin", "fw-expired.p7s", "", CMS, Expired, "expired on 2021-01-01"},
		{"fw.bin", "fw-revoked.p7s", "", CMS, Revoked, "keyCompromise"},
		{"fw.bin", "fw-rogue.p7s", "", CMS, Untrusted, "no valid path to the root"},
		{"fw.bin", "fw-devkey.p7s", "", CMS, BadUsage, "lacks codeSigning"},
		// Sigstore bundles assembled from openssl's signatures
		{"fw.bin", "fw.sigstore.json", "", Sigstore, Valid, ""},
		{"fw.bin", "fw-rsa.sigstore.json", "", Sigstore, Valid, ""},
		{"fw-tampered.bin", "fw.sigstore.json", "", Sigstore, InvalidSignature, "changed after signing"},
		{"fw.bin", "fw-wrongkey.sigstore.json", "", Sigstore, InvalidSignature, "made with another key"},
		{"fw.bin", "fw-expired.sigstore.json", "", Sigstore, Expired, "expired on 2021-01-01"},
		{"fw.bin", "fw-revoked.sigstore.json", "", Sigstore, Revoked, "keyCompromise"},
		{"fw.bin", "fw-rogue.sigstore.json", "", Sigstore, Untrusted, "no valid path to the root"},
		{"fw.bin", "fw-devkey.sigstore.json", "", Sigstore, BadUsage, "lacks codeSigning"},
	}
	v := verifier(t, time.Now())
	for _, tt := range tests {
		name := tt.artifact + "+" + tt.sig + "+" + tt.cert
		t.Run(name, func(t *testing.T) {
			sig := Signature{File: tt.sig, Data: read(t, tt.sig)}
			if tt.cert != "" {
				sig.Certs = certs(t, tt.cert)
			}
			if got := Detect(sig.Data); got != tt.format && tt.sig != "readme.txt" {
				t.Errorf("detected %s, want %s", got, tt.format)
			}
			got := Verify(read(t, tt.artifact), sig, v)
			if got.Status != tt.want || !strings.Contains(got.Reason, tt.reason) || got.Format != tt.format {
				t.Errorf("got %s %s (%s), want %s %s (…%s…)", got.Format, got.Status, got.Reason, tt.format, tt.want, tt.reason)
			}
			if got.Status == Valid && (len(got.Chain) != 3 || got.Signer == nil) {
				t.Errorf("valid without a signer and its chain: %v", got.Chain)
			}
		})
	}
}

func TestMalformedSignatures(t *testing.T) {
	v := verifier(t, time.Now())
	tests := []struct {
		name   string
		data   string
		format Format
		reason string
	}{
		{"empty", "", "", "is empty"},
		{"bundle that is not JSON", "{not json", Sigstore, "not a Sigstore bundle"},
		{"bundle without content", `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`, Sigstore, ""},
		{"bundle of an unknown version", `{"mediaType":"application/vnd.dev.sigstore.bundle.v9+json"}`, Sigstore, ""},
		{"PEM that is not CMS", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", CMS, ""},
		{"CMS of garbage", "\x30\x03\x02\x01\x01", CMS, ""},
		{"S/MIME without a signature", "MIME-Version: 1.0\nContent-Type: text/plain\n\nhello\n", CMS, "not a signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Verify([]byte("artifact"), Signature{File: "s", Data: []byte(tt.data), Format: tt.format, Certs: certs(t, "signer.pem")}, v)
			if got.Status != Malformed || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %s (%s), want malformed (…%s…)", got.Status, got.Reason, tt.reason)
			}
		})
	}
}

func TestTextCanonicalisationMatchesOpenSSL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\r\nb", "a\r\nb"},
		{"a\r\r\n\n", "a\r\n\r\n"},
		{"a\x00b\nc\n", "a\r\nc\r\n"[:1] + "c\r\n"},
		{"\x00rest is dropped\n", ""},
		{strings.Repeat("x", 1500) + "\n", strings.Repeat("x", 1500) + "\r\n"},
	}
	for _, tt := range tests {
		if got := string(opensslTextCanon([]byte(tt.in))); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzVerify feeds arbitrary signature files in every format: nothing may
// panic, and every verdict has a status.
func FuzzVerify(f *testing.F) {
	for _, rel := range []string{"fw.sig", "fw.p7s", "fw.p7s.pem", "fw.smime", "fw.sigstore.json", "fw-attached.p7m"} {
		f.Add(read(f, rel))
	}
	v := verifier(f, time.Now())
	signer := certs(f, "signer.pem")
	artifact := read(f, "fw.bin")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{"", Raw, CMS, Sigstore} {
			r := Verify(artifact, Signature{File: "fuzz", Data: data, Format: format, Certs: signer}, v)
			if r.Status == "" {
				t.Fatal("no status")
			}
		}
	})
}
