package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/cryptoevidence"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/pki"
	"github.com/insurable/insurable/platform"
	"github.com/insurable/insurable/signature"
)

func (a *App) verifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify certificates, signed artifacts, manifests and attestations offline",
		Long: `verify checks cryptographic evidence against the organisation's own root of
trust, offline, the way a careful auditor with openssl would: path validation
through the intermediates, validity periods, revocation by CRLs whose own
signature and freshness are checked, key strength, key usage, name
constraints and duplicate keys.

Every verify command exits 0 only when everything it was given is valid, 7
when it ran and found something not valid, and 3, 4 or 5 when it could not
run (bad flags, malformed or missing input).`,
	}
	cmd.AddCommand(a.verifyCertsCommand(), a.verifyArtifactCommand(), a.verifyManifestCommand(), a.verifyAttestationCommand(), a.verifyBundleCommand())
	return cmd
}

// certJSON is one result of verify certs.
type certJSON struct {
	File     string `json:"file"`
	Subject  string `json:"subject"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Issuer   string `json:"issuer,omitempty"`
	Serial   string `json:"serial,omitempty"`
	NotAfter string `json:"not_after,omitempty"`
}

var purposes = map[string]pki.Purpose{"device": pki.DeviceIdentity, "code-signing": pki.CodeSigning, "document-signing": pki.DocumentSigning}

func (a *App) verifyCertsCommand() *cobra.Command {
	var (
		out     output
		tf      trustFlags
		purpose string
	)
	cmd := &cobra.Command{
		Use:   "certs --root FILE [--intermediate FILE]... [--crl FILE]... CERT...",
		Short: "Validate certificates to the organisation's root",
		Long: `certs validates each certificate file (PEM or DER; the first certificate of
a file is the one verified, any others may complete its path) to the root
through the intermediates, for a device identity unless --purpose says
otherwise. Each gets one status: valid, expired, not-yet-valid, revoked,
untrusted, weak-key, bad-usage, duplicate-key (the same key certified for
another subject among those given) or malformed.`,
		Example: `  insurable verify certs --root pki/root.pem --intermediate pki/intermediates/ca.pem \
      --crl pki/crl/ca.crl pki/devices/*.pem -o json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			p, ok := purposes[purpose]
			if !ok {
				return usagef("--purpose %q: want device, code-signing or document-signing", purpose)
			}
			v, err := tf.verifier(a.Now())
			if err != nil {
				return err
			}
			items := make([]pki.Item, len(args))
			for i, f := range args {
				items[i].Name = f
				certs, err := readCertFile(f)
				if err != nil {
					items[i].Err = err
					continue
				}
				items[i].Cert, items[i].Extra = certs[0], certs[1:]
			}
			results, err := v.VerifyAll(cmd.Context(), items, p)
			if err != nil {
				return err
			}
			rows := make([]certJSON, len(items))
			allValid := true
			for i, r := range results {
				rows[i] = certJSON{File: items[i].Name, Status: string(r.Status), Reason: r.Reason}
				var uk *pki.UnsupportedKeyError
				if errors.As(items[i].Err, &uk) {
					rows[i].Subject = uk.Subject
				}
				if c := items[i].Cert; c != nil {
					rows[i].Subject = c.Subject.String()
					rows[i].Issuer = c.Issuer.String()
					rows[i].Serial = c.SerialNumber.Text(16)
					rows[i].NotAfter = c.NotAfter.UTC().Format("2006-01-02T15:04:05Z")
				}
				allValid = allValid && r.Status == pki.Valid
			}
			if !allValid {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, map[string]any{"results": rows, "crls": nonNil(v.CRLs())})
			}
			tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "FILE\tSTATUS\tSUBJECT\tREASON")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.File, r.Status, r.Subject, oneLine(r.Reason))
			}
			for _, c := range v.CRLs() {
				if c.State != pki.CRLCurrent {
					fmt.Fprintf(tw, "%s\tCRL %s\t%s\t%s\n", c.File, c.State, c.Issuer, oneLine(c.Reason))
				}
			}
			return tw.Flush()
		},
	}
	out.register(cmd, "text", "text", "json")
	tf.register(cmd)
	cmd.Flags().StringVar(&purpose, "purpose", "device", "what the certificates are for: device, code-signing or document-signing")
	return cmd
}

// artifactJSON is the output of verify artifact.
type artifactJSON struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
	File   string `json:"file"`
	Format string `json:"format"`
	Signer string `json:"signer,omitempty"`
}

func (a *App) verifyArtifactCommand() *cobra.Command {
	var (
		out                      output
		tf                       trustFlags
		sigFile, certFile, bundl string
		format                   string
	)
	cmd := &cobra.Command{
		Use:   "artifact FILE (--signature SIG [--cert CERT] | --bundle BUNDLE) --root FILE [--intermediate FILE]... [--crl FILE]...",
		Short: "Verify a signed artifact (firmware, update, image)",
		Long: `artifact verifies FILE against a detached signature made by
"openssl dgst -sha256 -sign" (raw or base64; give the signer's certificate
with --cert), a CMS / PKCS#7 signature made by "openssl cms -sign" or
"openssl smime -sign" (DER, PEM or S/MIME; --cert is optional when the
signature carries the certificate), or a Sigstore bundle (--bundle) whose
certificate comes from the organisation's CA; no transparency log is used.
The signer must chain to --root and carry the codeSigning extended key usage.

Status: valid, invalid-signature (the file was changed, or signed with
another key), untrusted, revoked, expired, bad-usage or malformed. The exit
code is 0 only for valid.`,
		Example: `  insurable verify artifact fw.bin --signature fw.sig --cert signer.pem --root root.pem --intermediate ca.pem -o json
  insurable verify artifact fw.bin --bundle fw.sigstore.json --root root.pem --intermediate ca.pem --crl ca.crl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if (sigFile == "") == (bundl == "") {
				return usagef("give either --signature (with --cert) or --bundle")
			}
			if bundl != "" && certFile != "" {
				return usagef("--cert goes with --signature; a Sigstore bundle carries its certificate")
			}
			switch signature.Format(format) {
			case "", signature.Raw, signature.CMS:
			default:
				return usagef("--format %q: want raw or cms (or leave it out to detect)", format)
			}
			v, err := tf.verifier(a.Now())
			if err != nil {
				return err
			}
			artifact, err := readFile(args[0], signature.MaxArtifactBytes)
			if err != nil {
				return err
			}
			sig := signature.Signature{File: sigFile, Format: signature.Format(format)}
			if bundl != "" {
				sig.File, sig.Format = bundl, signature.Sigstore
			}
			if sig.Data, err = readFile(sig.File, signature.MaxSignatureBytes+signature.MaxArtifactBytes); err != nil {
				return err
			}
			if certFile != "" {
				if sig.Certs, err = readCertFile(certFile); err != nil {
					return err
				}
			}
			r := signature.Verify(artifact, sig, v)
			res := artifactJSON{Status: string(r.Status), Reason: r.Reason, File: args[0], Format: string(r.Format), Signer: subjectName(r.Signer)}
			if r.Status != signature.Valid {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, res)
			}
			signer := ""
			if res.Signer != "" {
				signer = res.Format + " signature by " + res.Signer
			}
			printVerdict(a.Stdout, res.File, res.Status, signer, res.Reason)
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	tf.register(cmd)
	cmd.Flags().StringVar(&sigFile, "signature", "", "detached signature (openssl dgst) or CMS/PKCS#7 signature (openssl cms/smime)")
	cmd.Flags().StringVar(&certFile, "cert", "", "the signer's certificate, optionally followed by its chain")
	cmd.Flags().StringVar(&bundl, "bundle", "", "Sigstore bundle (JSON) holding the signature and the signer's certificate")
	cmd.Flags().StringVar(&format, "format", "", "force the signature's format: raw or cms (default: detected)")
	return cmd
}

// candidateCerts reads the --cert files of the manifest and attestation
// commands.
func candidateCerts(files []string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, f := range files {
		cs, err := readCertFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

func (a *App) verifyManifestCommand() *cobra.Command {
	var (
		out         output
		tf          trustFlags
		certs       []string
		deployments []string
	)
	cmd := &cobra.Command{
		Use:   "manifest ENVELOPE --cert SIGNER... --root FILE [--deployment FILE]...",
		Short: "Verify a signed platform manifest and compare deployments with it",
		Long: `manifest verifies a platform manifest signed as an in-toto statement in a
DSSE envelope (or a Sigstore bundle holding one): its signature by one of the
--cert certificates, which must chain to --root with the codeSigning usage.
Each --deployment snapshot (YAML, see docs/crypto-evidence.md) is then
compared with it: files missing, modified or not listed.`,
		Example: `  insurable verify manifest platform/manifests/gateway.dsse.json --cert pki/signers/release.pem \
      --root pki/root.pem --intermediate pki/intermediates/ca.pem --deployment platform/deployments/gw-01.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			v, err := tf.verifier(a.Now())
			if err != nil {
				return err
			}
			cands, err := candidateCerts(certs)
			if err != nil {
				return err
			}
			data, err := readFile(args[0], attest.MaxEnvelopeBytes)
			if err != nil {
				return err
			}
			res := map[string]any{"file": args[0]}
			status, reason, signer := string(attest.Malformed), "", ""
			var m *attest.Manifest
			if env, err := attest.ParseEnvelope(args[0], data); err != nil {
				reason = err.Error()
			} else {
				r := attest.VerifyManifest(env, cands, v)
				status, reason, signer, m = string(r.Status), r.Reason, subjectName(r.Signer), r.Manifest
			}
			res["status"], res["reason"], res["signer"] = status, reason, signer
			clean := true
			var diffs []map[string]any
			for _, f := range deployments {
				data, err := readFile(f, 512<<20)
				if err != nil {
					return err
				}
				d, err := platform.ParseDeployment(f, data)
				if err != nil {
					return err
				}
				entry := map[string]any{"file": f, "host": d.Host}
				if m != nil {
					diff := platform.Compare(m, d)
					entry["missing"], entry["modified"], entry["unlisted"] = nonNil(diff.Missing), nonNil(diff.Modified), nonNil(diff.Unlisted)
					clean = clean && diff.Clean()
				}
				diffs = append(diffs, entry)
			}
			if m != nil {
				res["platform"], res["version"], res["files"] = m.Platform, m.Version, len(m.Files)
			}
			res["deployments"] = diffs
			if status != string(attest.Valid) || !clean {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, res)
			}
			by := ""
			if signer != "" {
				by = "signed by " + signer
			}
			printVerdict(a.Stdout, args[0], status, by, reason)
			for _, d := range diffs {
				fmt.Fprintf(a.Stdout, "deployment %s (%s):", d["file"], d["host"])
				if _, ok := d["missing"]; !ok {
					fmt.Fprintln(a.Stdout, " not compared (the manifest did not verify)")
					continue
				}
				n := 0
				for _, k := range []string{"missing", "modified", "unlisted"} {
					for _, p := range d[k].([]string) {
						fmt.Fprintf(a.Stdout, "\n  %s %s", k, p)
						n++
					}
				}
				if n == 0 {
					fmt.Fprint(a.Stdout, " matches the manifest")
				}
				fmt.Fprintln(a.Stdout)
			}
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	tf.register(cmd)
	cmd.Flags().StringArrayVar(&certs, "cert", nil, "a signer's certificate file; repeat for more")
	cmd.Flags().StringArrayVar(&deployments, "deployment", nil, "a deployment snapshot (YAML) to compare with the manifest; repeat for more")
	return cmd
}

func (a *App) verifyAttestationCommand() *cobra.Command {
	var (
		out    output
		tf     trustFlags
		certs  []string
		record string
		bundle string
	)
	cmd := &cobra.Command{
		Use:   "attestation ENVELOPE --record FILE#POINTER --cert OFFICER... --root FILE",
		Short: "Verify a signed governance attestation against its record",
		Long: `attestation verifies a governance attestation: a DSSE envelope whose in-toto
statement binds one record of a governance YAML file, signed by one of the
--cert officers' certificates, which must chain to --root with the
documentSigning (or emailProtection) usage, and signed by the person the
record's attestation block names. --record names the file (relative to
--bundle) and the record's JSON pointer, such as
governance/board-reviews.yaml#/reviews/0 ("#" alone for the whole file).`,
		Example: `  insurable verify attestation governance/signatures/board-2026.dsse.json \
      --record governance/board-reviews.yaml#/reviews/0 --cert pki/officers/chair.pem \
      --root pki/root.pem --intermediate pki/intermediates/ca.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			file, pointer, ok := strings.Cut(record, "#")
			if !ok || file == "" {
				return usagef("--record %q: want FILE#POINTER, such as governance/board-reviews.yaml#/reviews/0", record)
			}
			v, err := tf.verifier(a.Now())
			if err != nil {
				return err
			}
			cands, err := candidateCerts(certs)
			if err != nil {
				return err
			}
			yamlData, err := readFile(joinBundle(bundle, file), 64<<20)
			if err != nil {
				return err
			}
			rec, err := attest.RecordAt(yamlData, pointer)
			if err != nil {
				return insurable.FileError(opCrypto, insurable.Invalid, file, 0, "%v", err)
			}
			data, err := readFile(args[0], attest.MaxEnvelopeBytes)
			if err != nil {
				return err
			}
			status, reason, signer := string(attest.Malformed), "", ""
			if env, err := attest.ParseEnvelope(args[0], data); err != nil {
				reason = err.Error()
			} else {
				r := attest.VerifyClaim(env, cands, v, file, rec)
				status, reason, signer = string(r.Status), r.Reason, subjectName(r.Signer)
			}
			if status != string(attest.Valid) {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, map[string]any{"status": status, "reason": reason, "signer": signer, "record": file + "#" + rec.Pointer})
			}
			by := ""
			if signer != "" {
				by = "signed by " + signer
			}
			printVerdict(a.Stdout, args[0], status, by, reason)
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	tf.register(cmd)
	cmd.Flags().StringArrayVar(&certs, "cert", nil, "an officer's certificate file; repeat for more")
	cmd.Flags().StringVar(&record, "record", "", "the attested record: FILE#POINTER (required)")
	cmd.Flags().StringVar(&bundle, "bundle", ".", "the bundle directory that --record's file is relative to")
	return cmd
}

func (a *App) verifyBundleCommand() *cobra.Command {
	var (
		out  output
		asOf string
	)
	cmd := &cobra.Command{
		Use:   "bundle DIR",
		Short: "Verify all the cryptographic evidence of a bundle",
		Long: `bundle runs the verifiers that insurable assess uses on a bundle's
cryptographic evidence — device certificates, firmware signatures, platform
manifests and deployments, hardware baselines and governance attestations —
and prints every verdict, so that a firm can fix its evidence before
applying. The layout is described in docs/crypto-evidence.md.`,
		Example: `  insurable verify bundle examples/keystone-precision
  insurable verify bundle ./evidence --as-of 2026-06-30 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			b, err := evidence.Load(args[0], evidence.Options{})
			if err != nil {
				return err
			}
			defer b.Close()
			date := evidence.NewDate(a.Now())
			if asOf != "" {
				if date, err = evidence.ParseDate(asOf); err != nil {
					return usagef("--as-of: %v", err)
				}
			} else if !b.Manifest.SnapshotDate.IsZero() {
				date = b.Manifest.SnapshotDate
			}
			rep, err := verifyBundle(cmd.Context(), b, date)
			if err != nil {
				return err
			}
			if !rep.allValid() {
				a.exit = insurable.ExitVerifyFail
			}
			if out.format == "json" {
				return writeJSON(a.Stdout, rep)
			}
			rep.text(a.Stdout)
			return nil
		},
	}
	out.register(cmd, "text", "text", "json")
	cmd.Flags().StringVar(&asOf, "as-of", "", "date to verify as of, YYYY-MM-DD (default: the bundle's snapshot_date, else today)")
	return cmd
}

// bundleReport is the output of verify bundle.
type bundleReport struct {
	AsOf         evidence.Date            `json:"as_of"`
	Certificates *check.CertificateReport `json:"certificates"`
	Firmware     *check.FirmwareReport    `json:"firmware"`
	Platform     *check.PlatformReport    `json:"platform"`
	Hardware     *check.HardwareReport    `json:"hardware"`
	Attestations []attestationJSON        `json:"attestations"`
}

type attestationJSON struct {
	Record    string `json:"record"`
	Signature string `json:"signature"`
	check.AttestationResult
}

func verifyBundle(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*bundleReport, error) {
	v := cryptoevidence.New()
	rep := &bundleReport{AsOf: asOf}
	var err error
	if rep.Certificates, err = v.VerifyDeviceCertificates(ctx, b, asOf); err != nil {
		return nil, err
	}
	if rep.Firmware, err = v.VerifyFirmware(ctx, b, asOf); err != nil {
		return nil, err
	}
	if rep.Platform, err = v.VerifyPlatform(ctx, b, asOf); err != nil {
		return nil, err
	}
	if rep.Hardware, err = v.CompareHardware(ctx, b); err != nil {
		return nil, err
	}
	for _, at := range attestations(b) {
		if at.Signature == "" {
			continue
		}
		rep.Attestations = append(rep.Attestations, attestationJSON{Record: at.Ref.String(), Signature: at.Signature, AttestationResult: v.VerifyAttestation(ctx, b, at, asOf)})
	}
	return rep, nil
}

// attestations lists every attestation of a bundle's governance records and
// declarations.
func attestations(b *evidence.Bundle) []*evidence.Attestation {
	g := b.Governance
	var out []*evidence.Attestation
	for i := range g.BoardReviews {
		out = append(out, g.BoardReviews[i].Attestation)
	}
	for i := range g.Pentests {
		out = append(out, g.Pentests[i].Attestation)
	}
	if g.Officers != nil {
		out = append(out, g.Officers.Attestation)
	}
	if g.Continuity != nil {
		out = append(out, g.Continuity.Attestation)
	}
	if g.Sharing != nil {
		out = append(out, g.Sharing.Attestation)
	}
	if g.SDLC != nil {
		out = append(out, g.SDLC.Attestation)
	}
	if g.Legacy != nil {
		out = append(out, g.Legacy.Attestation)
	}
	if g.KeyCustody != nil {
		out = append(out, g.KeyCustody.Attestation)
	}
	for i := range b.DataStores {
		out = append(out, b.DataStores[i].Attestation)
	}
	var kept []*evidence.Attestation
	for _, a := range out {
		if a != nil {
			kept = append(kept, a)
		}
	}
	return kept
}

// text prints the report for a person: counts, then every verdict that is
// not valid and every problem.
func (r *bundleReport) text(w io.Writer) {
	count := func(statuses []string) string {
		n := map[string]int{}
		for _, s := range statuses {
			n[s]++
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
		if len(parts) == 0 {
			return "none"
		}
		return strings.Join(parts, ", ")
	}
	var st []string
	fmt.Fprintf(w, "Cryptographic evidence as of %s\n\n", r.AsOf)
	for _, c := range r.Certificates.Results {
		st = append(st, c.Status)
	}
	fmt.Fprintf(w, "Device certificates (root %s): %s\n", orDash(r.Certificates.Root), count(st))
	for _, c := range r.Certificates.Results {
		if c.Status != "valid" {
			fmt.Fprintf(w, "  %s %s (%s): %s\n", c.Status, c.File, orDash(c.AssetID), oneLine(c.Reason))
		}
	}
	for _, c := range r.Certificates.CRLs {
		if c.Status != "current" {
			fmt.Fprintf(w, "  CRL %s %s: %s\n", c.Status, c.File, oneLine(c.Reason))
		}
	}
	st = st[:0]
	for _, f := range r.Firmware.Results {
		st = append(st, f.Status)
	}
	fmt.Fprintf(w, "Firmware artifacts: %s\n", count(st))
	for _, f := range r.Firmware.Results {
		if f.Status != "valid" {
			fmt.Fprintf(w, "  %s %s (%s %s %s): %s\n", f.Status, f.File, f.Vendor, f.Product, f.Version, oneLine(f.Reason))
		}
	}
	st = st[:0]
	for _, m := range r.Platform.Manifests {
		st = append(st, m.Status)
	}
	fmt.Fprintf(w, "Platform manifests: %s\n", count(st))
	for _, m := range r.Platform.Manifests {
		if m.Status != "valid" {
			fmt.Fprintf(w, "  %s %s: %s\n", m.Status, m.File, oneLine(m.Reason))
		}
		for _, k := range []struct {
			what string
			list []string
		}{{"missing", m.Missing}, {"modified", m.Modified}, {"unlisted", m.Unlisted}} {
			for _, p := range k.list {
				fmt.Fprintf(w, "  %s %s (%s)\n", k.what, p, m.File)
			}
		}
	}
	changed, unapproved := 0, 0
	for _, d := range r.Hardware.Devices {
		if len(d.Changes) > 0 {
			changed++
		}
		unapproved += len(d.Unapproved)
	}
	fmt.Fprintf(w, "Hardware: %d devices compared, %d changed, %d unapproved changes\n", len(r.Hardware.Devices), changed, unapproved)
	for _, d := range r.Hardware.Devices {
		if d.Problem != "" {
			fmt.Fprintf(w, "  %s: %s\n", d.AssetID, d.Problem)
		}
		for _, u := range d.Unapproved {
			fmt.Fprintf(w, "  %s: %s\n", d.AssetID, u)
		}
	}
	st = st[:0]
	for _, a := range r.Attestations {
		st = append(st, a.Status)
	}
	fmt.Fprintf(w, "Signed attestations: %s\n", count(st))
	for _, a := range r.Attestations {
		if a.Status != "valid" {
			fmt.Fprintf(w, "  %s %s (%s): %s\n", a.Status, a.Signature, a.Record, oneLine(a.Reason))
		}
	}
	var problems []string
	problems = append(problems, r.Certificates.Problems...)
	problems = append(problems, r.Firmware.Problems...)
	problems = append(problems, r.Platform.Problems...)
	problems = append(problems, r.Hardware.Problems...)
	if len(problems) > 0 {
		fmt.Fprintf(w, "Problems:\n")
		for _, p := range problems {
			fmt.Fprintf(w, "  %s\n", oneLine(p))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// joinBundle resolves a bundle-relative path against the bundle directory.
func joinBundle(dir, rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }

func (r *bundleReport) allValid() bool {
	for _, c := range r.Certificates.Results {
		if c.Status != "valid" {
			return false
		}
	}
	for _, f := range r.Firmware.Results {
		if f.Status != "valid" {
			return false
		}
	}
	for _, m := range r.Platform.Manifests {
		if m.Status != "valid" || len(m.Missing)+len(m.Modified)+len(m.Unlisted) > 0 {
			return false
		}
	}
	for _, d := range r.Hardware.Devices {
		if len(d.Unapproved) > 0 || d.Problem != "" {
			return false
		}
	}
	for _, a := range r.Attestations {
		if a.Status != "valid" {
			return false
		}
	}
	return len(r.Certificates.Problems)+len(r.Firmware.Problems)+len(r.Platform.Problems)+len(r.Hardware.Problems) == 0
}

// printVerdict writes a verification's verdict as text: what was checked,
// its status, who signed it (when known) and the reason on a line of its
// own.
func printVerdict(w io.Writer, what, status, signedBy, reason string) {
	fmt.Fprintf(w, "%s: %s", what, status)
	if signedBy != "" {
		fmt.Fprintf(w, " (%s)", signedBy)
	}
	if reason != "" {
		fmt.Fprintf(w, "\n  %s", reason)
	}
	fmt.Fprintln(w)
}
