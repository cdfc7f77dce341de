package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/insurable/insurable/scan"
)

// misbehaving starts a raw TCP listener whose every connection is handled
// by serve, and returns its port. These are test doubles for peers that
// misbehave, not for any protocol.
func misbehaving(t *testing.T, serve func(net.Conn)) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-done; c.Close() }()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		close(done)
		l.Close()
		wg.Wait()
	})
	return l.Addr().(*net.TCPAddr).Port
}

// peers that misbehave, by name.
var misbehaviours = map[string]func(net.Conn){
	// random bytes as soon as the connection opens, then close
	"garbage": func(c net.Conn) {
		b := make([]byte, 4096)
		_, _ = rand.Read(b)
		_, _ = c.Write(b)
	},
	// random bytes without end, until the client goes away
	"garbage stream": func(c net.Conn) {
		b := make([]byte, 32<<10)
		for {
			_, _ = rand.Read(b)
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	},
	// accepts and never answers, reading everything
	"stall": func(c net.Conn) { _, _ = io.Copy(io.Discard, c) },
	// closes at once
	"close": func(c net.Conn) {},
	// closes after reading the first bytes
	"close after request": func(c net.Conn) {
		b := make([]byte, 1)
		_, _ = c.Read(b)
	},
	// answers any request with a TLS record header that announces more
	// than it sends, then stalls
	"truncated TLS": func(c net.Conn) {
		b := make([]byte, 1)
		_, _ = c.Read(b)
		_, _ = c.Write([]byte{0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0x00, 0x00})
		_, _ = io.Copy(io.Discard, c)
	},
	// a TLS alert of the wrong length, then random bytes
	"TLS then garbage": func(c net.Conn) {
		b := make([]byte, 1)
		_, _ = c.Read(b)
		g := make([]byte, 600)
		_, _ = rand.Read(g)
		_, _ = c.Write(append([]byte{0x16, 0x03, 0x03, 0x00, 0x30, 0x02, 0x00, 0x00, 0x2c, 0x03, 0x03}, g...))
	},
	// an SSH identification string, then garbage
	"SSH then garbage": func(c net.Conn) {
		g := make([]byte, 2000)
		_, _ = rand.Read(g)
		_, _ = c.Write(append([]byte("SSH-2.0-Broken\r\n"), g...))
	},
	// a CONNACK header announcing a huge packet
	"huge MQTT": func(c net.Conn) {
		b := make([]byte, 1)
		_, _ = c.Read(b)
		_, _ = c.Write([]byte{0x20, 0xff, 0xff, 0xff, 0x7f})
		_, _ = io.Copy(io.Discard, c)
	},
	// a Modbus header with a bad length
	"bad Modbus": func(c net.Conn) {
		b := make([]byte, 12)
		_, _ = io.ReadFull(c, b)
		_, _ = c.Write([]byte{b[0], b[1], 0, 0, 0, 1, 1})
	},
}

// TestMisbehavingPeers runs the whole probe against each peer: it must end
// within its time bound, without a panic, and report the port as open.
func TestMisbehavingPeers(t *testing.T) {
	for name, serve := range misbehaviours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			port := misbehaving(t, serve)
			timeout := 300 * time.Millisecond
			start := time.Now()
			tg, _ := ParseTarget("127.0.0.1:" + strconv.Itoa(port))
			f, err := Run(context.Background(), Config{Timeout: timeout, Rate: 10000}, []Target{tg})
			if err != nil {
				t.Fatal(err)
			}
			// Detection tries five probes, each bounded by a few timeouts.
			if d := time.Since(start); d > 30*timeout {
				t.Errorf("took %s, more than %s", d, 30*timeout)
			}
			if len(f.Endpoints) != 1 {
				t.Fatalf("%d endpoints, want the open port", len(f.Endpoints))
			}
			if ep := f.Endpoints[0]; ep.TLS != nil && len(offered(ep.TLS)) > 0 {
				t.Errorf("TLS versions found on a misbehaving peer: %+v", ep.TLS)
			}
		})
	}
}

