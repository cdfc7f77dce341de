// Package hardware compares a device's hardware baseline with a current
// snapshot (A2): components and their serials, hardware revision, firmware,
// configuration digest and measured-boot values. Every difference must cite
// an approved change record; the others are findings.
package hardware

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/internal/strictyaml"
)

const opParse insurable.Op = "hardware.Parse"

// Component is one replaceable part of a device.
type Component struct {
	// ID names the component's position in the device (a slot, a bay),
	// unique within it.
	ID       string `yaml:"id" json:"id"`
	Kind     string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Model    string `yaml:"model,omitempty" json:"model,omitempty"`
	Serial   string `yaml:"serial,omitempty" json:"serial,omitempty"`
	Firmware string `yaml:"firmware,omitempty" json:"firmware,omitempty"`
}

// Citation is a snapshot's reference to the change record that explains
// some of its differences from the baseline.
type Citation struct {
	// Record is the change record's id in changes/changes.yaml.
	Record string `yaml:"record" json:"record"`
	// Covers lists the fields it explains: hw_revision, firmware,
	// config_digest, components (all of them) or components/<id>, and
	// measured_boot (all values) or measured_boot/<name>.
	Covers []string `yaml:"covers" json:"covers"`
}

// State is a baseline or a snapshot of one device.
type State struct {
	Asset            string            `yaml:"asset" json:"asset"`
	Taken            evidence.Date     `yaml:"taken" json:"taken"`
	HardwareRevision string            `yaml:"hw_revision,omitempty" json:"hw_revision,omitempty"`
	Firmware         string            `yaml:"firmware,omitempty" json:"firmware,omitempty"`
	ConfigDigest     string            `yaml:"config_digest,omitempty" json:"config_digest,omitempty"`
	Components       []Component       `yaml:"components,omitempty" json:"components,omitempty"`
	MeasuredBoot     map[string]string `yaml:"measured_boot,omitempty" json:"measured_boot,omitempty"`
	// Changes, in a snapshot, cite the records that approve its
	// differences from the baseline.
	Changes []Citation `yaml:"changes,omitempty" json:"changes,omitempty"`
}

// MaxComponents is the most components one device may list.
const MaxComponents = 10000

// Parse reads a baseline or snapshot (YAML, or JSON when name ends in .json) and checks it: an asset, a
// date, components with unique ids.
func Parse(name string, data []byte) (*State, error) {
	var s State
	if strings.EqualFold(path.Ext(name), ".json") {
		if err := decodeJSON(name, data, &s); err != nil {
			return nil, err
		}
	} else if err := strictyaml.Decode(opParse, name, data, &s); err != nil {
		return nil, err
	}
	if s.Asset == "" {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "names no asset")
	}
	if s.Taken.IsZero() {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "says not when it was taken (taken: YYYY-MM-DD)")
	}
	if len(s.Components) > MaxComponents {
		return nil, insurable.FileError(opParse, insurable.TooLarge, name, 0, "lists %d components, more than the limit of %d", len(s.Components), MaxComponents)
	}
	seen := map[string]bool{}
	for i, c := range s.Components {
		if c.ID == "" {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "component %d has no id", i+1)
		}
		if seen[c.ID] {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "component %q is listed twice", c.ID)
		}
		seen[c.ID] = true
	}
	for _, c := range s.Changes {
		if c.Record == "" || len(c.Covers) == 0 {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "a change citation names a record and the fields it covers")
		}
	}
	return &s, nil
}

// Change is one difference between a baseline and a snapshot.
type Change struct {
	// Field is what changed: hw_revision, firmware, config_digest,
	// components/<id> or measured_boot/<name>.
	Field string
	// Description says how, such as "firmware 2.1.4 → 2.2.0".
	Description string
	// Record is the change record that approves it, or "".
	Record string
	// Problem, when Record is "", says why no cited record approves it.
	Problem string
}

// Approved reports whether an approved change record covers the change.
func (c Change) Approved() bool { return c.Record != "" }

// String describes the change and, when unapproved, why.
func (c Change) String() string {
	if c.Approved() {
		return c.Description + " (approved by " + c.Record + ")"
	}
	return c.Description + ": " + c.Problem
}

