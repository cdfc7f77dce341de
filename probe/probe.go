// Package probe actively validates IIoT endpoints: it finds the open ports
// of the targets it is given, detects the protocol each one speaks, and
// learns what the A1, A3, A5 and A8 checks need to know (TLS versions,
// cipher suites, groups and certificate; anonymous MQTT and OPC UA access;
// unauthenticated Modbus reads; SSH algorithms; HTTP default credentials,
// headers and login pages; plaintext Telnet and FTP). Its result is a
// scan.File.
//
// Probes are read-only and gentle: only the given targets are contacted,
// never more than one connection at a time to an endpoint, new connections
// are rate-limited across the whole run, every connect, read and write has a
// timeout, and a peer that sends garbage, stalls or closes early ends that
// probe with an error in the result, never a hang or a crash. docs/probe.md
// lists every message sent.
package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/insurable/insurable/scan"
)

// A Prober learns about one application protocol on an open port. Probers
// are stateless; the Runner calls them concurrently for different
// endpoints.
type Prober interface {
	// Name is the protocol it recognises, as named in package ports.
	Name() string
	// Plan says what Probe sends, one line per message kind; --dry-run
	// prints it.
	Plan() []string
	// Probe talks to the endpoint through s only. It returns an error
	// wrapping ErrNotDetected when the peer does not speak the protocol;
	// otherwise it fills in ep (protocol, protocol result, errors) and
	// returns nil.
	Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error
}

// ErrNotDetected is wrapped by a Prober's error when the peer does not speak
// its protocol.
var ErrNotDetected = errors.New("protocol not detected")

// notDetected wraps ErrNotDetected with a reason.
func notDetected(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNotDetected, fmt.Sprintf(format, args...))
}

// Defaults of Config.
const (
	DefaultConcurrency = 32
	DefaultRate        = 1000
	DefaultTimeout     = 3 * time.Second
)

// Config says what a Runner probes and how gently. The zero value is
// usable: every zero field takes its default.
type Config struct {
	// Ports are probed on targets that name no port; DefaultPorts when
	// empty.
	Ports []int
	// Concurrency is how many endpoints are probed at once
	// (DefaultConcurrency). One endpoint never has more than one
	// connection open at a time.
	Concurrency int
	// Rate bounds new TCP connections per second over the whole run
	// (DefaultRate).
	Rate float64
	// Timeout bounds every connect, and every read and write between two
	// bytes (DefaultTimeout).
	Timeout time.Duration
	// Roots are the firm's root certificates; when nil, the system roots
	// judge certificate chains.
	Roots *x509.CertPool
	// NoCredentials turns off the default-credential attempts on HTTP
	// basic authentication.
	NoCredentials bool
	// Now is the clock certificates are judged at (time.Now).
	Now func() time.Time
	// Log receives debug records of each step (discarded when nil).
	Log *slog.Logger
	// Progress, when set, is called after each endpoint with the count
	// done and the total.
	Progress func(done, total int)
	// Probers replace DefaultProbers when not nil (tests).
	Probers []Prober
}

func (c *Config) withDefaults() Config {
	d := *c
	if len(d.Ports) == 0 {
		d.Ports = DefaultPorts()
	}
	if d.Concurrency <= 0 {
		d.Concurrency = DefaultConcurrency
	}
	if d.Rate <= 0 {
		d.Rate = DefaultRate
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return d
}

// Session is one endpoint being probed: the only way a Prober reaches the
// network. It dials nothing but its own address, holds at most one
// connection open at a time, waits for the rate limiter before each
// connection, and puts a timeout on every connect, read and write.
type Session struct {
	Host string
	Port int
	// TLS is set when the service is wrapped in TLS: Dial then returns a
	// TLS connection (certificates are not verified there; the TLS prober
	// judges them).
	TLS bool
	// Config is the run's configuration, with defaults filled in.
	Config *Config

	limiter *rate.Limiter
	slot    chan struct{} // holds a token while a connection is open
	conns   atomic.Int64
	// ip, when set, is the address a host name resolved to: connections
	// go there, so that the name is looked up once per endpoint.
	ip string
}

// newSession returns a session for host:port.
func newSession(host string, port int, cfg *Config, lim *rate.Limiter) *Session {
	return &Session{Host: host, Port: port, Config: cfg, limiter: lim, slot: make(chan struct{}, 1)}
}

// Addr returns host:port.
func (s *Session) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// dialAddr returns the address connections go to.
func (s *Session) dialAddr() string {
	if s.ip != "" {
		return net.JoinHostPort(s.ip, strconv.Itoa(s.Port))
	}
	return s.Addr()
}

// resolve looks a host name up once and pins the session to its first
// address (IPv4 preferred).
func (s *Session) resolve(ctx context.Context) error {
	if net.ParseIP(s.Host) != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.Config.Timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", s.Host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			s.ip = a.Unmap().String()
			return nil
		}
	}
	if len(addrs) > 0 {
		s.ip = addrs[0].String()
		return nil
	}
	return fmt.Errorf("%s has no address", s.Host)
}

