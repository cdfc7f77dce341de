package scan

import (
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/insurable/insurable"
)

func TestParseAndSummarize(t *testing.T) {
	data, err := os.ReadFile("testdata/probe.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("scans/probe.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Endpoints) != 4 {
		t.Fatalf("%d endpoints", len(f.Endpoints))
	}
	https := Summarize("x", &f.Endpoints[0])
	if !slices.Equal(https.LegacyTLS, []string{"TLSv1.0"}) || len(https.WeakCiphers) != 1 || https.CertProblem == "" || https.Plaintext {
		t.Errorf("https endpoint: %+v", https)
	}
	opc := Summarize("x", &f.Endpoints[1])
	if !opc.Anonymous || !opc.Plaintext || len(opc.Problems) == 0 || !opc.StandardPort {
		t.Errorf("opcua endpoint: %+v", opc)
	}
	telnet := Summarize("x", &f.Endpoints[2])
	if !telnet.Plaintext || telnet.StandardPort || !telnet.Standard {
		t.Errorf("telnet on 2323: %+v", telnet)
	}
	mqtts := Summarize("x", &f.Endpoints[3])
	if !mqtts.MutualTLS || mqtts.Plaintext || mqtts.Anonymous || len(mqtts.LegacyTLS) > 0 {
		t.Errorf("mqtts endpoint: %+v", mqtts)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
	}{
		{"syntax", "{\n\"format\": \"insurable.scan/v1\",\n\"endpoints\": [,]\n}", 3},
		{"unknown field", `{"format": "insurable.scan/v1", "extra": 1}`, 0},
		{"wrong format", `{"format": "nmap"}`, 0},
		{"bad port", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 0}]}`, 0},
		{"bad client auth", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": 1, "tls": {"client_auth": "maybe"}}]}`, 0},
		{"wrong type", `{"format": "insurable.scan/v1", "endpoints": [{"host": "h", "port": "443"}]}`, 1},
	}
	for _, tt := range tests {
		_, err := Parse("scans/x.json", []byte(tt.in))
		var ie *insurable.Error
		if !errors.As(err, &ie) || ie.Path != "scans/x.json" || insurable.ErrorKind(err) != insurable.Invalid {
			t.Errorf("%s: error %v, want an invalid-input error naming the file", tt.name, err)
			continue
		}
		if tt.line > 0 && ie.Line != tt.line {
			t.Errorf("%s: line %d, want %d", tt.name, ie.Line, tt.line)
		}
	}
}

func TestWeakCipher(t *testing.T) {
	for name, weak := range map[string]bool{
		"TLS_RSA_WITH_RC4_128_SHA": true, "TLS_RSA_WITH_3DES_EDE_CBC_SHA": true, "EXP-RC4-MD5": true,
		"TLS_DH_anon_WITH_AES_128_CBC_SHA": true, "TLS_RSA_WITH_NULL_SHA256": true, "DES-CBC3-SHA": true, "ADH-AES256-SHA": true,
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": false, "TLS_AES_256_GCM_SHA384": false, "ECDHE-RSA-CHACHA20-POLY1305": false,
		"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384": false,
	} {
		if WeakCipher(name) != weak {
			t.Errorf("WeakCipher(%s) = %v", name, !weak)
		}
	}
}

func FuzzParse(f *testing.F) {
	data, _ := os.ReadFile("testdata/probe.json")
	f.Add(data)
	f.Add([]byte(`{"format":"insurable.scan/v1","endpoints":[{"host":"h","port":1,"tls":{"client_auth":"none","versions":[{"version":"TLSv1.0","offered":true}]}}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		sf, err := Parse("scans/f.json", in)
		if err != nil {
			var ie *insurable.Error
			if !errors.As(err, &ie) || ie.Path == "" {
				t.Fatalf("error without a path: %v", err)
			}
			return
		}
		for i := range sf.Endpoints {
			Summarize("f", &sf.Endpoints[i])
		}
	})
}
