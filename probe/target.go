package probe

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/insurable/insurable/ports"
)

// MaxAddresses bounds how many addresses the targets of one run may expand
// to, so that a mistyped prefix cannot start a sweep of a whole network.
const MaxAddresses = 65536

// MaxEndpoints bounds how many host and port pairs one run may probe.
const MaxEndpoints = 1 << 20

// Count returns how many endpoints the targets expand to with the port
// list (DefaultPorts when empty), or an error when they exceed
// MaxAddresses or MaxEndpoints.
func Count(targets []Target, list []int) (int, error) {
	if len(list) == 0 {
		list = DefaultPorts()
	}
	addrs, n := 0, 0
	for _, t := range targets {
		h := 1
		if t.Host == "" {
			h = len(hosts(t.Prefix))
		}
		addrs += h
		if t.Port != 0 {
			n += h
		} else {
			n += h * len(list)
		}
	}
	switch {
	case addrs > MaxAddresses:
		return 0, fmt.Errorf("the targets cover %d addresses; at most %d per run", addrs, MaxAddresses)
	case n > MaxEndpoints:
		return 0, fmt.Errorf("the targets and ports make %d endpoints; at most %d per run", n, MaxEndpoints)
	}
	return n, nil
}

// Target is one target as the user gave it: a host, a host:port or a CIDR
// prefix.
type Target struct {
	// Spec is the text given.
	Spec string
	// Host is the host name or address, empty for a prefix.
	Host string
	// Prefix is set for a CIDR target.
	Prefix netip.Prefix
	// Port is the port of a host:port target, 0 otherwise.
	Port int
}

// ParseTarget reads a target: "host", "host:port", "[v6]:port", an
// address, or a CIDR prefix such as "192.0.2.0/28".
func ParseTarget(spec string) (Target, error) {
	s := strings.TrimSpace(spec)
	t := Target{Spec: s}
	if s == "" {
		return t, fmt.Errorf("empty target")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return t, fmt.Errorf("target %q: not a CIDR prefix: %v", spec, err)
		}
		if n := prefixSize(p); n > MaxAddresses {
			return t, fmt.Errorf("target %q covers %d addresses; at most %d per run", spec, n, MaxAddresses)
		}
		t.Prefix = p.Masked()
		return t, nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		t.Host = ip.String()
		return t, nil
	}
	if host, port, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return t, fmt.Errorf("target %q: %q is not a port from 1 to 65535", spec, port)
		}
		t.Port = n
		s = host
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		t.Host = ip.String()
		return t, nil
	}
	if !validHostname(s) {
		return t, fmt.Errorf("target %q: %q is neither an address nor a host name", spec, s)
	}
	t.Host = strings.ToLower(s)
	return t, nil
}

func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// prefixSize returns how many addresses p covers, capped past MaxAddresses.
func prefixSize(p netip.Prefix) int {
	host := p.Addr().BitLen() - p.Bits()
	if host > 30 {
		return MaxAddresses + 1
	}
	return 1 << host
}

// hosts lists the addresses of a prefix, without the network and broadcast
// addresses of an IPv4 prefix shorter than /31.
func hosts(p netip.Prefix) []string {
	var out []string
	n := prefixSize(p)
	a := p.Addr()
	for i := 0; i < n; i++ {
		if !(a.Is4() && p.Bits() < 31 && (i == 0 || i == n-1)) {
			out = append(out, a.String())
		}
		a = a.Next()
	}
	return out
}

// endpoint is one host and port to probe.
type endpoint struct {
	host string
	port int
}

// Expand turns targets into the host and port pairs to probe, in the order
// given and without duplicates: a host:port target is that port only; a
// host or prefix gets every port of list.
func expand(targets []Target, list []int) ([]endpoint, error) {
	if _, err := Count(targets, list); err != nil {
		return nil, err
	}
	var out []endpoint
	seen := map[endpoint]bool{}
	add := func(h string, p int) {
		e := endpoint{h, p}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	addrs := 0
	for _, t := range targets {
		var hs []string
		if t.Host != "" {
			hs = []string{t.Host}
		} else {
			hs = hosts(t.Prefix)
		}
		addrs += len(hs)
		if addrs > MaxAddresses {
			return nil, fmt.Errorf("the targets cover more than %d addresses", MaxAddresses)
		}
		for _, h := range hs {
			if t.Port != 0 {
				add(h, t.Port)
				continue
			}
			for _, p := range list {
				add(h, p)
			}
		}
	}
	return out, nil
}

// ParsePorts reads a port list: numbers, ranges ("8000-8010") and protocol
// names of package ports ("modbus", "mqtts"), separated by commas.
func ParsePorts(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if lo, hi, ok := strings.Cut(f, "-"); ok {
			a, err1 := strconv.Atoi(lo)
			b, err2 := strconv.Atoi(hi)
			if err1 == nil && err2 == nil {
				if a < 1 || b > 65535 || a > b {
					return nil, fmt.Errorf("port range %q is not within 1-65535", f)
				}
				for p := a; p <= b; p++ {
					out = append(out, p)
				}
				continue
			}
		}
		if n, err := strconv.Atoi(f); err == nil {
			if n < 1 || n > 65535 {
				return nil, fmt.Errorf("port %d is not within 1-65535", n)
			}
			out = append(out, n)
			continue
		}
		p, ok := ports.Lookup(f)
		if !ok {
			return nil, fmt.Errorf("%q is neither a port, a range nor a known protocol", f)
		}
		out = append(out, p.Ports...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the port list %q is empty", list)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// DefaultPorts are the TCP ports registered for the protocols of package
// ports, plus the usual management ports.
func DefaultPorts() []int {
	out := []int{21, 22, 23, 80, 443, 2222, 8000, 8080, 8443, 8888}
	for _, p := range ports.Table {
		if strings.Contains(p.Transport, "tcp") {
			out = append(out, p.Ports...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
