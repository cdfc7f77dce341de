package probe

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/insurable/insurable/scan"
)

// SSH learns an SSH server's algorithms and whether it offers password
// authentication. golang.org/x/crypto/ssh runs the handshake; it does not
// expose the server's algorithm lists, so the probe records the bytes the
// server sends and parses its KEXINIT (always sent in the clear) itself.
// Authentication stops at the "none" request: a password is never sent.
type SSH struct{}

// Name implements Prober.
func (SSH) Name() string { return "ssh" }

// MatchBanner implements bannerMatcher.
func (SSH) MatchBanner(b []byte, _ int) bool {
	return bytes.HasPrefix(b, []byte("SSH-")) || bytes.Contains(b, []byte("\nSSH-"))
}

// Plan implements Prober.
func (SSH) Plan() []string {
	return []string{
		"SSH identification string SSH-2.0-insurable-probe",
		"key exchange with every algorithm golang.org/x/crypto/ssh implements (the server's KEXINIT lists are recorded)",
		`user-auth request of method "none" for user "insurable-probe", to read the methods the server offers; no password or key is sent`,
	}
}

// sshUser is the user name of the "none" authentication request.
const sshUser = "insurable-probe"

var errNoPassword = errors.New("the probe never sends a password")

// Probe implements Prober.
func (SSH) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	c, err := s.Dial(ctx)
	if err != nil {
		return err
	}
	rec := &recordingConn{Conn: c, limit: 64 << 10}
	defer rec.Close()
	res := &scan.SSHResult{}
	var hostKey ssh.PublicKey
	supported, insecure := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	cfg := &ssh.ClientConfig{
		User: sshUser,
		Auth: []ssh.AuthMethod{ssh.PasswordCallback(func() (string, error) {
			// Called only when the server lists "password".
			res.PasswordAuth = true
			return "", errNoPassword
		})},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			hostKey = key
			return nil
		},
		ClientVersion: "SSH-2.0-insurable-probe",
		Timeout:       s.Config.Timeout,
		Config: ssh.Config{
			KeyExchanges: slices.Concat(supported.KeyExchanges, insecure.KeyExchanges),
			Ciphers:      slices.Concat(supported.Ciphers, insecure.Ciphers),
			MACs:         slices.Concat(supported.MACs, insecure.MACs),
		},
		HostKeyAlgorithms: slices.Concat(supported.HostKeys, insecure.HostKeys),
	}
	stop := context.AfterFunc(ctx, func() { rec.Close() })
	defer stop()
	conn, _, _, herr := ssh.NewClientConn(rec, s.Addr(), cfg)
	if conn != nil {
		conn.Close()
	}
	banner, kex, perr := parseSSHServer(rec.bytes())
	if banner == "" {
		return notDetected("no SSH identification string")
	}
	ep.Protocol = "ssh"
	ep.SSH = res
	res.Banner = banner
	if ep.Banner == "" {
		ep.Banner = banner
	}
	if kex != nil {
		res.KEX, res.HostKeys, res.Ciphers, res.MACs = kex.kex, kex.hostKeys, kex.ciphers, kex.macs
	} else if perr != nil {
		ep.Errors = append(ep.Errors, "ssh: KEXINIT: "+perr.Error())
	}
	if hostKey != nil {
		res.HostKey = hostKey.Type()
		res.HostKeyFingerprint = ssh.FingerprintSHA256(hostKey)
	}
	if herr != nil && !errors.Is(herr, errNoPassword) && !strings.Contains(herr.Error(), "unable to authenticate") {
		ep.Errors = append(ep.Errors, "ssh: handshake: "+herr.Error())
	}
	return nil
}

// sshKexInit holds the algorithm name-lists of a KEXINIT.
type sshKexInit struct {
	kex, hostKeys, ciphers, macs []string
}

// parseSSHServer finds the server's identification string and parses the
// KEXINIT packet after it. Lines before the identification string are
// allowed (RFC 4253 §4.2).
func parseSSHServer(b []byte) (string, *sshKexInit, error) {
	var banner string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 || i > 1024 {
			return "", nil, errors.New("no complete identification string")
		}
		line := strings.TrimRight(string(b[:i]), "\r")
		b = b[i+1:]
		if strings.HasPrefix(line, "SSH-") {
			banner = printable([]byte(line), 255)
			break
		}
	}
	if banner == "" {
		return "", nil, errors.New("no identification string")
	}
	k, err := parseKexInit(b)
	return banner, k, err
}

// parseKexInit parses a binary packet holding SSH_MSG_KEXINIT (RFC 4253
// §7.1).
func parseKexInit(b []byte) (*sshKexInit, error) {
	if len(b) < 5 {
		return nil, errors.New("no KEXINIT packet")
	}
	plen := int(binary.BigEndian.Uint32(b))
	pad := int(b[4])
	if plen < 1+pad+17 || plen > 35000 || len(b) < 4+plen {
		return nil, errors.New("truncated or malformed KEXINIT packet")
	}
	p := b[5 : 4+plen-pad]
	if p[0] != 20 {
		return nil, errors.New("first packet is not KEXINIT")
	}
	p = p[17:]
	var lists [10][]string
	for i := range lists {
		if len(p) < 4 {
			return nil, errors.New("truncated KEXINIT")
		}
		n := int(binary.BigEndian.Uint32(p))
		if len(p) < 4+n {
			return nil, errors.New("truncated KEXINIT name-list")
		}
		if n > 0 {
			lists[i] = strings.Split(printable(p[4:4+n], n), ",")
		}
		p = p[4+n:]
	}
	union := func(a, b []string) []string {
		out := slices.Clone(a)
		for _, x := range b {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		return out
	}
	return &sshKexInit{
		kex:      lists[0],
		hostKeys: lists[1],
		ciphers:  union(lists[2], lists[3]),
		macs:     union(lists[4], lists[5]),
	}, nil
}

// recordingConn keeps a copy of the first bytes read.
type recordingConn struct {
	net.Conn
	limit int
	mu    sync.Mutex
	buf   []byte
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	if room := c.limit - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(n, room)]...)
	}
	c.mu.Unlock()
	return n, err
}

func (c *recordingConn) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.buf)
}
