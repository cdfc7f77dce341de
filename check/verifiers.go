package check

import (
	"context"

	"github.com/insurable/insurable/evidence"
)

// Verifiers are the verifiers of machine evidence a build provides. A nil
// verifier means the build cannot verify that kind of evidence: the checks
// that need it say so in their findings (Finding.Unverified) and never pass
// on unverified evidence.
type Verifiers struct {
	Vulnerabilities VulnerabilityAssessor
	Certificates    CertificateVerifier
	Firmware        FirmwareVerifier
	Platform        PlatformVerifier
	Hardware        HardwareComparer
	Attestations    AttestationVerifier
	Scans           ScanReader
}

// Names of the verifiers, as findings cite them when one is missing.
const (
	VerifierVulnerabilities = "vulnerability assessor (CSAF advisories, KEV, SBOM matching)"
	VerifierCertificates    = "device certificate verifier"
	VerifierFirmware        = "firmware signature verifier"
	VerifierPlatform        = "platform manifest verifier"
	VerifierHardware        = "hardware baseline comparer"
	VerifierAttestations    = "attestation signature verifier"
	VerifierScans           = "probe scan reader"
)

// VulnerabilityAssessor matches a bundle's inventory and SBOMs against
// vulnerability advisories and the known-exploited catalogue.
type VulnerabilityAssessor interface {
	AssessVulnerabilities(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*VulnerabilityReport, error)
}

// VulnerabilityReport is what a VulnerabilityAssessor found.
type VulnerabilityReport struct {
	// Feeds identifies the advisory and KEV snapshot used, for the record.
	Feeds []FeedDigest
	// Matches are the asset–vulnerability pairs found.
	Matches []VulnerabilityMatch
	// Unparsed counts version ranges that could not be interpreted for an
	// asset that otherwise matched; each such match has Status "unknown".
	Unparsed int
	// SBOMs summarises each SBOM found in the bundle.
	SBOMs []SBOMSummary
}

// FeedDigest names a feed snapshot and its digest.
type FeedDigest struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest"`
}

// VulnerabilityMatch is one vulnerability affecting one asset.
type VulnerabilityMatch struct {
	AssetID      string
	AdvisoryID   string
	CVE          string
	Status       string // affected, unknown, under-investigation
	Severity     Severity
	CVSS         float64
	KEV          bool
	KEVDue       evidence.Date
	FixAvailable bool // a vendor fix exists (remediation vendor_fix, or a fixed version)
	NoFixPlanned bool // the vendor will not fix it (end of life)
	Ref          evidence.Ref

	// Product is the advisory's name for the product that matched, and
	// ProductID its id in the advisory.
	Product   string
	ProductID string
	// Version is the asset's version as the inventory gives it.
	Version string
	// FixedIn is the first fixed version, when the advisory says ("< V4.3.8"
	// gives V4.3.8).
	FixedIn string
	// Published is the advisory's initial release date, from which patch
	// latency is measured.
	Published evidence.Date
	// Reason says why the status is unknown (the advisory's range or the
	// asset's version could not be read), for the reviewer.
	Reason string
	// Unparsed is set when the status is unknown because the advisory's
	// version range could not be read.
	Unparsed bool
	// Ransomware is set when KEV records known ransomware campaign use.
	Ransomware bool
	// EPSS is the CVE's exploit prediction score, when scores were given.
	EPSS float64
	// For a component of an SBOM (rather than an inventoried asset), SBOM
	// names the file and Component the component's package URL; AssetID is
	// then empty and AdvisoryID is the OSV record's id.
	SBOM      string
	Component string
}

// SBOMSummary describes one SBOM file.
type SBOMSummary struct {
	File    string
	Valid   bool
	Problem string
	Subject string // the firmware or product the SBOM describes, for people
	// Vendor, Product and Version identify the firmware the SBOM describes
	// (its metadata component), so that fleet coverage can be computed.
	Vendor     string
	Product    string
	Version    string
	Components int
	Specific   int // components with a purl or CPE and a version
	Suppliers  int // components naming a supplier

	// Format is CycloneDX or SPDX, SpecVersion its version.
	Format      string
	SpecVersion string
	// Vulnerabilities counts component–vulnerability pairs found in OSV
	// records, after VEX; Suppressed those a VEX statement set aside.
	Vulnerabilities int
	Suppressed      int
}

// CertificateVerifier validates device certificates against the firm's root.
type CertificateVerifier interface {
	VerifyDeviceCertificates(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*CertificateReport, error)
}

// CertificateReport is the outcome for every device certificate.
type CertificateReport struct {
	Root    string // the root certificate used, as a bundle path
	Results []CertificateResult

	// Missing lists the inventoried assets for which the bundle holds no
	// certificate at all.
	Missing []string
	// CRLs says which revocation lists were used and which were not (stale,
	// badly signed, of an unknown CA).
	CRLs []CRLResult
	// Problems are files of the PKI that could not be used (a malformed
	// root or intermediate, a certificate mapping that names no file), each
	// naming the file.
	Problems []string
}

