package probe

// Real peers for the tests: Debian's openssl s_server, mosquitto, sshd and
// pymodbus, and gopcua's OPC UA server, each started on a free loopback
// port and killed when the test ends. A missing binary skips the test,
// unless INSURABLE_REQUIRE_PEERS=1, when it fails it.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopcua/opcua/server"
	"github.com/gopcua/opcua/ua"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pki != nil {
		os.RemoveAll(pki.dir)
	}
	os.Exit(code)
}

// needBinary returns the path of a peer's program, or skips the test when
// it is missing (fails it when INSURABLE_REQUIRE_PEERS=1).
func needBinary(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if filepath.IsAbs(n) {
			if _, err := os.Stat(n); err == nil {
				return n
			}
		}
	}
	missingPeer(t, "%s not installed", names[0])
	return ""
}

func missingPeer(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("INSURABLE_REQUIRE_PEERS") == "1" {
		t.Fatalf("INSURABLE_REQUIRE_PEERS=1 but "+format, args...)
	}
	t.Skipf(format, args...)
}

// freePort returns a loopback port nothing listens on.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitAccepting waits until addr accepts TCP connections.
func waitAccepting(t testing.TB, addr string, cmd *exec.Cmd, log *strings.Builder) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if cmd != nil && cmd.ProcessState != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := ""
	if log != nil {
		out = log.String()
	}
	t.Fatalf("%s does not accept connections: %s", addr, out)
}

// syncBuilder is a strings.Builder safe for a process's two streams.
type syncBuilder struct {
	mu sync.Mutex
	strings.Builder
}

func (b *syncBuilder) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Builder.Write(p)
}

// startPeer runs a server program until the test ends and waits until port
// accepts.
func startPeer(t testing.TB, port int, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var log syncBuilder
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.Stdin = nil
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited: %s", name, log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("%s does not accept on %s: %s", name, addr, log.String())
}

// testPKI is a firm root and a server certificate it issued for
// 127.0.0.1 and localhost, written as PEM files.
type testPKI struct {
	dir                    string
	rootFile               string
	certFile, keyFile      string
	root                   *x509.CertPool
	rsaKey                 *rsa.PrivateKey
	rsaCertDER             []byte
	clientCert, clientKey  string
	weakCertFile, weakKeyF string
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	pkiErr  error
)

// newPKI builds the test PKI once per test binary.
func newPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pki, pkiErr = makePKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pki
}

func makePKI() (*testPKI, error) {
	dir, err := os.MkdirTemp("", "insurable-probe-pki")
	if err != nil {
		return nil, err
	}
	// World-readable, so that servers that drop privileges (mosquitto) can
	// read the keys; they are throwaway test keys.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	p := &testPKI{dir: dir}
	now := time.Now()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Firm Root CA", Organization: []string{"Test Firm"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	rootCert, _ := x509.ParseCertificate(rootDER)
	p.root = x509.NewCertPool()
	p.root.AddCert(rootCert)
	p.rootFile = filepath.Join(dir, "root.pem")
	if err := writePEM(p.rootFile, "CERTIFICATE", rootDER); err != nil {
		return nil, err
	}
	issue := func(name string, bits int, eku x509.ExtKeyUsage, uri string) (string, string, *rsa.PrivateKey, []byte, error) {
		key, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			return "", "", nil, nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: name, Organization: []string{"Test Firm"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment | x509.KeyUsageContentCommitment,
			ExtKeyUsage: []x509.ExtKeyUsage{eku, x509.ExtKeyUsageClientAuth},
			DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		if uri != "" {
			u, _ := url.Parse(uri)
			tmpl.URIs = []*url.URL{u}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, rootCert, &key.PublicKey, rootKey)
		if err != nil {
			return "", "", nil, nil, err
		}
		cf, kf := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
		if err := writePEM(cf, "CERTIFICATE", der); err != nil {
			return "", "", nil, nil, err
		}
		if err := writePEM(kf, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)); err != nil {
			return "", "", nil, nil, err
		}
		return cf, kf, key, der, nil
	}
	if p.certFile, p.keyFile, p.rsaKey, p.rsaCertDER, err = issue("server", 2048, x509.ExtKeyUsageServerAuth, "urn:insurable:test:opcua"); err != nil {
		return nil, err
	}
	if p.clientCert, p.clientKey, _, _, err = issue("client", 2048, x509.ExtKeyUsageClientAuth, ""); err != nil {
		return nil, err
	}
	if p.weakCertFile, p.weakKeyF, _, _, err = issue("weak", 1024, x509.ExtKeyUsageServerAuth, ""); err != nil {
		return nil, err
	}
	return p, nil
}

