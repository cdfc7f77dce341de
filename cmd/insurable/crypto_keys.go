package main

import (
	"crypto"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/cryptoevidence"
	"github.com/insurable/insurable/keys"
	"github.com/insurable/insurable/pki"
)

// The files of a key directory made by keys init.
const (
	keyRootCert = "root.pem"
	keyRootKey  = "root.key"
	keyRootCRL  = "root.crl.pem"
	keyCACert   = "issuing-ca.pem"
	keyCAKey    = "issuing-ca.key"
	keyCACRL    = "issuing-ca.crl.pem"
)

func (a *App) keysCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Make the organisation's PKI: root, issuing CA, certificates, CRLs",
		Long: `keys makes the public-key infrastructure the Protocol's root of trust (A8)
asks for, without PKI expertise: "keys init" makes the organisation's root CA
and an issuing CA with passphrase-encrypted keys, "keys issue" certifies
devices, code signers and officers with the right key usages, and "keys
revoke" maintains the CRLs. Private keys stay in the key directory, never in
the evidence bundle; --bundle files the public material where the bundle
expects it.`,
	}
	cmd.AddCommand(a.keysInitCommand(), a.keysIssueCommand(), a.keysRevokeCommand())
	return cmd
}

func (a *App) keysInitCommand() *cobra.Command {
	var (
		dir, org, alg, bundle string
		rootYears, caYears    int
		permitted             []string
		pass                  passFlags
	)
	cmd := &cobra.Command{
		Use:   "init --dir DIR --org NAME",
		Short: "Make the organisation's root CA and issuing CA",
		Long: `init makes, in the key directory DIR (which must not hold them already):

  root.pem, root.key              the root CA (key encrypted with the passphrase)
  issuing-ca.pem, issuing-ca.key  the issuing CA, which certifies devices, signers
                                  and officers (path length 0)
  root.crl.pem, issuing-ca.crl.pem  their first, empty CRLs (current for 30 days)

Keys are PKCS#8, encrypted with PBES2 (PBKDF2-SHA256, AES-256-CBC); openssl
reads them. Move root.key offline once the issuing CA exists, and record how
it is kept in governance/key-custody.yaml. --bundle copies the certificates
and CRLs into the bundle's pki/ folder.`,
		Example: `  INSURABLE_CA_PASS=… insurable keys init --dir ~/acme-pki --org "Acme Utilities" --passphrase-env INSURABLE_CA_PASS --bundle ./evidence`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" || org == "" {
				return usagef("--dir and --org are required")
			}
			now := a.Now()
			pw, err := a.passphrase(&pass, true)
			if err != nil {
				return err
			}
			root, err := keys.NewRoot(keys.CAOptions{Organization: org, Algorithm: keys.Algorithm(alg), Now: now, Validity: years(rootYears)})
			if err != nil {
				return err
			}
			ca, err := root.NewIntermediate(keys.CAOptions{Organization: org, Algorithm: keys.Algorithm(alg), Now: now, Validity: years(caYears), PermittedDNSDomains: permitted})
			if err != nil {
				return err
			}
			rootCRL, err := root.CRL(keys.CRLOptions{ThisUpdate: now.Add(-time.Minute), NextUpdate: now.AddDate(0, 0, 30), Number: big.NewInt(1)})
			if err != nil {
				return err
			}
			caCRL, err := ca.CRL(keys.CRLOptions{ThisUpdate: now.Add(-time.Minute), NextUpdate: now.AddDate(0, 0, 30), Number: big.NewInt(1)})
			if err != nil {
				return err
			}
			rootKey, err := keys.MarshalPrivateKey(root.Key, pw)
			if err != nil {
				return err
			}
			caKey, err := keys.MarshalPrivateKey(ca.Key, pw)
			if err != nil {
				return err
			}
			files := []struct {
				name string
				data []byte
				perm os.FileMode
			}{
				{keyRootKey, rootKey, 0o600}, {keyCAKey, caKey, 0o600},
				{keyRootCert, keys.MarshalCertificates(root.Cert), 0o644}, {keyCACert, keys.MarshalCertificates(ca.Cert), 0o644},
				{keyRootCRL, keys.MarshalCRL(rootCRL), 0o644}, {keyCACRL, keys.MarshalCRL(caCRL), 0o644},
			}
			for _, f := range files {
				if err := writeNew(filepath.Join(dir, f.name), f.data, f.perm); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "wrote %s\n", filepath.Join(dir, f.name))
			}
			if bundle != "" {
				for _, c := range []struct {
					data []byte
					rel  string
				}{
					{keys.MarshalCertificates(root.Cert), cryptoevidence.PathRoot},
					{keys.MarshalCertificates(ca.Cert), cryptoevidence.DirIntermediates + "/" + keyCACert},
					{keys.MarshalCRL(rootCRL), cryptoevidence.DirCRL + "/" + keyRootCRL},
					{keys.MarshalCRL(caCRL), cryptoevidence.DirCRL + "/" + keyCACRL},
				} {
					p := joinBundle(bundle, c.rel)
					if err := writeNew(p, c.data, 0o644); err != nil {
						return err
					}
					fmt.Fprintf(a.Stdout, "wrote %s\n", p)
				}
			}
			fmt.Fprintf(a.Stdout, "root %q and issuing CA %q made (%s); move %s offline\n", root.Cert.Subject.CommonName, ca.Cert.Subject.CommonName, pki.KeyDescription(root.Key.Public()), filepath.Join(dir, keyRootKey))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "key directory to create the CA files in (required)")
	cmd.Flags().StringVar(&org, "org", "", "the organisation's name, in the CAs' subjects (required)")
	cmd.Flags().StringVar(&alg, "algorithm", string(keys.ECDSAP256), "key algorithm: "+algorithmNames())
	cmd.Flags().IntVar(&rootYears, "root-years", 20, "validity of the root CA, in years")
	cmd.Flags().IntVar(&caYears, "ca-years", 10, "validity of the issuing CA, in years")
	cmd.Flags().StringArrayVar(&permitted, "permitted-dns", nil, "constrain the issuing CA to DNS names under this domain (name constraints); repeat for more")
	cmd.Flags().StringVar(&bundle, "bundle", "", "evidence bundle whose pki/ folder receives the certificates and CRLs")
	pass.register(cmd, "", "the CA keys")
	return cmd
}

