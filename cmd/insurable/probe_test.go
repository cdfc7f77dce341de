package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/scan"
)

func TestProbeCommandUsage(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.pem")
	notPEM := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want int
		in   string
	}{
		{"no target", []string{"probe"}, insurable.ExitUsage, "requires at least 1 arg"},
		{"bad target", []string{"probe", "not a host"}, insurable.ExitUsage, "neither an address nor a host name"},
		{"prefix too large", []string{"probe", "10.0.0.0/8"}, insurable.ExitUsage, "at most 65536"},
		{"bad ports", []string{"probe", "192.0.2.1", "--ports", "70000"}, insurable.ExitUsage, "--ports"},
		{"too many addresses", []string{"probe", "10.0.0.0/16", "10.1.0.0/16"}, insurable.ExitUsage, "addresses; at most 65536"},
		{"too many endpoints", []string{"probe", "10.0.0.0/16", "--ports", "1-100"}, insurable.ExitUsage, "endpoints; at most"},
		{"bad output", []string{"probe", "192.0.2.1", "-o", "xml"}, insurable.ExitUsage, "want one of text, json"},
		{"bad rate", []string{"probe", "192.0.2.1", "--rate", "0"}, insurable.ExitUsage, "--rate"},
		{"bad concurrency", []string{"probe", "192.0.2.1", "--concurrency", "0"}, insurable.ExitUsage, "--concurrency"},
		{"bad timeout", []string{"probe", "192.0.2.1", "--timeout", "-1s"}, insurable.ExitUsage, "--timeout"},
		{"missing root", []string{"probe", "192.0.2.1", "--root", missing}, insurable.ExitNotFound, "not found"},
		{"root not PEM", []string{"probe", "192.0.2.1", "--root", notPEM}, insurable.ExitInput, "no PEM CERTIFICATE"},
		{"dry run", []string{"probe", "192.0.2.0/30", "--ports", "502,8883", "--dry-run"}, 0, "192.0.2.2:8883"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstdout: %.400s\nstderr: %s", code, tt.want, out, errs)
			}
			if !strings.Contains(out+errs, tt.in) {
				t.Errorf("output lacks %q\nstdout: %.400s\nstderr: %s", tt.in, out, errs)
			}
		})
	}
}

func TestProbeCommandDryRunJSON(t *testing.T) {
	code, out, errs := run(t, "probe", "192.0.2.9:502", "--dry-run", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var plan struct {
		Endpoints []struct {
			Host  string
			Port  int
			Steps []string
		}
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.Endpoints) != 1 || plan.Endpoints[0].Port != 502 || !strings.HasPrefix(plan.Endpoints[0].Steps[0], "modbus") {
		t.Errorf("plan %+v", plan)
	}
}

// TestProbeCommandJSON probes an HTTPS and a closed port and checks that -o
// json prints a scan results file the evidence bundle accepts.
func TestProbeCommandJSON(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	addr := srv.Listener.Addr().String()
	for _, format := range []string{"json", "text"} {
		code, out, errs := run(t, "probe", addr, closed, "--timeout", "2s", "-o", format, "--assessor", "Test Assessor")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if format == "text" {
			if !strings.Contains(out, addr+"  https") || !strings.Contains(out, "TLSv1.3") {
				t.Errorf("text output:\n%s", out)
			}
			continue
		}
		f, err := scan.Parse("probe.json", []byte(out))
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if f.Scanner.Name != "insurable probe" || f.Assessor != "Test Assessor" || len(f.Targets) != 2 || f.Started == "" {
			t.Errorf("header %+v", f)
		}
		if len(f.Endpoints) != 1 {
			t.Fatalf("%d endpoints, want the open one", len(f.Endpoints))
		}
		e := f.Endpoints[0]
		if e.Protocol != "https" || e.TLS == nil || e.TLS.ClientAuth != "none" || e.TLS.Certificate == nil || e.HTTP == nil {
			t.Errorf("endpoint %+v", e)
		}
		if s := scan.Summarize("probe.json", &e); s.StandardPort || s.Plaintext || len(s.LegacyTLS) > 0 {
			t.Errorf("summary %+v", s)
		}
	}
}
