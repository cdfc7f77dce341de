package ports

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/ports.md from the table")

func TestParseService(t *testing.T) {
	tests := []struct {
		in      string
		want    Service
		wantErr bool
	}{
		{"modbus/502", Service{"modbus", 502}, false},
		{"Modbus-TCP:5020", Service{"modbus", 5020}, false},
		{"opc.tcp/4840", Service{"opcua", 4840}, false},
		{"mqtts", Service{"mqtts", 8883}, false},
		{"EtherNet/IP", Service{}, true},
		{"ethernetip/44818", Service{"enip", 44818}, false},
		{"vendorproto/7000", Service{"vendorproto", 7000}, false},
		{"http/99999", Service{}, true},
		{"/80", Service{}, true},
		{"nosuchthing", Service{}, true},
	}
	for _, tt := range tests {
		got, err := ParseService(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseService(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Table {
		if seen[p.Name] {
			t.Errorf("%s listed twice", p.Name)
		}
		seen[p.Name] = true
		if len(p.Ports) == 0 || p.Title == "" || p.Body == "" {
			t.Errorf("%s lacks ports, title or body", p.Name)
		}
		if p.SecureVariant != "" {
			s, ok := Lookup(p.SecureVariant)
			if !ok || !s.Encrypted {
				t.Errorf("%s: secure variant %q is not an encrypted protocol of the table", p.Name, p.SecureVariant)
			}
		}
	}
	for alias, name := range aliases {
		if _, ok := byName[name]; !ok {
			t.Errorf("alias %s points to unknown %s", alias, name)
		}
	}
	if ps := OnPort(102); len(ps) != 2 {
		t.Errorf("port 102 carries %d protocols, want S7 and MMS", len(ps))
	}
}

// render writes docs/ports.md.
func render() []byte {
	var b bytes.Buffer
	b.WriteString("# Protocols and registered ports\n\n")
	b.WriteString("The table below is `ports.Table`, which the A3 (encryption) and A5 (interoperability)\n")
	b.WriteString("checks apply to the services an inventory declares and a probe finds, and which the\n")
	b.WriteString("probe uses to choose what to try on a port. A service is *standard* when its protocol\n")
	b.WriteString("is an open, published standard, and on a *registered port* when it listens on a port\n")
	b.WriteString("the table gives for its protocol. *Encrypted* protocols protect all their traffic;\n")
	b.WriteString("for a plaintext protocol the table names the variant to move to. OPC UA binary is\n")
	b.WriteString("encrypted only in the SignAndEncrypt security mode, which the probe reports.\n\n")
	b.WriteString("Inventories write services as `protocol/port` (for example `modbus/502;mqtts/8883`),\n")
	b.WriteString("using the names below or a common alias (`modbus-tcp`, `opc.tcp`, `ethernet/ip`…).\n\n")
	b.WriteString("| name | protocol | ports | transport | open standard | encrypted | move to | defined by |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	yes := map[bool]string{true: "yes", false: "no"}
	for _, p := range Table {
		var ports []string
		for _, n := range p.Ports {
			ports = append(ports, fmt.Sprint(n))
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", p.Name, p.Title, strings.Join(ports, ", "), p.Transport, yes[p.Standard], yes[p.Encrypted], p.SecureVariant, p.Body)
	}
	return b.Bytes()
}

func TestDocs(t *testing.T) {
	const path = "../docs/ports.md"
	want := render()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ports -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/ports.md is out of date; run go test ./ports -update")
	}
}
