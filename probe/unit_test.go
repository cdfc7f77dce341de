package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"

	"github.com/insurable/insurable/scan"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		host    string
		port    int
		prefix  string
		wantErr string
	}{
		{in: "192.0.2.10", host: "192.0.2.10"},
		{in: "192.0.2.10:502", host: "192.0.2.10", port: 502},
		{in: "plc-7.plant.example:8883", host: "plc-7.plant.example", port: 8883},
		{in: "Gateway", host: "gateway"},
		{in: "::1", host: "::1"},
		{in: "[::1]:4840", host: "::1", port: 4840},
		{in: "192.0.2.0/28", prefix: "192.0.2.0/28"},
		{in: "192.0.2.7/28", prefix: "192.0.2.0/28"},
		{in: "2001:db8::/120", prefix: "2001:db8::/120"},
		{in: "10.0.0.0/8", wantErr: "at most 65536"},
		{in: "host:0", wantErr: "not a port"},
		{in: "host:99999", wantErr: "not a port"},
		{in: "http://host/", wantErr: "not a CIDR"},
		{in: "bad host", wantErr: "neither an address nor a host name"},
		{in: "", wantErr: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Host != tt.host || got.Port != tt.port || (tt.prefix != "" && got.Prefix.String() != tt.prefix) {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	parse := func(s ...string) []Target {
		var out []Target
		for _, x := range s {
			tg, err := ParseTarget(x)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, tg)
		}
		return out
	}
	tests := []struct {
		name    string
		targets []Target
		ports   []int
		want    []string
	}{
		{"host:port ignores the list", parse("192.0.2.1:502"), []int{22, 80}, []string{"192.0.2.1:502"}},
		{"host gets the list", parse("192.0.2.1"), []int{22, 80}, []string{"192.0.2.1:22", "192.0.2.1:80"}},
		{"IPv4 /30 without network and broadcast", parse("192.0.2.0/30"), []int{502}, []string{"192.0.2.1:502", "192.0.2.2:502"}},
		{"IPv4 /31 keeps both", parse("192.0.2.0/31"), []int{502}, []string{"192.0.2.0:502", "192.0.2.1:502"}},
		{"duplicates once", parse("192.0.2.1:80", "192.0.2.1"), []int{80}, []string{"192.0.2.1:80"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eps, err := expand(tt.targets, tt.ports)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range eps {
				got = append(got, net.JoinHostPort(e.host, strconv.Itoa(e.port)))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	many := parse("10.0.0.0/16", "10.1.0.0/16")
	if _, err := expand(many, []int{1}); err == nil {
		t.Error("two /16 prefixes expanded; want the address limit")
	}
}

func TestParsePorts(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"502", []int{502}, false},
		{"80, 443,80", []int{80, 443}, false},
		{"8000-8002", []int{8000, 8001, 8002}, false},
		{"modbus,mqtts", []int{502, 8883}, false},
		{"opc-ua", []int{4840}, false},
		{"0", nil, true},
		{"9-3", nil, true},
		{"nosuchprotocol", nil, true},
		{",", nil, true},
	}
	for _, tt := range tests {
		got, err := ParsePorts(tt.in)
		if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
			t.Errorf("ParsePorts(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	if d := DefaultPorts(); !slices.Contains(d, 502) || !slices.Contains(d, 4840) || !slices.Contains(d, 8883) || !slices.Contains(d, 22) || !slices.IsSorted(d) {
		t.Errorf("DefaultPorts %v lacks registered ports", d)
	}
}

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SSH-2.0-x\r\n", "SSH-2.0-x"},
		{"\xff\xfb\x01login: ", `\xff\xfb\x01login: `},
		{"caf\xc3\xa9", "café"},
		{"\x00\x7f", `\x00\x7f`},
	}
	for _, tt := range tests {
		if got := printable([]byte(tt.in), 100); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := printable(bytes.Repeat([]byte("a"), 300), 128); len(got) != 128 {
		t.Errorf("not cut: %d", len(got))
	}
}

// TestModbusRequestsAreReads pins the safety property: the encoder builds
// only function 43/14 and function 3 requests.
func TestModbusRequestsAreReads(t *testing.T) {
	for _, kind := range []modbusRead{readDeviceID, readHoldingRegister} {
		for _, obj := range []byte{0, 3, 0x80, 0xff} {
			b := modbusRequest(7, kind, obj)
			if len(b) < 8 || binary.BigEndian.Uint16(b[2:]) != 0 || int(binary.BigEndian.Uint16(b[4:])) != len(b)-6 {
				t.Fatalf("malformed MBAP frame % x", b)
			}
			switch fc := b[7]; {
			case fc == fcEncapsulated && b[8] == meiDeviceID:
			case fc == fcReadHolding && len(b) == 12:
			default:
				t.Errorf("request % x is not a read", b)
			}
		}
	}
}

func TestParseDeviceID(t *testing.T) {
	pdu := []byte{0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x03,
		0x00, 0x04, 'A', 'c', 'm', 'e',
		0x01, 0x02, 'P', '1',
		0x02, 0x03, '1', '.', '0'}
	ids := map[string]string{}
	more, _, err := parseDeviceID(pdu, ids)
	if err != nil || more {
		t.Fatal(err, more)
	}
	if ids["VendorName"] != "Acme" || ids["ProductCode"] != "P1" || ids["MajorMinorRevision"] != "1.0" {
		t.Errorf("got %v", ids)
	}
	if _, _, err := parseDeviceID(pdu[:len(pdu)-1], map[string]string{}); err == nil {
		t.Error("truncated object accepted")
	}
}

func TestParseKexInit(t *testing.T) {
	var payload []byte
	payload = append(payload, 20)
	payload = append(payload, make([]byte, 16)...)
	lists := []string{"curve25519-sha256,diffie-hellman-group1-sha1", "ssh-ed25519", "aes128-ctr", "aes256-ctr", "hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""}
	for _, l := range lists {
		payload = binary.BigEndian.AppendUint32(payload, uint32(len(l)))
		payload = append(payload, l...)
	}
	payload = append(payload, 0, 0, 0, 0, 0)
	pad := 8 - (len(payload)+5)%8 + 4
	pkt := binary.BigEndian.AppendUint32(nil, uint32(1+len(payload)+pad))
	pkt = append(pkt, byte(pad))
	pkt = append(pkt, payload...)
	pkt = append(pkt, make([]byte, pad)...)
	banner, k, err := parseSSHServer(append([]byte("hello\r\nSSH-2.0-Test_1.0\r\n"), pkt...))
	if err != nil || banner != "SSH-2.0-Test_1.0" {
		t.Fatalf("%q %v", banner, err)
	}
	if !slices.Equal(k.kex, []string{"curve25519-sha256", "diffie-hellman-group1-sha1"}) || !slices.Equal(k.ciphers, []string{"aes128-ctr", "aes256-ctr"}) || !slices.Equal(k.macs, []string{"hmac-sha2-256"}) {
		t.Errorf("got %+v", k)
	}
	if _, _, err := parseSSHServer(append([]byte("SSH-2.0-x\r\n"), pkt[:len(pkt)-20]...)); err == nil {
		t.Error("truncated KEXINIT accepted")
	}
}

// TestClientHelloAcceptedByGo hands the probe's hellos to crypto/tls's
// server: it must parse them and answer with the version and a suite
// offered.
func TestClientHelloAcceptedByGo(t *testing.T) {
	cert := newPKI(t)
	pair, err := tls.LoadX509KeyPair(cert.certFile, cert.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		spec    helloSpec
		version uint16
	}{
		{"TLS 1.3", helloSpec{version: VersionTLS13, suites: offerable(VersionTLS13), groups: groupIDs(false), keyShare: groupX25519, serverName: "localhost"}, VersionTLS13},
		{"TLS 1.3 HelloRetryRequest", helloSpec{version: VersionTLS13, suites: offerable(VersionTLS13), groups: []uint16{groupP256}}, VersionTLS13},
		{"TLS 1.2", helloSpec{version: VersionTLS12, suites: offerable(VersionTLS12), groups: groupIDs(true)}, VersionTLS12},
		{"TLS 1.0", helloSpec{version: VersionTLS10, suites: offerable(VersionTLS10), groups: groupIDs(true)}, VersionTLS10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, srv := net.Pipe()
			defer client.Close()
			go func() {
				s := tls.Server(srv, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS10})
				_ = s.Handshake()
				s.Close()
			}()
			hello, err := clientHello(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			_ = client.SetDeadline(time.Now().Add(5 * time.Second))
			go func() { _, _ = client.Write(hello) }()
			f, err := readFlight(bufio.NewReader(client), false)
			if err != nil {
				t.Fatal(err)
			}
			if f.hello.version != tt.version || !slices.Contains(tt.spec.suites, f.hello.suite) {
				t.Errorf("server hello %+v", f.hello)
			}
			if tt.name == "TLS 1.3 HelloRetryRequest" && (!f.hello.retry || f.hello.group != groupP256) {
				t.Errorf("want a HelloRetryRequest for secp256r1, got %+v", f.hello)
			}
		})
	}
}

// checkClientHello parses a hello record and checks its framing, so that
// the fuzz target can tell a well-formed hello from a broken one.
func checkClientHello(rec []byte, spec helloSpec) error {
	s := cryptobyte.String(rec)
	var typ uint8
	var recVer uint16
	var body cryptobyte.String
	if !s.ReadUint8(&typ) || typ != recordHandshake || !s.ReadUint16(&recVer) || !s.ReadUint16LengthPrefixed(&body) || !s.Empty() {
		return errors.New("bad record")
	}
	var hs cryptobyte.String
	var ht uint8
	if !body.ReadUint8(&ht) || ht != typeClientHello || !body.ReadUint24LengthPrefixed(&hs) || !body.Empty() {
		return errors.New("bad handshake header")
	}
	var ver uint16
	var random, sid, suites, comp, exts cryptobyte.String
	if !hs.ReadUint16(&ver) || !hs.ReadBytes((*[]byte)(&random), 32) || !hs.ReadUint8LengthPrefixed(&sid) ||
		!hs.ReadUint16LengthPrefixed(&suites) || !hs.ReadUint8LengthPrefixed(&comp) || !hs.ReadUint16LengthPrefixed(&exts) || !hs.Empty() {
		return errors.New("bad hello body")
	}
	if n := len(spec.suites); len(suites) != 2*n && len(suites) != 2*n+2 {
		return fmt.Errorf("suites length %d for %d suites", len(suites), n)
	}
	seen := map[uint16]bool{}
	for !exts.Empty() {
		var et uint16
		var ed cryptobyte.String
		if !exts.ReadUint16(&et) || !exts.ReadUint16LengthPrefixed(&ed) {
			return errors.New("bad extension")
		}
		if seen[et] {
			return fmt.Errorf("extension %d twice", et)
		}
		seen[et] = true
	}
	if spec.version >= VersionTLS13 && (!seen[extSupportedVersions] || !seen[extKeyShare]) {
		return errors.New("TLS 1.3 hello without supported_versions or key_share")
	}
	return nil
}

func TestHTTP(t *testing.T) {
	form := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/login.html", http.StatusFound)
			return
		}
		fmt.Fprint(w, `<form><input name=u><INPUT TYPE="password" name=p></form>`)
	})
	hardened := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Server", "hardened")
		fmt.Fprint(w, "ok")
	})
	// Go's net/http server, for what busybox httpd cannot be set up to do.
	goServer := func(h http.Handler, tls bool) func(t *testing.T) int {
		return func(t *testing.T) int {
			s := httptest.NewUnstartedServer(h)
			if tls {
				s.StartTLS()
			} else {
				s.Start()
			}
			t.Cleanup(s.Close)
			return s.Listener.Addr().(*net.TCPAddr).Port
		}
	}
	busybox := func(t *testing.T) int { return busyboxHTTPD(t, "admin", "wago") }
	tests := []struct {
		name     string
		start    func(t *testing.T) int
		noCreds  bool
		protocol string
		login    bool
		scheme   string
		creds    []string
		attempts int
		missing  []string
	}{
		{name: "busybox httpd, basic auth with a default password", start: busybox, protocol: "http", login: true, scheme: "basic", creds: []string{"admin"}, attempts: 8,
			missing: []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"}},
		{name: "busybox httpd, credentials off", start: busybox, noCreds: true, protocol: "http", login: true, scheme: "basic"},
		{name: "form login over plain HTTP after a redirect", start: goServer(form, false), protocol: "http", login: true, scheme: "form"},
		{name: "hardened HTTPS", start: goServer(hardened, true), protocol: "https", missing: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := probeOne(t, tt.start(t), Config{NoCredentials: tt.noCreds})
			if ep.Protocol != tt.protocol || ep.HTTP == nil {
				t.Fatalf("protocol %q http %+v; errors %v", ep.Protocol, ep.HTTP, ep.Errors)
			}
			h := ep.HTTP
			if h.LoginPage != tt.login || h.AuthScheme != tt.scheme || !slices.Equal(h.DefaultCredentials, tt.creds) || h.CredentialAttempts != tt.attempts {
				t.Errorf("got %+v", h)
			}
			if tt.missing != nil && !slices.Equal(h.MissingHeaders, tt.missing) {
				t.Errorf("missing headers %v, want %v", h.MissingHeaders, tt.missing)
			}
			if ep.Banner != "" {
				t.Errorf("banner %q on a detected HTTP server", ep.Banner)
			}
			s := scan.Summarize("", ep)
			if s.PlaintextLogin != (tt.login && tt.protocol == "http") || s.DefaultCreds != (len(tt.creds) > 0) {
				t.Errorf("summary %+v", s)
			}
		})
	}
}

