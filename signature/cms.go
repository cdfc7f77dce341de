package signature

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"

	"github.com/smallstep/pkcs7"

	"github.com/insurable/insurable/pki"
)

// Limits on what is read into memory.
const (
	// MaxArtifactBytes is the largest artifact verified.
	MaxArtifactBytes = 1 << 30
	// MaxSignatureBytes is the largest detached signature or bundle read;
	// a CMS signature that carries the artifact may also hold
	// MaxArtifactBytes more.
	MaxSignatureBytes = 16 << 20
)

// parseCMS reads a PKCS#7 / CMS SignedData in DER, in PEM (PKCS7, CMS or
// "PKCS #7 SIGNED DATA" blocks) or as an S/MIME message, as openssl writes
// them.
func parseCMS(data []byte) (*pkcs7.PKCS7, error) {
	if len(data) > MaxSignatureBytes+MaxArtifactBytes {
		return nil, fmt.Errorf("%d bytes, more than the limit of %d", len(data), MaxSignatureBytes+MaxArtifactBytes)
	}
	der := data
	switch {
	case bytes.Contains(data, []byte("-----BEGIN ")):
		b, _ := pem.Decode(data[bytes.Index(data, []byte("-----BEGIN ")):])
		if b == nil {
			return nil, errors.New("malformed PEM block")
		}
		switch b.Type {
		case "PKCS7", "CMS", "PKCS #7 SIGNED DATA":
		default:
			return nil, fmt.Errorf("PEM block %q is not a PKCS#7 or CMS signature", b.Type)
		}
		der = b.Bytes
	case isMIME(data):
		var err error
		if der, err = smimeSignature(data); err != nil {
			return nil, err
		}
	}
	p7, err := parsePKCS7(der)
	if err != nil {
		return nil, err
	}
	if len(p7.Signers) == 0 {
		return nil, errors.New("it holds no signature (no signer)")
	}
	return p7, nil
}

// parsePKCS7 guards the PKCS#7 parser: whatever the library does with
// hostile input, a panic becomes an error.
func parsePKCS7(der []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, fmt.Errorf("unreadable PKCS#7 structure (%v)", r)
		}
	}()
	return pkcs7.Parse(der)
}

func isMIME(data []byte) bool {
	head := data[:min(len(data), 4096)]
	return bytes.Contains(bytes.ToLower(head), []byte("content-type:"))
}

// smimeSignature extracts the DER SignedData from an S/MIME message: the
// application/pkcs7-signature part of a multipart/signed message, or the
// body of an application/pkcs7-mime message.
func smimeSignature(data []byte) ([]byte, error) {
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("malformed S/MIME message: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, fmt.Errorf("malformed S/MIME content type: %v", err)
	}
	switch {
	case mt == "multipart/signed":
		// The first part is the signed content itself, which openssl writes
		// without MIME headers when signing with -binary, so a strict
		// multipart reader rejects it: split on the boundary instead and
		// read the headers of each later part.
		boundary := params["boundary"]
		if boundary == "" {
			return nil, errors.New("S/MIME multipart message without a boundary")
		}
		body, err := io.ReadAll(io.LimitReader(msg.Body, MaxSignatureBytes+MaxArtifactBytes))
		if err != nil {
			return nil, err
		}
		parts := bytes.Split(body, []byte("\n--"+boundary))
		for _, p := range parts[1:] {
			if bytes.HasPrefix(p, []byte("--")) {
				break // the closing delimiter
			}
			part, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(bytes.TrimLeft(p, "\r\n"))))
			if err != nil {
				continue
			}
			pt, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if pt == "application/pkcs7-signature" || pt == "application/x-pkcs7-signature" {
				return decodeBase64Body(part.Body)
			}
		}
		return nil, errors.New("S/MIME message without a pkcs7-signature part")
	case mt == "application/pkcs7-mime" || mt == "application/x-pkcs7-mime":
		return decodeBase64Body(msg.Body)
	}
	return nil, fmt.Errorf("S/MIME content type %q is not a signature", mt)
}

func decodeBase64Body(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxSignatureBytes+MaxArtifactBytes))
	if err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(body), nil)))
	if err != nil {
		return nil, fmt.Errorf("S/MIME signature part is not base64: %v", err)
	}
	return der, nil
}

