package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/internal/strictyaml"
	"github.com/insurable/insurable/keys"
	"github.com/insurable/insurable/platform"
	"github.com/insurable/insurable/signature"
)

func (a *App) signCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign firmware, platform manifests and governance attestations",
		Long: `sign makes the signatures the evidence bundle needs, with a key certified
by the organisation's issuing CA (insurable keys issue): update artifacts
(A4), platform manifests (A7) and governance attestations (B1–B3, B5).
Encrypted keys ask for their passphrase (or take --passphrase-env or
--passphrase-file).`,
	}
	cmd.AddCommand(a.signArtifactCommand(), a.signManifestCommand(), a.signAttestationCommand())
	return cmd
}

// signerFlags are the key and certificate of a signing command.
type signerFlags struct {
	key, cert string
	pass      passFlags
}

func (f *signerFlags) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.key, "key", "", "the "+what+"'s private key (required)")
	cmd.Flags().StringVar(&f.cert, "cert", "", "the "+what+"'s certificate, optionally followed by its chain (required)")
	f.pass.register(cmd, "", "the "+what+"'s key")
}

// load reads the key and certificate and checks that they belong together
// and that the certificate allows the usage.
func (a *App) loadSigner(f *signerFlags, eku func(*x509.Certificate) bool, usage string) (*keys.Issued, []*x509.Certificate, error) {
	if f.key == "" || f.cert == "" {
		return nil, nil, usagef("--key and --cert are required")
	}
	certs, err := readCertFile(f.cert)
	if err != nil {
		return nil, nil, err
	}
	key, err := a.loadKey(f.key, &f.pass)
	if err != nil {
		return nil, nil, err
	}
	if !samePublicKey(certs[0].PublicKey, key.Public()) {
		return nil, nil, insurable.FileError(opCrypto, insurable.Invalid, f.key, 0, "this key does not belong to the certificate %s", f.cert)
	}
	if !eku(certs[0]) {
		return nil, nil, insurable.FileError(opCrypto, insurable.Invalid, f.cert, 0, "this certificate does not allow %s, so the signature would not verify; issue one with insurable keys issue", usage)
	}
	return &keys.Issued{Cert: certs[0], Key: key}, certs[1:], nil
}

func canSignCode(c *x509.Certificate) bool {
	return slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageCodeSigning)
}

func (a *App) signArtifactCommand() *cobra.Command {
	var (
		sf          signerFlags
		format, out string
	)
	cmd := &cobra.Command{
		Use:   "artifact FILE --key KEY --cert CERT",
		Short: "Sign an update artifact",
		Long: `artifact signs FILE with a code-signing key. --format chooses the form:

  sigstore  a Sigstore bundle (v0.3) with the signature and the certificate,
            no transparency log (default; FILE.sigstore.json)
  raw       the same bytes as "openssl dgst -sha256 -sign" (FILE.sig); keep
            the certificate beside it
  cms       a detached CMS SignedData in DER as "openssl cms -sign -binary
            -outform DER" makes (FILE.p7s), with the certificate and chain

List the artifact and its signature in firmware/index.yaml.`,
		Example: `  insurable sign artifact firmware/plc-2.2.0.bin --key release.key --cert release.pem
  insurable sign artifact fw.bin --key release.key --cert release.pem --format raw --out fw.bin.sig`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ext := map[string]string{"sigstore": ".sigstore.json", "raw": ".sig", "cms": ".p7s"}[format]
			if ext == "" {
				return usagef("--format %q: want sigstore, raw or cms", format)
			}
			signer, chain, err := a.loadSigner(&sf, canSignCode, "code signing (codeSigning extended key usage)")
			if err != nil {
				return err
			}
			data, err := readFile(args[0], signature.MaxArtifactBytes)
			if err != nil {
				return err
			}
			var sig []byte
			switch format {
			case "sigstore":
				sig, err = signature.SignBundle(data, signer.Cert, signer.Key)
			case "raw":
				sig, err = signature.SignRaw(data, signer.Key)
			case "cms":
				sig, err = signature.SignCMS(data, signer.Cert, chain, signer.Key)
			}
			if err != nil {
				return insurable.Wrap(opCrypto, insurable.Invalid, err)
			}
			if out == "" {
				out = args[0] + ext
			}
			if err := writeFile(out, sig); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s (%s signature by %s)\n", out, format, subjectName(signer.Cert))
			return nil
		},
	}
	sf.register(cmd, "code signer")
	cmd.Flags().StringVar(&format, "format", "sigstore", "signature form: sigstore, raw or cms")
	cmd.Flags().StringVar(&out, "out", "", "signature file to write (default: FILE with .sigstore.json, .sig or .p7s)")
	return cmd
}

