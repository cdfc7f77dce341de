package cryptoevidence

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/hardware"
	"github.com/insurable/insurable/keys"
	"github.com/insurable/insurable/platform"
	"github.com/insurable/insurable/signature"
)

// Writer writes cryptographic evidence into a bundle directory, in the
// layout this package reads: the organisation's PKI (root, issuing CA,
// CRLs), device certificates, signed firmware with its index, signed
// platform manifests and deployments, hardware baselines and snapshots, and
// signed governance attestations — valid, or with the deliberate defects
// that demonstration bundles show. Call Close to write the CRLs and the
// firmware index. Private keys never go into the bundle; KeysDir, when set,
// receives them.
type Writer struct {
	dir     string
	now     time.Time
	org     string
	alg     keys.Algorithm
	keysDir string

	// Root and CA are the organisation's root and issuing CA.
	Root, CA *keys.CA
	rogue    *keys.CA
	signer   *keys.Issued
	officers map[string]*keys.Issued
	revoked  map[*keys.CA][]keys.Revocation
	lastKey  crypto.Signer
	index    FirmwareIndex
	extra    map[string]*keys.Issued // defective signers, by defect

	// HardwareJSON writes hardware states as JSON, which parses many times
	// faster than YAML for fleets of many devices.
	HardwareJSON bool
}

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Organization names the firm in certificate subjects.
	Organization string
	// Now is the time of issue of everything (default: the current time).
	Now time.Time
	// Algorithm of every key made (default ECDSA P-256).
	Algorithm keys.Algorithm
	// CAAlgorithm, when set, is the algorithm of the root and issuing CA
	// keys instead.
	CAAlgorithm keys.Algorithm
	// KeysDir, when set, receives the private keys (unencrypted), so that
	// more evidence can be signed later. It must lie outside the bundle.
	KeysDir string
}

