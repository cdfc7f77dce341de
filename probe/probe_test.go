package probe

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/insurable/insurable/scan"
)

// probeOne probes 127.0.0.1:port and returns its endpoint.
func probeOne(t *testing.T, port int, cfg Config) *scan.Endpoint {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.Rate == 0 {
		cfg.Rate = 5000
	}
	tg, err := ParseTarget("127.0.0.1:" + strconv.Itoa(port))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f, err := Run(ctx, cfg, []Target{tg})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Endpoints) != 1 {
		t.Fatalf("%d endpoints, want 1: %+v", len(f.Endpoints), f.Endpoints)
	}
	return &f.Endpoints[0]
}

func offered(r *scan.TLSResult) map[string][]string {
	m := map[string][]string{}
	for _, v := range r.Versions {
		if v.Offered {
			m[v.Version] = v.Ciphers
		}
	}
	return m
}

func TestTLSAgainstOpenSSL(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		name       string
		args       []string
		roots      bool
		versions   []string // offered, oldest first
		suites     map[string][]string
		weak       bool
		clientAuth string
		chainValid bool
		keyBits    int
		protocol   string // "https" when empty
	}{
		{
			name:     "modern TLS 1.2 and 1.3",
			args:     []string{"-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384", "-serverpref"},
			roots:    true,
			versions: []string{"TLSv1.2", "TLSv1.3"},
			suites: map[string][]string{
				"TLSv1.2": {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
				"TLSv1.3": {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"},
			},
			clientAuth: "none", chainValid: true, keyBits: 2048,
		},
		{
			name:     "TLS 1.0 only with weak suites",
			args:     []string{"-tls1", "-cipher", "AES128-SHA:NULL-MD5:ADH-AES128-SHA:@SECLEVEL=0"},
			roots:    true,
			versions: []string{"TLSv1.0"},
			suites: map[string][]string{
				"TLSv1.0": {"TLS_DH_anon_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_NULL_MD5"},
			},
			weak: true, clientAuth: "none", chainValid: true, keyBits: 2048,
		},
		{
			name:       "system roots do not trust the firm's CA",
			args:       []string{"-tls1_3"},
			versions:   []string{"TLSv1.3"},
			clientAuth: "none", chainValid: false, keyBits: 2048,
		},
		{
			name:       "client certificate required, TLS 1.3",
			args:       []string{"-tls1_3", "-Verify", "1"},
			roots:      true,
			versions:   []string{"TLSv1.3"},
			clientAuth: "required", chainValid: true, keyBits: 2048,
		},
		{
			name:       "client certificate required, TLS 1.2",
			args:       []string{"-tls1_2", "-Verify", "1"},
			roots:      true,
			versions:   []string{"TLSv1.2"},
			clientAuth: "required", chainValid: true, keyBits: 2048,
		},
		{
			name:       "client certificate optional",
			args:       []string{"-tls1_2", "-verify", "1"},
			roots:      true,
			versions:   []string{"TLSv1.2"},
			clientAuth: "optional", chainValid: true, keyBits: 2048,
		},
		{
			name:       "TLS 1.2 with DHE suites only (Go lacks them: certificate from the raw flight)",
			args:       []string{"-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA"},
			roots:      true,
			versions:   []string{"TLSv1.2"},
			suites:     map[string][]string{"TLSv1.2": {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"}},
			clientAuth: "none", chainValid: true, keyBits: 2048, protocol: "unknown",
		},
		{
			name:       "client certificate required, TLS 1.0 only",
			args:       []string{"-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0", "-Verify", "1"},
			roots:      true,
			versions:   []string{"TLSv1.0"},
			clientAuth: "required", chainValid: true, keyBits: 2048,
		},
		{
			name:       "client certificate optional, TLS 1.0 only",
			args:       []string{"-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0", "-verify", "1"},
			roots:      true,
			versions:   []string{"TLSv1.0"},
			clientAuth: "optional", chainValid: true, keyBits: 2048,
		},
		{
			name:       "weak RSA key",
			args:       []string{"-tls1_2", "-cert", p.weakCertFile, "-key", p.weakKeyF, "-cipher", "DEFAULT:@SECLEVEL=0"},
			roots:      true,
			versions:   []string{"TLSv1.2"},
			clientAuth: "none", chainValid: true, keyBits: 1024,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := opensslServer(t, tt.args...)
			cfg := Config{}
			if tt.roots {
				cfg.Roots = p.root
			}
			ep := probeOne(t, port, cfg)
			if ep.TLS == nil {
				t.Fatalf("no TLS result: %+v", ep)
			}
			accepted := offered(ep.TLS)
			var vs []string
			for _, v := range ep.TLS.Versions {
				if v.Offered {
					vs = append(vs, v.Version)
				}
			}
			if !slices.Equal(vs, tt.versions) {
				t.Errorf("versions %v, want %v", vs, tt.versions)
			}
			for v, want := range tt.suites {
				got := slices.Sorted(slices.Values(accepted[v]))
				if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
					t.Errorf("%s suites %v, want %v", v, got, want)
				}
			}
			if len(ep.TLS.Versions) != 5 {
				t.Errorf("%d versions reported, want all 5", len(ep.TLS.Versions))
			}
			s := scan.Summarize("", ep)
			if (len(s.WeakCiphers) > 0) != tt.weak {
				t.Errorf("weak suites %v, want weak=%v", s.WeakCiphers, tt.weak)
			}
			if ep.TLS.ClientAuth != tt.clientAuth {
				t.Errorf("client auth %q, want %q (errors %v)", ep.TLS.ClientAuth, tt.clientAuth, ep.Errors)
			}
			c := ep.TLS.Certificate
			if c == nil {
				t.Fatalf("no certificate; errors %v", ep.Errors)
			}
			if c.ChainValid != tt.chainValid {
				t.Errorf("chain valid %v (%s), want %v", c.ChainValid, c.ChainError, tt.chainValid)
			}
			if c.KeyType != "RSA" || c.KeyBits != tt.keyBits {
				t.Errorf("key %s %d, want RSA %d", c.KeyType, c.KeyBits, tt.keyBits)
			}
			wantRoot := "system"
			if tt.roots {
				wantRoot = "firm"
			}
			if c.TrustRoot != wantRoot || c.NameMatch == nil || !*c.NameMatch {
				t.Errorf("trust root %q name match %v, want %q and a match", c.TrustRoot, c.NameMatch, wantRoot)
			}
			// Without a client certificate, or without a suite Go has,
			// nothing can be said inside.
			wantProto := tt.protocol
			switch {
			case wantProto != "":
			case tt.clientAuth == "required":
				wantProto = "unknown"
			default:
				wantProto = "https"
			}
			if ep.Protocol != wantProto {
				t.Errorf("protocol %q, want %s (s_server -www)", ep.Protocol, wantProto)
			}
			if _, err := scan.Parse("x.json", mustJSON(t, &scan.File{Format: scan.Format, Endpoints: []scan.Endpoint{*ep}})); err != nil {
				t.Errorf("result does not parse back: %v", err)
			}
		})
	}
}

func TestTLSGroups(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"TLS 1.3 by HelloRetryRequest", []string{"-tls1_3", "-groups", "secp384r1:x25519"}, []string{"secp384r1", "x25519"}},
		{"TLS 1.2 by ServerKeyExchange", []string{"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256", "-groups", "P-256:P-521"}, []string{"secp256r1", "secp521r1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := probeOne(t, opensslServer(t, tt.args...), Config{})
			got := slices.Clone(ep.TLS.Groups)
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("groups %v, want %v", ep.TLS.Groups, tt.want)
			}
		})
	}
}