func years(n int) time.Duration { return time.Duration(n) * 365 * 24 * time.Hour }

func algorithmNames() string {
	names := make([]string, len(keys.Algorithms))
	for i, a := range keys.Algorithms {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// loadCA reads the issuing CA (or, with root, the root CA) of a key
// directory.
func (a *App) loadCA(dir string, root bool, pass *passFlags) (*keys.CA, string, error) {
	certName, keyName, crlName := keyCACert, keyCAKey, keyCACRL
	if root {
		certName, keyName, crlName = keyRootCert, keyRootKey, keyRootCRL
	}
	certs, err := readCertFile(filepath.Join(dir, certName))
	if err != nil {
		return nil, "", err
	}
	key, err := a.loadKey(filepath.Join(dir, keyName), pass)
	if err != nil {
		return nil, "", err
	}
	if !samePublicKey(certs[0].PublicKey, key.Public()) {
		return nil, "", insurable.FileError(opCrypto, insurable.Invalid, filepath.Join(dir, keyName), 0, "this key does not belong to %s", filepath.Join(dir, certName))
	}
	return &keys.CA{Cert: certs[0], Key: key}, filepath.Join(dir, crlName), nil
}

func samePublicKey(a, b crypto.PublicKey) bool {
	x, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && x.Equal(b)
}

func (a *App) keysIssueCommand() *cobra.Command {
	var (
		caDir, name, serial, csrFile, alg, outDir, bundle, asset string
		dns, emails, uris                                        []string
		days                                                     int
		noKeyPass                                                bool
		pass, keyPass                                            passFlags
	)
	cmd := &cobra.Command{
		Use:   "issue device|signer|officer --ca-dir DIR --name NAME",
		Short: "Certify a device, a code signer or an officer",
		Long: `issue makes a certificate signed by the issuing CA of the key directory
--ca-dir, for one of three profiles:

  device   digitalSignature; clientAuth and serverAuth. --name is usually the
           asset id; --dns adds the device's host names.
  signer   digitalSignature; codeSigning: firmware, updates, platform manifests.
  officer  digitalSignature, nonRepudiation; documentSigning and
           emailProtection: governance attestations. --name is the officer's
           name exactly as the records' attestation blocks give it.

A new key is made unless --csr gives a request made on the device (the better
practice: the key never leaves it). The new key is encrypted with
--key-passphrase-env/--key-passphrase-file (or asked for); --no-key-passphrase
writes it in clear, for a device that must load it unattended. --bundle files
the certificate in the bundle: pki/devices/<asset>.pem, pki/signers/ or
pki/officers/.`,
		Example: `  insurable keys issue device --ca-dir ~/acme-pki --name plc-0001 --dns plc-0001.plant.example --no-key-passphrase --bundle ./evidence
  insurable keys issue device --ca-dir ~/acme-pki --name rtu-0042 --csr rtu-0042.csr --bundle ./evidence
  insurable keys issue officer --ca-dir ~/acme-pki --name "Dana Whitfield" --email dana@acme.example --bundle ./evidence`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			profile := keys.Profile(args[0])
			switch profile {
			case keys.Device, keys.Signer, keys.Officer:
			default:
				return usagef("profile %q: want device, signer or officer", args[0])
			}
			if caDir == "" || name == "" {
				return usagef("--ca-dir and --name are required")
			}
			if days <= 0 {
				return usagef("--days %d: want a positive number of days", days)
			}
			opts := keys.IssueOptions{Profile: profile, CommonName: name, SubjectSerial: serial, DNSNames: dns, Emails: emails, Algorithm: keys.Algorithm(alg), Now: a.Now(), Validity: time.Duration(days) * 24 * time.Hour}
			for _, u := range uris {
				parsed, err := url.Parse(u)
				if err != nil || parsed.Scheme == "" {
					return usagef("--uri %q is not an absolute URI", u)
				}
				opts.URIs = append(opts.URIs, parsed)
			}
			var keyPW []byte
			if csrFile != "" {
				if noKeyPass || keyPass.given() {
					return usagef("--csr brings its own key: --no-key-passphrase and --key-passphrase-… do not apply")
				}
				data, err := readFile(csrFile, 1<<20)
				if err != nil {
					return err
				}
				csr, err := keys.ParseCSR(csrFile, data)
				if err != nil {
					return err
				}
				opts.PublicKey = csr.PublicKey
			} else if !noKeyPass {
				var err error
				if keyPW, err = a.passphrase(&keyPass, true); err != nil {
					return err
				}
			}
			ca, _, err := a.loadCA(caDir, false, &pass)
			if err != nil {
				return err
			}
			iss, err := ca.Issue(opts)
			if err != nil {
				return err
			}
			stem := slugName(name)
			certPath := filepath.Join(outDir, stem+".pem")
			if iss.Key != nil {
				keyData, err := keys.MarshalPrivateKey(iss.Key, keyPW)
				if err != nil {
					return err
				}
				keyPath := filepath.Join(outDir, stem+".key")
				if err := writeNew(keyPath, keyData, 0o600); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "wrote %s\n", keyPath)
			}
			if err := writeNew(certPath, keys.MarshalCertificates(iss.Cert), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s\n", certPath)
			if bundle != "" {
				rel := map[keys.Profile]string{
					keys.Device:  cryptoevidence.DirDevices + "/" + slugName(firstNonEmptyStr(asset, name)) + ".pem",
					keys.Signer:  cryptoevidence.DirSigners + "/" + stem + ".pem",
					keys.Officer: cryptoevidence.DirOfficers + "/" + stem + ".pem",
				}[profile]
				p := joinBundle(bundle, rel)
				if err := writeNew(p, keys.MarshalCertificates(iss.Cert), 0o644); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "wrote %s\n", p)
			}
			fmt.Fprintf(a.Stdout, "%s certificate for %q, serial %s, valid until %s\n", profile, name, iss.Cert.SerialNumber.Text(16), iss.Cert.NotAfter.UTC().Format("2006-01-02"))
			return nil
		},
	}
	cmd.Flags().StringVar(&caDir, "ca-dir", "", "key directory made by keys init (required)")
	cmd.Flags().StringVar(&name, "name", "", "the subject's common name: asset id, signer or officer name (required)")
	cmd.Flags().StringVar(&serial, "serial", "", "subject serialNumber attribute (a device's hardware serial)")
	cmd.Flags().StringArrayVar(&dns, "dns", nil, "DNS name (subject alternative name); repeat for more")
	cmd.Flags().StringArrayVar(&emails, "email", nil, "e-mail address (subject alternative name); repeat for more")
	cmd.Flags().StringArrayVar(&uris, "uri", nil, "URI (subject alternative name); repeat for more")
	cmd.Flags().StringVar(&csrFile, "csr", "", "certify the key of this PKCS#10 request instead of making one")
	cmd.Flags().StringVar(&alg, "algorithm", string(keys.ECDSAP256), "algorithm of a new key: "+algorithmNames())
	cmd.Flags().IntVar(&days, "days", 730, "validity in days")
	cmd.Flags().StringVar(&outDir, "out", ".", "directory for the certificate and key")
	cmd.Flags().StringVar(&bundle, "bundle", "", "evidence bundle to file the certificate in")
	cmd.Flags().StringVar(&asset, "asset", "", "for a device filed with --bundle: the asset id, if not --name")
	cmd.Flags().BoolVar(&noKeyPass, "no-key-passphrase", false, "write the new key unencrypted (devices that load it unattended)")
	pass.register(cmd, "", "the issuing CA's key")
	keyPass.register(cmd, "key-", "the new key")
	return cmd
}

