package probe

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"testing"
)

// The fuzz targets feed the parsers of what a peer sends (TLS flights,
// SSH identification and KEXINIT, Modbus responses, MQTT CONNACK checks)
// with arbitrary bytes: they must never panic, hang or read past their
// bounds. FuzzClientHello checks that any hello the builder makes is framed
// correctly. Run each with: go test ./probe -run '^$' -fuzz FuzzName -fuzztime 3m

func FuzzReadFlight(f *testing.F) {
	// A ServerHello with supported_versions and key_share, an alert, a
	// Certificate, and garbage.
	sh := []byte{2, 0, 0, 0x50, 3, 3}
	sh = append(sh, make([]byte, 32)...)
	sh = append(sh, 0, 0x13, 0x01, 0, 0, 0x0c, 0, 43, 0, 2, 3, 4, 0, 51, 0, 4, 0, 0x1d, 0, 0)
	binary.BigEndian.PutUint16(sh[2:], uint16(len(sh)-4))
	rec := append([]byte{22, 3, 3, 0, byte(len(sh))}, sh...)
	f.Add(rec, false)
	f.Add(rec, true)
	f.Add([]byte{21, 3, 3, 0, 2, 2, 40}, false)
	f.Add([]byte{22, 3, 1, 0, 10, 11, 0, 0, 6, 0, 0, 3, 0, 0, 1, 0}, true)
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, whole bool) {
		fl, err := readFlight(bufio.NewReader(bytes.NewReader(data)), whole)
		if err == nil && fl.hello == nil && fl != nil && (fl.done || len(fl.certs) > 0) {
			t.Fatal("a flight without ServerHello was accepted")
		}
	})
}

func FuzzParseServerHello(f *testing.F) {
	b := []byte{3, 3}
	b = append(b, helloRetryRandom[:]...)
	b = append(b, 0, 0x13, 0x02, 0, 0, 6, 0, 51, 0, 2, 0, 0x17)
	f.Add(b)
	f.Add([]byte{3, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseServerHello(data)
		if err == nil && h == nil {
			t.Fatal("nil hello without error")
		}
	})
}

func FuzzParseCertificates(f *testing.F) {
	f.Add([]byte{0, 0, 6, 0, 0, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := parseCertificates(data)
		if err == nil {
			n := 0
			for _, c := range certs {
				n += 3 + len(c)
			}
			if n+3 != len(data) {
				t.Fatalf("certificates of %d bytes from %d", n, len(data))
			}
		}
	})
}

func FuzzClientHello(f *testing.F) {
	f.Add(uint16(VersionTLS12), []byte{0xc0, 0x2f, 0, 0x2f}, []byte{0, 0x17}, "localhost", false)
	f.Add(uint16(VersionTLS13), []byte{0x13, 0x01}, []byte{0, 0x1d, 0, 0x17}, "", true)
	f.Add(uint16(VersionSSL30), []byte{0, 4}, []byte{}, "a.example", false)
	f.Fuzz(func(t *testing.T, version uint16, suiteBytes, groupBytes []byte, sni string, share bool) {
		v := TLSVersions[int(version)%len(TLSVersions)]
		spec := helloSpec{version: v, serverName: sni}
		for i := 0; i+1 < len(suiteBytes) && i < 1000; i += 2 {
			spec.suites = append(spec.suites, binary.BigEndian.Uint16(suiteBytes[i:]))
		}
		for i := 0; i+1 < len(groupBytes) && i < 200; i += 2 {
			spec.groups = append(spec.groups, binary.BigEndian.Uint16(groupBytes[i:]))
		}
		if share {
			spec.keyShare = groupX25519
		}
		rec, err := clientHello(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkClientHello(rec, spec); err != nil {
			t.Fatalf("%v: % x", err, rec)
		}
	})
}

func FuzzParseSSHServer(f *testing.F) {
	f.Add([]byte("SSH-2.0-OpenSSH_9.2\r\n\x00\x00\x00\x10\x04\x14"))
	f.Add([]byte("pre\nSSH-1.99-x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = parseSSHServer(data)
	})
}

func FuzzModbusResponse(f *testing.F) {
	f.Add([]byte{0x49, 0x51, 0, 0, 0, 5, 1, 0x2b, 0x0e, 1, 1, 0, 0, 1, 0, 1, 'A'})
	f.Add([]byte{0x49, 0x51, 0, 0, 0, 3, 1, 0xab, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 7 {
			return
		}
		pdu, err := parseModbusResponse(data[:7], bytes.NewReader(data[7:]), 0x4951)
		if err != nil {
			return
		}
		if len(pdu) == 0 {
			t.Fatal("empty PDU accepted")
		}
		_, _, _ = parseDeviceID(pdu, map[string]string{})
		_ = modbusException(pdu)
	})
}
