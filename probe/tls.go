package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/insurable/insurable/scan"
)

//go:generate sh gensuites.sh

// Suite is one TLS cipher suite.
type Suite struct {
	ID      uint16
	Name    string // IANA name; OpenSSL's when IANA registered none
	OpenSSL string
	Proto   string // the first version that defines it: SSLv3, TLSv1, TLSv1.2, TLSv1.3
	Kx      string // key exchange as OpenSSL names it (RSA, DH, ECDH, …)
	Au      string // authentication (RSA, ECDSA, None, …)
	Enc     string // bulk cipher
	Bits    int    // bulk key bits
	MAC     string
	Export  bool
}

// SuiteByID returns the suite with a code.
func SuiteByID(id uint16) (Suite, bool) {
	s, ok := suiteIndex[id]
	return s, ok
}

var suiteIndex = func() map[uint16]Suite {
	m := make(map[uint16]Suite, len(suites))
	for _, s := range suites {
		m[s.ID] = s
	}
	return m
}()

// SuiteName returns the IANA name of a suite code, or its hex code.
func SuiteName(id uint16) string {
	if s, ok := suiteIndex[id]; ok {
		return s.Name
	}
	return fmt.Sprintf("0x%04X", id)
}

// offerable returns the suites offered for a version: the five TLS 1.3
// suites for TLS 1.3, every other code for the versions before, the ones
// common stacks implement first (see commonness), so that they fall within
// the first maxOffer.
func offerable(v uint16) []uint16 {
	if v == VersionTLS13 {
		return slices.Clone(offer13)
	}
	return slices.Clone(offer12)
}

var offer13, offer12 = func() ([]uint16, []uint16) {
	var a, b []Suite
	for _, s := range suites {
		if s.Proto == "TLSv1.3" {
			a = append(a, s)
		} else {
			b = append(b, s)
		}
	}
	slices.SortStableFunc(b, func(x, y Suite) int { return commonness(x) - commonness(y) })
	ids := func(ss []Suite) []uint16 {
		out := make([]uint16, len(ss))
		for i, s := range ss {
			out[i] = s.ID
		}
		return out
	}
	return ids(a), ids(b)
}()

// commonness ranks a suite from 0 (RSA, DHE or ECDHE key exchange with the
// ciphers every general-purpose stack has had: AES, ChaCha20, 3DES, RC4,
// DES, NULL, …) to 3 (PSK, SRP, Kerberos, GOST and drafts).
func commonness(s Suite) int {
	switch s.Kx {
	case "RSA", "RSA(512)", "RSA(1024)", "DH", "DH(512)", "ECDH":
		switch s.Enc {
		case "AES", "AESGCM", "ChaCha20", "3DES", "RC4", "DES", "None", "AESCCM", "AESCCM8", "RC2", "IDEA", "SEED":
			return 0
		}
		return 1
	}
	if strings.Contains(s.Kx, "/") { // static DH and ECDH
		return 2
	}
	return 3
}

// TLSVersions are the versions enumerated, oldest first.
var TLSVersions = []uint16{VersionSSL30, VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13}

// TLS enumerates what a TLS service offers: every version from SSLv3 to
// TLS 1.3 with the suites accepted under each, the key exchange groups, the
// certificate chain (verified to the firm's roots or the system's), and
// whether a client certificate is required. It is not a Prober of its own:
// the Runner calls it first on every port and, when it finds TLS, lets the
// other probers talk through it.
type TLS struct{}

// Plan says what the enumeration sends.
func (TLS) Plan() []string {
	return []string{
		"TLS ClientHello offering TLS 1.0–1.3 (detection); if the peer closes on it, a classic TLS 1.2 ClientHello without TLS 1.3 extensions",
		fmt.Sprintf("for each of SSLv3, TLS 1.0, 1.1, 1.2: ClientHellos offering the %d registered cipher suites, repeated without each suite the server picks, until it refuses", len(offerable(VersionTLS12))),
		"TLS 1.3: ClientHellos with supported_versions and an x25519 key share offering the 5 TLS 1.3 suites, repeated likewise",
		fmt.Sprintf("key exchange groups: TLS 1.3 ClientHellos with an empty key share and the %d registered groups (the server answers HelloRetryRequest), or TLS 1.2 ECDHE hellos read up to ServerKeyExchange", len(groups)),
		"a full crypto/tls handshake (TLS ≥ 1.2) without a client certificate to read the certificate chain and client-certificate request; the connection is closed before any application data",
		"every handshake but the last stops after the server's first flight; nothing is encrypted or sent after it",
	}
}

