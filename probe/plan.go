package probe

import (
	"fmt"
	"strings"
)

// Plan is what a run would send, for --dry-run: nothing is sent to make it.
type Plan struct {
	Targets     []string       `json:"targets"`
	Concurrency int            `json:"concurrency"`
	Rate        float64        `json:"rate"`
	Timeout     string         `json:"timeout"`
	Endpoints   []PlanEndpoint `json:"endpoints"`
}

// PlanEndpoint is one host and port and the steps tried on it, in order.
type PlanEndpoint struct {
	Host  string   `json:"host"`
	Port  int      `json:"port"`
	Steps []string `json:"steps"`
}

// DryRun returns the plan of a run over targets without touching the
// network (host names are not even resolved).
func DryRun(cfg Config, targets []Target) (*Plan, error) {
	c := cfg.withDefaults()
	eps, err := expand(targets, c.Ports)
	if err != nil {
		return nil, err
	}
	p := &Plan{Concurrency: c.Concurrency, Rate: c.Rate, Timeout: c.Timeout.String(), Endpoints: []PlanEndpoint{}}
	for _, t := range targets {
		p.Targets = append(p.Targets, t.Spec)
	}
	probers := c.Probers
	if probers == nil {
		probers = DefaultProbers()
	}
	for _, e := range eps {
		p.Endpoints = append(p.Endpoints, PlanEndpoint{Host: e.host, Port: e.port, Steps: steps(probers, e.port, c.NoCredentials)})
	}
	return p, nil
}

// steps describes, in order, what probeEndpoint tries on port.
func steps(probers []Prober, port int, noCreds bool) []string {
	var out []string
	describe := func(p Prober, prefix string) {
		for _, l := range p.Plan() {
			if noCreds && p.Name() == "http" && strings.Contains(l, "default credential") {
				continue
			}
			out = append(out, fmt.Sprintf("%s%s: %s", prefix, p.Name(), l))
		}
	}
	var clientFirst, serverFirst []Prober
	for _, p := range probers {
		if _, ok := p.(bannerMatcher); ok {
			serverFirst = append(serverFirst, p)
		} else {
			clientFirst = append(clientFirst, p)
		}
	}
	first := ""
	for _, p := range clientFirst {
		if registered(p.Name(), port) {
			first = p.Name()
			describe(p, "")
			out = append(out, "if not detected, go on:")
			break
		}
	}
	for _, p := range serverFirst {
		if registered(p.Name(), port) {
			out = append(out, fmt.Sprintf("connect and wait for the %s banner (nothing sent); if one arrives, the matching server-first probe below", p.Name()))
			break
		}
	}
	for _, l := range (TLS{}).Plan() {
		out = append(out, "tls: "+l)
	}
	for _, p := range clientFirst {
		if tlsCapable(p) {
			describe(p, "inside TLS, if TLS answered: ")
		}
	}
	out = append(out, "if the peer sent a banner instead of TLS:")
	for _, p := range serverFirst {
		describe(p, "  ")
	}
	out = append(out, "otherwise, until one answers:")
	for _, p := range clientFirst {
		if p.Name() != first {
			describe(p, "  ")
		}
	}
	return out
}
