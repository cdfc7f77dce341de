package probe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/insurable/insurable/ports"
	"github.com/insurable/insurable/scan"
)

// DefaultProbers returns the probers of every protocol the probe knows, in
// the order tried on a port no protocol is registered for.
func DefaultProbers() []Prober {
	return []Prober{HTTP{}, MQTT{}, OPCUA{}, Modbus{}, SSH{}, FTP{}, Telnet{}}
}

// bannerMatcher is a Prober of a protocol whose server speaks first.
type bannerMatcher interface {
	Prober
	// MatchBanner reports whether the first bytes a server sent on port are
	// its protocol's.
	MatchBanner(banner []byte, port int) bool
}

// Run probes the endpoints of targets and returns the scan results file
// (Started and Finished set, Scanner left for the caller). Endpoints that
// are closed or filtered are left out. It returns an error only when the
// targets cannot be expanded or ctx ends.
func Run(ctx context.Context, cfg Config, targets []Target) (*scan.File, error) {
	c := cfg.withDefaults()
	eps, err := expand(targets, c.Ports)
	if err != nil {
		return nil, err
	}
	f := &scan.File{Format: scan.Format, Started: c.Now().UTC().Format(time.RFC3339), Endpoints: []scan.Endpoint{}}
	for _, t := range targets {
		f.Targets = append(f.Targets, t.Spec)
	}
	lim := rate.NewLimiter(rate.Limit(c.Rate), 1)
	results := make([]*scan.Endpoint, len(eps))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Concurrency)
	var mu sync.Mutex
	done := 0
	for i, e := range eps {
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			results[i] = probeEndpoint(gctx, &c, lim, e)
			if c.Progress != nil {
				mu.Lock()
				done++
				c.Progress(done, len(eps))
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, r := range results {
		if r != nil {
			f.Endpoints = append(f.Endpoints, *r)
		}
	}
	f.Finished = c.Now().UTC().Format(time.RFC3339)
	return f, nil
}

// endpointBudget bounds the whole probe of one endpoint.
func endpointBudget(c *Config) time.Duration {
	return max(60*time.Second, 100*c.Timeout)
}

// probeEndpoint detects the protocol of one port and probes it. It returns
// nil when the port is closed.
func probeEndpoint(ctx context.Context, c *Config, lim *rate.Limiter, e endpoint) *scan.Endpoint {
	ctx, cancel := context.WithTimeout(ctx, endpointBudget(c))
	defer cancel()
	s := newSession(e.host, e.port, c, lim)
	ep := &scan.Endpoint{Host: e.host, Port: e.port, Transport: "tcp", Protocol: "unknown"}
	log := c.Log.With("endpoint", s.Addr())
	if err := s.resolve(ctx); err != nil {
		log.Warn("target does not resolve; skipped", "err", err)
		return nil
	}

	probers := c.Probers
	if probers == nil {
		probers = DefaultProbers()
	}
	var clientFirst []Prober
	var serverFirst []bannerMatcher
	for _, p := range probers {
		if b, ok := p.(bannerMatcher); ok {
			serverFirst = append(serverFirst, b)
		} else {
			clientFirst = append(clientFirst, p)
		}
	}
	// closed reports whether the port turned out closed: no connection
	// ever opened.
	closed := func(err error) bool {
		return s.Connections() == 0 && isDialError(err)
	}
	tried := map[Prober]bool{}
	// try runs a prober; it reports whether the protocol was found.
	try := func(p Prober) (bool, error) {
		tried[p] = true
		err := p.Probe(ctx, s, ep)
		log.Debug("probe", "protocol", p.Name(), "tls", s.TLS, "err", err)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, ErrNotDetected) {
			ep.Errors = append(ep.Errors, p.Name()+": "+err.Error())
		}
		return false, err
	}
	// seen is what the peer sent unasked, kept as the banner when no
	// protocol is found.
	var seen []byte
	classify := func(banner []byte) bool {
		seen = banner
		for _, p := range serverFirst {
			if p.MatchBanner(banner, e.port) {
				if ok, _ := try(p); ok {
					return true
				}
			}
		}
		return false
	}

	// 1. A plaintext client-first protocol registered on this port goes
	// first, so that a device never sees a TLS hello it does not expect.
	for _, p := range clientFirst {
		if registered(p.Name(), e.port) {
			ok, err := try(p)
			if ok {
				return ep
			}
			if closed(err) {
				return nil
			}
			break
		}
	}
	// 2. On a port of a server-first protocol, wait for the banner.
	for _, p := range serverFirst {
		if registered(p.Name(), e.port) {
			banner, err := grabBanner(ctx, s, c.Timeout)
			if closed(err) {
				return nil
			}
			if len(banner) > 0 {
				if !classify(banner) {
					ep.Banner = printable(banner, 128)
				}
				return ep
			}
			break
		}
	}
	// 3. TLS. A server-first service answers the hello with its banner.
	isTLS, banner, err := TLS{}.detect(ctx, s)
	if closed(err) {
		return nil
	}
	if isTLS {
		res, errs := TLS{}.Enumerate(ctx, s)
		ep.TLS = res
		ep.Errors = append(ep.Errors, errs...)
		ep.Protocol = "unknown"
		if p, ok := encryptedOnPort(e.port); ok {
			ep.Protocol = p
		}
		s.TLS = true
		inner := slices.Clone(clientFirst)
		slices.SortStableFunc(inner, func(a, b Prober) int {
			return boolRank(registeredSecure(a.Name(), e.port)) - boolRank(registeredSecure(b.Name(), e.port))
		})
		found := false
		for _, p := range inner {
			if !tlsCapable(p) {
				continue
			}
			if found, _ = try(p); found {
				break
			}
		}
		if !found && res.ClientAuth == "required" {
			ep.Errors = append(ep.Errors, "the service inside TLS was not identified: it requires a client certificate")
		}
		return ep
	}
	if err != nil && !errors.Is(err, ErrNotDetected) && !closedEarly(err) && !isTimeout(err) {
		ep.Errors = append(ep.Errors, "tls: "+err.Error())
	}
	if len(banner) > 0 {
		if classify(banner) {
			return ep
		}
	}
	// 4. The other client-first protocols.
	for _, p := range clientFirst {
		if tried[p] {
			continue
		}
		if ok, _ := try(p); ok {
			return ep
		}
	}
	if len(seen) > 0 {
		ep.Banner = printable(seen, 128)
	}
	if ep.Banner == "" && len(ep.Errors) == 0 {
		ep.Errors = append(ep.Errors, "no known protocol answered")
	}
	var names []string
	for _, p := range ports.OnPort(e.port) {
		if strings.Contains(p.Transport, "tcp") {
			names = append(names, p.Name)
		}
	}
	if len(names) > 0 {
		ep.Errors = append(ep.Errors, "not identified as the protocol registered on this port ("+strings.Join(names, ", ")+")")
	}
	return ep
}