// detect sends a modern ClientHello and reports whether the peer answers in
// TLS (a ServerHello or an alert). A peer that closes the connection on it
// gets a second, classic hello (TLS 1.2 without TLS 1.3 extensions), since
// some legacy stacks drop hellos they do not understand. When the peer
// answers with something else, the first bytes it sent are returned: a
// server-first protocol's banner.
func (TLS) detect(ctx context.Context, s *Session) (bool, []byte, error) {
	all := append(offerable(VersionTLS13), offerable(VersionTLS12)...)
	// supported_versions lists TLS 1.3 down to 1.0, so that any TLS server
	// answers with something.
	modern := helloSpec{version: VersionTLS13, versions: []uint16{VersionTLS13, VersionTLS12, VersionTLS11, VersionTLS10},
		suites: all, groups: groupIDs(false), keyShare: groupX25519, serverName: sniName(s.Host)}
	ok, banner, err := detectWith(ctx, s, modern)
	if ok || len(banner) > 0 || !closedEarly(err) || s.Connections() == 0 {
		return ok, banner, err
	}
	classic := helloSpec{version: VersionTLS12, suites: offerable(VersionTLS12), groups: groupIDs(true), serverName: sniName(s.Host)}
	return detectWith(ctx, s, classic)
}

func detectWith(ctx context.Context, s *Session, spec helloSpec) (bool, []byte, error) {
	hello, err := clientHello(spec)
	if err != nil {
		return false, nil, err
	}
	c, err := s.DialTCP(ctx)
	if err != nil {
		return false, nil, err
	}
	defer c.Close()
	if _, err := c.Write(hello); err != nil {
		return false, nil, err
	}
	r := bufio.NewReaderSize(c, 8192)
	first, err := r.Peek(5)
	if len(first) == 0 {
		return false, nil, err
	}
	banner, _ := r.Peek(min(r.Buffered(), 512))
	banner = slices.Clone(banner)
	if len(first) < 5 {
		return false, banner, err
	}
	_, err = readFlight(r, false)
	var a *Alert
	if err == nil || errors.As(err, &a) {
		return true, nil, nil
	}
	if errors.Is(err, errNotTLS) {
		return false, banner, nil
	}
	// A TLS record header followed by nonsense, a stall or a close.
	return false, banner, err
}

// Enumerate runs the full enumeration and returns the result; what it
// could not determine is returned as error strings.
func (TLS) Enumerate(ctx context.Context, s *Session) (*scan.TLSResult, []string) {
	e := &tlsEnum{s: s, sni: sniName(s.Host)}
	res := &scan.TLSResult{ClientAuth: "none"}
	var offered []uint16
	accepted := map[uint16][]uint16{}
	for i := len(TLSVersions) - 1; i >= 0; i-- {
		v := TLSVersions[i]
		got, err := e.suitesFor(ctx, v)
		if err != nil {
			e.errorf("%s: %v", VersionName(v), err)
		}
		if len(got) > 0 {
			offered = append(offered, v)
			accepted[v] = got
		}
	}
	for _, v := range TLSVersions {
		tv := scan.TLSVersion{Version: VersionName(v), Offered: len(accepted[v]) > 0}
		for _, id := range accepted[v] {
			tv.Ciphers = append(tv.Ciphers, SuiteName(id))
		}
		res.Versions = append(res.Versions, tv)
	}
	if len(offered) == 0 {
		e.errorf("no protocol version and cipher suite was accepted")
		return res, e.errs
	}
	res.Groups = e.groups(ctx, offered, accepted)
	e.certificate(ctx, res, offered, accepted)
	return res, e.errs
}

// tlsEnum is one endpoint's enumeration.
type tlsEnum struct {
	s    *Session
	sni  string
	errs []string
}

func (e *tlsEnum) errorf(format string, args ...any) {
	e.errs = append(e.errs, "tls: "+fmt.Sprintf(format, args...))
}

// sniName returns the name to send as SNI: none for an IP address.
func sniName(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	return host
}