// manifestFile is the YAML a firm may write to describe its platform (the
// input of sign manifest --from).
type manifestFile struct {
	Platform string                `yaml:"platform"`
	Version  string                `yaml:"version"`
	Files    []attest.ManifestFile `yaml:"files"`
}

func (a *App) signManifestCommand() *cobra.Command {
	var (
		sf                      signerFlags
		name, version, out      string
		from, dir, sums, prefix string
		overrides               []string
	)
	cmd := &cobra.Command{
		Use:   "manifest --platform NAME --version V (--dir DIR | --sha256sum FILE | --from FILE) --out FILE",
		Short: "Sign a platform manifest (A7)",
		Long: `manifest lists the files of a service's trusted computing base — its
applications, libraries and configuration, each with its SHA-256 — and signs
the list as an in-toto statement in a DSSE envelope. The files come from a
reference image directory (--dir; paths are taken from / under it, or under
--prefix), from the output of sha256sum run on a reference host
(--sha256sum), or from a YAML file listing path, sha256 and kind (--from).

Each file's kind (application, library, configuration, other) is guessed
from its path (/etc and *.conf are configuration, lib directories and *.so
libraries, bin directories applications); --kind PATTERN=KIND overrides it
for paths matching a shell pattern.`,
		Example: `  insurable sign manifest --platform edge-gateway --version 2026.02 --dir ./image-root \
      --key release.key --cert release.pem --out platform/manifests/edge-gateway.dsse.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, s := range []string{from, dir, sums} {
				if s != "" {
					n++
				}
			}
			if n != 1 {
				return usagef("give exactly one of --dir, --sha256sum or --from")
			}
			if out == "" {
				return usagef("--out is required")
			}
			kinds := map[string]string{}
			for _, o := range overrides {
				pat, kind, ok := strings.Cut(o, "=")
				if !ok || !slices.Contains(attest.Kinds, kind) {
					return usagef("--kind %q: want PATTERN=KIND with KIND one of %s", o, strings.Join(attest.Kinds, ", "))
				}
				if _, err := path.Match(pat, "/"); err != nil {
					return usagef("--kind %q: bad pattern: %v", o, err)
				}
				kinds[pat] = kind
			}
			m := &attest.Manifest{Platform: name, Version: version}
			switch {
			case from != "":
				data, err := readFile(from, 256<<20)
				if err != nil {
					return err
				}
				var mf manifestFile
				if err := strictyaml.Decode(opCrypto, from, data, &mf); err != nil {
					return err
				}
				m.Files = mf.Files
				if m.Platform == "" {
					m.Platform = mf.Platform
				}
				if m.Version == "" {
					m.Version = mf.Version
				}
			case dir != "":
				files, err := hashTree(dir, prefix)
				if err != nil {
					return err
				}
				m.Files = files
			case sums != "":
				data, err := readFile(sums, 256<<20)
				if err != nil {
					return err
				}
				files, err := platform.ParseSHA256Sum(data)
				if err != nil {
					return insurable.FileError(opCrypto, insurable.Invalid, sums, 0, "%v", err)
				}
				for _, f := range files {
					m.Files = append(m.Files, attest.ManifestFile{Path: f.Path, SHA256: f.SHA256})
				}
			}
			for i := range m.Files {
				if m.Files[i].Kind == "" {
					m.Files[i].Kind = guessKind(m.Files[i].Path)
				}
				for pat, kind := range kinds {
					if ok, _ := path.Match(pat, m.Files[i].Path); ok {
						m.Files[i].Kind = kind
					}
				}
			}
			if err := m.Validate(); err != nil {
				return insurable.Errorf(opCrypto, insurable.Invalid, "manifest: %v", err)
			}
			signer, _, err := a.loadSigner(&sf, canSignCode, "code signing (codeSigning extended key usage)")
			if err != nil {
				return err
			}
			env, err := attest.SignManifest(m, signer.Key)
			if err != nil {
				return insurable.Wrap(opCrypto, insurable.Invalid, err)
			}
			data, err := env.Marshal()
			if err != nil {
				return err
			}
			if err := writeFile(out, data); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s: %s %s, %d files, signed by %s\n", out, m.Platform, m.Version, len(m.Files), subjectName(signer.Cert))
			return nil
		},
	}
	sf.register(cmd, "code signer")
	cmd.Flags().StringVar(&name, "platform", "", "the platform's name (required unless --from gives it)")
	cmd.Flags().StringVar(&version, "version", "", "the platform's version")
	cmd.Flags().StringVar(&dir, "dir", "", "reference image directory to hash")
	cmd.Flags().StringVar(&prefix, "prefix", "/", "with --dir: the absolute path the directory stands for")
	cmd.Flags().StringVar(&sums, "sha256sum", "", "output of sha256sum on a reference host")
	cmd.Flags().StringVar(&from, "from", "", "YAML manifest: platform, version, files (path, sha256, kind)")
	cmd.Flags().StringArrayVar(&overrides, "kind", nil, "PATTERN=KIND: the kind of the files matching a shell pattern; repeat for more")
	cmd.Flags().StringVar(&out, "out", "", "envelope to write (required)")
	return cmd
}

// hashTree lists the regular files under dir with their SHA-256, as
// absolute paths under prefix.
func hashTree(dir, prefix string) ([]attest.ManifestFile, error) {
	var out []attest.ManifestFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return insurable.FileError(opCrypto, insurable.Invalid, p, 0, "%v", err)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return insurable.FileError(opCrypto, insurable.Invalid, p, 0, "%v", err)
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return insurable.FileError(opCrypto, insurable.Invalid, p, 0, "%v", err)
		}
		kind := ""
		if info, err := d.Info(); err == nil && info.Mode()&0o111 != 0 {
			kind = attest.KindApplication
		}
		full := path.Join("/", filepath.ToSlash(prefix), filepath.ToSlash(rel))
		if g := guessKind(full); g != attest.KindOther || kind == "" {
			kind = g
		}
		out = append(out, attest.ManifestFile{Path: full, SHA256: hex.EncodeToString(h.Sum(nil)), Kind: kind})
		if len(out) > attest.MaxManifestFiles {
			return insurable.FileError(opCrypto, insurable.TooLarge, dir, 0, "holds more than %d files", attest.MaxManifestFiles)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, insurable.FileError(opCrypto, insurable.Invalid, dir, 0, "holds no file")
	}
	return out, nil
}

// guessKind classifies a file of a platform by its path.
func guessKind(p string) string {
	base := path.Base(p)
	ext := path.Ext(base)
	switch {
	case strings.HasPrefix(p, "/etc/") || slices.Contains([]string{".conf", ".cfg", ".ini", ".yaml", ".yml", ".json", ".toml", ".xml", ".properties"}, ext):
		return attest.KindConfiguration
	case strings.Contains(p, "/lib/") || strings.Contains(p, "/lib64/") || ext == ".so" || strings.Contains(base, ".so.") || ext == ".dll" || ext == ".jar":
		return attest.KindLibrary
	case strings.Contains(p, "/bin/") || strings.Contains(p, "/sbin/") || ext == ".exe":
		return attest.KindApplication
	}
	return attest.KindOther
}

func canSignDocuments(c *x509.Certificate) bool {
	if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageEmailProtection) {
		return true
	}
	for _, o := range c.UnknownExtKeyUsage {
		if o.String() == "1.3.6.1.5.5.7.3.36" {
			return true
		}
	}
	return false
}

func (a *App) signAttestationCommand() *cobra.Command {
	var (
		sf                  signerFlags
		bundle, record, out string
		text                string
	)
	cmd := &cobra.Command{
		Use:   "attestation --record FILE#POINTER --key KEY --cert CERT [--bundle DIR]",
		Short: "Sign the attestation of a governance record",
		Long: `attestation signs, as its named officer, one record of a governance file of
the bundle: an in-toto statement that binds the record's file and its
content (without its signature field) by digest, with the officer's name,
role and date from the record's attestation block, in a DSSE envelope.
Fill in the attestation block (name, role, date, signature: PATH) first;
the envelope is written at that PATH in the bundle unless --out says
otherwise. Any later change to the record voids the signature; re-sign it.`,
		Example: `  insurable sign attestation --bundle ./evidence --record governance/board-reviews.yaml#/reviews/0 \
      --key dana.key --cert dana.pem
  insurable sign attestation --bundle ./evidence --record governance/officers.yaml# --key dana.key --cert dana.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			file, pointer, ok := strings.Cut(record, "#")
			if !ok || file == "" {
				return usagef("--record %q: want FILE#POINTER, such as governance/board-reviews.yaml#/reviews/0 (\"FILE#\" for the whole file)", record)
			}
			data, err := readFile(joinBundle(bundle, file), 64<<20)
			if err != nil {
				return err
			}
			claim, err := attest.ClaimFor(file, data, pointer, text)
			if err != nil {
				return insurable.Errorf(opCrypto, insurable.Invalid, "%v", err)
			}
			if out == "" {
				out = signaturePath(data, claim.Pointer)
				if out == "" {
					return usagef("%s#%s names no signature path in its attestation block: add signature: PATH there, or give --out", file, claim.Pointer)
				}
				out = joinBundle(bundle, out)
			}
			signer, _, err := a.loadSigner(&sf, canSignDocuments, "document signing (documentSigning or emailProtection extended key usage)")
			if err != nil {
				return err
			}
			if !strings.EqualFold(strings.Join(strings.Fields(signer.Cert.Subject.CommonName), " "), strings.Join(strings.Fields(claim.Name), " ")) {
				return insurable.Errorf(opCrypto, insurable.Invalid, "%s#%s is attested by %q, but the certificate is %q's: the named person signs it", file, claim.Pointer, claim.Name, signer.Cert.Subject.CommonName)
			}
			env, err := attest.SignClaim(claim, signer.Key)
			if err != nil {
				return insurable.Wrap(opCrypto, insurable.Invalid, err)
			}
			envData, err := env.Marshal()
			if err != nil {
				return err
			}
			if err := writeFile(out, envData); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s: %s#%s attested by %s (%s) on %s\n", out, file, claim.Pointer, claim.Name, claim.Role, claim.Date)
			return nil
		},
	}
	sf.register(cmd, "officer")
	cmd.Flags().StringVar(&bundle, "bundle", ".", "the evidence bundle directory")
	cmd.Flags().StringVar(&record, "record", "", "the record to attest: FILE#POINTER, FILE relative to the bundle (required)")
	cmd.Flags().StringVar(&out, "out", "", "envelope to write (default: the record's signature path in the bundle)")
	cmd.Flags().StringVar(&text, "statement", "", "optional text of the statement")
	return cmd
}

// signaturePath returns the signature path a record's attestation block
// names, or "".
func signaturePath(data []byte, pointer string) string {
	var doc any
	if yaml.Unmarshal(data, &doc) != nil {
		return ""
	}
	node := doc
	if pointer != "" {
		for _, seg := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
			seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
			switch n := node.(type) {
			case map[string]any:
				node = n[seg]
			case []any:
				i := -1
				fmt.Sscan(seg, &i)
				if i < 0 || i >= len(n) {
					return ""
				}
				node = n[i]
			default:
				return ""
			}
		}
	}
	rec, _ := node.(map[string]any)
	att, _ := rec["attestation"].(map[string]any)
	s, _ := att["signature"].(string)
	return s
}