// TestDryRunSendsNothing checks that a dry run opens no connection and
// lists every endpoint.
func TestDryRunSendsNothing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	tg1, _ := ParseTarget("127.0.0.1:" + strconv.Itoa(port))
	tg2, _ := ParseTarget("192.0.2.0/30")
	p, err := DryRun(Config{Ports: []int{502, 8883}}, []Target{tg1, tg2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Endpoints) != 5 {
		t.Errorf("%d endpoints, want 1 + 2×2", len(p.Endpoints))
	}
	var modbus PlanEndpoint
	for _, e := range p.Endpoints {
		if e.Port == 502 {
			modbus = e
		}
	}
	if len(modbus.Steps) == 0 || !strings.HasPrefix(modbus.Steps[0], "modbus: ") {
		t.Errorf("port 502 does not start with the Modbus probe: %v", modbus.Steps)
	}
	select {
	case <-accepted:
		t.Error("the dry run connected")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestRateAndConcurrency checks the bounds: a run over many ports of a
// stalling peer never holds more connections than endpoints in flight,
// and opens them no faster than the rate.
func TestRateAndConcurrency(t *testing.T) {
	var mu = make(chan struct{}, 1)
	open, peak, total := 0, 0, 0
	var listeners []net.Listener
	var targets []Target
	for i := 0; i < 6; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu <- struct{}{}
				open++
				total++
				peak = max(peak, open)
				<-mu
				go func() {
					// Close at once: each probe step ends fast.
					buf := make([]byte, 64)
					_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
					_, _ = c.Read(buf)
					c.Close()
					mu <- struct{}{}
					open--
					<-mu
				}()
			}
		}()
		tg, _ := ParseTarget(l.Addr().String())
		targets = append(targets, tg)
	}
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	const rate = 40
	start := time.Now()
	if _, err := Run(context.Background(), Config{Concurrency: 2, Rate: rate, Timeout: 300 * time.Millisecond}, targets); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	mu <- struct{}{}
	defer func() { <-mu }()
	if peak > 2 {
		t.Errorf("%d connections open at once, want at most 2 (concurrency)", peak)
	}
	if max := rate*elapsed.Seconds() + 2; float64(total) > max {
		t.Errorf("%d connections in %s, more than rate %d/s allows", total, elapsed, rate)
	}
	if total < 6 {
		t.Errorf("only %d connections", total)
	}
}

