package checks

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// rootOfTrust verifies A8: every networked device holds a valid certificate
// that chains to the firm's own root, and the root key is held in an HSM or
// offline, as attested by its custodian.
type rootOfTrust struct{ base }

func newRootOfTrust() check.Check {
	return rootOfTrust{base{name: "a8-root-of-trust", version: 1, item: "A8"}}
}

func (c rootOfTrust) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	if err := c.certificates(ctx, env, r); err != nil {
		return err
	}
	c.custody(ctx, env, r)
	return c.mutualTLS(ctx, env, r)
}

func (c rootOfTrust) certificates(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	files := b.Files[evidence.DirPKI]
	if len(files) == 0 {
		missing(r, "a8.no-pki", check.Critical, "No organisational root of trust",
			"The bundle holds no root certificate, intermediates or device certificates, so no device can be shown to authenticate with an identity from the firm's root.",
			"Create the firm's root and intermediate (insurable keys init), issue a certificate per device (insurable keys issue) and put the public material under pki/.", evidence.DirPKI)
		return nil
	}
	rep, err := env.Certificates(ctx)
	if err != nil {
		return err
	}
	if rep == nil {
		unverified(r, "a8.certificates-unverified", "Device certificates not verified",
			fmt.Sprintf("The bundle holds %s under pki/.", plural(len(files), "file", "files")),
			check.VerifierCertificates, fileRefs(files[:min(len(files), check.MaxEvidence)])...)
		return nil
	}
	byStatus := map[string]*check.Set{}
	holders := map[string]bool{}
	valid := 0
	for _, res := range rep.Results {
		if res.Status == "valid" {
			valid++
			holders[res.AssetID] = true
			continue
		}
		s := byStatus[res.Status]
		if s == nil {
			s = &check.Set{}
			byStatus[res.Status] = s
		}
		s.Add(fmt.Sprintf("%s: %s", firstNonEmpty(res.AssetID, res.File), res.Reason), evidence.Ref{File: res.File})
	}
	var without check.Set
	for i := range b.Assets {
		a := &b.Assets[i]
		if a.IP == "" || holders[a.ID] {
			continue
		}
		without.Add(a.ID, a.Ref)
	}
	invalid := 0
	statuses := make([]string, 0, len(byStatus))
	for st, s := range byStatus {
		invalid += s.Len()
		statuses = append(statuses, st)
	}
	sort.Strings(statuses)
	r.Fact("certificates_valid", valid)
	r.Fact("certificates_invalid", invalid)
	r.Fact("devices_without_certificate", without.Len())
	for _, st := range statuses {
		s := byStatus[st]
		sev := check.High
		switch st {
		case "revoked", "untrusted", "duplicate-key":
			sev = check.Critical
		case "weak-key", "bad-usage":
			sev = check.Medium
		}
		r.Add(s.Fill(check.Finding{
			Code: "a8.certificate-" + st, Status: check.Fail, Severity: sev,
			Title:       fmt.Sprintf("%s %s", plural(s.Len(), "device certificate is", "device certificates are"), certPhrase(st)),
			Explanation: certExplanation[st],
			Remediation: certRemedy[st],
		}))
	}
	if without.Len() > 0 {
		r.Add(without.Fill(check.Finding{
			Code: "a8.devices-without-certificate", Status: check.Fail, Severity: check.High,
			Title:       fmt.Sprintf("%s on the network hold no valid certificate from the firm's root", plural(without.Len(), "device", "devices")),
			Explanation: "Every computing platform must authenticate with a cryptographic identity from the organisational root; these networked devices have none that verifies.",
			Remediation: "Issue each device a certificate from the firm's intermediate (insurable keys issue) and install it; for devices that cannot hold one, record compensating controls under B6.",
		}))
	}
	if invalid == 0 && without.Len() == 0 {
		r.Add(check.Finding{
			Code: "a8.certificates-valid", Status: check.Pass,
			Title:       fmt.Sprintf("All %d device certificates chain to the firm's root", valid),
			Explanation: fmt.Sprintf("Every networked device holds a certificate that chains to %s, is within its validity period, is not revoked, has a strong key and is fit for device authentication.", firstNonEmpty(rep.Root, "the firm's root")),
			Evidence:    fileRefs(files[:min(len(files), check.MaxEvidence)]),
		})
	}
	return nil
}

// certPhrase says what a certificate status means, for a title.
func certPhrase(status string) string {
	switch status {
	case "untrusted":
		return "not trusted through the firm's root"
	case "weak-key":
		return "using a key below policy"
	case "bad-usage":
		return "not fit for device authentication"
	case "duplicate-key":
		return "sharing a key with another device"
	}
	return strings.ReplaceAll(status, "-", " ")
}

