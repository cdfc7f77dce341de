// Package scan defines the scan results file: what an active probe of a
// firm's endpoints found, in the JSON form that `insurable probe` writes and
// an evidence bundle keeps under scans/. It also reads those files into the
// summary the A1, A3, A5 and A8 checks judge. The format is described in
// docs/scan-results.md.
package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/ports"
)

// Format is the value of the format field of a scan results file.
const Format = "insurable.scan/v1"

// File is one scan results file.
type File struct {
	Format    string     `json:"format"`
	Scanner   Tool       `json:"scanner"`
	Assessor  string     `json:"assessor,omitempty"`
	Started   string     `json:"started"`
	Finished  string     `json:"finished,omitempty"`
	Targets   []string   `json:"targets"`
	Endpoints []Endpoint `json:"endpoints"`
}

// Tool names the program that produced the file.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Endpoint is one open port and what was learnt about it.
type Endpoint struct {
	Host      string `json:"host"`
	Port      int    `json:"port"`
	Transport string `json:"transport"`
	// AssetID ties the endpoint to an inventoried asset when the scanner
	// knew it; otherwise the host address is matched to the inventory.
	AssetID  string        `json:"asset_id,omitempty"`
	Protocol string        `json:"protocol"`
	Banner   string        `json:"banner,omitempty"`
	TLS      *TLSResult    `json:"tls,omitempty"`
	MQTT     *MQTTResult   `json:"mqtt,omitempty"`
	OPCUA    *OPCUAResult  `json:"opcua,omitempty"`
	Modbus   *ModbusResult `json:"modbus,omitempty"`
	SSH      *SSHResult    `json:"ssh,omitempty"`
	HTTP     *HTTPResult   `json:"http,omitempty"`
	Errors   []string      `json:"errors,omitempty"`
}

// TLSResult is what a TLS enumeration found.
type TLSResult struct {
	Versions    []TLSVersion `json:"versions"`
	Groups      []string     `json:"groups,omitempty"`
	Certificate *Certificate `json:"certificate,omitempty"`
	// ClientAuth is "none", "optional" or "required".
	ClientAuth string `json:"client_auth"`
}

// TLSVersion is one protocol version and the suites accepted with it.
type TLSVersion struct {
	Version string   `json:"version"` // SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3
	Offered bool     `json:"offered"`
	Ciphers []string `json:"ciphers,omitempty"`
}

// Certificate describes the certificate an endpoint presented.
type Certificate struct {
	Subject    string `json:"subject"`
	Issuer     string `json:"issuer"`
	NotBefore  string `json:"not_before"`
	NotAfter   string `json:"not_after"`
	KeyType    string `json:"key_type"`
	KeyBits    int    `json:"key_bits"`
	ChainValid bool   `json:"chain_valid"`
	ChainError string `json:"chain_error,omitempty"`
	TrustRoot  string `json:"trust_root,omitempty"` // "firm" or "system"

	// Added by insurable probe; optional for other scanners.

	SHA256             string   `json:"sha256,omitempty"`              // of the leaf's DER
	SignatureAlgorithm string   `json:"signature_algorithm,omitempty"` // of the leaf, as Go names it
	DNSNames           []string `json:"dns_names,omitempty"`
	IPAddresses        []string `json:"ip_addresses,omitempty"`
	Chain              []string `json:"chain,omitempty"` // subjects of the other certificates the server sent, in its order
	SelfSigned         bool     `json:"self_signed,omitempty"`
	Expired            bool     `json:"expired,omitempty"`
	// NameMatch tells whether the leaf names the host probed (nil when not
	// checked).
	NameMatch *bool `json:"name_match,omitempty"`
}

// MQTTResult is what an MQTT probe found.
type MQTTResult struct {
	Anonymous bool `json:"anonymous"`
	TLS       bool `json:"tls"`
	// ReturnCode is the CONNACK return code of an MQTT 3.1.1 CONNECT
	// without credentials (0 accepted, 4 bad user name or password, 5 not
	// authorised). Added by insurable probe.
	ReturnCode int `json:"return_code,omitempty"`
}

