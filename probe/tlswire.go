package probe

import (
	"bufio"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// This file holds the TLS wire format the enumeration needs: a ClientHello
// builder that can offer any version from SSLv3 to TLS 1.3 and any cipher
// suite code, and a reader of the server's first flight (ServerHello,
// HelloRetryRequest, Certificate, ServerKeyExchange, CertificateRequest,
// ServerHelloDone, alerts). Go's crypto/tls offers neither legacy versions nor
// arbitrary suites, and no maintained Go library does both (zcrypto lacks TLS
// 1.3), so the probe writes its own; it never completes a handshake with it.

// Protocol version codes.
const (
	VersionSSL30 uint16 = 0x0300
	VersionTLS10 uint16 = 0x0301
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// VersionName returns the name scan results use for a protocol version.
func VersionName(v uint16) string {
	switch v {
	case VersionSSL30:
		return "SSLv3"
	case VersionTLS10:
		return "TLSv1.0"
	case VersionTLS11:
		return "TLSv1.1"
	case VersionTLS12:
		return "TLSv1.2"
	case VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

// Record and handshake message types.
const (
	recordChangeCipherSpec = 20
	recordAlert            = 21
	recordHandshake        = 22

	typeClientHello        = 1
	typeServerHello        = 2
	typeCertificate        = 11
	typeServerKeyExchange  = 12
	typeCertificateRequest = 13
	typeServerHelloDone    = 14
)

// Extension codes.
const (
	extServerName          = 0
	extSupportedGroups     = 10
	extECPointFormats      = 11
	extSignatureAlgorithms = 13
	extPadding             = 21
	extExtendedMaster      = 23
	extSessionTicket       = 35
	extSupportedVersions   = 43
	extPSKModes            = 45
	extKeyShare            = 51
	extRenegotiationInfo   = 0xff01
)

// scsvRenegotiation is TLS_EMPTY_RENEGOTIATION_INFO_SCSV, sent with every
// hello below TLS 1.3 so that servers that insist on secure renegotiation
// answer.
const scsvRenegotiation = 0x00ff

// helloRetryRandom is the ServerHello.random that marks a
// HelloRetryRequest (RFC 8446 §4.1.3).
var helloRetryRandom = sha256.Sum256([]byte("HelloRetryRequest"))

// sigAlgs are the signature algorithms offered: everything registered, so
// that any server certificate can be used.
var sigAlgs = []uint16{
	0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256 … secp521r1_sha512
	0x0807, 0x0808, // ed25519, ed448
	0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256 … sha512
	0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha256 … sha512
	0x081a, 0x081b, 0x081c, // ecdsa_brainpool*
	0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256 … sha512
	0x0303, 0x0301, 0x0302, // sha224 ecdsa, rsa, dsa
	0x0203, 0x0201, 0x0202, // sha1 ecdsa, rsa, dsa
	0x0402, 0x0502, 0x0602, // dsa sha256 … sha512
	0x0101, 0x0102, 0x0103, // md5 rsa, dsa, ecdsa
}

// helloSpec describes one ClientHello.
type helloSpec struct {
	// version is the highest version offered. For TLS 1.3 the legacy
	// version is TLS 1.2 and supported_versions lists only TLS 1.3.
	version uint16
	suites  []uint16
	groups  []uint16
	// keyShare, when set, is the group of the one key share sent with a
	// TLS 1.3 hello; zero sends an empty key_share list, which makes a
	// TLS 1.3 server answer with a HelloRetryRequest naming its group.
	keyShare uint16
	// versions, for a TLS 1.3 hello, are the supported_versions offered
	// (TLS 1.3 alone when empty).
	versions []uint16
	// serverName is sent as SNI when not empty.
	serverName string
}

// clientHello returns the record that carries the hello.
func clientHello(s helloSpec) ([]byte, error) {
	var random [32]byte
	if _, err := rand.Read(random[:]); err != nil {
		return nil, err
	}
	legacy := s.version
	if legacy > VersionTLS12 {
		legacy = VersionTLS12
	}
	b := make([]byte, 0, 1024)
	b = binary.BigEndian.AppendUint16(b, legacy)
	b = append(b, random[:]...)
	if s.version >= VersionTLS13 {
		// A 32-byte legacy session id, as middlebox-compatible clients send.
		var sid [32]byte
		if _, err := rand.Read(sid[:]); err != nil {
			return nil, err
		}
		b = append(b, 32)
		b = append(b, sid[:]...)
	} else {
		b = append(b, 0)
	}
	suites := s.suites
	if s.version < VersionTLS13 {
		suites = append(suites[:len(suites):len(suites)], scsvRenegotiation)
	}
	b = binary.BigEndian.AppendUint16(b, uint16(2*len(suites)))
	for _, c := range suites {
		b = binary.BigEndian.AppendUint16(b, c)
	}
	b = append(b, 1, 0) // compression: null only

	var ext []byte
	if s.serverName != "" && len(s.serverName) < 256 {
		n := len(s.serverName)
		ext = appendExt(ext, extServerName, func(e []byte) []byte {
			e = binary.BigEndian.AppendUint16(e, uint16(n+3))
			e = append(e, 0)
			e = binary.BigEndian.AppendUint16(e, uint16(n))
			return append(e, s.serverName...)
		})
	}
	if len(s.groups) > 0 {
		ext = appendExt(ext, extSupportedGroups, func(e []byte) []byte {
			e = binary.BigEndian.AppendUint16(e, uint16(2*len(s.groups)))
			for _, g := range s.groups {
				e = binary.BigEndian.AppendUint16(e, g)
			}
			return e
		})
	}
	ext = appendExt(ext, extECPointFormats, func(e []byte) []byte { return append(e, 3, 0, 1, 2) })
	if s.version >= VersionTLS12 {
		ext = appendExt(ext, extSignatureAlgorithms, func(e []byte) []byte {
			e = binary.BigEndian.AppendUint16(e, uint16(2*len(sigAlgs)))
			for _, a := range sigAlgs {
				e = binary.BigEndian.AppendUint16(e, a)
			}
			return e
		})
	}
	ext = appendExt(ext, extSessionTicket, func(e []byte) []byte { return e })
	ext = appendExt(ext, extExtendedMaster, func(e []byte) []byte { return e })
	if s.version >= VersionTLS13 {
		vs := s.versions
		if len(vs) == 0 {
			vs = []uint16{VersionTLS13}
		}
		ext = appendExt(ext, extSupportedVersions, func(e []byte) []byte {
			e = append(e, byte(2*len(vs)))
			for _, v := range vs {
				e = binary.BigEndian.AppendUint16(e, v)
			}
			return e
		})
		ext = appendExt(ext, extPSKModes, func(e []byte) []byte { return append(e, 1, 1) })
		share, err := keyShareEntry(s.keyShare)
		if err != nil {
			return nil, err
		}
		ext = appendExt(ext, extKeyShare, func(e []byte) []byte {
			e = binary.BigEndian.AppendUint16(e, uint16(len(share)))
			return append(e, share...)
		})
	}
	// Some servers fail on hellos between 256 and 511 bytes long
	// (RFC 7685 §1): pad those to 512.
	if n := len(b) + 2 + len(ext) + 4; n >= 256 && n < 512 {
		pad := 512 - n - 4
		if pad < 0 {
			pad = 0
		}
		ext = appendExt(ext, extPadding, func(e []byte) []byte { return append(e, make([]byte, pad)...) })
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(ext)))
	b = append(b, ext...)

	msg := make([]byte, 0, len(b)+9)
	recVersion := VersionTLS10
	if s.version == VersionSSL30 {
		recVersion = VersionSSL30
	}
	msg = append(msg, recordHandshake)
	msg = binary.BigEndian.AppendUint16(msg, recVersion)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(b)+4))
	msg = append(msg, typeClientHello, byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
	return append(msg, b...), nil
}

func appendExt(b []byte, typ uint16, body func([]byte) []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	start := len(b)
	b = append(b, 0, 0)
	b = body(b)
	binary.BigEndian.PutUint16(b[start:], uint16(len(b)-start-2))
	return b
}

// keyShareEntry returns one KeyShareEntry with a fresh public key for group,
// or nothing for group 0.
func keyShareEntry(group uint16) ([]byte, error) {
	var pub []byte
	switch group {
	case 0:
		return nil, nil
	case groupX25519:
		k, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		pub = k.PublicKey().Bytes()
	case groupP256:
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		pub = k.PublicKey().Bytes()
	default:
		return nil, fmt.Errorf("no key share for group 0x%04x", group)
	}
	e := binary.BigEndian.AppendUint16(nil, group)
	e = binary.BigEndian.AppendUint16(e, uint16(len(pub)))
	return append(e, pub...), nil
}

// Alert is a TLS alert the server sent.
type Alert struct {
	Level       uint8
	Description uint8
}

func (a *Alert) Error() string {
	return fmt.Sprintf("TLS alert %d (%s)", a.Description, alertName(a.Description))
}

func alertName(d uint8) string {
	switch d {
	case 0:
		return "close_notify"
	case 10:
		return "unexpected_message"
	case 20:
		return "bad_record_mac"
	case 40:
		return "handshake_failure"
	case 42:
		return "bad_certificate"
	case 47:
		return "illegal_parameter"
	case 50:
		return "decode_error"
	case 70:
		return "protocol_version"
	case 71:
		return "insufficient_security"
	case 80:
		return "internal_error"
	case 86:
		return "inappropriate_fallback"
	case 109:
		return "missing_extension"
	case 112:
		return "unrecognized_name"
	case 116:
		return "certificate_required"
	}
	return "unknown"
}

// serverHello is the part of a ServerHello or HelloRetryRequest the probe
// uses.
type serverHello struct {
	// version is the negotiated version: supported_versions when present,
	// else the legacy version field.
	version uint16
	suite   uint16
	retry   bool // a HelloRetryRequest
	// group is the key share group of a TLS 1.3 ServerHello, or the group
	// a HelloRetryRequest asks for.
	group uint16
}

// flight is what the server sent in answer to a hello.
type flight struct {
	hello *serverHello
	// certs are the DER certificates of a TLS ≤ 1.2 Certificate message.
	certs [][]byte
	// certRequest is true when a TLS ≤ 1.2 server asked for a client
	// certificate.
	certRequest bool
	// curve is the named group of an ECDHE ServerKeyExchange.
	curve uint16
	// done is true when ServerHelloDone arrived.
	done bool
}

// Errors of the flight reader.
var (
	// errNotTLS means the peer answered with something that is not a TLS
	// record.
	errNotTLS = errors.New("the answer is not TLS")
	// errMalformed means a TLS record or handshake message was malformed.
	errMalformed = errors.New("malformed TLS message")
)

// maxFlight bounds how much of a flight is read (certificate chains of
// real servers stay far below).
const maxFlight = 256 << 10

// readFlight reads records from r until it has the ServerHello (whole is
// false) or the whole first flight up to ServerHelloDone (whole is true). An
// alert ends it with an *Alert error. It never reads more than maxFlight
// bytes.
func readFlight(r *bufio.Reader, whole bool) (*flight, error) {
	f := &flight{}
	var hs []byte // handshake bytes not yet parsed
	total := 0
	first := true
	for {
		var hdr [5]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if first && errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errNotTLS
			}
			return f, err
		}
		typ, n := hdr[0], int(binary.BigEndian.Uint16(hdr[3:]))
		if hdr[1] != 3 || typ < recordChangeCipherSpec || typ > 23 || n > 1<<14+2048 {
			return nil, errNotTLS
		}
		first = false
		total += 5 + n
		if total > maxFlight {
			return f, fmt.Errorf("%w: flight longer than %d bytes", errMalformed, maxFlight)
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return f, err
		}
		switch typ {
		case recordAlert:
			if n < 2 {
				return f, errMalformed
			}
			return f, &Alert{Level: body[0], Description: body[1]}
		case recordHandshake:
			hs = append(hs, body...)
		default:
			// ChangeCipherSpec or encrypted data: nothing more to parse.
			if f.hello == nil {
				return f, fmt.Errorf("%w: record type %d before ServerHello", errMalformed, typ)
			}
			return f, nil
		}
		for len(hs) >= 4 {
			mlen := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if mlen > maxFlight {
				return f, errMalformed
			}
			if len(hs) < 4+mlen {
				break
			}
			mtype, m := hs[0], hs[4:4+mlen]
			hs = hs[4+mlen:]
			if f.hello == nil && mtype != typeServerHello {
				return f, fmt.Errorf("%w: handshake message %d before ServerHello", errMalformed, mtype)
			}
			switch mtype {
			case typeServerHello:
				h, err := parseServerHello(m)
				if err != nil {
					return f, err
				}
				f.hello = h
				if !whole || h.retry || h.version >= VersionTLS13 {
					return f, nil
				}
			case typeCertificate:
				certs, err := parseCertificates(m)
				if err != nil {
					return f, err
				}
				f.certs = certs
			case typeServerKeyExchange:
				if len(m) >= 3 && m[0] == 3 { // named_curve
					f.curve = binary.BigEndian.Uint16(m[1:3])
				}
			case typeCertificateRequest:
				f.certRequest = true
			case typeServerHelloDone:
				f.done = true
				return f, nil
			}
		}
	}
}

