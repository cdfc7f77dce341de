package probe

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/insurable/insurable/scan"
)

// FTP recognises an FTP server by its greeting. It sends nothing but QUIT.
type FTP struct{}

// Name implements Prober.
func (FTP) Name() string { return "ftp" }

// Plan implements Prober.
func (FTP) Plan() []string {
	return []string{"read the 220 greeting, then QUIT; no login is attempted"}
}

// MatchBanner implements bannerMatcher.
func (FTP) MatchBanner(b []byte, port int) bool {
	if !bytes.HasPrefix(b, []byte("220")) {
		return false
	}
	return port == 21 || bytes.Contains(bytes.ToUpper(b), []byte("FTP"))
}

// Probe implements Prober.
func (f FTP) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	b, err := readGreeting(ctx, s, []byte("QUIT\r\n"))
	if len(b) == 0 {
		return err
	}
	if !f.MatchBanner(b, s.Port) {
		return notDetected("no FTP greeting")
	}
	ep.Protocol = "ftp"
	ep.Banner = printable(b, 128)
	return nil
}

// Telnet recognises a Telnet server by its option negotiation (IAC) or, on
// port 23, by any greeting. It sends nothing.
type Telnet struct{}

// Name implements Prober.
func (Telnet) Name() string { return "telnet" }

// Plan implements Prober.
func (Telnet) Plan() []string {
	return []string{"read the server's option negotiation or login prompt; nothing is sent"}
}

// MatchBanner implements bannerMatcher.
func (Telnet) MatchBanner(b []byte, port int) bool {
	if len(b) >= 2 && b[0] == 0xff && b[1] >= 251 && b[1] <= 254 {
		return true
	}
	return port == 23 && len(b) > 0
}

// Probe implements Prober.
func (t Telnet) Probe(ctx context.Context, s *Session, ep *scan.Endpoint) error {
	b, err := readGreeting(ctx, s, nil)
	if len(b) == 0 {
		return err
	}
	if !t.MatchBanner(b, s.Port) {
		return notDetected("no Telnet negotiation")
	}
	ep.Protocol = "telnet"
	ep.Banner = printable(b, 128)
	return nil
}

// readGreeting connects, reads what the server sends first (waiting up to
// the timeout for the first byte, then briefly for more), and sends bye
// before closing when given.
func readGreeting(ctx context.Context, s *Session, bye []byte) ([]byte, error) {
	c, err := s.Dial(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	buf := make([]byte, 512)
	n, err := io.ReadAtLeast(c, buf, 1)
	if n > 0 && n < len(buf) {
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		m, _ := c.Read(buf[n:])
		n += m
	}
	if n > 0 && bye != nil {
		_, _ = c.Write(bye)
	}
	if n == 0 {
		return nil, notDetected("no greeting: %v", err)
	}
	return buf[:n], nil
}
