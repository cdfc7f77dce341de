package checks

import (
	"context"
	"fmt"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
)

// encryption verifies A3: endpoints speak current cryptographic protocols
// (TLS 1.2 or later, no broken suites, valid certificates, no plaintext
// management protocols), and personal data is encrypted in transit and at
// rest.
type encryption struct{ base }

func newEncryption() check.Check {
	return encryption{base{name: "a3-encryption", version: 1, item: "A3"}}
}

func (c encryption) Run(ctx context.Context, env *check.Env, r *check.Report) error {
	c.dataStores(ctx, env, r)
	return c.endpoints(ctx, env, r)
}

func (c encryption) dataStores(ctx context.Context, env *check.Env, r *check.Report) {
	b := env.Bundle
	if b.DataStores == nil {
		missing(r, "a3.no-data-stores", check.High, "No declaration of where data is stored",
			"The bundle does not declare the data stores of the IIoT service, so nothing shows that personal data is encrypted in transit and at rest.",
			"List every data store in declarations/data-stores.yaml with whether it holds personal data and how it is encrypted, attested by its owner.", evidence.PathDataStores)
		return
	}
	var atRest, inTransit check.Set
	personal := 0
	for i := range b.DataStores {
		d := &b.DataStores[i]
		if !d.PersonalData {
			continue
		}
		personal++
		if !d.EncryptedAtRest {
			atRest.Add(d.ID, d.Ref.WithField("encrypted_at_rest"))
		}
		if !d.EncryptedInTransit {
			inTransit.Add(d.ID, d.Ref.WithField("encrypted_in_transit"))
		}
	}
	r.Fact("datastores_unencrypted", atRest.Len()+inTransit.Len())
	if atRest.Len() > 0 {
		r.Add(atRest.Fill(check.Finding{
			Code: "a3.personal-data-unencrypted-at-rest", Status: check.Fail, Severity: check.High,
			Title:       plural(atRest.Len(), "store keeps", "stores keep") + " personal data unencrypted at rest",
			Explanation: "The Protocol requires all personally identifiable data in storage to be encrypted under current accepted standards.",
			Remediation: "Encrypt these stores (e.g. AES-256 volume or database encryption with managed keys) and update the declaration.",
		}))
	}
	if inTransit.Len() > 0 {
		r.Add(inTransit.Fill(check.Finding{
			Code: "a3.personal-data-unencrypted-in-transit", Status: check.Fail, Severity: check.High,
			Title:       plural(inTransit.Len(), "store moves", "stores move") + " personal data unencrypted",
			Explanation: "The Protocol requires all personally identifiable data in transit to be encrypted under current accepted standards.",
			Remediation: "Carry this data over TLS 1.2 or later and update the declaration.",
		}))
	}
	signed := true
	for i := range b.DataStores {
		d := &b.DataStores[i]
		if d.PersonalData && attestation(ctx, env, r, d.Attestation, d.Ref, "a3.data-store", "Data store "+d.ID, nil) != check.Pass {
			signed = false
		}
	}
	if atRest.Len() == 0 && inTransit.Len() == 0 && signed {
		r.Add(check.Finding{
			Code: "a3.personal-data-encrypted", Status: check.Pass,
			Title:       fmt.Sprintf("Personal data encrypted in transit and at rest (%s)", plural(personal, "store", "stores")),
			Explanation: fmt.Sprintf("All %d declared data stores holding personal data are encrypted at rest and in transit, as attested by their owners.", personal),
			Evidence:    []evidence.Ref{{File: evidence.PathDataStores}},
		})
	}
}

