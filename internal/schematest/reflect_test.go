package schematest

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
	"github.com/insurable/insurable/scan"
)

// mode says how a Go type's fields map to a schema.
type mode int

const (
	// yamlInput: YAML tags; the loader requires nothing by itself, so the
	// schema's required fields must be properties (checked by hand).
	yamlInput mode = iota
	// jsonInput: JSON tags, read with unknown fields refused.
	jsonInput
	// jsonOutput: JSON tags of what insurable writes: a field is required
	// exactly when it has no omitempty, since it is then always written.
	jsonOutput
)

// The wrappers the loader decodes list files into.
type (
	inventoryFile struct {
		Assets []evidence.Asset `yaml:"assets"`
	}
	boardReviewsFile struct {
		Reviews []evidence.BoardReview `yaml:"reviews"`
	}
	pentestsFile struct {
		Tests []evidence.Pentest `yaml:"tests"`
	}
	assessmentsFile struct {
		Assessments []evidence.PastAssessment `yaml:"assessments"`
	}
	certificationsFile struct {
		Certifications []evidence.Certification `yaml:"certifications"`
	}
	remediationFile struct {
		Items []evidence.RemediationRecord `yaml:"items"`
	}
	dashboardsFile struct {
		Dashboards []evidence.Dashboard `yaml:"dashboards"`
	}
	dataStoresFile struct {
		Stores []evidence.DataStore `yaml:"data_stores"`
	}
	deviceModelsFile struct {
		Models []evidence.DeviceModel `yaml:"models"`
	}
	changesFile struct {
		Changes []evidence.ChangeRecord `yaml:"changes"`
	}
)

// The schemas and the Go types they describe agree: the same properties at
// every level, no others allowed, the same types, and (for the result) the
// same required fields.
func TestSchemasMatchGoTypes(t *testing.T) {
	tests := []struct {
		schema string
		value  any
		mode   mode
	}{
		{"bundle.schema.json", evidence.Manifest{}, yamlInput},
		{"firm.schema.json", evidence.Firm{}, yamlInput},
		{"inventory.schema.json", inventoryFile{}, yamlInput},
		{"risk-register.schema.json", evidence.RiskRegister{}, yamlInput},
		{"board-reviews.schema.json", boardReviewsFile{}, yamlInput},
		{"officers.schema.json", evidence.Officers{}, yamlInput},
		{"continuity.schema.json", evidence.Continuity{}, yamlInput},
		{"pentests.schema.json", pentestsFile{}, yamlInput},
		{"assessments.schema.json", assessmentsFile{}, yamlInput},
		{"sharing.schema.json", evidence.Sharing{}, yamlInput},
		{"certifications.schema.json", certificationsFile{}, yamlInput},
		{"sdlc.schema.json", evidence.SDLC{}, yamlInput},
		{"legacy.schema.json", evidence.LegacyMeans{}, yamlInput},
		{"key-custody.schema.json", evidence.KeyCustody{}, yamlInput},
		{"ram.schema.json", evidence.RAM{}, yamlInput},
		{"remediation.schema.json", remediationFile{}, yamlInput},
		{"dashboards.schema.json", dashboardsFile{}, yamlInput},
		{"cvd-policy.schema.json", evidence.CVDPolicy{}, yamlInput},
		{"data-stores.schema.json", dataStoresFile{}, yamlInput},
		{"device-models.schema.json", deviceModelsFile{}, yamlInput},
		{"changes.schema.json", changesFile{}, yamlInput},
		{"profile.schema.json", profile.Profile{}, yamlInput},
		{"scan-results.schema.json", scan.File{}, jsonInput},
		{"assessment-result.schema.json", assessment.Result{}, jsonOutput},
	}
	set := loadSchemas(t)
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			w := &walker{t: t, set: set, mode: tt.mode}
			w.compare(tt.schema, tt.schema, set.docs[tt.schema], reflect.TypeOf(tt.value))
		})
	}
}

// schemaSet holds the raw schema documents, to walk them beside Go types.
type schemaSet struct{ docs map[string]map[string]any }

func loadSchemas(t *testing.T) *schemaSet {
	s := &schemaSet{docs: map[string]map[string]any{}}
	for _, name := range ourSchemas {
		data, err := os.ReadFile(repoPath("docs", "schemas", name))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		s.docs[name] = doc
	}
	return s
}

