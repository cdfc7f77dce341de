//go:build testssl

package probe

// The comparison with testssl.sh takes minutes per endpoint, so it only
// builds with -tags testssl:
//
//	go test -tags testssl -run TestAgainstTestssl -timeout 30m -v ./probe
//
// It starts openssl s_server in several configurations and mosquitto's TLS
// listener, runs both testssl.sh (-p -E, JSON output) and the probe's TLS
// enumeration on each, and requires the same verdict for every protocol
// version and every cipher suite.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type testsslFile struct {
	ScanResult []struct {
		Protocols []struct {
			ID      string `json:"id"`
			Finding string `json:"finding"`
		} `json:"protocols"`
		CipherTests []struct {
			ID      string `json:"id"`
			Finding string `json:"finding"`
		} `json:"cipherTests"`
	} `json:"scanResult"`
}

// testsslVersions maps testssl's ids to the probe's version names.
var testsslVersions = map[string]string{
	"SSLv3": "SSLv3", "TLS1": "TLSv1.0", "TLS1_1": "TLSv1.1", "TLS1_2": "TLSv1.2", "TLS1_3": "TLSv1.3",
	"ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3",
}

// runTestssl returns, per version, whether testssl found it offered and
// the suite codes it found accepted.
func runTestssl(t *testing.T, bin string, port int) (map[string]bool, map[string][]uint16, time.Duration) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "testssl.json")
	start := time.Now()
	cmd := exec.Command(bin, "-p", "-E", "--quiet", "--color", "0", "--warnings", "off", "--jsonfile-pretty", out, "127.0.0.1:"+strconv.Itoa(port))
	log, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	data, rerr := os.ReadFile(out)
	if rerr != nil {
		t.Fatalf("testssl.sh: %v: %s", err, log)
	}
	var f testsslFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	offered := map[string]bool{}
	suites := map[string][]uint16{}
	for _, r := range f.ScanResult {
		for _, p := range r.Protocols {
			if v, ok := testsslVersions[p.ID]; ok {
				offered[v] = strings.HasPrefix(p.Finding, "offered")
			}
		}
		for _, c := range r.CipherTests {
			id := strings.TrimPrefix(c.ID, "cipher-")
			i := strings.LastIndex(id, "_x")
			if i < 0 {
				continue
			}
			v, ok := testsslVersions[id[:i]]
			code, err := strconv.ParseUint(id[i+2:], 16, 16)
			if !ok || err != nil {
				t.Fatalf("unexpected testssl id %q", c.ID)
			}
			suites[v] = append(suites[v], uint16(code))
		}
	}
	return offered, suites, elapsed
}

func TestAgainstTestssl(t *testing.T) {
	bin := needBinary(t, "testssl", "testssl.sh")
	anonMQ, tlsMQ := mosquittoServers(t)
	_ = anonMQ
	endpoints := []struct {
		name string
		port int
	}{
		{"openssl TLS 1.0 only, every suite (SECLEVEL=0, NULL and anonymous)", opensslServer(t, "-tls1", "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0")},
		{"openssl TLS 1.0-1.2, legacy suites", opensslServer(t, "-no_tls1_3", "-cipher", "ALL:@SECLEVEL=0")},
		{"openssl defaults (TLS 1.2 and 1.3)", opensslServer(t)},
		{"openssl TLS 1.3 only, two suites", opensslServer(t, "-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")},
		{"openssl TLS 1.1 only, ALL:@SECLEVEL=0", opensslServer(t, "-tls1_1", "-cipher", "ALL:@SECLEVEL=0")},
		{"openssl TLS 1.2 and 1.3, ChaCha20, CCM and ARIA, server preference", opensslServer(t, "-no_tls1", "-no_tls1_1", "-serverpref",
			"-cipher", "DHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES256-CCM:AES128-CCM8:ECDHE-ARIA256-GCM-SHA384:@SECLEVEL=0",
			"-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256")},
		{"mosquitto TLS listener", tlsMQ},
	}
	var report []string
	for _, e := range endpoints {
		t.Run(e.name, func(t *testing.T) {
			start := time.Now()
			ep := probeOne(t, e.port, Config{})
			ours := time.Since(start)
			wantOffered, wantSuites, theirs := runTestssl(t, bin, e.port)
			mismatches := 0
			for _, v := range ep.TLS.Versions {
				if v.Offered != wantOffered[v.Version] {
					t.Errorf("%s: probe says offered=%v, testssl.sh %v", v.Version, v.Offered, wantOffered[v.Version])
					mismatches++
				}
				var got []uint16
				for _, name := range v.Ciphers {
					got = append(got, suiteID(t, name))
				}
				slices.Sort(got)
				want := slices.Clone(wantSuites[v.Version])
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s suites differ:\n probe    %s\n testssl  %s", v.Version, hexList(got), hexList(want))
					mismatches++
				}
			}
			n := 0
			for _, s := range wantSuites {
				n += len(s)
			}
			line := fmt.Sprintf("%s: %d versions, %d suites compared, %d mismatches; probe %s, testssl.sh -p -E %s",
				e.name, len(ep.TLS.Versions), n, mismatches, ours.Round(time.Millisecond), theirs.Round(time.Second))
			report = append(report, line)
			t.Log(line)
		})
	}
	t.Log("summary:\n" + strings.Join(report, "\n"))
}

func suiteID(t *testing.T, name string) uint16 {
	for _, s := range suites {
		if s.Name == name {
			return s.ID
		}
	}
	t.Fatalf("unknown suite %q", name)
	return 0
}

func hexList(ids []uint16) string {
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%04x ", id)
	}
	return b.String()
}