func TestMQTT(t *testing.T) {
	anon, secure := mosquittoServers(t)
	p := newPKI(t)
	tests := []struct {
		name      string
		port      int
		protocol  string
		anonymous bool
		tls       bool
	}{
		{"anonymous listener", anon, "mqtt", true, false},
		{"TLS listener with password authentication", secure, "mqtts", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := probeOne(t, tt.port, Config{Roots: p.root})
			if ep.Protocol != tt.protocol || ep.MQTT == nil {
				t.Fatalf("protocol %q mqtt %+v, want %s; errors %v", ep.Protocol, ep.MQTT, tt.protocol, ep.Errors)
			}
			if ep.MQTT.Anonymous != tt.anonymous || ep.MQTT.TLS != tt.tls {
				t.Errorf("anonymous %v tls %v, want %v %v", ep.MQTT.Anonymous, ep.MQTT.TLS, tt.anonymous, tt.tls)
			}
			if tt.tls && (ep.TLS == nil || ep.TLS.Certificate == nil || !ep.TLS.Certificate.ChainValid) {
				t.Errorf("TLS result %+v, want a valid chain to the firm root", ep.TLS)
			}
			if !tt.anonymous && ep.MQTT.ReturnCode != 5 {
				t.Errorf("CONNACK return code %d, want 5 (not authorised)", ep.MQTT.ReturnCode)
			}
		})
	}
}