// parseServerHello parses the body of a ServerHello handshake message.
func parseServerHello(m []byte) (*serverHello, error) {
	if len(m) < 38 {
		return nil, errMalformed
	}
	h := &serverHello{version: binary.BigEndian.Uint16(m)}
	h.retry = [32]byte(m[2:34]) == helloRetryRandom
	sidLen := int(m[34])
	p := m[35:]
	if sidLen > 32 || len(p) < sidLen+3 {
		return nil, errMalformed
	}
	p = p[sidLen:]
	h.suite = binary.BigEndian.Uint16(p)
	p = p[3:] // suite and compression method
	if len(p) == 0 {
		return h, nil
	}
	if len(p) < 2 || int(binary.BigEndian.Uint16(p)) != len(p)-2 {
		return nil, errMalformed
	}
	p = p[2:]
	for len(p) > 0 {
		if len(p) < 4 {
			return nil, errMalformed
		}
		typ, n := binary.BigEndian.Uint16(p), int(binary.BigEndian.Uint16(p[2:]))
		if len(p) < 4+n {
			return nil, errMalformed
		}
		body := p[4 : 4+n]
		p = p[4+n:]
		switch typ {
		case extSupportedVersions:
			if n != 2 {
				return nil, errMalformed
			}
			h.version = binary.BigEndian.Uint16(body)
		case extKeyShare:
			if n < 2 {
				return nil, errMalformed
			}
			h.group = binary.BigEndian.Uint16(body)
		}
	}
	return h, nil
}

// parseCertificates parses a TLS ≤ 1.2 Certificate message body.
func parseCertificates(m []byte) ([][]byte, error) {
	if len(m) < 3 {
		return nil, errMalformed
	}
	n := int(m[0])<<16 | int(m[1])<<8 | int(m[2])
	p := m[3:]
	if n != len(p) {
		return nil, errMalformed
	}
	var certs [][]byte
	for len(p) > 0 {
		if len(p) < 3 {
			return nil, errMalformed
		}
		l := int(p[0])<<16 | int(p[1])<<8 | int(p[2])
		if len(p) < 3+l {
			return nil, errMalformed
		}
		certs = append(certs, p[3:3+l])
		p = p[3+l:]
	}
	return certs, nil
}