func (c encryption) endpoints(ctx context.Context, env *check.Env, r *check.Report) error {
	b := env.Bundle
	files := b.Files[evidence.DirScans]
	if len(files) == 0 {
		r.Add(check.Finding{
			Code: "a3.no-scans", Status: check.NeedsReview, Severity: check.Medium,
			Title:       "Encryption of endpoints not validated by a probe",
			Explanation: "No scan results are in the bundle, so the protocols and suites the endpoints actually offer are unknown.",
			Remediation: "Probe the IIoT endpoints (insurable probe) or import an assessor's scan into scans/.",
			Evidence:    []evidence.Ref{{File: evidence.DirScans}},
		})
		return nil
	}
	rep, err := env.Scans(ctx)
	if err != nil {
		return err
	}
	if rep == nil {
		unverified(r, "a3.scans-unread", "Endpoint scans not read", fmt.Sprintf("The bundle holds %s under scans/.", plural(len(files), "file", "files")), check.VerifierScans, fileRefs(files)...)
		return nil
	}
	ix := env.Index()
	var legacy, weak, certs, plaintextPII, plaintextMgmt, defaults check.Set
	tlsEndpoints := 0
	for _, e := range rep.Endpoints {
		ref := evidence.Ref{File: e.File, Field: fmt.Sprintf("%s:%d", e.Host, e.Port)}
		subject := fmt.Sprintf("%s:%d", e.Host, e.Port)
		if len(e.TLSVersions) > 0 {
			tlsEndpoints++
		}
		if len(e.LegacyTLS) > 0 {
			legacy.Add(subject+" ("+list(e.LegacyTLS, 4)+")", ref)
		}
		if len(e.WeakCiphers) > 0 {
			weak.Add(subject, ref)
		}
		if e.CertProblem != "" {
			certs.Add(subject+": "+e.CertProblem, ref)
		}
		if e.DefaultCreds {
			defaults.Add(subject, ref)
		}
		if e.Plaintext {
			switch {
			case assetHasPersonalData(b, ix, e):
				plaintextPII.Add(subject+" "+e.Protocol, ref)
			case e.Protocol == "telnet" || e.Protocol == "ftp" || e.PlaintextLogin:
				plaintextMgmt.Add(subject+" "+e.Protocol, ref)
			}
		} else if e.PlaintextLogin {
			plaintextMgmt.Add(subject+" http login", ref)
		}
	}
	r.Fact("tls_legacy_endpoints", legacy.Len())
	r.Fact("weak_cipher_endpoints", weak.Len())
	r.Fact("certificate_problem_endpoints", certs.Len())
	r.Fact("plaintext_personal_data", plaintextPII.Len())
	r.Fact("plaintext_management", plaintextMgmt.Len())
	r.Fact("default_credentials", defaults.Len())
	failSet(r, &legacy, "a3.legacy-tls", check.High, "endpoint offers protocol versions below TLS 1.2", "endpoints offer protocol versions below TLS 1.2",
		"SSL 3.0, TLS 1.0 and TLS 1.1 are deprecated (RFC 8996); an attacker can force a connection down to them.",
		"Disable every version below TLS 1.2 on these endpoints; prefer TLS 1.3.")
	failSet(r, &weak, "a3.weak-ciphers", check.High, "endpoint accepts broken cipher suites", "endpoints accept broken cipher suites",
		"These endpoints accept suites with NULL, export-grade, RC4, DES/3DES or MD5 primitives, or without authentication.",
		"Restrict the suites to AEAD ciphers with forward secrecy (ECDHE with AES-GCM or ChaCha20-Poly1305).")
	failSet(r, &certs, "a3.certificate-problems", check.Medium, "endpoint presents an untrusted or weak certificate", "endpoints present an untrusted or weak certificate",
		"A certificate that does not chain to a trusted root, or uses a weak key, does not authenticate the endpoint.",
		"Issue these endpoints certificates from the firm's root with RSA 2048+, ECDSA P-256+ or Ed25519 keys.")
	failSet(r, &plaintextPII, "a3.plaintext-personal-data", check.High, "endpoint of a device holding personal data speaks plaintext", "endpoints of devices holding personal data speak plaintext",
		"These services carry traffic unencrypted on devices that the inventory marks as holding personal data.",
		"Move these services to their TLS variants or tunnel them; the Protocol requires personal data in transit to be encrypted.")
	failSet(r, &plaintextMgmt, "a3.plaintext-management", check.High, "endpoint exposes plaintext management (Telnet, FTP, HTTP logins)", "endpoints expose plaintext management (Telnet, FTP, HTTP logins)",
		"Credentials and commands sent over these services can be read and replayed by anyone on the path.",
		"Disable Telnet and FTP in favour of SSH/SFTP, and serve every login page over HTTPS only.")
	failSet(r, &defaults, "a3.default-credentials", check.Critical, "endpoint accepts well-known default credentials", "endpoints accept well-known default credentials",
		"A probe logged in with a vendor's published default user name and password.",
		"Change the credentials on these devices at once and disable unused default accounts.")
	if legacy.Len()+weak.Len()+certs.Len()+plaintextPII.Len()+plaintextMgmt.Len()+defaults.Len() == 0 {
		r.Add(check.Finding{
			Code: "a3.endpoints-current-crypto", Status: check.Pass,
			Title:       fmt.Sprintf("%d probed endpoints use current cryptography (%d over TLS)", len(rep.Endpoints), tlsEndpoints),
			Explanation: "No probed endpoint offers a protocol below TLS 1.2, a broken cipher suite, an untrusted certificate, plaintext management or a default password, and no plaintext service runs on a device holding personal data.",
			Evidence:    fileRefs(files),
		})
	}
	return nil
}

// assetHasPersonalData reports whether a scanned endpoint belongs to an
// inventoried asset marked as holding personal data.
func assetHasPersonalData(b *evidence.Bundle, ix *check.Index, e check.ScanEndpoint) bool {
	if a, ok := ix.Asset(b, e.AssetID); ok {
		return a.PersonalData
	}
	if i, ok := ix.ByIP[e.Host]; ok {
		return b.Assets[i].PersonalData
	}
	return false
}
