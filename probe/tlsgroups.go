package probe

import "fmt"

// Named groups (RFC 8446 §4.2.7, RFC 8422, RFC 7919, RFC 8734).
const (
	groupP256   uint16 = 0x0017
	groupX25519 uint16 = 0x001d
)

// groups lists the key exchange groups the enumeration offers, in the
// order of the IANA "TLS Supported Groups" registry.
var groups = []struct {
	ID   uint16
	Name string
}{
	{0x0001, "sect163k1"}, {0x0002, "sect163r1"}, {0x0003, "sect163r2"},
	{0x0004, "sect193r1"}, {0x0005, "sect193r2"}, {0x0006, "sect233k1"},
	{0x0007, "sect233r1"}, {0x0008, "sect239k1"}, {0x0009, "sect283k1"},
	{0x000a, "sect283r1"}, {0x000b, "sect409k1"}, {0x000c, "sect409r1"},
	{0x000d, "sect571k1"}, {0x000e, "sect571r1"}, {0x000f, "secp160k1"},
	{0x0010, "secp160r1"}, {0x0011, "secp160r2"}, {0x0012, "secp192k1"},
	{0x0013, "secp192r1"}, {0x0014, "secp224k1"}, {0x0015, "secp224r1"},
	{0x0016, "secp256k1"}, {0x0017, "secp256r1"}, {0x0018, "secp384r1"},
	{0x0019, "secp521r1"}, {0x001a, "brainpoolP256r1"}, {0x001b, "brainpoolP384r1"},
	{0x001c, "brainpoolP512r1"}, {0x001d, "x25519"}, {0x001e, "x448"},
	{0x001f, "brainpoolP256r1tls13"}, {0x0020, "brainpoolP384r1tls13"}, {0x0021, "brainpoolP512r1tls13"},
	{0x0029, "curveSM2"},
	{0x0100, "ffdhe2048"}, {0x0101, "ffdhe3072"}, {0x0102, "ffdhe4096"},
	{0x0103, "ffdhe6144"}, {0x0104, "ffdhe8192"},
	{0x0200, "MLKEM512"}, {0x0201, "MLKEM768"}, {0x0202, "MLKEM1024"},
	{0x11eb, "SecP256r1MLKEM768"}, {0x11ec, "X25519MLKEM768"}, {0x11ed, "SecP384r1MLKEM1024"},
}

// GroupName returns the registry name of a named group.
func GroupName(id uint16) string {
	for _, g := range groups {
		if g.ID == id {
			return g.Name
		}
	}
	return fmt.Sprintf("0x%04x", id)
}

// groupIDs returns every group code, optionally only the elliptic curves
// usable with ECDHE below TLS 1.3.
func groupIDs(ecdheOnly bool) []uint16 {
	out := make([]uint16, 0, len(groups))
	for _, g := range groups {
		if ecdheOnly && (g.ID >= 0x001f && g.ID <= 0x0021 || g.ID >= 0x0100) {
			continue
		}
		out = append(out, g.ID)
	}
	return out
}
