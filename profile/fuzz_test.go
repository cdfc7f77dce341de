package profile

import (
	"errors"
	"strings"
	"testing"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/protocol"
)

// FuzzParse feeds arbitrary bytes to Parse. It must not panic; it returns
// either a profile whose gates all compiled or an invalid-input
// *insurable.Error naming the file, and a gate of an accepted profile
// evaluates to a result or an error, never a panic.
func FuzzParse(f *testing.F) {
	for _, name := range Builtin() {
		data, err := builtin.ReadFile("profiles/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(minimalProfile))
	f.Add([]byte(minimalProfile + "gates:\n  - {id: g, expr: 'facts.x > 1 || status.A1 == \"pass\"', effect: condition, deadline: 1y2w}\n"))
	f.Add([]byte(minimalProfile + "weights: {A1: 1e308}\nmandatory: [O4]\nstandards: {industries: [{name: x, naics: ['1']}]}\n"))
	f.Add([]byte("id: x\ntitle: y\nversion: 1.0.0\ncatalog: iiot-ssdp@1\ntiers: &t [{tier: A, min_score: 0}]\n---\n"))
	cat := protocol.Default()
	in := Input{
		Facts:  map[string]any{"x": 2, "kev_past_due": 0, "ratio": 0.5, "s": "hsm", "b": true},
		Status: map[string]string{"A1": "pass"},
		Firm:   map[string]any{"naics": "221", "assets": 1, "sites": 1, "id": "f"},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		p, err := Parse(name, data, cat)
		if err != nil {
			var e *insurable.Error
			if !errors.As(err, &e) || e.Path != name || e.Kind != insurable.Invalid {
				t.Fatalf("error %v (%T) is not an invalid-input *insurable.Error naming %s", err, err, name)
			}
			if lines := strings.Count(string(data), "\n") + 1; e.Line < 0 || e.Line > lines {
				t.Fatalf("error %v points at line %d of %d", err, e.Line, lines)
			}
			if p != nil {
				t.Fatal("a profile returned with an error")
			}
			return
		}
		if len(p.Tiers) == 0 || p.Digest() == "" {
			t.Fatalf("accepted profile without tiers or digest: %+v", p)
		}
		for i := range p.Gates {
			if p.Gates[i].program == nil {
				t.Fatalf("gate %s accepted but not compiled", p.Gates[i].ID)
			}
			p.Gates[i].Evaluate(in)
		}
	})
}