// send writes a hello on a fresh connection and reads the answer.
func (e *tlsEnum) send(ctx context.Context, hello []byte, whole bool) (*flight, error) {
	c, err := e.s.DialTCP(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := c.Write(hello); err != nil {
		return nil, err
	}
	return readFlight(bufio.NewReaderSize(c, 8192), whole)
}

func (e *tlsEnum) exchange(ctx context.Context, spec helloSpec, whole bool) (*flight, error) {
	hello, err := clientHello(spec)
	if err != nil {
		return nil, err
	}
	return e.send(ctx, hello, whole)
}

// refused reports whether err is the server declining the hello: an alert,
// or a connection closed or reset without an answer.
func refused(err error) bool {
	var a *Alert
	return errors.As(err, &a) || closedEarly(err)
}

func closedEarly(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// maxOffer is how many suites some servers read from a hello: a known bug
// of older stacks makes them ignore every suite past the 128th.
const maxOffer = 128

// suitesFor offers every suite for version v, then again without each one
// the server picks, until the server refuses. It returns the suites in the
// order the server picked them. Once the version is known to be offered, a
// refusal of a list longer than maxOffer is checked by offering the rest in
// slices of maxOffer, for servers with the 128-suite bug.
func (e *tlsEnum) suitesFor(ctx context.Context, v uint16) ([]uint16, error) {
	remaining := offerable(v)
	var got []uint16
	// pick offers suites and returns the one the server chose, or false
	// when it refused.
	pick := func(offer []uint16) (uint16, bool, error) {
		spec := helloSpec{version: v, suites: offer, groups: groupIDs(v < VersionTLS13), serverName: e.sni}
		if v == VersionTLS13 {
			spec.keyShare = groupX25519
		}
		f, err := e.exchange(ctx, spec, false)
		switch {
		case refused(err), errors.Is(err, errNotTLS):
			return 0, false, nil
		case err != nil:
			return 0, false, err
		}
		h := f.hello
		if h == nil || h.version != v {
			return 0, false, nil
		}
		if !slices.Contains(offer, h.suite) {
			return 0, false, fmt.Errorf("server chose %s, which was not offered", SuiteName(h.suite))
		}
		return h.suite, true, nil
	}
	for len(remaining) > 0 {
		id, ok, err := pick(remaining)
		for i := maxOffer; !ok && err == nil && len(got) > 0 && i < len(remaining); i += maxOffer {
			id, ok, err = pick(remaining[i:min(i+maxOffer, len(remaining))])
		}
		if err != nil || !ok {
			return got, err
		}
		got = append(got, id)
		remaining = slices.DeleteFunc(remaining, func(x uint16) bool { return x == id })
	}
	return got, nil
}

// groups enumerates the key exchange groups: with TLS 1.3 by offering
// supported_groups and an empty key share, so the server names its choice
// in a HelloRetryRequest; below it by offering the ECDHE suites and reading
// the curve of the ServerKeyExchange.
func (e *tlsEnum) groups(ctx context.Context, offered []uint16, accepted map[uint16][]uint16) []string {
	var names []string
	if len(accepted[VersionTLS13]) > 0 {
		remaining := groupIDs(false)
		for len(remaining) > 0 {
			f, err := e.exchange(ctx, helloSpec{version: VersionTLS13, suites: accepted[VersionTLS13], groups: remaining, serverName: e.sni}, false)
			if err != nil {
				if !refused(err) {
					e.errorf("groups: %v", err)
				}
				break
			}
			h := f.hello
			i := slices.Index(remaining, h.group)
			if h.version != VersionTLS13 || i < 0 {
				break
			}
			names = append(names, GroupName(h.group))
			remaining = slices.Delete(remaining, i, i+1)
		}
	}
	// Below TLS 1.3 the ECDHE curves, when TLS 1.3 did not already tell.
	if len(names) > 0 {
		return names
	}
	for _, v := range []uint16{VersionTLS12, VersionTLS11, VersionTLS10, VersionSSL30} {
		var ecdhe []uint16
		for _, id := range accepted[v] {
			if s, ok := suiteIndex[id]; ok && s.Kx == "ECDH" {
				ecdhe = append(ecdhe, id)
			}
		}
		if len(ecdhe) == 0 {
			continue
		}
		remaining := groupIDs(true)
		for len(remaining) > 0 {
			f, err := e.exchange(ctx, helloSpec{version: v, suites: ecdhe, groups: remaining, serverName: e.sni}, true)
			if err != nil && (f == nil || f.curve == 0) {
				if !refused(err) {
					e.errorf("groups: %v", err)
				}
				break
			}
			i := slices.Index(remaining, f.curve)
			if i < 0 {
				break
			}
			names = append(names, GroupName(f.curve))
			remaining = slices.Delete(remaining, i, i+1)
		}
		break
	}
	return names
}

// certificate reads the certificate chain and the client-certificate
// request: from a full crypto/tls handshake when the server speaks TLS 1.2
// or 1.3 with a suite Go implements, else from the raw Certificate message
// of the best legacy version.
func (e *tlsEnum) certificate(ctx context.Context, res *scan.TLSResult, offered []uint16, accepted map[uint16][]uint16) {
	chain, auth, err := e.handshake(ctx, false)
	if err == nil {
		res.Certificate = describeChain(chain, e.s.Host, e.s.Config.Roots, e.s.Config.Now())
		res.ClientAuth = auth
		return
	}
	// Legacy only, or suites Go does not implement: read the flight.
	for i := len(TLSVersions) - 2; i >= 0; i-- {
		v := TLSVersions[i]
		if len(accepted[v]) == 0 {
			continue
		}
		// Suites that authenticate the server, so that it sends a
		// certificate (anonymous DH sends none).
		var authed []uint16
		for _, id := range accepted[v] {
			if s, ok := suiteIndex[id]; !ok || s.Au != "None" {
				authed = append(authed, id)
			}
		}
		if len(authed) == 0 {
			e.errorf("certificate: only anonymous suites under %s", VersionName(v))
			return
		}
		f, ferr := e.exchange(ctx, helloSpec{version: v, suites: authed, groups: groupIDs(true), serverName: e.sni}, true)
		if f == nil || len(f.certs) == 0 {
			e.errorf("certificate: handshake: %v; %s flight: %v", err, VersionName(v), ferr)
			return
		}
		res.Certificate = describeChain(f.certs, e.s.Host, e.s.Config.Roots, e.s.Config.Now())
		if f.certRequest {
			// Whether the certificate is required shows only in a full
			// handshake: try one with the legacy versions and suites Go
			// still has.
			if _, auth, lerr := e.handshake(ctx, true); lerr == nil {
				res.ClientAuth = auth
			} else {
				res.ClientAuth = "optional"
				e.errorf("the server asks for a client certificate; whether it requires one is unknown, since no full handshake was possible (%v)", lerr)
			}
		}
		return
	}
	e.errorf("certificate: %v", err)
}

// handshake completes a crypto/tls handshake without a client certificate
// and returns the chain the server sent and its client-certificate policy:
// "none" (not requested), "optional" (requested, the handshake succeeded
// without one) or "required". It offers TLS 1.2 and 1.3 with Go's secure
// suites, or, when legacy is set, also TLS 1.0 and 1.1 and the insecure
// suites Go implements.
func (e *tlsEnum) handshake(ctx context.Context, legacy bool) ([][]byte, string, error) {
	c, err := e.s.DialTCP(ctx)
	if err != nil {
		return nil, "", err
	}
	defer c.Close()
	var chain [][]byte
	requested := false
	cfg := &tls.Config{
		InsecureSkipVerify: true, // verified by describeChain against the chosen roots
		MinVersion:         tls.VersionTLS12,
		ServerName:         e.sni,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			chain = raw
			return nil
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			requested = true
			return &tls.Certificate{}, nil
		},
	}
	if cfg.ServerName == "" {
		cfg.ServerName = e.s.Host
	}
	if legacy {
		cfg.MinVersion = tls.VersionTLS10
		cfg.CipherSuites = e.s.insecureTLS().CipherSuites
	}
	tc := tls.Client(c, cfg)
	herr := tc.HandshakeContext(ctx)
	switch {
	case herr != nil && requested && chain != nil:
		return chain, "required", nil
	case herr != nil:
		return nil, "", herr
	case !requested:
		return chain, "none", nil
	case tc.ConnectionState().Version == tls.VersionTLS13:
		// A TLS 1.3 server judges the client's (empty) certificate after
		// the client's Finished: an alert or a close soon after means it
		// required one.
		wait := min(e.s.Config.Timeout, 500*time.Millisecond)
		_ = tc.SetReadDeadline(time.Now().Add(wait))
		var buf [1]byte
		_, rerr := tc.Read(buf[:])
		var ne net.Error
		if rerr != nil && !(errors.As(rerr, &ne) && ne.Timeout()) {
			return chain, "required", nil
		}
	}
	return chain, "optional", nil
}
