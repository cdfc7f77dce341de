// Package ports is the table of network protocols that IIoT assessments meet:
// their registered ports, whether they are open standards or a vendor's
// proprietary protocol, and whether they protect traffic cryptographically.
// Checks use it to judge declared and probed services (A3, A5); probes use
// it to pick what to try on a port. docs/ports.md renders the table.
package ports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Protocol describes one application protocol.
type Protocol struct {
	// Name is the short lower-case name used in inventories and scans.
	Name string
	// Title is the protocol's common name.
	Title string
	// Ports are the ports registered for it (IANA, or the standard's own).
	Ports []int
	// Transport is "tcp", "udp" or "tcp/udp".
	Transport string
	// Standard is true for an open, published standard (IETF, IEC, ISO,
	// OASIS, ODVA, …); false for a vendor's proprietary protocol.
	Standard bool
	// Encrypted is true when the protocol protects confidentiality of all
	// its traffic (TLS, SSH, DTLS, or a secure mode that is always on).
	Encrypted bool
	// SecureVariant names the protocol to move to when this one is
	// plaintext.
	SecureVariant string
	// Body is the organisation that defines the protocol.
	Body string
}

// Table lists every protocol known, ordered by name.
var Table = []Protocol{
	{Name: "amqp", Title: "AMQP 1.0", Ports: []int{5672}, Transport: "tcp", Standard: true, SecureVariant: "amqps", Body: "OASIS / ISO/IEC 19464"},
	{Name: "amqps", Title: "AMQP 1.0 over TLS", Ports: []int{5671}, Transport: "tcp", Standard: true, Encrypted: true, Body: "OASIS / ISO/IEC 19464"},
	{Name: "bacnet", Title: "BACnet/IP", Ports: []int{47808}, Transport: "udp", Standard: true, SecureVariant: "bacnet-sc", Body: "ASHRAE 135 / ISO 16484-5"},
	{Name: "bacnet-sc", Title: "BACnet Secure Connect", Ports: []int{443}, Transport: "tcp", Standard: true, Encrypted: true, Body: "ASHRAE 135 Addendum bj"},
	{Name: "coap", Title: "CoAP", Ports: []int{5683}, Transport: "udp", Standard: true, SecureVariant: "coaps", Body: "IETF RFC 7252"},
	{Name: "coaps", Title: "CoAP over DTLS", Ports: []int{5684}, Transport: "udp", Standard: true, Encrypted: true, Body: "IETF RFC 7252"},
	{Name: "codesys", Title: "CODESYS runtime protocol", Ports: []int{1217, 2455, 11740}, Transport: "tcp", Standard: false, Body: "CODESYS GmbH"},
	{Name: "dnp3", Title: "DNP3", Ports: []int{20000}, Transport: "tcp/udp", Standard: true, SecureVariant: "dnp3-tls", Body: "IEEE 1815"},
	{Name: "dnp3-tls", Title: "DNP3 over TLS (IEC 62351-3)", Ports: []int{19999}, Transport: "tcp", Standard: true, Encrypted: true, Body: "IEEE 1815 / IEC 62351"},
	{Name: "enip", Title: "EtherNet/IP (CIP)", Ports: []int{44818, 2222}, Transport: "tcp/udp", Standard: true, SecureVariant: "enip-tls", Body: "ODVA / IEC 61158"},
	{Name: "enip-tls", Title: "EtherNet/IP with CIP Security (TLS)", Ports: []int{2221}, Transport: "tcp", Standard: true, Encrypted: true, Body: "ODVA"},
	{Name: "fins", Title: "OMRON FINS", Ports: []int{9600}, Transport: "tcp/udp", Standard: false, Body: "OMRON"},
	{Name: "fox", Title: "Niagara Fox", Ports: []int{1911}, Transport: "tcp", Standard: false, SecureVariant: "foxs", Body: "Tridium"},
	{Name: "foxs", Title: "Niagara Fox over TLS", Ports: []int{4911}, Transport: "tcp", Standard: false, Encrypted: true, Body: "Tridium"},
	{Name: "ftp", Title: "FTP", Ports: []int{21}, Transport: "tcp", Standard: true, SecureVariant: "sftp", Body: "IETF RFC 959"},
	{Name: "ge-srtp", Title: "GE SRTP", Ports: []int{18245}, Transport: "tcp", Standard: false, Body: "GE / Emerson"},
	{Name: "hart-ip", Title: "HART-IP", Ports: []int{5094}, Transport: "tcp/udp", Standard: true, Body: "FieldComm Group / IEC 62591"},
	{Name: "http", Title: "HTTP", Ports: []int{80, 8080}, Transport: "tcp", Standard: true, SecureVariant: "https", Body: "IETF RFC 9110"},
	{Name: "https", Title: "HTTP over TLS", Ports: []int{443, 8443}, Transport: "tcp", Standard: true, Encrypted: true, Body: "IETF RFC 9110"},
	{Name: "iec104", Title: "IEC 60870-5-104", Ports: []int{2404}, Transport: "tcp", Standard: true, SecureVariant: "iec104-tls", Body: "IEC 60870-5-104"},
	{Name: "iec104-tls", Title: "IEC 60870-5-104 over TLS (IEC 62351-3)", Ports: []int{19998}, Transport: "tcp", Standard: true, Encrypted: true, Body: "IEC 62351"},
	{Name: "mms", Title: "IEC 61850 MMS", Ports: []int{102}, Transport: "tcp", Standard: true, SecureVariant: "mms-tls", Body: "IEC 61850-8-1 / ISO 9506"},
	{Name: "mms-tls", Title: "IEC 61850 MMS over TLS", Ports: []int{3782}, Transport: "tcp", Standard: true, Encrypted: true, Body: "IEC 62351-4"},
	{Name: "modbus", Title: "Modbus/TCP", Ports: []int{502}, Transport: "tcp", Standard: true, SecureVariant: "modbus-tls", Body: "Modbus Organization / IEC 61158"},
	{Name: "modbus-tls", Title: "Modbus/TCP Security", Ports: []int{802}, Transport: "tcp", Standard: true, Encrypted: true, Body: "Modbus Organization"},
	{Name: "mqtt", Title: "MQTT", Ports: []int{1883}, Transport: "tcp", Standard: true, SecureVariant: "mqtts", Body: "OASIS / ISO/IEC 20922"},
	{Name: "mqtts", Title: "MQTT over TLS", Ports: []int{8883}, Transport: "tcp", Standard: true, Encrypted: true, Body: "OASIS / ISO/IEC 20922"},
	{Name: "opcua", Title: "OPC UA binary (opc.tcp)", Ports: []int{4840}, Transport: "tcp", Standard: true, Body: "OPC Foundation / IEC 62541"},
	{Name: "opcua-https", Title: "OPC UA over HTTPS", Ports: []int{4843}, Transport: "tcp", Standard: true, Encrypted: true, Body: "OPC Foundation / IEC 62541"},
	{Name: "profinet", Title: "PROFINET", Ports: []int{34962, 34963, 34964}, Transport: "tcp/udp", Standard: true, Body: "PI / IEC 61158"},
	{Name: "rdp", Title: "Remote Desktop Protocol", Ports: []int{3389}, Transport: "tcp", Standard: false, Encrypted: true, Body: "Microsoft"},
	{Name: "s7", Title: "Siemens S7comm (ISO-TSAP)", Ports: []int{102}, Transport: "tcp", Standard: false, Body: "Siemens"},
	{Name: "sftp", Title: "SFTP (SSH file transfer)", Ports: []int{22}, Transport: "tcp", Standard: true, Encrypted: true, Body: "IETF (SSH)"},
	{Name: "snmp", Title: "SNMP v1/v2c", Ports: []int{161}, Transport: "udp", Standard: true, SecureVariant: "snmpv3", Body: "IETF RFC 3416"},
	{Name: "snmpv3", Title: "SNMPv3 with privacy", Ports: []int{161}, Transport: "udp", Standard: true, Encrypted: true, Body: "IETF RFC 3414"},
	{Name: "ssh", Title: "SSH", Ports: []int{22}, Transport: "tcp", Standard: true, Encrypted: true, Body: "IETF RFC 4253"},
	{Name: "syslog", Title: "Syslog", Ports: []int{514}, Transport: "udp", Standard: true, SecureVariant: "syslog-tls", Body: "IETF RFC 5424"},
	{Name: "syslog-tls", Title: "Syslog over TLS", Ports: []int{6514}, Transport: "tcp", Standard: true, Encrypted: true, Body: "IETF RFC 5425"},
	{Name: "telnet", Title: "Telnet", Ports: []int{23}, Transport: "tcp", Standard: true, SecureVariant: "ssh", Body: "IETF RFC 854"},
	{Name: "vnc", Title: "VNC (RFB)", Ports: []int{5900}, Transport: "tcp", Standard: true, SecureVariant: "ssh", Body: "IETF RFC 6143"},
}

