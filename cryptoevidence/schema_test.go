package cryptoevidence

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable/attest"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/hardware"
)

// The JSON Schemas of docs/schemas describe the files this package reads and
// writes; these tests keep them in step with the code.

func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	abs, err := filepath.Abs(filepath.Join("..", "docs", "schemas", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// yamlValue converts YAML to the value a YAML 1.2 aware validator sees.
func yamlValue(t *testing.T, data []byte) any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		t.Fatal(err)
	}
	var conv func(n *yaml.Node) any
	conv = func(n *yaml.Node) any {
		switch n.Kind {
		case yaml.DocumentNode:
			return conv(n.Content[0])
		case yaml.MappingNode:
			m := map[string]any{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				m[n.Content[i].Value] = conv(n.Content[i+1])
			}
			return m
		case yaml.SequenceNode:
			s := []any{}
			for _, c := range n.Content {
				s = append(s, conv(c))
			}
			return s
		case yaml.AliasNode:
			return conv(n.Alias)
		}
		switch n.Tag {
		case "!!int", "!!float":
			f, _ := strconv.ParseFloat(n.Value, 64)
			return f
		case "!!bool":
			return n.Value == "true"
		case "!!null":
			return nil
		}
		return n.Value
	}
	return jsonValue(t, conv(&n))
}

func jsonValue(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchemasDescribeWhatIsWritten(t *testing.T) {
	dir := t.TempDir()
	w, err := NewWriter(dir, WriterOptions{Organization: "Schema Org", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0", "1.1"} {
		if err := w.Firmware(FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Firmware(FirmwareSpec{Vendor: "Acme", Product: "PLC", Version: "1.2", Format: "raw"}); err != nil {
		t.Fatal(err)
	}
	m := &attest.Manifest{Platform: "gw", Version: "1", Files: []attest.ManifestFile{{Path: "/bin/gw", SHA256: strings.Repeat("a", 64), Kind: attest.KindApplication}}}
	manifest, err := w.Manifest("gw", m, None)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Deployment("gw-1", manifest, DeploymentOf(m)); err != nil {
		t.Fatal(err)
	}
	base := &hardware.State{Asset: "gw-1", Taken: evidence.NewDate(time.Now()), Firmware: "1", Components: []hardware.Component{{ID: "psu", Serial: "1"}}, MeasuredBoot: map[string]string{"pcr0": "sha256:aa"}}
	snap := *base
	snap.Changes = []hardware.Citation{{Record: "CR-1", Covers: []string{"firmware", "components/psu"}}}
	if err := w.Hardware(base, &snap); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	read := func(rel string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	env, err := attest.ParseEnvelope(manifest, read(manifest))
	if err != nil {
		t.Fatal(err)
	}
	manifestPayload, _ := env.DecodeB64Payload()
	claim := &attest.Claim{File: "governance/officers.yaml", Digest: strings.Repeat("b", 64), Name: "Dana", Role: "CISO", Date: "2026-01-02"}
	st, _ := claim.Statement()
	claimPayload, _ := attest.MarshalStatement(st)
	var mp, cp any
	json.Unmarshal(manifestPayload, &mp)
	json.Unmarshal(claimPayload, &cp)

	tests := []struct {
		schema string
		doc    any
		ok     bool
	}{
		{"firmware-index.schema.json", yamlValue(t, read(PathFirmwareIndex)), true},
		{"platform-deployment.schema.json", yamlValue(t, read(DirDeployments+"/gw-1.yaml")), true},
		{"hardware-state.schema.json", yamlValue(t, read(DirBaselines+"/gw-1.yaml")), true},
		{"hardware-state.schema.json", yamlValue(t, read(DirSnapshots+"/gw-1.yaml")), true},
		{"platform-manifest-statement.schema.json", jsonValue(t, mp), true},
		{"governance-attestation-statement.schema.json", jsonValue(t, cp), true},
		{"device-map.schema.json", yamlValue(t, []byte("devices:\n  - asset: PLC-1\n    certificate: pki/devices/a.pem\n")), true},
		{"manifest-source.schema.json", yamlValue(t, []byte("platform: gw\nversion: \"1\"\nfiles:\n  - {path: /bin/gw, sha256: "+strings.Repeat("a", 64)+", kind: application}\n  - {path: /etc/gw.conf, sha256: "+strings.Repeat("b", 64)+"}\n")), true},
		// and what the code refuses, the schemas refuse
		{"firmware-index.schema.json", yamlValue(t, []byte("artifacts:\n  - {file: f, vendor: v, product: p, version: \"1\", signature: s, bundle: b}\n")), false},
		{"firmware-index.schema.json", yamlValue(t, []byte("artifacts:\n  - {file: f, vendor: v, product: p}\n")), false},
		{"hardware-state.schema.json", yamlValue(t, []byte("asset: a\ntaken: 2026-01-01\nchanges:\n  - {record: CR-1, covers: [serials]}\n")), false},
		{"hardware-state.schema.json", yamlValue(t, []byte("asset: a\n")), false},
		{"platform-deployment.schema.json", yamlValue(t, []byte("host: h\nmanifest: m\nfiles:\n  - {path: /x, sha256: ABC}\n")), false},
		{"device-map.schema.json", yamlValue(t, []byte("devices:\n  - asset: a\n")), false},
	}
	for i, tt := range tests {
		err := compileSchema(t, tt.schema).Validate(tt.doc)
		if (err == nil) != tt.ok {
			t.Errorf("%d %s: valid=%v, want %v: %v", i, tt.schema, err == nil, tt.ok, err)
		}
	}
}
