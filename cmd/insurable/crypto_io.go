package main

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/keys"
	"github.com/insurable/insurable/pki"
)

const opCrypto insurable.Op = "insurable"

// readFile reads a file named on the command line, refusing more than max
// bytes, with errors that name it.
func readFile(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		kind := insurable.Invalid
		if errors.Is(err, fs.ErrNotExist) {
			kind = insurable.NotExist
		}
		return nil, &insurable.Error{Op: opCrypto, Kind: kind, Path: name, Msg: "cannot read", Err: errors.Unwrap(err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &insurable.Error{Op: opCrypto, Kind: insurable.Invalid, Path: name, Msg: "cannot read", Err: err}
	}
	if int64(len(data)) > max {
		return nil, insurable.FileError(opCrypto, insurable.TooLarge, name, 0, "more than the limit of %d bytes", max)
	}
	return data, nil
}

func readCertFile(name string) ([]*x509.Certificate, error) {
	data, err := readFile(name, pki.MaxCertificateFileBytes)
	if err != nil {
		return nil, err
	}
	return pki.ParseCertificates(name, data)
}

// trustFlags are the --root, --intermediate and --crl flags of the verify
// commands, and --as-of.
type trustFlags struct {
	root          string
	intermediates []string
	crls          []string
	asOf          string
}

func (f *trustFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.root, "root", "", "the organisation's root CA certificate (PEM or DER) (required)")
	cmd.Flags().StringArrayVar(&f.intermediates, "intermediate", nil, "an intermediate CA certificate file; repeat for more")
	cmd.Flags().StringArrayVar(&f.crls, "crl", nil, "a CRL file (PEM or DER); repeat for more. With CRLs, a certificate whose issuer has no current CRL is untrusted")
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "verify as of this time: YYYY-MM-DD (the end of that day, UTC) or RFC 3339 (default: now)")
}

// verifier builds the pki.Verifier the flags describe.
func (f *trustFlags) verifier(now time.Time) (*pki.Verifier, error) {
	if f.root == "" {
		return nil, usagef("--root is required: the organisation's root CA certificate")
	}
	at, err := parseAsOf(f.asOf, now)
	if err != nil {
		return nil, err
	}
	roots, err := readCertFile(f.root)
	if err != nil {
		return nil, err
	}
	cfg := pki.Config{Roots: roots, Time: at}
	for _, n := range f.intermediates {
		cs, err := readCertFile(n)
		if err != nil {
			return nil, err
		}
		cfg.Intermediates = append(cfg.Intermediates, cs...)
	}
	for _, n := range f.crls {
		data, err := readFile(n, pki.MaxCRLFileBytes)
		if err != nil {
			return nil, err
		}
		lists, err := pki.ParseCRLs(n, data)
		if err != nil {
			return nil, err
		}
		for _, l := range lists {
			cfg.CRLs = append(cfg.CRLs, pki.CRL{File: n, List: l})
		}
	}
	return pki.New(cfg)
}

// parseAsOf reads --as-of: a date means the end of that day in UTC.
func parseAsOf(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := evidence.ParseDate(s)
	if err != nil {
		return time.Time{}, usagef("--as-of %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return d.Time().Add(24*time.Hour - time.Second), nil
}

// passFlags name where a passphrase comes from: an environment variable or
// a file (its first line); otherwise it is asked for on the terminal.
type passFlags struct {
	env, file string
	what      string
}

func (p *passFlags) register(cmd *cobra.Command, prefix, what string) {
	p.what = what
	cmd.Flags().StringVar(&p.env, prefix+"passphrase-env", "", "name of the environment variable holding the passphrase of "+what)
	cmd.Flags().StringVar(&p.file, prefix+"passphrase-file", "", "file whose first line is the passphrase of "+what)
}

func (p *passFlags) given() bool { return p.env != "" || p.file != "" }

// get returns the passphrase; confirm asks twice on a terminal (for a new
// key).
func (a *App) passphrase(p *passFlags, confirm bool) ([]byte, error) {
	switch {
	case p.env != "" && p.file != "":
		return nil, usagef("give the passphrase of %s once: --…passphrase-env or --…passphrase-file", p.what)
	case p.env != "":
		v, ok := os.LookupEnv(p.env)
		if !ok || v == "" {
			return nil, usagef("environment variable %s, named for the passphrase of %s, is not set", p.env, p.what)
		}
		return []byte(v), nil
	case p.file != "":
		data, err := readFile(p.file, 64<<10)
		if err != nil {
			return nil, err
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return nil, insurable.FileError(opCrypto, insurable.Invalid, p.file, 1, "the passphrase file is empty")
		}
		return line, nil
	}
	f, ok := a.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, usagef("the passphrase of %s is needed: give --passphrase-env or --passphrase-file (no terminal to ask on)", p.what)
	}
	fmt.Fprintf(a.Stderr, "Passphrase of %s: ", p.what)
	pass, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(a.Stderr)
	if err != nil {
		return nil, err
	}
	if len(pass) == 0 {
		return nil, usagef("empty passphrase")
	}
	if confirm {
		fmt.Fprintf(a.Stderr, "Again: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(a.Stderr)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(pass, again) {
			return nil, usagef("the passphrases differ")
		}
	}
	return pass, nil
}

// loadKey reads a private key, asking for its passphrase only when it is
// encrypted.
func (a *App) loadKey(name string, p *passFlags) (crypto.Signer, error) {
	data, err := readFile(name, 1<<20)
	if err != nil {
		return nil, err
	}
	var pass []byte
	if keys.IsEncrypted(data) {
		if pass, err = a.passphrase(p, false); err != nil {
			return nil, err
		}
	}
	return keys.ParsePrivateKey(name, data, pass)
}

// writeNew writes a file that must not exist yet (keys and certificates are
// never overwritten by accident).
func writeNew(name string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return insurable.Wrap(opCrypto, insurable.Invalid, err)
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return insurable.FileError(opCrypto, insurable.Conflict, name, 0, "already exists; it is not overwritten")
		}
		return insurable.Wrap(opCrypto, insurable.Invalid, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return insurable.Wrap(opCrypto, insurable.Internal, err)
	}
	return f.Close()
}

// writeFile writes or replaces a file.
func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return insurable.Wrap(opCrypto, insurable.Invalid, err)
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return insurable.Wrap(opCrypto, insurable.Invalid, err)
	}
	return os.Rename(tmp, name)
}

func subjectName(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

// oneLine keeps a reason on one line for the text tables.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