func TestOfferableOrder(t *testing.T) {
	below := offerable(VersionTLS12)
	// Every suite of the common families within the first 128, for
	// servers that read no further.
	for _, id := range []uint16{0xC02F, 0xC030, 0xCCA8, 0x009E, 0x002F, 0x0035, 0x000A, 0x0005, 0x0004, 0x0009, 0x0001, 0x0002, 0xC013, 0x0034} {
		if i := slices.Index(below, id); i < 0 || i >= maxOffer {
			t.Errorf("%s at %d", SuiteName(id), i)
		}
	}
	if i := slices.Index(below, 0x008C); i < maxOffer { // TLS_PSK_WITH_AES_128_CBC_SHA
		t.Errorf("a PSK suite at %d, within the first %d", i, maxOffer)
	}
}

func TestOfferable(t *testing.T) {
	if n := len(offerable(VersionTLS13)); n != 5 {
		t.Errorf("%d TLS 1.3 suites", n)
	}
	below := offerable(VersionTLS12)
	if len(below) < 300 || slices.Contains(below, 0x1301) || !slices.Contains(below, 0x000A) || !slices.Contains(below, 0xC02F) {
		t.Errorf("%d suites below TLS 1.3", len(below))
	}
	if s, ok := SuiteByID(0xC030); !ok || s.Name != "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384" || s.Kx != "ECDH" || s.Bits != 256 {
		t.Errorf("0xC030 = %+v", s)
	}
	if !scanWeak(0x0004) || scanWeak(0xC02F) {
		t.Error("RC4 not weak or AES-GCM weak")
	}
}

