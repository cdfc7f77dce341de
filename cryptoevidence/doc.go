// Package cryptoevidence verifies the cryptographic evidence of a bundle —
// its PKI, signed firmware, signed platform manifests, hardware baselines and
// signed governance attestations — with packages pki, signature, attest,
// platform and hardware, and reports in the terms of package check. It also
// writes that evidence (Writer), valid or deliberately defective, for
// demonstration bundles and tests.
//
// The layout it reads, relative to the bundle (docs/crypto-evidence.md has
// the formats):
//
//	pki/root.pem                 the organisation's root CA certificate(s); more in pki/roots/
//	pki/intermediates/*          issuing CA certificates (PEM or DER)
//	pki/crl/*                    CRLs of the root and intermediates (PEM or DER)
//	pki/devices/<asset-id>.pem   each device's certificate, optionally followed by its chain
//	pki/devices.yaml             optional: which certificate file belongs to which asset
//	pki/signers/*                certificates of code signers (firmware, platform manifests)
//	pki/officers/*               certificates of officers who sign attestations
//	firmware/index.yaml          the update artifacts with their signatures
//	platform/manifests/*.json    signed platform manifests (DSSE envelopes or Sigstore bundles)
//	platform/deployments/*.yaml  observed deployments, each naming its manifest
//	hardware/baselines/*.yaml    one baseline per device
//	hardware/snapshots/*.yaml    current snapshots, citing change records
//
// Everything is verified as of the end of the assessment's as-of date (UTC).
package cryptoevidence

import (
	"path"
	"strings"
	"time"

	"github.com/insurable/insurable/evidence"
)

// The paths of the layout.
const (
	PathRoot          = "pki/root.pem"
	DirRoots          = "pki/roots"
	DirIntermediates  = "pki/intermediates"
	DirCRL            = "pki/crl"
	DirDevices        = "pki/devices"
	PathDeviceMap     = "pki/devices.yaml"
	DirSigners        = "pki/signers"
	DirOfficers       = "pki/officers"
	PathFirmwareIndex = "firmware/index.yaml"
	DirManifests      = "platform/manifests"
	DirDeployments    = "platform/deployments"
	DirBaselines      = "hardware/baselines"
	DirSnapshots      = "hardware/snapshots"
)

// under returns the files of list inside dir (recursively).
func under(list []string, dir string) []string {
	var out []string
	for _, f := range list {
		if strings.HasPrefix(f, dir+"/") {
			out = append(out, f)
		}
	}
	return out
}

// withExt keeps the files with one of the extensions (lower case, dotted).
func withExt(list []string, exts ...string) []string {
	var out []string
	for _, f := range list {
		e := strings.ToLower(path.Ext(f))
		for _, x := range exts {
			if e == x {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

var certExts = []string{".pem", ".crt", ".cer", ".der"}

// instant is the time evidence is verified at: the end of the as-of day in
// UTC, so that a certificate issued during that day is valid "as of" it.
func instant(asOf evidence.Date) time.Time {
	if asOf.IsZero() {
		return time.Now()
	}
	return asOf.Time().Add(24*time.Hour - time.Second)
}

func stem(name string) string {
	base := path.Base(name)
	return strings.TrimSuffix(base, path.Ext(base))
}
