package demo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/ports"
	"github.com/insurable/insurable/scan"
)

// maxScanned bounds how many devices the assessor's probe covers; real
// probes sample a large fleet.
const maxScanned = 300

func (g *generator) writeScans() error {
	f := scan.File{
		Format:   scan.Format,
		Scanner:  scan.Tool{Name: "insurable probe", Version: "1.0.0"},
		Assessor: "Ironbridge Industrial Security LLC",
		Started:  g.daysAgo(21).Time().Add(9 * time.Hour).Format(time.RFC3339),
		Finished: g.daysAgo(21).Time().Add(11 * time.Hour).Format(time.RFC3339),
	}
	step := 1
	if len(g.assets) > maxScanned {
		step = len(g.assets) / maxScanned
	}
	for i := 0; i < len(g.assets); i += step {
		a := &g.assets[i]
		m := g.fleet[i]
		f.Targets = append(f.Targets, a.IP)
		for _, s := range a.Services {
			svc, err := ports.ParseService(s)
			if err != nil {
				continue
			}
			f.Endpoints = append(f.Endpoints, g.endpoint(a, svc, m))
		}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return g.write("scans/probe-"+g.daysAgo(21).String()+".json", append(data, '\n'))
}

var strongSuites = []string{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}
var tls13Suites = []string{"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}

func (g *generator) endpoint(a *evidence.Asset, svc ports.Service, m model) scan.Endpoint {
	host, asset := a.IP, a.ID
	e := scan.Endpoint{Host: host, Port: svc.Port, Transport: "tcp", AssetID: asset, Protocol: svc.Protocol}
	modern := g.p.scansClean || (!m.Legacy && m.Update == "automated")
	tlsResult := func(clientAuth string) *scan.TLSResult {
		t := &scan.TLSResult{ClientAuth: clientAuth, Groups: []string{"x25519", "secp256r1"},
			Certificate: &scan.Certificate{Subject: "CN=" + asset, Issuer: "CN=" + g.firm.name + " Devices CA 1", NotBefore: g.daysAgo(200).String() + "T00:00:00Z",
				NotAfter: g.asOf.AddDays(500).String() + "T00:00:00Z", KeyType: "ECDSA", KeyBits: 256, ChainValid: true, TrustRoot: "firm"}}
		t.Versions = []scan.TLSVersion{{Version: "SSLv3"}, {Version: "TLSv1.0"}, {Version: "TLSv1.1"},
			{Version: "TLSv1.2", Offered: true, Ciphers: strongSuites}, {Version: "TLSv1.3", Offered: true, Ciphers: tls13Suites}}
		if !modern {
			t.Versions[1] = scan.TLSVersion{Version: "TLSv1.0", Offered: true, Ciphers: []string{"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}}
			t.Versions[2] = scan.TLSVersion{Version: "TLSv1.1", Offered: true, Ciphers: []string{"TLS_RSA_WITH_AES_128_CBC_SHA"}}
			t.Versions[4] = scan.TLSVersion{Version: "TLSv1.3"}
			t.Certificate.KeyType, t.Certificate.KeyBits = "RSA", 1024
			t.Certificate.Issuer = t.Certificate.Subject
			t.Certificate.ChainValid, t.Certificate.ChainError, t.Certificate.TrustRoot = false, "self-signed certificate", "firm"
			t.Groups = []string{"secp256r1"}
		}
		return t
	}
	switch svc.Protocol {
	case "https", "opcua-https":
		e.TLS = tlsResult("none")
		e.HTTP = &scan.HTTPResult{TLS: true, Server: m.Product, LoginPage: true}
		if !modern {
			e.HTTP.MissingHeaders = []string{"Strict-Transport-Security", "Content-Security-Policy"}
		}
	case "http":
		e.HTTP = &scan.HTTPResult{TLS: false, Server: m.Product, LoginPage: true, MissingHeaders: []string{"Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options"}}
		if strings.Contains(m.Product, "NPort") {
			e.HTTP.DefaultCredentials = []string{"admin"}
		}
	case "mqtts":
		e.TLS = tlsResult("required")
		e.MQTT = &scan.MQTTResult{TLS: true}
	case "mqtt":
		e.MQTT = &scan.MQTTResult{Anonymous: true}
	case "opcua":
		e.OPCUA = &scan.OPCUAResult{Endpoints: []scan.OPCUAEndpoint{{URL: "opc.tcp://" + host + ":" + strconv.Itoa(svc.Port), SecurityPolicy: "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256", SecurityMode: "SignAndEncrypt", UserTokens: []string{"UserName", "Certificate"}}}}
		if !modern {
			e.OPCUA.Endpoints = append(e.OPCUA.Endpoints, scan.OPCUAEndpoint{URL: "opc.tcp://" + host + ":" + strconv.Itoa(svc.Port), SecurityPolicy: "http://opcfoundation.org/UA/SecurityPolicy#None", SecurityMode: "None", UserTokens: []string{"Anonymous"}})
			e.OPCUA.Anonymous = true
		}
	case "modbus":
		e.Modbus = &scan.ModbusResult{UnauthenticatedRead: true, DeviceID: map[string]string{"VendorName": m.Vendor, "ProductCode": m.Model, "MajorMinorRevision": a.Version}}
	case "ssh", "sftp":
		e.SSH = &scan.SSHResult{Banner: "SSH-2.0-OpenSSH_9.2", KEX: []string{"curve25519-sha256", "ecdh-sha2-nistp256"}, HostKeys: []string{"ssh-ed25519", "ecdsa-sha2-nistp256"},
			Ciphers: []string{"chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"}, MACs: []string{"hmac-sha2-256-etm@openssh.com"}, PasswordAuth: !modern}
	case "telnet":
		e.Banner = fmt.Sprintf("%s %s login:", m.Vendor, m.Product)
	}
	return e
}

// time0 returns the first day of d's month.
func time0(d interface{ Time() time.Time }) time.Time {
	t := d.Time()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