func (a *App) keysRevokeCommand() *cobra.Command {
	var (
		caDir, reason, bundle string
		serials               []string
		days                  int
		useRoot               bool
		pass                  passFlags
	)
	cmd := &cobra.Command{
		Use:   "revoke --ca-dir DIR [CERT]... [--serial HEX]...",
		Short: "Revoke certificates and issue a fresh CRL",
		Long: `revoke adds the given certificates (files, or serial numbers in hex) to the
CRL of the issuing CA of --ca-dir — or of the root, with --root, to revoke an
issuing CA — and signs a new CRL, current for --days. With nothing to revoke
it just re-issues the CRL, which must be done before its next update is due:
a stale CRL makes every certificate of its CA untrusted.`,
		Example: `  insurable keys revoke --ca-dir ~/acme-pki pki/devices/plc-0007.pem --reason keyCompromise --bundle ./evidence
  insurable keys revoke --ca-dir ~/acme-pki --bundle ./evidence   # refresh the CRL`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if caDir == "" {
				return usagef("--ca-dir is required")
			}
			code, ok := keys.Reasons[reason]
			if !ok {
				return usagef("--reason %q: want one of unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn", reason)
			}
			if days <= 0 {
				return usagef("--days %d: want a positive number of days", days)
			}
			var add []*big.Int
			for _, s := range serials {
				n, ok := new(big.Int).SetString(strings.TrimPrefix(strings.ReplaceAll(s, ":", ""), "0x"), 16)
				if !ok || n.Sign() <= 0 {
					return usagef("--serial %q is not a positive hexadecimal number", s)
				}
				add = append(add, n)
			}
			ca, crlPath, err := a.loadCA(caDir, useRoot, &pass)
			if err != nil {
				return err
			}
			for _, f := range args {
				certs, err := readCertFile(f)
				if err != nil {
					return err
				}
				if certs[0].CheckSignatureFrom(ca.Cert) != nil {
					return insurable.FileError(opCrypto, insurable.Invalid, f, 0, "was not issued by %s", ca.Cert.Subject.CommonName)
				}
				add = append(add, certs[0].SerialNumber)
			}
			var revoked []keys.Revocation
			number := big.NewInt(0)
			if data, err := readFile(crlPath, pki.MaxCRLFileBytes); err == nil {
				lists, err := pki.ParseCRLs(crlPath, data)
				if err != nil {
					return err
				}
				if revoked, number, err = ca.Revocations(crlPath, lists[0]); err != nil {
					return err
				}
			} else if insurable.ErrorKind(err) != insurable.NotExist {
				return err
			}
			now := a.Now()
			seen := map[string]bool{}
			for _, r := range revoked {
				seen[r.Serial.String()] = true
			}
			for _, n := range add {
				if seen[n.String()] {
					fmt.Fprintf(a.Stdout, "serial %s was already revoked\n", n.Text(16))
					continue
				}
				seen[n.String()] = true
				revoked = append(revoked, keys.Revocation{Serial: n, Time: now, Reason: code})
				fmt.Fprintf(a.Stdout, "revoked serial %s (%s)\n", n.Text(16), reason)
			}
			if number == nil {
				number = big.NewInt(0)
			}
			der, err := ca.CRL(keys.CRLOptions{Revoked: revoked, ThisUpdate: now.Add(-time.Minute), NextUpdate: now.AddDate(0, 0, days), Number: new(big.Int).Add(number, big.NewInt(1))})
			if err != nil {
				return err
			}
			if err := writeFile(crlPath, keys.MarshalCRL(der)); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "wrote %s: %d revoked, next update %s\n", crlPath, len(revoked), now.AddDate(0, 0, days).UTC().Format("2006-01-02"))
			if bundle != "" {
				p := joinBundle(bundle, cryptoevidence.DirCRL+"/"+filepath.Base(crlPath))
				if err := writeFile(p, keys.MarshalCRL(der)); err != nil {
					return err
				}
				fmt.Fprintf(a.Stdout, "wrote %s\n", p)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&caDir, "ca-dir", "", "key directory made by keys init (required)")
	cmd.Flags().StringArrayVar(&serials, "serial", nil, "serial number (hex) of a certificate to revoke; repeat for more")
	cmd.Flags().StringVar(&reason, "reason", "unspecified", "CRL reason: keyCompromise, superseded, cessationOfOperation, …")
	cmd.Flags().IntVar(&days, "days", 30, "days until the CRL's next update")
	cmd.Flags().BoolVar(&useRoot, "root", false, "revoke with the root CA (an issuing CA) instead of the issuing CA")
	cmd.Flags().StringVar(&bundle, "bundle", "", "evidence bundle whose pki/crl/ receives the new CRL")
	pass.register(cmd, "", "the CA's key")
	return cmd
}

// slugName makes a file name from a subject name.
func slugName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-.")
	if out == "" {
		return "unnamed"
	}
	return out
}

func firstNonEmptyStr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