func TestOPCUA(t *testing.T) {
	tests := []struct {
		name      string
		secure    bool
		policy    string
		mode      string
		anonymous bool
		encrypted bool
	}{
		{"SecurityPolicy None with anonymous tokens", false, "http://opcfoundation.org/UA/SecurityPolicy#None", "None", true, false},
		{"Basic256Sha256 only", true, "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256", "SignAndEncrypt", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := probeOne(t, opcuaServer(t, tt.secure), Config{})
			if ep.Protocol != "opcua" || ep.OPCUA == nil {
				t.Fatalf("protocol %q opcua %+v; errors %v", ep.Protocol, ep.OPCUA, ep.Errors)
			}
			if len(ep.OPCUA.Endpoints) == 0 {
				t.Fatalf("no endpoints; errors %v", ep.Errors)
			}
			for _, e := range ep.OPCUA.Endpoints {
				if e.SecurityPolicy != tt.policy || e.SecurityMode != tt.mode {
					t.Errorf("endpoint %+v, want policy %s mode %s", e, tt.policy, tt.mode)
				}
			}
			if ep.OPCUA.Anonymous != tt.anonymous {
				t.Errorf("anonymous %v, want %v", ep.OPCUA.Anonymous, tt.anonymous)
			}
			if s := scan.Summarize("", ep); s.Plaintext == tt.encrypted {
				t.Errorf("summary plaintext %v, want %v", s.Plaintext, !tt.encrypted)
			}
		})
	}
}

func TestModbus(t *testing.T) {
	tests := []struct {
		name     string
		identity bool
		function string
		vendor   string
	}{
		{"device identification (43/14)", true, "43/14", "Insurable Test Plant"},
		{"no identification: holding register read (3)", false, "3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := probeOne(t, modbusServer(t, tt.identity), Config{Timeout: 500 * time.Millisecond})
			if ep.Protocol != "modbus" || ep.Modbus == nil {
				t.Fatalf("protocol %q modbus %+v; errors %v", ep.Protocol, ep.Modbus, ep.Errors)
			}
			if !ep.Modbus.UnauthenticatedRead || ep.Modbus.Function != tt.function {
				t.Errorf("modbus %+v, want an unauthenticated %s read", ep.Modbus, tt.function)
			}
			if got := ep.Modbus.DeviceID["VendorName"]; got != tt.vendor {
				t.Errorf("VendorName %q, want %q", got, tt.vendor)
			}
			if s := scan.Summarize("", ep); !s.Anonymous || !s.Plaintext || s.StandardPort {
				t.Errorf("summary %+v: want anonymous, plaintext, non-standard port", s)
			}
		})
	}
}

