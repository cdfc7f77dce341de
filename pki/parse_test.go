package pki

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseCertificates(t *testing.T) {
	valid := fixture(t, "dev/valid.pem")
	der := fixture(t, "dev/valid.der")
	tests := []struct {
		name  string
		data  []byte
		count int
		err   string
	}{
		{"pem", valid, 1, ""},
		{"der", der, 1, ""},
		{"concatenated der", append(append([]byte{}, der...), der...), 2, ""},
		{"chain with text dump", fixture(t, "dev/with-chain.pem"), 2, ""},
		{"key blocks are skipped", append(fixture(t, "dev/valid.key"), valid...), 1, ""},
		{"empty", nil, 0, "empty file"},
		{"blank", []byte("  \n\t"), 0, "empty file"},
		{"garbage", []byte("hello"), 0, "neither PEM nor a DER certificate"},
		{"only a key", fixture(t, "dev/valid.key"), 0, "no PEM CERTIFICATE block"},
		{"broken base64", []byte("x\n-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"), 0, ":2: malformed PEM block"},
		{"no end line", []byte("-----BEGIN CERTIFICATE-----\nMIIB\n"), 0, "malformed PEM block"},
		{"valid PEM, bad DER", []byte("-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n"), 0, "malformed certificate"},
		{"too large", bytes.Repeat([]byte("A"), MaxCertificateFileBytes+1), 0, "more than the limit"},
		{"too many", bytes.Repeat(valid, MaxCertificatesPerFile+1)[:min(len(valid)*(MaxCertificatesPerFile+1), MaxCertificateFileBytes)], 0, "more than 1000 certificates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, err := ParseCertificates("f.pem", tt.data)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "f.pem") {
					t.Fatalf("got %v, want an error naming f.pem and saying %q", err, tt.err)
				}
				return
			}
			if err != nil || len(certs) != tt.count {
				t.Fatalf("got %d certificates, %v; want %d", len(certs), err, tt.count)
			}
		})
	}
}

func TestParseCRLs(t *testing.T) {
	pemCRL := fixture(t, "crl/int.crl.pem")
	tests := []struct {
		name  string
		data  []byte
		count int
		err   string
	}{
		{"pem", pemCRL, 1, ""},
		{"der", fixture(t, "crl/int.crl.der"), 1, ""},
		{"two in one file", append(append([]byte{}, pemCRL...), fixture(t, "crl/root.crl.pem")...), 2, ""},
		{"a certificate is not a CRL", fixture(t, "dev/valid.pem"), 0, "no PEM X509 CRL block"},
		{"der certificate is not a CRL", fixture(t, "dev/valid.der"), 0, "neither PEM nor a DER CRL"},
		{"empty", nil, 0, "empty file"},
		{"broken", []byte("-----BEGIN X509 CRL-----\nMIIBAAAA\n-----END X509 CRL-----\n"), 0, "malformed CRL"},
		{"huge", bytes.Repeat([]byte{0x30}, MaxCRLFileBytes+1), 0, "more than the limit of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crls, err := ParseCRLs("r.crl", tt.data)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "r.crl") {
					t.Fatalf("got %v, want an error naming r.crl and saying %q", err, tt.err)
				}
				return
			}
			if err != nil || len(crls) != tt.count {
				t.Fatalf("got %d CRLs, %v; want %d", len(crls), err, tt.count)
			}
		})
	}
}

// FuzzParseCertificates feeds arbitrary bytes to the certificate parser and
// verifies whatever parses: no input may panic, and every failure names the
// file.
func FuzzParseCertificates(f *testing.F) {
	for _, rel := range []string{"dev/valid.pem", "dev/valid.der", "dev/with-chain.pem", "dev/garbage.pem", "dev/bad-pem.pem", "int.pem"} {
		f.Add(fixture(f, rel))
	}
	v := fixtureVerifier(f, now, allCRLs...)
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseCertificates("fuzz.pem", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.pem") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		r := v.Verify(certs[0], certs[1:], DeviceIdentity)
		if r.Status == "" {
			t.Fatal("no status")
		}
	})
}

// FuzzParseCRLs feeds arbitrary bytes to the CRL parser and builds a
// Verifier with whatever parses.
func FuzzParseCRLs(f *testing.F) {
	for _, rel := range []string{"crl/int.crl.pem", "crl/int.crl.der", "crl/int-forged.crl.pem", "crl/int-stale.crl.pem"} {
		f.Add(fixture(f, rel))
	}
	roots, inter := readCerts(f, "root.pem"), readCerts(f, "int.pem")
	leaf := readCerts(f, "dev/revoked.pem")[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		crls, err := ParseCRLs("fuzz.crl", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.crl") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		var list []CRL
		for _, c := range crls {
			list = append(list, CRL{File: "fuzz.crl", List: c})
		}
		v, err := New(Config{Roots: roots, Intermediates: inter, CRLs: list, Time: now})
		if err != nil {
			t.Fatal(err)
		}
		_ = v.Verify(leaf, nil, DeviceIdentity)
	})
}