// NewWriter makes the organisation's root and issuing CA and a release
// signer, and writes their certificates into the bundle at dir.
func NewWriter(dir string, opts WriterOptions) (*Writer, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.Organization == "" {
		opts.Organization = "Demo Org"
	}
	w := &Writer{dir: dir, now: opts.Now, org: opts.Organization, alg: opts.Algorithm, keysDir: opts.KeysDir,
		officers: map[string]*keys.Issued{}, revoked: map[*keys.CA][]keys.Revocation{}, extra: map[string]*keys.Issued{}}
	caAlg := opts.CAAlgorithm
	if caAlg == "" {
		caAlg = w.alg
	}
	var err error
	if w.Root, err = keys.NewRoot(keys.CAOptions{Organization: w.org, Algorithm: caAlg, Now: w.now.AddDate(-1, 0, 0)}); err != nil {
		return nil, err
	}
	if w.CA, err = w.Root.NewIntermediate(keys.CAOptions{Organization: w.org, Algorithm: caAlg, Now: w.now.AddDate(-1, 0, 0)}); err != nil {
		return nil, err
	}
	if w.signer, err = w.CA.Issue(keys.IssueOptions{Profile: keys.Signer, CommonName: w.org + " Release Signing", Algorithm: w.alg, Now: w.now}); err != nil {
		return nil, err
	}
	if err := w.write(PathRoot, keys.MarshalCertificates(w.Root.Cert)); err != nil {
		return nil, err
	}
	if err := w.write(DirIntermediates+"/issuing-ca.pem", keys.MarshalCertificates(w.CA.Cert)); err != nil {
		return nil, err
	}
	if err := w.write(DirSigners+"/release.pem", keys.MarshalCertificates(w.signer.Cert)); err != nil {
		return nil, err
	}
	for name, k := range map[string]crypto.Signer{"root": w.Root.Key, "issuing-ca": w.CA.Key, "release": w.signer.Key} {
		if err := w.writeKey(name, k); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// write writes a file of the bundle, making its directories.
func (w *Writer) write(rel string, data []byte) error {
	p := filepath.Join(w.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

func (w *Writer) writeKey(name string, k crypto.Signer) error {
	if w.keysDir == "" || k == nil {
		return nil
	}
	data, err := keys.MarshalPrivateKey(k, nil)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(w.keysDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.keysDir, name+".key"), data, 0o600)
}

// Defect is a deliberate flaw in demonstration material. The zero value is
// none.
type Defect string

// The defects a Writer can build in.
const (
	None         Defect = ""
	Expired      Defect = "expired"       // a certificate (device or signer) past its validity
	NotYetValid  Defect = "not-yet-valid" // a device certificate that starts next year
	Revoked      Defect = "revoked"       // a certificate (device or signer) on the issuing CA's CRL
	WeakKey      Defect = "weak-key"      // an RSA-1024 device key
	BadUsage     Defect = "bad-usage"     // a device certificate with the codeSigning usage only
	Untrusted    Defect = "untrusted"     // issued by a look-alike CA outside the firm's PKI
	DuplicateKey Defect = "duplicate-key" // the key of the device written just before
	Malformed    Defect = "malformed"     // a file that is not a certificate
	Tampered     Defect = "tampered"      // firmware or a manifest changed after signing
	WrongKey     Defect = "wrong-key"     // signed with a key other than the signer certificate's
	Unsigned     Defect = "unsigned"      // firmware with no signature
	WrongSigner  Defect = "wrong-signer"  // an attestation signed by another officer
)

// Device issues a certificate for the inventoried device assetID (its
// common name, with DNS name <asset-id>.devices.<org>) and writes it to
// pki/devices/<asset-id>.pem, with the defect asked for.
func (w *Writer) Device(assetID string, defect Defect) error {
	rel := DirDevices + "/" + fileName(assetID) + ".pem"
	if defect == Malformed {
		return w.write(rel, []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"))
	}
	opts := keys.IssueOptions{Profile: keys.Device, CommonName: assetID, DNSNames: []string{slug(assetID) + ".devices.example"}, Algorithm: w.alg, Now: w.now}
	ca := w.CA
	switch defect {
	case None, Revoked:
	case Expired:
		opts.NotBefore, opts.NotAfter = w.now.AddDate(-3, 0, 0), w.now.AddDate(0, 0, -30)
	case NotYetValid:
		opts.NotBefore, opts.NotAfter = w.now.AddDate(1, 0, 0), w.now.AddDate(3, 0, 0)
	case WeakKey:
		opts.Algorithm, opts.AllowWeak = keys.RSA1024, true
	case BadUsage:
		opts.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	case Untrusted:
		r, err := w.rogueCA()
		if err != nil {
			return err
		}
		ca = r
	case DuplicateKey:
		if w.lastKey == nil {
			return fmt.Errorf("cryptoevidence: a duplicate-key device needs a device written before it")
		}
		opts.PublicKey = w.lastKey.Public()
	default:
		return fmt.Errorf("cryptoevidence: defect %q does not apply to a device", defect)
	}
	iss, err := ca.Issue(opts)
	if err != nil {
		return err
	}
	if iss.Key != nil {
		w.lastKey = iss.Key
	}
	if defect == Revoked {
		w.revoke(w.CA, iss.Cert)
	}
	return w.write(rel, keys.MarshalCertificates(iss.Cert))
}

func (w *Writer) revoke(ca *keys.CA, c *x509.Certificate) {
	w.revoked[ca] = append(w.revoked[ca], keys.Revocation{Serial: c.SerialNumber, Time: w.now.AddDate(0, 0, -7), Reason: keys.Reasons["keyCompromise"]})
}

// rogueCA is a look-alike of the issuing CA (same name) under a root the
// firm does not trust.
func (w *Writer) rogueCA() (*keys.CA, error) {
	if w.rogue != nil {
		return w.rogue, nil
	}
	root, err := keys.NewRoot(keys.CAOptions{Organization: w.org, CommonName: w.Root.Cert.Subject.CommonName, Algorithm: w.alg, Now: w.now.AddDate(-1, 0, 0)})
	if err != nil {
		return nil, err
	}
	w.rogue, err = root.NewIntermediate(keys.CAOptions{Organization: w.org, CommonName: w.CA.Cert.Subject.CommonName, Algorithm: w.alg, Now: w.now.AddDate(-1, 0, 0)})
	return w.rogue, err
}

// FirmwareSpec describes one update artifact to write and sign.
type FirmwareSpec struct {
	Vendor, Product, Version string
	// Content is the artifact; nil makes a few kilobytes derived from the
	// vendor, product and version.
	Content []byte
	// Format is how to sign it: raw (openssl dgst), cms or sigstore
	// (default).
	Format signature.Format
	// Defect: Tampered, WrongKey, Expired (signer), Revoked (signer),
	// Untrusted (signer), Unsigned, or None.
	Defect Defect
}

// Firmware writes an artifact under firmware/ with its signature and adds
// it to firmware/index.yaml (written by Close).
func (w *Writer) Firmware(spec FirmwareSpec) error {
	if spec.Format == "" {
		spec.Format = signature.Sigstore
	}
	content := spec.Content
	if content == nil {
		content = pseudoContent(spec.Vendor + "/" + spec.Product + "/" + spec.Version)
	}
	base := "firmware/" + slug(spec.Vendor) + "-" + slug(spec.Product) + "-" + slug(spec.Version)
	a := Artifact{File: base + ".bin", Vendor: spec.Vendor, Product: spec.Product, Version: spec.Version}
	signer := w.signer
	var signKey crypto.Signer
	switch spec.Defect {
	case None, Tampered, Unsigned:
	case WrongKey:
		k, err := keys.Generate(w.alg)
		if err != nil {
			return err
		}
		signKey = k
	case Expired, Revoked, Untrusted:
		s, err := w.defectiveSigner(spec.Defect)
		if err != nil {
			return err
		}
		signer = s
	default:
		return fmt.Errorf("cryptoevidence: defect %q does not apply to firmware", spec.Defect)
	}
	if signKey == nil {
		signKey = signer.Key
	}
	if spec.Defect != Unsigned {
		var sig []byte
		var err error
		switch spec.Format {
		case signature.Raw:
			sig, err = signature.SignRaw(content, signKey)
			a.Signature = base + ".sig"
			a.Certificate = w.signerFile(signer)
		case signature.CMS:
			if spec.Defect == WrongKey {
				return fmt.Errorf("cryptoevidence: a CMS signature carries its signer's certificate; use raw or sigstore for a wrong-key signature")
			}
			sig, err = signature.SignCMS(content, signer.Cert, w.CA.Chain, signKey)
			a.Signature = base + ".p7s"
		case signature.Sigstore:
			sig, err = signature.SignBundle(content, signer.Cert, signKey)
			a.Bundle = base + ".sigstore.json"
		default:
			return fmt.Errorf("cryptoevidence: unknown signature format %q", spec.Format)
		}
		if err != nil {
			return err
		}
		if err := w.write(firstNonEmpty(a.Signature, a.Bundle), sig); err != nil {
			return err
		}
	}
	if spec.Defect == Tampered {
		content = append([]byte(nil), content...)
		content[len(content)/2] ^= 0x01
	}
	w.index.Artifacts = append(w.index.Artifacts, a)
	return w.write(a.File, content)
}

// defectiveSigner issues (once per defect) a signer certificate that is
// expired, revoked or from the look-alike CA, and files it under
// pki/signers/.
func (w *Writer) defectiveSigner(d Defect) (*keys.Issued, error) {
	if s := w.extra[string(d)]; s != nil {
		return s, nil
	}
	opts := keys.IssueOptions{Profile: keys.Signer, CommonName: w.org + " Release Signing (" + string(d) + ")", Algorithm: w.alg, Now: w.now}
	ca := w.CA
	switch d {
	case Expired:
		opts.NotBefore, opts.NotAfter = w.now.AddDate(-3, 0, 0), w.now.AddDate(0, 0, -30)
	case Untrusted:
		r, err := w.rogueCA()
		if err != nil {
			return nil, err
		}
		ca = r
	}
	s, err := ca.Issue(opts)
	if err != nil {
		return nil, err
	}
	if d == Revoked {
		w.revoke(w.CA, s.Cert)
	}
	w.extra[string(d)] = s
	return s, w.write(w.signerFile(s), keys.MarshalCertificates(s.Cert))
}

func (w *Writer) signerFile(s *keys.Issued) string {
	if s == w.signer {
		return DirSigners + "/release.pem"
	}
	for d, x := range w.extra {
		if x == s {
			return DirSigners + "/release-" + d + ".pem"
		}
	}
	return DirSigners + "/other.pem"
}

// Manifest signs a platform manifest with the release signer and writes it
// to platform/manifests/<name>.dsse.json, returning that path. Defects:
// Tampered (the payload changed after signing), Untrusted (signed by a
// signer of the look-alike CA).
func (w *Writer) Manifest(name string, m *attest.Manifest, defect Defect) (string, error) {
	key := w.signer.Key
	switch defect {
	case None, Tampered:
	case Untrusted:
		s, err := w.defectiveSigner(Untrusted)
		if err != nil {
			return "", err
		}
		key = s.Key
	default:
		return "", fmt.Errorf("cryptoevidence: defect %q does not apply to a manifest", defect)
	}
	env, err := attest.SignManifest(m, key)
	if err != nil {
		return "", err
	}
	if defect == Tampered {
		payload, _ := env.DecodeB64Payload()
		env.Payload = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(`"version":"`), []byte(`"version":"x`), 1))
	}
	data, err := env.Marshal()
	if err != nil {
		return "", err
	}
	rel := DirManifests + "/" + slug(name) + ".dsse.json"
	return rel, w.write(rel, data)
}

// DeploymentOf returns the files of a deployment that matches m exactly,
// for a caller to alter (drop, modify, add) before writing it.
func DeploymentOf(m *attest.Manifest) []platform.File {
	out := make([]platform.File, len(m.Files))
	for i, f := range m.Files {
		out[i] = platform.File{Path: f.Path, SHA256: f.SHA256}
	}
	return out
}

// Deployment writes the observed files of host, which should match the
// manifest at manifestPath, to platform/deployments/<host>.yaml.
func (w *Writer) Deployment(host, manifestPath string, files []platform.File) error {
	d := platform.Deployment{Host: host, Manifest: manifestPath, Observed: evidence.NewDate(w.now), Files: files}
	data, err := yaml.Marshal(d)
	if err != nil {
		return err
	}
	return w.write(DirDeployments+"/"+slug(host)+".yaml", data)
}

// Hardware writes a device's baseline to hardware/baselines/<asset>.yaml
// and, when snapshot is not nil, its snapshot to
// hardware/snapshots/<asset>.yaml (.json with HardwareJSON).
func (w *Writer) Hardware(baseline, snapshot *hardware.State) error {
	ext, marshal := ".yaml", yaml.Marshal
	if w.HardwareJSON {
		ext, marshal = ".json", func(v any) ([]byte, error) { return json.Marshal(v) }
	}
	data, err := marshal(baseline)
	if err != nil {
		return err
	}
	if err := w.write(DirBaselines+"/"+slug(baseline.Asset)+ext, data); err != nil {
		return err
	}
	if snapshot == nil {
		return nil
	}
	if data, err = marshal(snapshot); err != nil {
		return err
	}
	return w.write(DirSnapshots+"/"+slug(snapshot.Asset)+ext, data)
}

// HardwareLines writes many devices' states as JSON Lines into file (a
// path of the bundle under hardware/baselines or hardware/snapshots).
func (w *Writer) HardwareLines(file string, states []*hardware.State) error {
	var buf bytes.Buffer
	for _, s := range states {
		data, err := json.Marshal(s)
		if err != nil {
			return err
		}
		buf.Write(data)
		buf.WriteByte('\n')
	}
	return w.write(file, buf.Bytes())
}

// Officer issues a document-signing certificate for a named officer and
// files it under pki/officers/.
func (w *Writer) Officer(name, email string) error {
	opts := keys.IssueOptions{Profile: keys.Officer, CommonName: name, Algorithm: w.alg, Now: w.now}
	if email != "" {
		opts.Emails = []string{email}
	}
	iss, err := w.CA.Issue(opts)
	if err != nil {
		return err
	}
	w.officers[name] = iss
	if err := w.writeKey("officer-"+slug(name), iss.Key); err != nil {
		return err
	}
	return w.write(DirOfficers+"/"+slug(name)+".pem", keys.MarshalCertificates(iss.Cert))
}

// Attest signs the attestation of the record at pointer ("" for the whole
// file, "/reviews/0" for the first review) of the governance file (a bundle
// path, already written, whose attestation block names an officer made
// with Officer) and writes the DSSE envelope at the bundle path sigPath,
// which the record's signature field should name. Defects: WrongSigner
// (signed by another officer, who must exist), Tampered (the record's
// content signed is not the record's), Untrusted (signed by a key no
// certificate in pki/officers/ holds).
func (w *Writer) Attest(file, pointer, sigPath string, defect Defect) error {
	data, err := os.ReadFile(filepath.Join(w.dir, filepath.FromSlash(file)))
	if err != nil {
		return err
	}
	claim, err := attest.ClaimFor(file, data, pointer, "")
	if err != nil {
		return err
	}
	officer := w.officers[claim.Name]
	var key crypto.Signer
	switch defect {
	case None, Tampered:
		if officer == nil {
			return fmt.Errorf("cryptoevidence: %s#%s is attested by %q, who is not an officer made with Officer", file, pointer, claim.Name)
		}
		key = officer.Key
	case WrongSigner:
		for _, n := range w.officerNames() {
			if n != claim.Name {
				key = w.officers[n].Key
				break
			}
		}
		if key == nil {
			return fmt.Errorf("cryptoevidence: a wrong-signer attestation needs a second officer")
		}
	case Untrusted:
		if key, err = keys.Generate(w.alg); err != nil {
			return err
		}
	default:
		return fmt.Errorf("cryptoevidence: defect %q does not apply to an attestation", defect)
	}
	if defect == Tampered {
		sum := sha256.Sum256([]byte(claim.Digest))
		claim.Digest = hex.EncodeToString(sum[:])
	}
	env, err := attest.SignClaim(claim, key)
	if err != nil {
		return err
	}
	out, err := env.Marshal()
	if err != nil {
		return err
	}
	return w.write(sigPath, out)
}

// officerNames returns the officers' names in order, for determinism.
func (w *Writer) officerNames() []string {
	names := make([]string, 0, len(w.officers))
	for n := range w.officers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Close writes the CRLs of the root and the issuing CA (listing what was
// revoked, current for 30 days) and firmware/index.yaml.
func (w *Writer) Close() error {
	for _, c := range []struct {
		ca  *keys.CA
		rel string
	}{{w.Root, DirCRL + "/root.crl.pem"}, {w.CA, DirCRL + "/issuing-ca.crl.pem"}} {
		der, err := c.ca.CRL(keys.CRLOptions{Revoked: w.revoked[c.ca], ThisUpdate: w.now.Add(-time.Hour), NextUpdate: w.now.AddDate(0, 0, 30), Number: big.NewInt(1)})
		if err != nil {
			return err
		}
		if err := w.write(c.rel, keys.MarshalCRL(der)); err != nil {
			return err
		}
	}
	if len(w.index.Artifacts) == 0 {
		return nil
	}
	data, err := yaml.Marshal(w.index)
	if err != nil {
		return err
	}
	return w.write(PathFirmwareIndex, data)
}

// fileName keeps an asset id as a file name when it is a safe one (the
// verifier ties pki/devices/<asset-id>.pem to the asset by it), else slugs
// it (the certificate's common name still names the asset).
func fileName(id string) string {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\\\x00") || strings.HasPrefix(id, ".") {
		return slug(id)
	}
	return id
}

// slug makes a safe file name part.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(path.Clean(b.String()), "-.")
	if out == "" {
		return "unnamed"
	}
	return out
}

// pseudoContent makes deterministic stand-in firmware bytes for a name.
func pseudoContent(name string) []byte {
	var out []byte
	sum := sha256.Sum256([]byte(name))
	for len(out) < 4096 {
		out = append(out, sum[:]...)
		sum = sha256.Sum256(sum[:])
	}
	return out
}