func TestSSH(t *testing.T) {
	for _, password := range []bool{true, false} {
		t.Run(fmt.Sprintf("password authentication %v", password), func(t *testing.T) {
			ep := probeOne(t, sshServer(t, password), Config{})
			if ep.Protocol != "ssh" || ep.SSH == nil {
				t.Fatalf("protocol %q ssh %+v; errors %v", ep.Protocol, ep.SSH, ep.Errors)
			}
			s := ep.SSH
			if !strings.HasPrefix(s.Banner, "SSH-2.0-OpenSSH") {
				t.Errorf("banner %q", s.Banner)
			}
			if !slices.Contains(s.KEX, "curve25519-sha256") || !slices.Equal(s.HostKeys, []string{"ssh-ed25519"}) ||
				!slices.Contains(s.Ciphers, "aes256-gcm@openssh.com") || !slices.Contains(s.MACs, "hmac-sha2-256-etm@openssh.com") {
				t.Errorf("algorithms %+v", s)
			}
			if s.PasswordAuth != password {
				t.Errorf("password authentication %v, want %v", s.PasswordAuth, password)
			}
			if s.HostKey != "ssh-ed25519" || !strings.HasPrefix(s.HostKeyFingerprint, "SHA256:") {
				t.Errorf("host key %q %q", s.HostKey, s.HostKeyFingerprint)
			}
			if len(ep.Errors) > 0 {
				t.Errorf("errors %v", ep.Errors)
			}
			problem := slices.Contains(scan.Summarize("", ep).Problems, "SSH offers password authentication")
			if problem != password {
				t.Errorf("password problem reported %v, want %v", problem, password)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := jsonMarshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func TestFTP(t *testing.T) {
	ep := probeOne(t, ftpServer(t), Config{})
	if ep.Protocol != "ftp" || !strings.HasPrefix(ep.Banner, "220 (vsFTPd") {
		t.Fatalf("protocol %q banner %q; errors %v", ep.Protocol, ep.Banner, ep.Errors)
	}
	if s := scan.Summarize("", ep); !s.Plaintext || s.StandardPort {
		t.Errorf("summary %+v: want plaintext on a non-standard port", s)
	}
}

func TestTelnet(t *testing.T) {
	ep := probeOne(t, telnetServer(t), Config{})
	if ep.Protocol != "telnet" || !strings.HasPrefix(ep.Banner, `\xff`) {
		t.Fatalf("protocol %q banner %q; errors %v", ep.Protocol, ep.Banner, ep.Errors)
	}
	if s := scan.Summarize("", ep); !s.Plaintext || s.StandardPort {
		t.Errorf("summary %+v: want plaintext on a non-standard port", s)
	}
}

func TestMatchBanner(t *testing.T) {
	tests := []struct {
		banner string
		port   int
		want   string // the prober that matches, or ""
	}{
		{"SSH-2.0-OpenSSH_9.2\r\n", 2222, "ssh"},
		{"Welcome\r\nSSH-2.0-dropbear\r\n", 22, "ssh"},
		{"220 (vsFTPd 3.0.3)\r\n", 2121, "ftp"},
		{"220 Service ready\r\n", 21, "ftp"},
		{"220 mail.example ESMTP\r\n", 2525, ""},
		{"\xff\xfd\x18\xff\xfd\x20", 2323, "telnet"},
		{"login: ", 23, "telnet"},
		{"login: ", 2323, ""},
		{"\x16\x03\x03", 443, ""},
	}
	matchers := []bannerMatcher{SSH{}, FTP{}, Telnet{}}
	for _, tt := range tests {
		var got []string
		for _, m := range matchers {
			if m.MatchBanner([]byte(tt.banner), tt.port) {
				got = append(got, m.Name())
			}
		}
		want := []string{}
		if tt.want != "" {
			want = []string{tt.want}
		}
		if len(got) != len(want) || (len(got) == 1 && got[0] != want[0]) {
			t.Errorf("%q on %d: matched %v, want %v", tt.banner, tt.port, got, want)
		}
	}
}
