package pki

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/insurable/insurable"
)

// Limits on the inputs the parsers accept, so that hostile files give a
// clear error instead of exhausting memory or time.
const (
	// MaxCertificateFileBytes is the largest certificate file read.
	MaxCertificateFileBytes = 4 << 20
	// MaxCertificatesPerFile is the most certificates one file may hold.
	MaxCertificatesPerFile = 1000
	// MaxCRLFileBytes is the largest CRL file read: about 1.5 million
	// revoked serials.
	MaxCRLFileBytes = 64 << 20
	// MaxCRLsPerFile is the most CRLs one PEM file may hold.
	MaxCRLsPerFile = 100
	// MaxChainLength is the most certificates a path from a certificate to
	// its root may hold, both ends included.
	MaxChainLength = 10
)

const opParse insurable.Op = "pki.Parse"

// ParseCertificates reads the certificates of a file in PEM (any number of
// CERTIFICATE blocks, with text such as openssl's dump around them) or DER
// (one or more concatenated certificates). name is used in errors only.
func ParseCertificates(name string, data []byte) ([]*x509.Certificate, error) {
	if len(data) > MaxCertificateFileBytes {
		return nil, insurable.FileError(opParse, insurable.TooLarge, name, 0, "certificate file is %d bytes, more than the limit of %d", len(data), MaxCertificateFileBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "empty file: no certificate")
	}
	if !isPEM(data) {
		certs, err := x509.ParseCertificates(data)
		if err != nil {
			if uk := unsupportedKey(name, data); uk != nil && isKeyError(err) {
				return nil, uk
			}
			return nil, &insurable.Error{Op: opParse, Kind: insurable.Invalid, Path: name, Msg: "neither PEM nor a DER certificate", Err: err}
		}
		if len(certs) > MaxCertificatesPerFile {
			return nil, insurable.FileError(opParse, insurable.TooLarge, name, 0, "holds %d certificates, more than the limit of %d", len(certs), MaxCertificatesPerFile)
		}
		return certs, nil
	}
	var certs []*x509.Certificate
	err := eachPEM(data, func(b *pem.Block, line int) error {
		switch b.Type {
		case "CERTIFICATE", "X509 CERTIFICATE":
		default:
			return nil
		}
		if len(certs) == MaxCertificatesPerFile {
			return insurable.FileError(opParse, insurable.TooLarge, name, line, "holds more than %d certificates", MaxCertificatesPerFile)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			if uk := unsupportedKey(name, b.Bytes); uk != nil && isKeyError(err) {
				return uk
			}
			return &insurable.Error{Op: opParse, Kind: insurable.Invalid, Path: name, Line: line, Msg: "malformed certificate", Err: err}
		}
		certs = append(certs, c)
		return nil
	})
	if err != nil {
		return nil, pemError(name, err)
	}
	if len(certs) == 0 {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "no PEM CERTIFICATE block")
	}
	return certs, nil
}

// ParseCRLs reads the certificate revocation lists of a file in PEM (one or
// more X509 CRL blocks) or DER (exactly one CRL). It checks structure only:
// a Verifier checks each CRL's signature and freshness.
func ParseCRLs(name string, data []byte) ([]*x509.RevocationList, error) {
	if len(data) > MaxCRLFileBytes {
		return nil, insurable.FileError(opParse, insurable.TooLarge, name, 0, "CRL file is %d bytes, more than the limit of %d", len(data), MaxCRLFileBytes)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "empty file: no CRL")
	}
	if !isPEM(data) {
		crl, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, &insurable.Error{Op: opParse, Kind: insurable.Invalid, Path: name, Msg: "neither PEM nor a DER CRL", Err: err}
		}
		return []*x509.RevocationList{crl}, nil
	}
	var crls []*x509.RevocationList
	err := eachPEM(data, func(b *pem.Block, line int) error {
		if b.Type != "X509 CRL" {
			return nil
		}
		if len(crls) == MaxCRLsPerFile {
			return insurable.FileError(opParse, insurable.TooLarge, name, line, "holds more than %d CRLs", MaxCRLsPerFile)
		}
		crl, err := x509.ParseRevocationList(b.Bytes)
		if err != nil {
			return &insurable.Error{Op: opParse, Kind: insurable.Invalid, Path: name, Line: line, Msg: "malformed CRL", Err: err}
		}
		crls = append(crls, crl)
		return nil
	})
	if err != nil {
		return nil, pemError(name, err)
	}
	if len(crls) == 0 {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "no PEM X509 CRL block")
	}
	return crls, nil
}

// isKeyError reports whether crypto/x509 refused a certificate for its
// public key's algorithm or curve.
func isKeyError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unsupported elliptic curve") || strings.Contains(msg, "unknown public key algorithm") || strings.Contains(msg, "unsupported public key")
}

// isPEM reports whether data holds a PEM header anywhere; openssl's text
// output puts a dump before the block.
func isPEM(data []byte) bool { return bytes.Contains(data, []byte("-----BEGIN ")) }

// eachPEM calls fn for every PEM block of data with the 1-based line the
// block starts on. A "-----BEGIN" that does not open a well-formed block is
// an error: silently skipping it would hide a broken certificate.
func eachPEM(data []byte, fn func(b *pem.Block, line int) error) error {
	rest := data
	for {
		i := bytes.Index(rest, []byte("-----BEGIN "))
		if i < 0 {
			return nil
		}
		line := 1 + bytes.Count(data[:len(data)-len(rest)+i], []byte("\n"))
		b, next := pem.Decode(rest[i:])
		if b == nil {
			return &pemErr{line: line}
		}
		if err := fn(b, line); err != nil {
			return err
		}
		rest = next
	}
}

type pemErr struct{ line int }

func (e *pemErr) Error() string { return fmt.Sprintf("line %d: malformed PEM block", e.line) }

func pemError(name string, err error) error {
	if _, ok := err.(*UnsupportedKeyError); ok {
		return err
	}
	if pe, ok := err.(*pemErr); ok {
		return insurable.FileError(opParse, insurable.Invalid, name, pe.line, "malformed PEM block (bad base64, or no matching END line)")
	}
	return err
}