func verifyCMS(artifact []byte, sig Signature, v *pki.Verifier) Result {
	p7, err := parseCMS(sig.Data)
	if err != nil {
		return Result{Status: Malformed, Reason: fmt.Sprintf("CMS signature %s: %v", sig.File, err)}
	}
	if len(p7.Signers) != 1 {
		return Result{Status: Malformed, Reason: fmt.Sprintf("CMS signature %s has %d signers; an artifact signature has exactly one", sig.File, len(p7.Signers))}
	}
	signer := p7.GetOnlySigner()
	if len(sig.Certs) > 0 {
		if signer == nil {
			// Signed with -nocerts: the signer must be the certificate given.
			p7.Certificates = append(p7.Certificates, sig.Certs...)
			signer = p7.GetOnlySigner()
		}
		if signer == nil || !bytes.Equal(signer.Raw, sig.Certs[0].Raw) {
			by := "a certificate that is not in it"
			if signer != nil {
				by = fmt.Sprintf("%q (serial %s)", signerName(signer), signer.SerialNumber)
			}
			return Result{Status: InvalidSignature, Signer: signer, Reason: fmt.Sprintf("CMS signature %s was made by %s, not by the certificate given (%q)", sig.File, by, signerName(sig.Certs[0]))}
		}
	}
	if signer == nil {
		return Result{Status: Malformed, Reason: fmt.Sprintf("CMS signature %s does not carry its signer's certificate (signed with -nocerts?); give the certificate", sig.File)}
	}
	extra := append(append([]*x509.Certificate(nil), p7.Certificates...), sig.Certs...)
	bad, chain := trust(signer, extra, v)
	if bad != nil {
		return *bad
	}
	r := Result{Signer: signer, Chain: chain}

	attached := len(p7.Content) > 0
	if attached && !bytes.Equal(p7.Content, artifact) {
		if bytes.IndexByte(artifact, 0) >= 0 || !bytes.Equal(p7.Content, opensslTextCanon(artifact)) {
			r.Status = InvalidSignature
			r.Reason = fmt.Sprintf("the artifact differs from the content signed inside %s (%d bytes against %d)", sig.File, len(artifact), len(p7.Content))
			return r
		}
	}
	if !attached {
		p7.Content = artifact
	}
	err = p7.Verify()
	var mismatch *pkcs7.MessageDigestMismatchError
	if err != nil && errors.As(err, &mismatch) && !attached {
		// openssl cms -sign without -binary signs a copy converted to
		// CRLF line endings, and openssl cms -verify converts again.
		canon := opensslTextCanon(artifact)
		p7.Content = canon
		if p7.Verify() == nil {
			if bytes.IndexByte(artifact, 0) >= 0 {
				r.Status = InvalidSignature
				r.Reason = fmt.Sprintf("%s was made in text mode (openssl cms -sign without -binary): it covers a line-converted copy that openssl cuts short at NUL bytes, not this binary artifact; sign with -binary", sig.File)
				return r
			}
			r.Status = Valid
			r.Reason = fmt.Sprintf("%s was made in text mode (without -binary): it covers the artifact with CRLF line endings", sig.File)
			return r
		}
	}
	switch {
	case err == nil:
		r.Status = Valid
	case errors.As(err, &mismatch):
		r.Status = InvalidSignature
		r.Reason = fmt.Sprintf("the artifact's digest differs from the one signed in %s: the artifact was changed after signing", sig.File)
	default:
		var st *pkcs7.SigningTimeNotValidError
		if errors.As(err, &st) {
			r.Status = Expired
			r.Reason = fmt.Sprintf("%s claims a signing time of %s, outside the validity of %q", sig.File, st.SigningTime.UTC().Format("2006-01-02"), signerName(signer))
			return r
		}
		if strings.Contains(err.Error(), "unsupported algorithm") {
			// The PKCS#7 library does not implement this signature
			// algorithm (RSASSA-PSS in CMS, for one): the signature cannot
			// be checked, which is not the same as a bad signature.
			r.Status = Malformed
			r.Reason = fmt.Sprintf("the signature algorithm of %s cannot be verified here (%s); sign with RSA PKCS#1 v1.5 (openssl's default) or ECDSA, or use a detached signature or a Sigstore bundle", sig.File, strings.TrimPrefix(err.Error(), "pkcs7: "))
			return r
		}
		r.Status = InvalidSignature
		r.Reason = fmt.Sprintf("the signature in %s does not verify with the key of %q: %s", sig.File, signerName(signer), strings.TrimPrefix(err.Error(), "pkcs7: "))
	}
	return r
}

// opensslTextCanon reproduces what openssl cms/smime -sign does to content
// without -binary (SMIME_crlf_copy): it reads lines of at most 1023 bytes
// with BIO_gets, which keeps each only up to its first NUL byte and stops
// at a line that starts with one, strips trailing CR and LF characters, and
// ends every line that had a LF with CRLF.
func opensslTextCanon(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/32)
	for len(b) > 0 {
		n := min(len(b), 1023)
		if i := bytes.IndexByte(b[:n], '\n'); i >= 0 {
			n = i + 1
		}
		line := b[:n]
		b = b[n:]
		if i := bytes.IndexByte(line, 0); i >= 0 {
			line = line[:i]
		}
		if len(line) == 0 {
			break
		}
		eol := false
		l := len(line)
		for ; l > 0; l-- {
			c := line[l-1]
			if c == '\n' {
				eol = true
			} else if c != '\r' {
				break
			}
		}
		out = append(out, line[:l]...)
		if eol {
			out = append(out, '\r', '\n')
		}
	}
	return out
}

// SignCMS makes a detached CMS SignedData over artifact in DER, as
// `openssl cms -sign -binary -outform DER` does: SHA-256, signed
// attributes, the signer's certificate and chain included.
func SignCMS(artifact []byte, cert *x509.Certificate, chain []*x509.Certificate, key crypto.Signer) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(artifact)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSignerChain(cert, key, chain, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("signature.SignCMS: %w", err)
	}
	sd.Detach()
	return sd.Finish()
}

func pemEncode(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