// Compare lists the differences between a device's baseline and its
// snapshot, each approved by a change record the snapshot cites or with
// the reason it is not: a record that does not exist, is not approved,
// does not list the device, or was approved after the snapshot was taken.
func Compare(baseline, snapshot *State, records []evidence.ChangeRecord) []Change {
	var out []Change
	add := func(field, format string, args ...any) {
		out = append(out, Change{Field: field, Description: fmt.Sprintf(format, args...)})
	}
	diff := func(field, label, a, b string) {
		if a != b {
			add(field, "%s %s → %s", label, orNone(a), orNone(b))
		}
	}
	diff("hw_revision", "hardware revision", baseline.HardwareRevision, snapshot.HardwareRevision)
	diff("firmware", "firmware", baseline.Firmware, snapshot.Firmware)
	diff("config_digest", "configuration digest", baseline.ConfigDigest, snapshot.ConfigDigest)

	now := map[string]Component{}
	for _, c := range snapshot.Components {
		now[c.ID] = c
	}
	was := map[string]bool{}
	for _, b := range baseline.Components {
		was[b.ID] = true
		field := "components/" + b.ID
		s, ok := now[b.ID]
		if !ok {
			add(field, "component %s removed (%s)", b.ID, describe(b))
			continue
		}
		var parts []string
		for _, p := range [][3]string{{"model", b.Model, s.Model}, {"serial", b.Serial, s.Serial}, {"kind", b.Kind, s.Kind}, {"firmware", b.Firmware, s.Firmware}} {
			if p[1] != p[2] {
				parts = append(parts, fmt.Sprintf("%s %s → %s", p[0], orNone(p[1]), orNone(p[2])))
			}
		}
		if len(parts) > 0 {
			add(field, "component %s: %s", b.ID, strings.Join(parts, ", "))
		}
	}
	for _, s := range snapshot.Components {
		if !was[s.ID] {
			add("components/"+s.ID, "component %s added (%s)", s.ID, describe(s))
		}
	}
	names := map[string]bool{}
	for k := range baseline.MeasuredBoot {
		names[k] = true
	}
	for k := range snapshot.MeasuredBoot {
		names[k] = true
	}
	sorted := make([]string, 0, len(names))
	for k := range names {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		a, b := baseline.MeasuredBoot[k], snapshot.MeasuredBoot[k]
		if a != b {
			add("measured_boot/"+k, "measured boot %s %s → %s", k, orNone(short(a)), orNone(short(b)))
		}
	}
	byID := map[string]*evidence.ChangeRecord{}
	for i := range records {
		byID[records[i].ID] = &records[i]
	}
	for i := range out {
		approve(&out[i], snapshot, byID)
	}
	return out
}

// approve finds a citation of the snapshot that covers the change and whose
// record approves it.
func approve(c *Change, snapshot *State, records map[string]*evidence.ChangeRecord) {
	c.Problem = "no change record is cited for it"
	for _, cit := range snapshot.Changes {
		if !covers(cit.Covers, c.Field) {
			continue
		}
		r := records[cit.Record]
		switch {
		case r == nil:
			c.Problem = fmt.Sprintf("it cites change record %s, which does not exist", cit.Record)
		case r.Approved.IsZero() || strings.TrimSpace(r.ApprovedBy) == "":
			c.Problem = fmt.Sprintf("change record %s is not approved (no approval date and approver)", cit.Record)
		case !contains(r.Assets, snapshot.Asset):
			c.Problem = fmt.Sprintf("change record %s does not list device %s", cit.Record, snapshot.Asset)
		case r.Approved.After(snapshot.Taken):
			c.Problem = fmt.Sprintf("change record %s was approved on %s, after the snapshot of %s", cit.Record, r.Approved, snapshot.Taken)
		default:
			c.Record, c.Problem = cit.Record, ""
			return
		}
	}
}

// covers reports whether a citation's field list covers field: exactly,
// or through its group ("components" covers "components/psu").
func covers(list []string, field string) bool {
	for _, f := range list {
		if f == field || strings.HasPrefix(field, f+"/") {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func describe(c Component) string {
	var parts []string
	for _, p := range [][2]string{{"kind", c.Kind}, {"model", c.Model}, {"serial", c.Serial}} {
		if p[1] != "" {
			parts = append(parts, p[0]+" "+p[1])
		}
	}
	if len(parts) == 0 {
		return "no details"
	}
	return strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// short abbreviates a long digest for a description.
func short(s string) string {
	if len(s) > 23 {
		return s[:20] + "…"
	}
	return s
}

// decodeJSON decodes a state written as JSON, the faster form for fleets
// of many devices: unknown fields and trailing data are errors.
func decodeJSON(name string, data []byte, v *State) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		line := 0
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		case errors.As(err, &te):
			line = 1 + bytes.Count(data[:min(int(te.Offset), len(data))], []byte("\n"))
		}
		return &insurable.Error{Op: opParse, Kind: insurable.Invalid, Path: name, Line: line, Msg: "malformed JSON", Err: err}
	}
	if dec.More() {
		return insurable.FileError(opParse, insurable.Invalid, name, 0, "holds data after the state")
	}
	return nil
}

// ParseLines reads JSON Lines: one baseline or snapshot per line, as an
// asset management system exports a whole site at once. Blank lines are
// skipped. Each bad line gives an error naming the file and the line; the
// good lines are returned all the same.
func ParseLines(name string, data []byte) ([]*State, []error) {
	var states []*State
	var errs []error
	line := 0
	for len(data) > 0 {
		line++
		i := bytes.IndexByte(data, '\n')
		var text []byte
		if i < 0 {
			text, data = data, nil
		} else {
			text, data = data[:i], data[i+1:]
		}
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		s, err := Parse(name+".json", text)
		if err != nil {
			var ie *insurable.Error
			if errors.As(err, &ie) {
				ie.Path, ie.Line = name, line
			}
			errs = append(errs, err)
			continue
		}
		states = append(states, s)
	}
	return states, errs
}