// resolve follows $ref until it reaches a schema without one, returning the
// file it sits in. Keywords beside a $ref are only descriptions here.
func (s *schemaSet) resolve(file string, node map[string]any) (string, map[string]any, error) {
	for i := 0; i < 10; i++ {
		ref, ok := node["$ref"].(string)
		if !ok {
			return file, node, nil
		}
		target, pointer, _ := strings.Cut(ref, "#")
		if target != "" {
			file = target
		}
		doc, ok := s.docs[file]
		if !ok {
			return "", nil, fmt.Errorf("$ref %q: no schema %s", ref, file)
		}
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
			if part == "" {
				continue
			}
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		next, ok := cur.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("$ref %q resolves to nothing", ref)
		}
		node = next
	}
	return "", nil, fmt.Errorf("$ref loop")
}

type walker struct {
	t    *testing.T
	set  *schemaSet
	mode mode
}

var (
	dateType   = reflect.TypeOf(evidence.Date{})
	periodType = reflect.TypeOf(evidence.Period{})
)

func types(node map[string]any) []string {
	switch v := node["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

func (w *walker) compare(where, file string, node map[string]any, typ reflect.Type) {
	t := w.t
	file, node, err := w.set.resolve(file, node)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	// A pointer is nil for an absent record, and Go writes it as null:
	// readers accept null there, so the schema must allow it, and only
	// there.
	var real []map[string]any
	nullable := false
	if alts, ok := node["anyOf"].([]any); ok && node["type"] == nil {
		for _, a := range alts {
			m := a.(map[string]any)
			if m["type"] == "null" {
				nullable = true
			} else {
				real = append(real, m)
			}
		}
	}
	if w.mode != jsonOutput && nullable != (typ.Kind() == reflect.Pointer) {
		t.Errorf("%s: %s, and the schema allows null: %v", where, typ, nullable)
	}
	if nullable {
		if len(real) != 1 {
			t.Errorf("%s: anyOf must be one schema and null", where)
			return
		}
		w.compare(where, file, real[0], typ.Elem())
		return
	}
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	has := func(want string) bool {
		if slices.Contains(types(node), want) {
			return true
		}
		// enum and const of strings stand for a string.
		if want == "string" && node["type"] == nil && (node["enum"] != nil || node["const"] != nil) {
			return true
		}
		return false
	}
	switch {
	case typ == dateType || typ == periodType:
		if !has("string") || node["pattern"] == nil {
			t.Errorf("%s: %s must be a string with a pattern", where, typ)
		}
		return
	}
	switch typ.Kind() {
	case reflect.Struct:
		w.object(where, file, node, typ)
	case reflect.Slice:
		if !has("array") {
			t.Errorf("%s: %s is a list, schema type %v", where, typ, node["type"])
			return
		}
		items, _ := node["items"].(map[string]any)
		if items == nil {
			t.Errorf("%s: list without items", where)
			return
		}
		w.compare(where+"[]", file, items, typ.Elem())
	case reflect.Map:
		if !has("object") {
			t.Errorf("%s: %s is a map, schema type %v", where, typ, node["type"])
			return
		}
		elem, _ := node["additionalProperties"].(map[string]any)
		if elem == nil {
			t.Errorf("%s: map without a schema for its values", where)
			return
		}
		w.compare(where+"{}", file, elem, typ.Elem())
	case reflect.String:
		if !has("string") {
			t.Errorf("%s: %s is text, schema type %v", where, typ, node["type"])
		}
	case reflect.Int, reflect.Int64:
		if !has("integer") {
			t.Errorf("%s: %s is an integer, schema type %v", where, typ, node["type"])
		}
	case reflect.Float64:
		if !has("number") {
			t.Errorf("%s: %s is a number, schema type %v", where, typ, node["type"])
		}
	case reflect.Bool:
		if !has("boolean") {
			t.Errorf("%s: %s is a boolean, schema type %v", where, typ, node["type"])
		}
	case reflect.Interface:
		// A fact: any of the scalar types.
	default:
		t.Errorf("%s: no rule for %s", where, typ)
	}
}

func (w *walker) object(where, file string, node map[string]any, typ reflect.Type) {
	t := w.t
	if !slices.Contains(types(node), "object") {
		t.Errorf("%s: %s is an object, schema type %v", where, typ, node["type"])
		return
	}
	if node["additionalProperties"] != false {
		t.Errorf("%s: the loader refuses unknown fields, so additionalProperties must be false", where)
	}
	props, _ := node["properties"].(map[string]any)
	tagKey := "json"
	if w.mode == yamlInput {
		tagKey = "yaml"
	}
	var names, required []string
	fields := map[string]reflect.StructField{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, ok := f.Tag.Lookup(tagKey)
		if !ok {
			t.Errorf("%s: field %s.%s has no %s tag", where, typ, f.Name, tagKey)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		names = append(names, name)
		fields[name] = f
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	var schemaNames []string
	for k := range props {
		schemaNames = append(schemaNames, k)
	}
	sort.Strings(names)
	sort.Strings(schemaNames)
	if !slices.Equal(names, schemaNames) {
		t.Errorf("%s: %s has fields %q, the schema %q", where, typ, names, schemaNames)
	}
	var schemaRequired []string
	if rs, ok := node["required"].([]any); ok {
		for _, r := range rs {
			schemaRequired = append(schemaRequired, r.(string))
		}
	}
	sort.Strings(schemaRequired)
	sort.Strings(required)
	switch w.mode {
	case jsonOutput:
		if !slices.Equal(required, schemaRequired) {
			t.Errorf("%s: %s always writes %q, the schema requires %q", where, typ, required, schemaRequired)
		}
	default:
		for _, r := range schemaRequired {
			if _, ok := fields[r]; !ok {
				t.Errorf("%s: required %q is not a field", where, r)
			}
		}
	}
	for _, name := range names {
		p, _ := props[name].(map[string]any)
		if p == nil {
			continue
		}
		if p["description"] == nil && p["$ref"] == nil {
			t.Errorf("%s.%s: no description", where, name)
		}
		w.compare(where+"."+name, file, p, fields[name].Type)
	}
}

// Enumerations in the schemas list exactly what the code knows.
func TestSchemaEnumsMatchCode(t *testing.T) {
	set := loadSchemas(t)
	cat := protocol.Default()
	var items, standards []any
	for _, id := range cat.IDs() {
		items = append(items, string(id))
	}
	for _, s := range cat.Standards {
		standards = append(standards, string(s.ID))
	}
	var sevs []any
	for _, s := range check.Severities {
		sevs = append(sevs, string(s))
	}
	statuses := []any{string(check.Pass), string(check.Fail), string(check.NeedsReview), string(check.NotApplicable)}
	for _, tt := range []struct {
		file, def string
		want      []any
	}{
		{"profile.schema.json", "item", items},
		{"profile.schema.json", "standard", standards},
		{"assessment-result.schema.json", "item", items},
		{"assessment-result.schema.json", "standard", standards},
		{"assessment-result.schema.json", "severity", sevs},
		{"assessment-result.schema.json", "status", statuses},
	} {
		defs := set.docs[tt.file]["$defs"].(map[string]any)
		got, _ := defs[tt.def].(map[string]any)["enum"].([]any)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s $defs.%s enum = %v, want %v", tt.file, tt.def, got, tt.want)
		}
	}
	deadlines := set.docs["profile.schema.json"]["properties"].(map[string]any)["deadlines"].(map[string]any)["properties"].(map[string]any)
	for _, k := range []string{"remediation", "cvd_fix"} {
		got := deadlines[k].(map[string]any)["propertyNames"].(map[string]any)["enum"].([]any)
		if !reflect.DeepEqual(got, sevs) {
			t.Errorf("deadlines.%s severities = %v, want %v", k, got, sevs)
		}
	}
	if c := set.docs["bundle.schema.json"]["properties"].(map[string]any)["format"].(map[string]any)["const"]; c != evidence.Format {
		t.Errorf("bundle format const %v, want %s", c, evidence.Format)
	}
	if c := set.docs["assessment-result.schema.json"]["properties"].(map[string]any)["format"].(map[string]any)["const"]; c != assessment.Format {
		t.Errorf("result format const %v, want %s", c, assessment.Format)
	}
	if c := set.docs["scan-results.schema.json"]["properties"].(map[string]any)["format"].(map[string]any)["const"]; c != scan.Format {
		t.Errorf("scan format const %v, want %s", c, scan.Format)
	}
}
