package hardware

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/insurable/insurable/evidence"
)

const baseline = `asset: plc-01
taken: 2025-06-01
hw_revision: B
firmware: 2.1.4
config_digest: sha256:1111
components:
  - {id: cpu, kind: cpu-module, model: CPU-1515, serial: S100}
  - {id: psu, kind: power-supply, model: PS-60W, serial: P200}
  - {id: io-1, kind: io-module, model: DI-32, serial: I300}
measured_boot:
  pcr0: sha256:aaaa
  pcr7: sha256:bbbb
`

func TestCompare(t *testing.T) {
	b, err := Parse("baseline.yaml", []byte(baseline))
	if err != nil {
		t.Fatal(err)
	}
	records := []evidence.ChangeRecord{
		{ID: "CR-1", Assets: []string{"plc-01"}, Approved: evidence.MustDate("2025-09-01"), ApprovedBy: "Ops lead"},
		{ID: "CR-2", Assets: []string{"plc-02"}, Approved: evidence.MustDate("2025-09-01"), ApprovedBy: "Ops lead"},
		{ID: "CR-3", Assets: []string{"plc-01"}},
		{ID: "CR-4", Assets: []string{"plc-01"}, Approved: evidence.MustDate("2026-03-01"), ApprovedBy: "Ops lead"},
	}
	snap := func(edit func(string) string) *State {
		s, err := Parse("snapshot.yaml", []byte(edit(strings.Replace(baseline, "taken: 2025-06-01", "taken: 2026-02-01", 1))))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name string
		edit func(string) string
		want []string // String() of each change, in order
	}{
		{"unchanged", func(s string) string { return s }, nil},
		{"firmware update approved",
			func(s string) string {
				return strings.Replace(s, "firmware: 2.1.4", "firmware: 2.2.0", 1) + "changes:\n  - record: CR-1\n    covers: [firmware, measured_boot]\n"
			},
			[]string{"firmware 2.1.4 → 2.2.0 (approved by CR-1)"}},
		{"firmware and boot measurement approved as a group",
			func(s string) string {
				s = strings.Replace(s, "firmware: 2.1.4", "firmware: 2.2.0", 1)
				return strings.Replace(s, "pcr0: sha256:aaaa", "pcr0: sha256:cccc", 1) + "changes:\n  - record: CR-1\n    covers: [firmware, measured_boot]\n"
			},
			[]string{"firmware 2.1.4 → 2.2.0 (approved by CR-1)", "measured boot pcr0 sha256:aaaa → sha256:cccc (approved by CR-1)"}},
		{"component swapped without a record",
			func(s string) string { return strings.Replace(s, "serial: P200", "serial: P999", 1) },
			[]string{"component psu: serial P200 → P999: no change record is cited for it"}},
		{"component added and removed",
			func(s string) string {
				return strings.Replace(s, "  - {id: io-1, kind: io-module, model: DI-32, serial: I300}\n", "  - {id: io-2, kind: io-module, model: DO-16, serial: I400}\n", 1)
			},
			[]string{"component io-1 removed (kind io-module, model DI-32, serial I300): no change record is cited for it", "component io-2 added (kind io-module, model DO-16, serial I400): no change record is cited for it"}},
		{"record of another device",
			func(s string) string {
				return strings.Replace(s, "hw_revision: B", "hw_revision: C", 1) + "changes:\n  - record: CR-2\n    covers: [hw_revision]\n"
			},
			[]string{"hardware revision B → C: change record CR-2 does not list device plc-01"}},
		{"unapproved record",
			func(s string) string {
				return strings.Replace(s, "config_digest: sha256:1111", "config_digest: sha256:2222", 1) + "changes:\n  - record: CR-3\n    covers: [config_digest]\n"
			},
			[]string{"configuration digest sha256:1111 → sha256:2222: change record CR-3 is not approved (no approval date and approver)"}},
		{"approved after the snapshot",
			func(s string) string {
				return strings.Replace(s, "serial: S100", "serial: S101", 1) + "changes:\n  - record: CR-4\n    covers: [components/cpu]\n"
			},
			[]string{"component cpu: serial S100 → S101: change record CR-4 was approved on 2026-03-01, after the snapshot of 2026-02-01"}},
		{"missing record",
			func(s string) string {
				return strings.Replace(s, "pcr7: sha256:bbbb", "pcr7: sha256:dddd", 1) + "changes:\n  - record: CR-404\n    covers: [measured_boot/pcr7]\n"
			},
			[]string{"measured boot pcr7 sha256:bbbb → sha256:dddd: it cites change record CR-404, which does not exist"}},
		{"citation that covers another field",
			func(s string) string {
				return strings.Replace(s, "firmware: 2.1.4", "firmware: 9.9.9", 1) + "changes:\n  - record: CR-1\n    covers: [components/psu]\n"
			},
			[]string{"firmware 2.1.4 → 9.9.9: no change record is cited for it"}},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range Compare(b, snap(tt.edit), records) {
			got = append(got, c.String())
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct{ name, yaml, err string }{
		{"no asset", "taken: 2025-01-01\n", "names no asset"},
		{"no date", "asset: a\n", "taken"},
		{"component without id", "asset: a\ntaken: 2025-01-01\ncomponents:\n  - {model: x}\n", "has no id"},
		{"component twice", "asset: a\ntaken: 2025-01-01\ncomponents:\n  - {id: x}\n  - {id: x}\n", "listed twice"},
		{"unknown field", "asset: a\ntaken: 2025-01-01\nserials: []\n", "line 3"},
		{"bad date", "asset: a\ntaken: yesterday\n", "not a date"},
		{"citation without fields", "asset: a\ntaken: 2025-01-01\nchanges:\n  - record: CR-1\n", "fields it covers"},
	}
	for _, tt := range tests {
		if _, err := Parse("h.yaml", []byte(tt.yaml)); err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "h.yaml") {
			t.Errorf("%s: got %v, want an error naming h.yaml saying %q", tt.name, err, tt.err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(baseline))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		b, _ := Parse("b.yaml", []byte(baseline))
		_ = Compare(b, s, nil)
	})
}

func TestParseJSON(t *testing.T) {
	yamlState, err := Parse("b.yaml", []byte(baseline))
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(yamlState)
	if err != nil {
		t.Fatal(err)
	}
	jsonState, err := Parse("b.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(yamlState, jsonState) {
		t.Errorf("JSON and YAML forms differ:\n%+v\n%+v", yamlState, jsonState)
	}
	tests := []struct{ name, json, err string }{
		{"unknown field", `{"asset": "a", "taken": "2025-01-01", "serials": []}`, "unknown field"},
		{"syntax", "{\"asset\": \"a\",\n\"taken\": }", "h.json:2"},
		{"trailing", `{"asset": "a", "taken": "2025-01-01"} {}`, "after the state"},
		{"no asset", `{"taken": "2025-01-01"}`, "names no asset"},
	}
	for _, tt := range tests {
		if _, err := Parse("h.json", []byte(tt.json)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.err)
		}
	}
}

func TestParseLines(t *testing.T) {
	data := []byte(`{"asset": "a", "taken": "2025-01-01"}

{"asset": "b", "taken": "2025-01-02", "bogus": 1}
{"asset": "c", "taken": "2025-01-03"}`)
	states, errs := ParseLines("hardware/baselines/site.jsonl", data)
	if len(states) != 2 || states[0].Asset != "a" || states[1].Asset != "c" {
		t.Errorf("states %+v", states)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "hardware/baselines/site.jsonl:3") {
		t.Errorf("errors %v, want one naming line 3", errs)
	}
}