// OPCUAResult is what an OPC UA GetEndpoints call returned.
type OPCUAResult struct {
	Endpoints []OPCUAEndpoint `json:"endpoints"`
	Anonymous bool            `json:"anonymous"`
}

// OPCUAEndpoint is one endpoint description of an OPC UA server.
type OPCUAEndpoint struct {
	URL            string   `json:"url"`
	SecurityPolicy string   `json:"security_policy"`
	SecurityMode   string   `json:"security_mode"`
	UserTokens     []string `json:"user_tokens"`
}

// ModbusResult is what a read-only Modbus probe found.
type ModbusResult struct {
	UnauthenticatedRead bool              `json:"unauthenticated_read"`
	DeviceID            map[string]string `json:"device_id,omitempty"`
	// Added by insurable probe; optional for other scanners.
	UnitID   int    `json:"unit_id,omitempty"`  // the unit identifier asked
	Function string `json:"function,omitempty"` // the read answered: "43/14" or "3"
}

// SSHResult is what an SSH handshake offered.
type SSHResult struct {
	Banner       string   `json:"banner"`
	KEX          []string `json:"kex"`
	HostKeys     []string `json:"host_keys"`
	Ciphers      []string `json:"ciphers"`
	MACs         []string `json:"macs"`
	PasswordAuth bool     `json:"password_auth"`
	// Added by insurable probe; optional for other scanners.
	HostKey            string `json:"host_key,omitempty"`             // type of the host key the handshake used
	HostKeyFingerprint string `json:"host_key_fingerprint,omitempty"` // SHA256:… as ssh-keygen -l prints it
}

// HTTPResult is what an HTTP probe found.
type HTTPResult struct {
	TLS                bool     `json:"tls"`
	Server             string   `json:"server,omitempty"`
	LoginPage          bool     `json:"login_page"`
	DefaultCredentials []string `json:"default_credentials,omitempty"` // user names whose default password worked
	MissingHeaders     []string `json:"missing_headers,omitempty"`
	// Added by insurable probe; optional for other scanners.
	Status             int    `json:"status,omitempty"`              // of the front page (after one redirect on the same endpoint)
	AuthScheme         string `json:"auth_scheme,omitempty"`         // basic, digest, form, …, when the page asks for a login
	CredentialAttempts int    `json:"credential_attempts,omitempty"` // default credentials tried
}

// Parse reads and validates a scan results file.
func Parse(name string, data []byte) (*File, error) {
	const op insurable.Op = "scan.Parse"
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Line: jsonLine(data, err), Msg: "malformed scan results", Err: err}
	}
	if f.Format != Format {
		return nil, insurable.FileError(op, insurable.Invalid, name, 0, "format %q is not %s", f.Format, Format)
	}
	for i, e := range f.Endpoints {
		if e.Host == "" || e.Port < 1 || e.Port > 65535 {
			return nil, insurable.FileError(op, insurable.Invalid, name, 0, "endpoints[%d]: host and a port from 1 to 65535 are required", i)
		}
		if e.TLS != nil {
			switch e.TLS.ClientAuth {
			case "none", "optional", "required":
			default:
				return nil, insurable.FileError(op, insurable.Invalid, name, 0, "endpoints[%d].tls.client_auth %q is not none, optional or required", i, e.TLS.ClientAuth)
			}
		}
	}
	return &f, nil
}