func scanWeak(id uint16) bool { return scan.WeakCipher(SuiteName(id)) }

func TestEncryptedOnPort(t *testing.T) {
	tests := []struct {
		port int
		want string
	}{
		{443, "https"}, {8883, "mqtts"}, {4843, "opcua-https"}, {19999, "dnp3-tls"}, {22, ""}, {161, ""}, {12345, ""},
	}
	for _, tt := range tests {
		if got, _ := encryptedOnPort(tt.port); got != tt.want {
			t.Errorf("encryptedOnPort(%d) = %q, want %q", tt.port, got, tt.want)
		}
	}
}

// TestClosedPorts checks that closed ports are left out whatever protocol
// is registered on them, and that the run is quick.
func TestClosedPorts(t *testing.T) {
	var closed []int
	for _, p := range []int{21, 22, 23, 80, 102, 443, 502, 1883, 4840, 8883, 20000, 44818} {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(p), time.Second); err == nil {
			c.Close() // something listens here on this machine
			continue
		}
		closed = append(closed, p)
	}
	if len(closed) == 0 {
		t.Skip("no closed port to test")
	}
	tg, _ := ParseTarget("127.0.0.1")
	start := time.Now()
	f, err := Run(context.Background(), Config{Ports: closed, Timeout: time.Second, Rate: 10000}, []Target{tg})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Endpoints) != 0 {
		t.Errorf("closed ports reported open: %+v", f.Endpoints)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s", d)
	}
}