func writePEM(name, typ string, der []byte) error {
	return os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644)
}

// opensslServer starts openssl s_server with extra arguments on a free
// port and returns the port.
func opensslServer(t testing.TB, extra ...string) int {
	t.Helper()
	bin := needBinary(t, "openssl")
	p := newPKI(t)
	port := freePort(t)
	args := []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port), "-cert", p.certFile, "-key", p.keyFile, "-CAfile", p.rootFile, "-www", "-quiet", "-naccept", "100000"}
	startPeer(t, port, bin, append(args, extra...)...)
	return port
}

// mosquittoServers starts one mosquitto with an anonymous listener and a
// TLS listener with password authentication, and returns both ports.
func mosquittoServers(t testing.TB) (anon, tlsPort int) {
	t.Helper()
	bin := needBinary(t, "mosquitto", "/usr/sbin/mosquitto")
	pw := needBinary(t, "mosquitto_passwd")
	p := newPKI(t)
	// mosquitto reads its files after dropping to its own user: t.TempDir
	// is not readable by it.
	dir, err := os.MkdirTemp("", "insurable-mosquitto")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	anon, tlsPort = freePort(t), freePort(t)
	pwFile := filepath.Join(dir, "passwd")
	if err := os.WriteFile(pwFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(pw, "-b", pwFile, "operator", "s3cret-Pa55").CombinedOutput(); err != nil {
		t.Fatalf("mosquitto_passwd: %v: %s", err, out)
	}
	if err := os.Chmod(pwFile, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`per_listener_settings true
listener %d 127.0.0.1
allow_anonymous true
listener %d 127.0.0.1
allow_anonymous false
password_file %s
certfile %s
keyfile %s
`, anon, tlsPort, pwFile, p.certFile, p.keyFile)
	cf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	startPeer(t, anon, bin, "-c", cf)
	waitAccepting(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort)), nil, nil)
	return anon, tlsPort
}