// jsonLine finds the line of a JSON syntax or type error.
func jsonLine(data []byte, err error) int {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return 0
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// Reader reads the scans/ folder of a bundle. It implements
// check.ScanReader.
type Reader struct{}

var _ check.ScanReader = Reader{}

// ReadScans reads every JSON file under scans/ and summarises each endpoint.
func (Reader) ReadScans(ctx context.Context, b *evidence.Bundle) (*check.ScanReport, error) {
	rep := &check.ScanReport{}
	for _, name := range b.Files[evidence.DirScans] {
		if !strings.HasSuffix(strings.ToLower(name), ".json") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := b.ReadFile(name, 256<<20)
		if err != nil {
			return nil, err
		}
		f, err := Parse(name, data)
		if err != nil {
			return nil, err
		}
		for i := range f.Endpoints {
			rep.Endpoints = append(rep.Endpoints, Summarize(name, &f.Endpoints[i]))
		}
	}
	sort.SliceStable(rep.Endpoints, func(i, j int) bool {
		a, b := rep.Endpoints[i], rep.Endpoints[j]
		if a.Host != b.Host {
			return a.Host < b.Host
		}
		return a.Port < b.Port
	})
	return rep, nil
}

// legacyTLS are protocol versions below TLS 1.2.
var legacyTLS = map[string]bool{"SSLv2": true, "SSLv3": true, "TLSv1.0": true, "TLSv1.1": true}

// WeakCipher reports whether a cipher suite name (IANA or OpenSSL spelling)
// uses a broken or export-grade primitive or no authentication.
func WeakCipher(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range []string{"NULL", "EXPORT", "EXP-", "RC4", "RC2", "_DES_", "DES-CBC", "3DES", "DES-CBC3", "MD5", "_ANON_", "ADH-", "AECDH", "IDEA"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasPrefix(n, "DES") || strings.HasSuffix(n, "_DES")
}

// Summarize judges one endpoint.
func Summarize(file string, e *Endpoint) check.ScanEndpoint {
	s := check.ScanEndpoint{File: file, Host: e.Host, Port: e.Port, Protocol: e.Protocol, AssetID: e.AssetID}
	p, known := ports.Lookup(e.Protocol)
	if known {
		s.StandardPort = p.Registered(e.Port)
		s.Standard = p.Standard
		s.Plaintext = !p.Encrypted && e.TLS == nil
	} else {
		s.Problems = append(s.Problems, fmt.Sprintf("protocol %q is not a known protocol", e.Protocol))
	}
	if t := e.TLS; t != nil {
		for _, v := range t.Versions {
			if !v.Offered {
				continue
			}
			s.TLSVersions = append(s.TLSVersions, v.Version)
			if legacyTLS[v.Version] {
				s.LegacyTLS = append(s.LegacyTLS, v.Version)
			}
			for _, c := range v.Ciphers {
				if WeakCipher(c) {
					s.WeakCiphers = append(s.WeakCiphers, v.Version+" "+c)
				}
			}
		}
		s.MutualTLS = t.ClientAuth == "required"
		if c := t.Certificate; c != nil {
			switch {
			case !c.ChainValid:
				s.CertProblem = "certificate does not chain to a trusted root: " + c.ChainError
			case weakKey(c.KeyType, c.KeyBits):
				s.CertProblem = fmt.Sprintf("weak %s key of %d bits", c.KeyType, c.KeyBits)
			}
			s.CertNotAfter = c.NotAfter
		}
	}
	if m := e.MQTT; m != nil && m.Anonymous {
		s.Anonymous = true
	}
	if o := e.OPCUA; o != nil {
		s.Anonymous = s.Anonymous || o.Anonymous
		secure := false
		for _, ep := range o.Endpoints {
			if ep.SecurityMode == "SignAndEncrypt" && !strings.HasSuffix(ep.SecurityPolicy, "#None") && ep.SecurityPolicy != "None" {
				secure = true
			}
		}
		s.Plaintext = !secure
		for _, ep := range o.Endpoints {
			if ep.SecurityMode == "None" || strings.HasSuffix(ep.SecurityPolicy, "#None") {
				s.Problems = append(s.Problems, "OPC UA endpoint without security: "+ep.URL)
				break
			}
		}
	}
	if m := e.Modbus; m != nil && m.UnauthenticatedRead {
		s.Anonymous = true
	}
	if h := e.HTTP; h != nil {
		s.DefaultCreds = len(h.DefaultCredentials) > 0
		if h.LoginPage && !h.TLS {
			s.Problems = append(s.Problems, "login page served over plain HTTP")
			s.PlaintextLogin = true
		}
	}
	if sh := e.SSH; sh != nil && sh.PasswordAuth {
		s.Problems = append(s.Problems, "SSH offers password authentication")
	}
	return s
}

func weakKey(kind string, bits int) bool {
	switch strings.ToUpper(kind) {
	case "RSA", "DSA":
		return bits < 2048
	case "ECDSA", "EC":
		return bits < 256
	}
	return false
}