// TestProbersAgainstMisbehavingPeers calls each prober, and the TLS
// enumeration, directly against each peer, including the probers a
// detection order would skip.
func TestProbersAgainstMisbehavingPeers(t *testing.T) {
	probers := append(DefaultProbers(), tlsEnumProber{})
	for name, serve := range misbehaviours {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			port := misbehaving(t, serve)
			cfg := (&Config{Timeout: 300 * time.Millisecond, Rate: 10000}).withDefaults()
			lim := rate.NewLimiter(rate.Limit(cfg.Rate), 1)
			for _, p := range probers {
				for _, overTLS := range []bool{false, true} {
					s := newSession("127.0.0.1", port, &cfg, lim)
					s.TLS = overTLS
					ep := &scan.Endpoint{Host: "127.0.0.1", Port: port, Protocol: "unknown"}
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					start := time.Now()
					_ = p.Probe(ctx, s, ep)
					cancel()
					if d := time.Since(start); d > 15*cfg.Timeout {
						t.Errorf("%s (tls %v) took %s", p.Name(), overTLS, d)
					}
					if ep.Protocol != "unknown" && ep.Protocol != p.Name() && !(name == "SSH then garbage" && ep.Protocol == "ssh") {
						t.Errorf("%s (tls %v) detected %q", p.Name(), overTLS, ep.Protocol)
					}
				}
			}
		})
	}
}

// tlsEnumProber runs the TLS enumeration as if it were a prober.
type tlsEnumProber struct{}

func (tlsEnumProber) Name() string   { return "tls" }
func (tlsEnumProber) Plan() []string { return nil }
func (tlsEnumProber) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	if _, _, err := (TLS{}).detect(ctx, s); err != nil {
		return err
	}
	ep.TLS, ep.Errors = TLS{}.Enumerate(ctx, s)
	return nil
}

// TestVersionIntolerantPeer puts a front in front of a TLS 1.0 openssl
// s_server that drops every hello carrying TLS 1.3's supported_versions
// extension, as some legacy stacks and middleboxes do. Detection must fall
// back to a classic hello and the enumeration still find TLS 1.0.
func TestVersionIntolerantPeer(t *testing.T) {
	backend := opensslServer(t, "-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0")
	port := misbehaving(t, func(c net.Conn) {
		buf := make([]byte, 16<<10)
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		if err != nil || bytes.Contains(buf[:n], []byte{0x00, 0x2b, 0x00}) {
			return // drop the hello
		}
		b, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(backend))
		if err != nil {
			return
		}
		defer b.Close()
		_ = c.SetReadDeadline(time.Time{})
		if _, err := b.Write(buf[:n]); err != nil {
			return
		}
		go func() { _, _ = io.Copy(b, c); b.Close() }()
		_, _ = io.Copy(c, b)
	})
	ep := probeOne(t, port, Config{})
	if ep.TLS == nil {
		t.Fatalf("TLS not detected: %+v", ep)
	}
	got := offered(ep.TLS)
	if len(got) != 1 || !slices.Equal(got["TLSv1.0"], []string{"TLS_RSA_WITH_AES_128_CBC_SHA"}) {
		t.Errorf("offered %v, want TLS 1.0 with one suite", got)
	}
}

// truncateSuites rewrites a ClientHello record so that it offers only its
// first n cipher suites, as a server with the 128-suite bug reads it.
func truncateSuites(rec []byte, n int) []byte {
	if len(rec) < 9+2+32+1 {
		return rec
	}
	p := 9 + 2 + 32
	p += 1 + int(rec[p]) // session id
	if p+2 > len(rec) {
		return rec
	}
	l := int(binary.BigEndian.Uint16(rec[p:]))
	if l <= 2*n || p+2+l > len(rec) {
		return rec
	}
	out := append([]byte{}, rec[:p]...)
	out = binary.BigEndian.AppendUint16(out, uint16(2*n))
	out = append(out, rec[p+2:p+2+2*n]...)
	out = append(out, rec[p+2+l:]...)
	binary.BigEndian.PutUint16(out[3:], uint16(len(out)-5))
	hl := len(out) - 9
	out[6], out[7], out[8] = byte(hl>>16), byte(hl>>8), byte(hl)
	return out
}

// TestSuiteLimitBug puts a front before openssl s_server that passes on
// only the first 128 suites of each hello. A suite past them must still be
// found.
func TestSuiteLimitBug(t *testing.T) {
	backend := opensslServer(t, "-tls1_2", "-cipher", "AES128-SHA:CAMELLIA128-SHA:@SECLEVEL=0")
	port := misbehaving(t, func(c net.Conn) {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(c, hdr); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint16(hdr[3:]))
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		b, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(backend))
		if err != nil {
			return
		}
		defer b.Close()
		_ = c.SetReadDeadline(time.Time{})
		if _, err := b.Write(truncateSuites(append(hdr, body...), maxOffer)); err != nil {
			return
		}
		go func() { _, _ = io.Copy(b, c); b.Close() }()
		_, _ = io.Copy(c, b)
	})
	ep := probeOne(t, port, Config{})
	got := slices.Sorted(slices.Values(offered(ep.TLS)["TLSv1.2"]))
	if want := []string{"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"}; !slices.Equal(got, want) {
		t.Errorf("TLS 1.2 suites %v, want %v", got, want)
	}
}
