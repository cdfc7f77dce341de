package cryptoevidence

import (
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/pki"
)

// Verifiers verifies the cryptographic evidence of bundles. It implements
// check.CertificateVerifier, check.FirmwareVerifier, check.PlatformVerifier,
// check.HardwareComparer and check.AttestationVerifier. It is safe for
// concurrent use; the trust material of a bundle is read once per as-of
// date.
type Verifiers struct {
	mu    sync.Mutex
	trust map[trustKey]*trust
}

var (
	_ check.CertificateVerifier = (*Verifiers)(nil)
	_ check.FirmwareVerifier    = (*Verifiers)(nil)
	_ check.PlatformVerifier    = (*Verifiers)(nil)
	_ check.HardwareComparer    = (*Verifiers)(nil)
	_ check.AttestationVerifier = (*Verifiers)(nil)
)

// New returns the verifiers.
func New() *Verifiers { return &Verifiers{trust: map[trustKey]*trust{}} }

// Install sets v as every cryptographic verifier of cv.
func (v *Verifiers) Install(cv *check.Verifiers) {
	cv.Certificates, cv.Firmware, cv.Platform, cv.Hardware, cv.Attestations = v, v, v, v, v
}

type trustKey struct {
	bundle *evidence.Bundle
	at     time.Time
}

// trust is what a bundle's PKI lets one trust at one time.
type trust struct {
	root     string
	verifier *pki.Verifier // nil when the bundle has no usable root
	crls     []check.CRLResult
	problems []string
	signers  []*x509.Certificate
	officers []*x509.Certificate
}

// trustFor reads the bundle's roots, intermediates, CRLs, signers and
// officers once per bundle and time.
func (v *Verifiers) trustFor(b *evidence.Bundle, at time.Time) *trust {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := trustKey{b, at}
	if t := v.trust[k]; t != nil {
		return t
	}
	t := loadTrust(b, at)
	if len(v.trust) >= 16 {
		clear(v.trust) // a long-lived process verifies many bundles; keep the recent ones only
	}
	v.trust[k] = t
	return t
}

func loadTrust(b *evidence.Bundle, at time.Time) *trust {
	t := &trust{}
	files := b.Files[evidence.DirPKI]
	read := func(names []string) []*x509.Certificate {
		var out []*x509.Certificate
		for _, n := range names {
			cs, err := readCerts(b, n)
			if err != nil {
				t.problems = append(t.problems, err.Error())
				continue
			}
			out = append(out, cs...)
		}
		return out
	}
	rootFiles := withExt(under(files, DirRoots), certExts...)
	if contains(files, PathRoot) {
		rootFiles = append([]string{PathRoot}, rootFiles...)
	}
	roots := read(rootFiles)
	if len(rootFiles) > 0 {
		t.root = rootFiles[0]
	}
	inter := read(withExt(under(files, DirIntermediates), certExts...))
	var crls []pki.CRL
	for _, n := range under(files, DirCRL) {
		data, err := b.ReadFile(n, pki.MaxCRLFileBytes)
		if err != nil {
			t.problems = append(t.problems, err.Error())
			continue
		}
		lists, err := pki.ParseCRLs(n, data)
		if err != nil {
			t.problems = append(t.problems, err.Error())
			continue
		}
		for _, l := range lists {
			crls = append(crls, pki.CRL{File: n, List: l})
		}
	}
	t.signers = read(withExt(under(files, DirSigners), certExts...))
	t.officers = read(withExt(under(files, DirOfficers), certExts...))
	if len(roots) == 0 {
		if len(rootFiles) == 0 {
			t.problems = append(t.problems, fmt.Sprintf("%s: missing: the organisation's root CA certificate is the trust anchor of every verification", PathRoot))
		}
		return t
	}
	pv, err := pki.New(pki.Config{Roots: roots, Intermediates: inter, CRLs: crls, Time: at})
	if err != nil {
		t.problems = append(t.problems, err.Error())
		return t
	}
	t.verifier = pv
	for _, st := range pv.CRLs() {
		t.crls = append(t.crls, check.CRLResult{File: st.File, Issuer: st.Issuer, Status: string(st.State), Reason: st.Reason, Entries: st.Entries, NextUpdate: dateOf(st.NextUpdate)})
	}
	return t
}

// noRoot is the reason given for everything when the bundle has no usable
// root.
func (t *trust) noRoot() string {
	return fmt.Sprintf("no usable root certificate in %s, so nothing can chain to the organisation's root", PathRoot)
}

func readCerts(b *evidence.Bundle, name string) ([]*x509.Certificate, error) {
	data, err := b.ReadFile(name, pki.MaxCertificateFileBytes)
	if err != nil {
		return nil, err
	}
	return pki.ParseCertificates(name, data)
}

func dateOf(t time.Time) evidence.Date {
	if t.IsZero() {
		return evidence.Date{}
	}
	return evidence.NewDate(t)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