// CRLResult is what the verifier concluded about one CRL.
type CRLResult struct {
	File       string
	Issuer     string
	Status     string // current, stale, not-yet-valid, bad-signature, unknown-issuer, unsupported
	Reason     string
	Entries    int
	NextUpdate evidence.Date
}

// CertificateResult is the verdict on one certificate.
type CertificateResult struct {
	File    string
	AssetID string // the inventoried device the certificate belongs to, if known
	Subject string
	Status  string // valid, expired, not-yet-valid, revoked, untrusted, weak-key, bad-usage, duplicate-key, malformed
	Reason  string

	Issuer  string        // the issuing CA's subject
	Serial  string        // the serial number, in hex
	Expires evidence.Date // the last day of validity
}

// FirmwareVerifier verifies update artifacts and their signatures.
type FirmwareVerifier interface {
	VerifyFirmware(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*FirmwareReport, error)
}

// FirmwareReport is the outcome for every update artifact.
type FirmwareReport struct {
	Results []ArtifactResult
	// Problems are files under firmware/ that could not be used (a
	// malformed index, a file the index does not mention), each naming the
	// file.
	Problems []string
}

// ArtifactResult is the verdict on one artifact.
type ArtifactResult struct {
	File    string
	Vendor  string
	Product string
	Version string
	Status  string // valid, invalid-signature, untrusted, revoked, expired, bad-usage, malformed, missing-signature
	Reason  string

	Format    string // raw, cms or sigstore: how the signature was made
	Signature string // the signature or bundle file
	Signer    string // the signing certificate's subject, when found
	SHA256    string // the artifact's digest, in hex
}

// PlatformVerifier verifies signed platform manifests and compares observed
// deployments with them.
type PlatformVerifier interface {
	VerifyPlatform(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*PlatformReport, error)
}

// PlatformReport is the outcome for every platform manifest.
type PlatformReport struct {
	Manifests []ManifestResult
	// Problems are deployment snapshots that could not be used (malformed,
	// or naming a manifest the bundle does not hold), each naming the file.
	Problems []string
}

// ManifestResult is the verdict on one manifest and its deployments.
type ManifestResult struct {
	File        string
	Status      string // valid, invalid-signature, untrusted, malformed
	Reason      string
	Deployments int
	Missing     []string
	Modified    []string
	Unlisted    []string

	Platform string // the platform and version the manifest describes
	Version  string
	Signer   string   // the signing certificate's subject, when found
	Files    int      // files the manifest lists
	Hosts    []string // the hosts whose deployments were compared; Missing, Modified and Unlisted entries read "host:path"
}

// HardwareComparer compares hardware baselines with current snapshots.
type HardwareComparer interface {
	CompareHardware(ctx context.Context, b *evidence.Bundle) (*HardwareReport, error)
}

// HardwareReport is the outcome for every device with a baseline.
type HardwareReport struct {
	Devices []HardwareResult
	// Missing lists inventoried assets with no hardware baseline.
	Missing []string
	// Problems are baselines or snapshots that could not be used, each
	// naming the file.
	Problems []string
}

// HardwareResult lists one device's changes since its baseline.
type HardwareResult struct {
	AssetID    string
	Baseline   string
	Snapshot   string
	Changes    []string // described changes
	Unapproved []string // changes citing no approved change record

	// Problem, when set, says why the device could not be compared: no
	// snapshot, no baseline, or a device not in the inventory.
	Problem string
}

// AttestationVerifier verifies the signature on a governance attestation.
type AttestationVerifier interface {
	VerifyAttestation(ctx context.Context, b *evidence.Bundle, a *evidence.Attestation, asOf evidence.Date) AttestationResult
}

// AttestationResult is the verdict on one attestation's signature.
type AttestationResult struct {
	Status string // valid, unsigned, invalid-signature, untrusted, revoked, expired, signer-mismatch, malformed
	Reason string

	Signer string // the signing certificate's subject, when found
}

// ScanReader reads probe results filed under scans/.
type ScanReader interface {
	ReadScans(ctx context.Context, b *evidence.Bundle) (*ScanReport, error)
}

// ScanReport summarises the endpoints probed.
type ScanReport struct {
	Endpoints []ScanEndpoint
}

// ScanEndpoint is one probed service, judged.
type ScanEndpoint struct {
	File           string
	Host           string
	Port           int
	AssetID        string // when the scan named the asset
	Protocol       string
	Standard       bool     // an open standard protocol (not proprietary)
	StandardPort   bool     // on a registered port of its protocol
	Plaintext      bool     // traffic is not encrypted
	TLSVersions    []string // versions offered
	LegacyTLS      []string // offered versions below TLS 1.2
	WeakCiphers    []string // "version suite" pairs using broken primitives
	CertProblem    string
	CertNotAfter   string
	MutualTLS      bool // a client certificate is required
	Anonymous      bool // anonymous access or unauthenticated reads accepted
	DefaultCreds   bool // a well-known default password worked
	PlaintextLogin bool // a login page over plain HTTP
	Problems       []string
}
