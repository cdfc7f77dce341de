package schematest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// root is the repository root, two levels above this package.
var root = func() string {
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return abs
}()

func repoPath(parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }

var (
	compiler     *jsonschema.Compiler
	compiled     = map[string]*jsonschema.Schema{}
	compilerLock sync.Mutex
)

// schema compiles docs/schemas/<name> (and what it references) once.
// Formats (date, date-time) are asserted, as a careful validator would.
func schema(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	compilerLock.Lock()
	defer compilerLock.Unlock()
	if s, ok := compiled[name]; ok {
		return s
	}
	if compiler == nil {
		compiler = jsonschema.NewCompiler()
		compiler.DefaultDraft(jsonschema.Draft2020)
		compiler.AssertFormat()
	}
	s, err := compiler.Compile(repoPath("docs", "schemas", name))
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	compiled[name] = s
	return s
}

// validate checks a JSON-compatible document against a schema.
func validate(t testing.TB, schemaName string, doc any) error {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("not representable in JSON: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return schema(t, schemaName).Validate(inst)
}

// yamlToJSON converts a YAML document to the value JSON would hold, as a
// YAML-aware validator sees it: scalars keep the type YAML 1.2 resolves
// them to (a date is a string), aliases are expanded.
func yamlToJSON(data []byte) (any, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	return nodeValue(&n, 0)
}

func nodeValue(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, fmt.Errorf("line %d: nested too deeply", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := nodeValue(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return n.Value, nil // JSON has no such number; a string fails any numeric schema
		}
		return v, nil
	}
	return n.Value, nil
}

// bundleSchemas maps the YAML and JSON files of a bundle to their schema.
// Inventory YAML files and scan results are matched by folder.
var bundleSchemas = map[string]string{
	"bundle.yaml":                     "bundle.schema.json",
	"firm.yaml":                       "firm.schema.json",
	"risk/register.yaml":              "risk-register.schema.json",
	"governance/board-reviews.yaml":   "board-reviews.schema.json",
	"governance/officers.yaml":        "officers.schema.json",
	"governance/continuity.yaml":      "continuity.schema.json",
	"governance/pentests.yaml":        "pentests.schema.json",
	"governance/assessments.yaml":     "assessments.schema.json",
	"governance/sharing.yaml":         "sharing.schema.json",
	"governance/certifications.yaml":  "certifications.schema.json",
	"governance/sdlc.yaml":            "sdlc.schema.json",
	"governance/legacy.yaml":          "legacy.schema.json",
	"governance/key-custody.yaml":     "key-custody.schema.json",
	"ram.yaml":                        "ram.schema.json",
	"remediation.yaml":                "remediation.schema.json",
	"metrics/dashboards.yaml":         "dashboards.schema.json",
	"cvd/policy.yaml":                 "cvd-policy.schema.json",
	"declarations/data-stores.yaml":   "data-stores.schema.json",
	"declarations/device-models.yaml": "device-models.schema.json",
	"changes/changes.yaml":            "changes.schema.json",
}

// schemaFor returns the schema of a bundle file, or "" when it has none of
// ours (CSV tables, documents, signatures, and the folders other documents
// describe).
func schemaFor(rel string) string {
	if s, ok := bundleSchemas[rel]; ok {
		return s
	}
	ext := strings.ToLower(filepath.Ext(rel))
	switch {
	case strings.HasPrefix(rel, "inventory/") && (ext == ".yaml" || ext == ".yml"):
		return "inventory.schema.json"
	case strings.HasPrefix(rel, "scans/") && ext == ".json":
		return "scan-results.schema.json"
	}
	return ""
}

// bundleFiles lists the files of a bundle that have a schema of ours,
// skipping hidden files and folders as the loader does.
func bundleFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if s := schemaFor(rel); s != "" {
			out[rel] = s
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// exampleBundles returns every bundle under examples/ (a folder holding
// bundle.yaml), when there are any.
func exampleBundles(t testing.TB) []string {
	t.Helper()
	matches, err := filepath.Glob(repoPath("examples", "*", "bundle.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range matches {
		dirs = append(dirs, filepath.Dir(m))
	}
	return dirs
}

// copyDir copies a directory tree of regular files.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