// tlsCapable reports whether a prober can run inside TLS.
func tlsCapable(p Prober) bool {
	switch p.(type) {
	case HTTP, MQTT:
		return true
	}
	return false
}

func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}

// registered reports whether port is registered for the protocol name.
func registered(name string, port int) bool {
	p, ok := ports.Lookup(name)
	return ok && p.Registered(port)
}

// registeredSecure reports whether port is registered for the TLS variant
// of the protocol name (mqtt → mqtts, http → https).
func registeredSecure(name string, port int) bool {
	p, ok := ports.Lookup(name)
	if !ok || p.SecureVariant == "" {
		return false
	}
	return registered(p.SecureVariant, port)
}

// encryptedOnPort returns the TLS-based protocol registered on port
// (https before the others that share 443).
func encryptedOnPort(port int) (string, bool) {
	var found []string
	for _, p := range ports.OnPort(port) {
		if p.Encrypted && p.Name != "ssh" && p.Name != "sftp" && p.Name != "rdp" && p.Name != "snmpv3" && p.Name != "coaps" {
			found = append(found, p.Name)
		}
	}
	if slices.Contains(found, "https") {
		return "https", true
	}
	if len(found) > 0 {
		return found[0], true
	}
	return "", false
}

// grabBanner connects and reads what the server sends first, waiting up to
// wait.
func grabBanner(ctx context.Context, s *Session, wait time.Duration) ([]byte, error) {
	c, err := s.DialTCP(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 512)
	n, err := io.ReadAtLeast(c, buf, 1)
	return buf[:n], err
}

// isDialError reports whether err is a failure to connect.
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// printable returns b as text for a banner: valid UTF-8 with control bytes
// other than tab escaped (a trailing line end dropped), cut at limit bytes.
func printable(b []byte, limit int) string {
	if len(b) > limit {
		b = b[:limit]
	}
	b = bytes.TrimRight(b, "\r\n")
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20 && r != '\t', r == 0x7f:
			sb.WriteString(`\x`)
			const hexdigits = "0123456789abcdef"
			sb.WriteByte(hexdigits[b[0]>>4])
			sb.WriteByte(hexdigits[b[0]&0xf])
			size = 1
		default:
			sb.WriteRune(r)
		}
		b = b[size:]
	}
	return sb.String()
}