var byName = func() map[string]*Protocol {
	m := make(map[string]*Protocol, len(Table))
	for i := range Table {
		m[Table[i].Name] = &Table[i]
	}
	return m
}()

// aliases maps other spellings seen in inventories to table names.
var aliases = map[string]string{
	"modbustcp": "modbus", "modbus-tcp": "modbus", "mbtcp": "modbus", "mbap": "modbus",
	"opc-ua": "opcua", "opcua-tcp": "opcua", "opc.tcp": "opcua", "opcuatcp": "opcua",
	"ethernetip": "enip", "ethernet/ip": "enip", "eip": "enip", "cip": "enip",
	"iec-104": "iec104", "iec60870-5-104": "iec104", "iec-60870-5-104": "iec104",
	"s7comm": "s7", "s7comm-plus": "s7", "iso-tsap": "s7",
	"iec61850": "mms", "iec-61850": "mms", "mqtt-tls": "mqtts", "secure-mqtt": "mqtts",
	"bacnet/ip": "bacnet", "bacnetip": "bacnet", "dnp": "dnp3", "dnp3-tcp": "dnp3",
	"niagara-fox": "fox", "hartip": "hart-ip", "http-tls": "https", "tls-http": "https",
}

// Lookup finds a protocol by name or alias, case-insensitively.
func Lookup(name string) (*Protocol, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	if a, ok := aliases[n]; ok {
		n = a
	}
	p, ok := byName[n]
	return p, ok
}

