package cryptoevidence

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/internal/strictyaml"
	"github.com/insurable/insurable/signature"
)

const opFirmware insurable.Op = "cryptoevidence.VerifyFirmware"

// FirmwareIndex is firmware/index.yaml: every update artifact with what it
// is and how it is signed. Paths are relative to the bundle.
type FirmwareIndex struct {
	Artifacts []Artifact `yaml:"artifacts" json:"artifacts"`
}

// Artifact is one entry of the firmware index.
type Artifact struct {
	File    string `yaml:"file" json:"file"`
	Vendor  string `yaml:"vendor" json:"vendor"`
	Product string `yaml:"product" json:"product"`
	Version string `yaml:"version" json:"version"`
	// Signature is a detached signature (openssl dgst, raw or base64) or a
	// CMS/PKCS#7 signature (DER, PEM or S/MIME); Certificate is the
	// signer's certificate (with its chain), needed for a detached
	// signature unless a certificate under pki/signers/ verifies it.
	Signature   string `yaml:"signature,omitempty" json:"signature,omitempty"`
	Certificate string `yaml:"certificate,omitempty" json:"certificate,omitempty"`
	// Bundle is a Sigstore bundle, in place of Signature.
	Bundle string `yaml:"bundle,omitempty" json:"bundle,omitempty"`
	// Format forces raw, cms or sigstore; by default it is detected.
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
}

// VerifyFirmware verifies every artifact listed in firmware/index.yaml
// against its signature, with signers that must chain to the bundle's root
// and carry the codeSigning usage, as of the end of asOf. Files under
// firmware/ that the index does not mention are reported as problems. It
// returns an error only when ctx ends.
func (v *Verifiers) VerifyFirmware(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*check.FirmwareReport, error) {
	rep := &check.FirmwareReport{}
	files := b.Files[evidence.DirFirmware]
	if len(files) == 0 {
		return rep, nil
	}
	if !contains(files, PathFirmwareIndex) {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: missing: it lists each artifact with its vendor, product, version and signature; without it no artifact can be verified", PathFirmwareIndex))
		return rep, nil
	}
	var idx FirmwareIndex
	data, err := b.ReadFile(PathFirmwareIndex, 64<<20)
	if err == nil {
		err = strictyaml.Decode(opFirmware, PathFirmwareIndex, data, &idx)
	}
	if err != nil {
		rep.Problems = append(rep.Problems, err.Error())
		return rep, nil
	}
	t := v.trustFor(b, instant(asOf))
	used := map[string]bool{PathFirmwareIndex: true}
	for _, a := range idx.Artifacts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, f := range []string{a.File, a.Signature, a.Bundle, a.Certificate} {
			used[f] = true
		}
		rep.Results = append(rep.Results, verifyArtifact(b, t, a))
	}
	var unused []string
	for _, f := range files {
		if !used[f] {
			unused = append(unused, f)
		}
	}
	sort.Strings(unused)
	for _, f := range unused {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: not mentioned in %s, so nothing says what it is or how it is signed", f, PathFirmwareIndex))
	}
	return rep, nil
}

func verifyArtifact(b *evidence.Bundle, t *trust, a Artifact) check.ArtifactResult {
	r := check.ArtifactResult{File: a.File, Vendor: a.Vendor, Product: a.Product, Version: a.Version, Signature: firstNonEmpty(a.Bundle, a.Signature)}
	fail := func(status signature.Status, format string, args ...any) check.ArtifactResult {
		r.Status, r.Reason = string(status), fmt.Sprintf(format, args...)
		return r
	}
	if a.File == "" || a.Vendor == "" || a.Product == "" || a.Version == "" {
		return fail(signature.Malformed, "%s: an artifact entry names its file, vendor, product and version (file %q, vendor %q, product %q, version %q)", PathFirmwareIndex, a.File, a.Vendor, a.Product, a.Version)
	}
	if a.Signature != "" && a.Bundle != "" {
		return fail(signature.Malformed, "%s: %s has both a signature and a bundle; give one", PathFirmwareIndex, a.File)
	}
	artifact, err := b.ReadFile(a.File, signature.MaxArtifactBytes)
	if err != nil {
		return fail(signature.Malformed, "cannot read the artifact: %v", err)
	}
	sum := sha256.Sum256(artifact)
	r.SHA256 = hex.EncodeToString(sum[:])
	sigFile := r.Signature
	if sigFile == "" {
		return fail(signature.MissingSignature, "%s gives no signature or Sigstore bundle for %s", PathFirmwareIndex, a.File)
	}
	sigData, err := b.ReadFile(sigFile, signature.MaxSignatureBytes+signature.MaxArtifactBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return fail(signature.MissingSignature, "signature %s does not exist", sigFile)
	}
	if err != nil {
		return fail(signature.Malformed, "cannot read the signature: %v", err)
	}
	sig := signature.Signature{File: sigFile, Data: sigData, Format: signature.Format(a.Format)}
	if a.Bundle != "" {
		sig.Format = signature.Sigstore
	}
	switch sig.Format {
	case "", signature.Raw, signature.CMS, signature.Sigstore:
	default:
		return fail(signature.Malformed, "%s: format %q for %s is not raw, cms or sigstore", PathFirmwareIndex, a.Format, a.File)
	}
	if a.Certificate != "" {
		if sig.Certs, err = readCerts(b, a.Certificate); err != nil {
			return fail(signature.Malformed, "cannot read the signer's certificate: %v", err)
		}
	}
	if t.verifier == nil {
		return fail(signature.Untrusted, "%s", t.noRoot())
	}
	format := sig.Format
	if format == "" {
		format = signature.Detect(sigData)
	}
	if format == signature.Raw && len(sig.Certs) == 0 {
		// A detached signature names no signer: find the filed signer
		// whose key verifies it.
		signer := signature.FindSigner(t.signers, artifact, sigData)
		if signer == nil {
			if len(t.signers) == 0 {
				return fail(signature.Malformed, "detached signature %s comes with no certificate: name it in %s (certificate:) or file the signer's certificate under %s/", sigFile, PathFirmwareIndex, DirSigners)
			}
			return fail(signature.InvalidSignature, "detached signature %s verifies with none of the %d signer certificates under %s/: the artifact was changed after signing, or signed with another key", sigFile, len(t.signers), DirSigners)
		}
		sig.Certs = []*x509.Certificate{signer}
	}
	res := signature.Verify(artifact, sig, t.verifier)
	r.Status, r.Reason, r.Format = string(res.Status), res.Reason, string(res.Format)
	r.Signer = subject(res.Signer)
	return r
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