var certExplanation = map[string]string{
	"expired":       "These certificates are past their notAfter date, so the devices cannot authenticate.",
	"not-yet-valid": "These certificates are not yet valid, which points to a clock or issuance error.",
	"revoked":       "The firm's CRL revokes these certificates, yet they are still deployed.",
	"untrusted":     "These certificates do not chain to the firm's root through its intermediates.",
	"weak-key":      "These certificates use keys below policy (RSA under 2048 bits, ECDSA under P-256).",
	"bad-usage":     "These certificates' key usage or extended key usage does not suit a device identity.",
	"duplicate-key": "The same key pair is used by more than one device, so one device can impersonate another.",
	"malformed":     "These files could not be parsed as X.509 certificates.",
}

var certRemedy = map[string]string{
	"expired":       "Renew the certificates and automate renewal before expiry.",
	"not-yet-valid": "Check the issuing CA's and the devices' clocks, and reissue.",
	"revoked":       "Replace the revoked certificates and investigate why they were revoked.",
	"untrusted":     "Reissue the certificates from the firm's intermediate.",
	"weak-key":      "Reissue with RSA 2048+, ECDSA P-256+ or Ed25519 keys generated on the device.",
	"bad-usage":     "Reissue with digitalSignature key usage and clientAuth/serverAuth extended key usage.",
	"duplicate-key": "Generate a distinct key pair on each device and reissue.",
	"malformed":     "Replace the files with the PEM or DER certificates actually deployed.",
}

func (c rootOfTrust) custody(ctx context.Context, env *check.Env, r *check.Report) {
	kc := env.Bundle.Governance.KeyCustody
	if kc == nil {
		missing(r, "a8.no-key-custody", check.High, "Root key custody not attested",
			"Nothing says how the organisation's root key is stored and protected throughout its lifecycle.",
			"Record in governance/key-custody.yaml whether the root key is held in an HSM or offline, with the key ceremony date, attested and signed by its custodian.", evidence.PathKeyCustody)
		return
	}
	switch strings.ToLower(kc.Custody) {
	case "hsm", "offline":
		r.Fact("root_key_custody", strings.ToLower(kc.Custody))
	default:
		r.Fact("root_key_custody", strings.ToLower(kc.Custody))
		r.Add(check.Finding{
			Code: "a8.root-key-exposed", Status: check.Fail, Severity: check.Critical,
			Title:       "Root key is not held in an HSM or offline",
			Explanation: fmt.Sprintf("The root key's custody is declared as %q; a root key on an online system can be stolen, and with it every device identity.", kc.Custody),
			Remediation: "Move the root key into an HSM or an offline, access-controlled store, and re-issue intermediates from it.",
			Evidence:    []evidence.Ref{kc.Ref.WithField("custody")},
		})
		return
	}
	if attestation(ctx, env, r, kc.Attestation, kc.Ref, "a8.key-custody", "Root key custody", nil) == check.Pass {
		r.Add(check.Finding{
			Code: "a8.root-key-protected", Status: check.Pass,
			Title:       "Root key held " + map[string]string{"hsm": "in an HSM", "offline": "offline"}[strings.ToLower(kc.Custody)],
			Explanation: fmt.Sprintf("The root key is held %s (%s), as its custodian attests.", strings.ToLower(kc.Custody), firstNonEmpty(kc.Device, kc.Location, "location not given")),
			Evidence:    []evidence.Ref{kc.Ref},
		})
	}
}

// mutualTLS records how many probed TLS endpoints demand client
// certificates: platforms authenticating each other is the point of A8.
func (c rootOfTrust) mutualTLS(ctx context.Context, env *check.Env, r *check.Report) error {
	if len(env.Bundle.Files[evidence.DirScans]) == 0 {
		return nil
	}
	rep, err := env.Scans(ctx)
	if err != nil || rep == nil {
		return err
	}
	tls, mutual := 0, 0
	var anonymous check.Set
	for _, e := range rep.Endpoints {
		if len(e.TLSVersions) > 0 {
			tls++
			if e.MutualTLS {
				mutual++
			}
		}
		if e.Anonymous {
			anonymous.Add(fmt.Sprintf("%s:%d %s", e.Host, e.Port, e.Protocol), evidence.Ref{File: e.File, Field: fmt.Sprintf("%s:%d", e.Host, e.Port)})
		}
	}
	r.Fact("mutual_tls_ratio", ratio(mutual, tls))
	r.Fact("anonymous_endpoints", anonymous.Len())
	if anonymous.Len() > 0 {
		r.Add(anonymous.Fill(check.Finding{
			Code: "a8.anonymous-endpoints", Status: check.Fail, Severity: check.High,
			Title:       plural(anonymous.Len(), "endpoint accepts", "endpoints accept") + " unauthenticated access",
			Explanation: "A probe connected to these services (MQTT brokers, OPC UA servers, Modbus devices) without any credential: the platforms talking to them are not authenticated.",
			Remediation: "Require client certificates or credentials on these services; put devices that cannot authenticate behind an authenticating gateway.",
		}))
	}
	return nil
}