// Connections returns how many connections the session has opened itself
// (those of libraries that dial by themselves are not counted).
func (s *Session) Connections() int { return int(s.conns.Load()) }

// maxConnBytes bounds what one connection may read, so that a peer that
// streams garbage cannot exhaust memory.
const maxConnBytes = 4 << 20

// DialTCP opens a TCP connection to the endpoint, after waiting for the
// connection slot and the rate limiter. Close must be called on the
// connection: until then no other connection of this session can open.
func (s *Session) DialTCP(ctx context.Context) (net.Conn, error) {
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-s.slot }
	if err := s.limiter.Wait(ctx); err != nil {
		release()
		return nil, err
	}
	d := net.Dialer{Timeout: s.Config.Timeout}
	c, err := d.DialContext(ctx, "tcp", s.dialAddr())
	if err != nil {
		release()
		return nil, err
	}
	s.conns.Add(1)
	tc := &timeoutConn{Conn: c, timeout: s.Config.Timeout, left: maxConnBytes, release: release}
	if dl, ok := ctx.Deadline(); ok {
		tc.hard = dl
	}
	return tc, nil
}

// reserve takes the session's connection slot and a token of the rate
// limiter for a library that dials by itself; release gives the slot back
// once its connection is closed.
func (s *Session) reserve(ctx context.Context) (release func(), err error) {
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := s.limiter.Wait(ctx); err != nil {
		<-s.slot
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { <-s.slot }) }, nil
}

// Dial opens a connection to the endpoint: a TLS one when s.TLS is set.
func (s *Session) Dial(ctx context.Context) (net.Conn, error) {
	c, err := s.DialTCP(ctx)
	if err != nil || !s.TLS {
		return c, err
	}
	tc := tls.Client(c, s.insecureTLS())
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// insecureTLS is the client configuration for talking to a service wrapped
// in TLS once the TLS prober has judged its certificate.
func (s *Session) insecureTLS() *tls.Config {
	var ids []uint16
	for _, c := range tls.CipherSuites() {
		ids = append(ids, c.ID)
	}
	for _, c := range tls.InsecureCipherSuites() {
		ids = append(ids, c.ID)
	}
	cfg := &tls.Config{
		InsecureSkipVerify: true, // the TLS prober verifies the chain itself
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       ids,
	}
	if net.ParseIP(s.Host) == nil {
		cfg.ServerName = s.Host
	}
	return cfg
}

// timeoutConn gives every Read and Write a deadline of timeout from now
// (never past hard, nor past a deadline the user of the connection set),
// limits the bytes read, and releases the session's slot on Close.
type timeoutConn struct {
	net.Conn
	timeout time.Duration
	hard    time.Time
	left    int
	release func()
	once    sync.Once

	mu            sync.Mutex
	userRead      time.Time
	userWrite     time.Time
	readDeadline  time.Time
	writeDeadline time.Time
}

func (c *timeoutConn) next(user time.Time) time.Time {
	d := time.Now().Add(c.timeout)
	if !c.hard.IsZero() && c.hard.Before(d) {
		d = c.hard
	}
	if !user.IsZero() && user.Before(d) {
		d = user
	}
	return d
}

func (c *timeoutConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errTooMuch
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	c.mu.Lock()
	c.readDeadline = c.next(c.userRead)
	_ = c.Conn.SetReadDeadline(c.readDeadline)
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.left -= n
	return n, err
}

func (c *timeoutConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writeDeadline = c.next(c.userWrite)
	_ = c.Conn.SetWriteDeadline(c.writeDeadline)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// SetDeadline and its kin record a deadline set by the connection's user
// (a library): it shortens the per-operation timeout but never lifts it.
func (c *timeoutConn) SetDeadline(t time.Time) error {
	_ = c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *timeoutConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userRead = t
	if !t.IsZero() && t.Before(c.readDeadline) {
		c.readDeadline = t
		return c.Conn.SetReadDeadline(t)
	}
	return nil
}

func (c *timeoutConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userWrite = t
	if !t.IsZero() && t.Before(c.writeDeadline) {
		c.writeDeadline = t
		return c.Conn.SetWriteDeadline(t)
	}
	return nil
}

func (c *timeoutConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

var errTooMuch = errors.New("the peer sent more than the probe reads from one connection")