// sshServer starts Debian's sshd on a free port with a fresh host key,
// password authentication on or off.
func sshServer(t testing.TB, password bool) int {
	t.Helper()
	bin := needBinary(t, "sshd", "/usr/sbin/sshd")
	keygen := needBinary(t, "ssh-keygen")
	if os.Geteuid() != 0 {
		missingPeer(t, "sshd needs root")
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	port := freePort(t)
	yes := map[bool]string{true: "yes", false: "no"}[password]
	conf := fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPasswordAuthentication %s\nKbdInteractiveAuthentication no\nUsePAM no\nPidFile none\n", port, key, yes)
	cf := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll("/run/sshd", 0o755) // privilege separation directory
	startPeer(t, port, bin, "-D", "-e", "-f", cf)
	return port
}

// modbusServerScript runs pymodbus's asyncio TCP server with 100 holding
// registers and, when its second argument is "identity", a device
// identification.
const modbusServerScript = `
import sys
from pymodbus.server import StartTcpServer
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusSlaveContext, ModbusServerContext
store = ModbusSlaveContext(hr=ModbusSequentialDataBlock(0, [17] * 100))
ctx = ModbusServerContext(slaves=store, single=True)
ident = None
if sys.argv[2] == "identity":
    ident = ModbusDeviceIdentification(info_name={"VendorName": "Insurable Test Plant", "ProductCode": "IT-PLC", "MajorMinorRevision": "3.0.0"})
StartTcpServer(context=ctx, identity=ident, address=("127.0.0.1", int(sys.argv[1])))
`

// modbusServer starts Debian's python3-pymodbus server, with or without a
// device identification.
func modbusServer(t testing.TB, identity bool) int {
	t.Helper()
	py := needBinary(t, "/usr/bin/python3")
	if err := exec.Command(py, "-c", "import pymodbus.server").Run(); err != nil {
		missingPeer(t, "python3-pymodbus (with python3-serial-asyncio) not installed: %v", err)
	}
	port := freePort(t)
	startPeer(t, port, py, "-c", modbusServerScript, strconv.Itoa(port), map[bool]string{true: "identity", false: "none"}[identity])
	return port
}

// opcuaServer starts gopcua's server in-process with the given security
// policies and user token types, and returns its port.
func opcuaServer(t testing.TB, secure bool) int {
	t.Helper()
	p := newPKI(t)
	port := freePort(t)
	opts := []server.Option{
		server.EndPoint("127.0.0.1", port),
		server.PrivateKey(p.rsaKey),
		server.Certificate(p.rsaCertDER),
		server.ServerName("insurable test OPC UA server"),
	}
	if secure {
		opts = append(opts,
			server.EnableSecurity("Basic256Sha256", ua.MessageSecurityModeSignAndEncrypt),
			server.EnableAuthMode(ua.UserTokenTypeUserName))
	} else {
		opts = append(opts,
			server.EnableSecurity("None", ua.MessageSecurityModeNone),
			server.EnableAuthMode(ua.UserTokenTypeAnonymous))
	}
	s := server.New(opts...)
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.Start(ctx); err != nil {
		cancel()
		t.Fatalf("OPC UA server: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = s.Close()
	})
	waitAccepting(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil, nil)
	return port
}

// ftpServer starts Debian's vsftpd on a free port (logins are possible
// but the probe attempts none).
func ftpServer(t testing.TB) int {
	t.Helper()
	bin := needBinary(t, "vsftpd", "/usr/sbin/vsftpd")
	if os.Geteuid() != 0 {
		missingPeer(t, "vsftpd needs root")
	}
	dir := t.TempDir()
	port := freePort(t)
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf("listen=YES\nlisten_address=127.0.0.1\nlisten_port=%d\nbackground=NO\nanonymous_enable=NO\nlocal_enable=YES\nsecure_chroot_dir=%s\n", port, empty)
	cf := filepath.Join(dir, "vsftpd.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	startPeer(t, port, bin, cf)
	return port
}

// busyboxHTTPD starts Debian's busybox httpd, the web server of many
// embedded devices, with HTTP basic authentication on every page.
func busyboxHTTPD(t testing.TB, user, pass string) int {
	t.Helper()
	bin := needBinary(t, "busybox")
	if list, err := exec.Command(bin, "--list").Output(); err != nil || !strings.Contains(string(list), "httpd\n") {
		missingPeer(t, "busybox has no httpd applet: %v", err)
	}
	dir := t.TempDir()
	www := filepath.Join(dir, "www")
	if err := os.Mkdir(www, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(www, "index.html"), []byte("<html><body>PLC status</body></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "httpd.conf")
	if err := os.WriteFile(conf, []byte("/:"+user+":"+pass+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	startPeer(t, port, bin, "httpd", "-f", "-p", "127.0.0.1:"+strconv.Itoa(port), "-h", www, "-c", conf)
	return port
}

// telnetServer runs Debian's inetutils telnetd the way inetd does, one
// process per connection, with socat as the super-server.
func telnetServer(t testing.TB) int {
	t.Helper()
	socat := needBinary(t, "socat")
	telnetd := needBinary(t, "/usr/sbin/telnetd", "/usr/sbin/in.telnetd")
	port := freePort(t)
	startPeer(t, port, socat, fmt.Sprintf("TCP-LISTEN:%d,bind=127.0.0.1,reuseaddr,fork", port), "EXEC:"+telnetd)
	return port
}