// OnPort returns the protocols registered on a port.
func OnPort(port int) []*Protocol {
	var out []*Protocol
	for i := range Table {
		for _, p := range Table[i].Ports {
			if p == port {
				out = append(out, &Table[i])
			}
		}
	}
	return out
}

// Registered reports whether port is a registered port of p.
func (p *Protocol) Registered(port int) bool {
	for _, q := range p.Ports {
		if q == port {
			return true
		}
	}
	return false
}

// Service is a protocol on a port, as an inventory declares it
// ("modbus/502") or a probe finds it.
type Service struct {
	Protocol string
	Port     int
}

// ParseService reads "name/port", "name:port" or a bare protocol name (its
// first registered port is assumed).
func ParseService(s string) (Service, error) {
	s = strings.TrimSpace(s)
	name, portStr, ok := strings.Cut(s, "/")
	if !ok {
		name, portStr, ok = strings.Cut(s, ":")
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return Service{}, fmt.Errorf("service %q names no protocol", s)
	}
	if !ok {
		if p, found := Lookup(name); found {
			return Service{Protocol: p.Name, Port: p.Ports[0]}, nil
		}
		return Service{}, fmt.Errorf("service %q gives no port, and %q is not a known protocol", s, name)
	}
	port, err := strconv.Atoi(strings.TrimSpace(portStr))
	if err != nil || port < 1 || port > 65535 {
		return Service{}, fmt.Errorf("service %q: %q is not a port number", s, portStr)
	}
	if p, found := Lookup(name); found {
		name = p.Name
	}
	return Service{Protocol: name, Port: port}, nil
}

// Names returns every protocol name, sorted.
func Names() []string {
	out := make([]string, len(Table))
	for i, p := range Table {
		out[i] = p.Name
	}
	sort.Strings(out)
	return out
}
