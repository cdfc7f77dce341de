package schematest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/insurable/insurable/assessment"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/profile"
	"github.com/insurable/insurable/protocol"
)

func readDoc(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(repoPath("docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// spans returns the code spans of a document, as written and normalised as
// the loader normalises headers and classes.
func spans(doc string) (raw, norm map[string]bool) {
	raw, norm = map[string]bool{}, map[string]bool{}
	var prose strings.Builder
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			prose.WriteString(line)
			prose.WriteByte('\n')
		}
	}
	for _, m := range codeSpan.FindAllStringSubmatch(prose.String(), -1) {
		raw[m[1]] = true
		norm[normalise(m[1])] = true
	}
	return raw, norm
}

// normalise is evidence's header normalisation: lower-case letters and
// digits only.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseGo parses a Go source file of the repository.
func parseGo(t *testing.T, path string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func unquote(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// Every fact a check sets is documented in profiles.md, and every fact the
// document lists is set by a check.
func TestFactsDocumented(t *testing.T) {
	doc := readDoc(t, "profiles.md")
	section := doc[strings.Index(doc, "### Facts"):]
	section = section[:strings.Index(section, "\n## ")]
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if m := regexp.MustCompile("^\\| `([a-z0-9_]+)`").FindStringSubmatch(line); m != nil {
			documented[m[1]] = true
		}
	}
	files, err := filepath.Glob(repoPath("checks", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no checks: %v", err)
	}
	set := map[string]bool{}
	dynamic := 0
	for _, file := range files {
		ast.Inspect(parseGo(t, file), func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Fact" {
				return true
			}
			if name, ok := unquote(call.Args[0]); ok {
				set[name] = true
				return true
			}
			// code+"_remediation_overdue" in the R1–R8 checks.
			if bin, ok := call.Args[0].(*ast.BinaryExpr); ok {
				if suffix, ok := unquote(bin.Y); ok && suffix == "_remediation_overdue" {
					dynamic++
					for i := 1; i <= 8; i++ {
						set["r"+strconv.Itoa(i)+suffix] = true
					}
					return true
				}
			}
			t.Errorf("%s: a fact whose name this test cannot read", file)
			return true
		})
	}
	if dynamic != 1 {
		t.Errorf("found %d R-area fact calls, want 1", dynamic)
	}
	for name := range set {
		if !documented[name] && !(strings.HasSuffix(name, "_remediation_overdue") && documented["r1_remediation_overdue"]) {
			t.Errorf("fact %s is set by a check but not documented in docs/profiles.md", name)
		}
	}
	for name := range documented {
		if !set[name] {
			t.Errorf("docs/profiles.md documents fact %s, which no check sets", name)
		}
	}
}

// Every path of the bundle, every CSV column alias and every asset class
// alias is in evidence-bundle.md.
func TestBundleDocumented(t *testing.T) {
	doc := readDoc(t, "evidence-bundle.md")
	raw, norm := spans(doc)
	bundle := parseGo(t, repoPath("evidence", "bundle.go"))
	paths := 0
	ast.Inspect(bundle, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		name := vs.Names[0].Name
		if !strings.HasPrefix(name, "Path") && !strings.HasPrefix(name, "Dir") {
			return true
		}
		p, ok := unquote(vs.Values[0])
		if !ok {
			return true
		}
		paths++
		if !raw[p] && !raw[p+"/"] && !strings.Contains(doc, "`"+p+"/") {
			t.Errorf("%s (%s) is not in docs/evidence-bundle.md", name, p)
		}
		return true
	})
	if paths < 30 {
		t.Errorf("found %d paths in evidence/bundle.go", paths)
	}
	aliases, classes := 0, 0
	ast.Inspect(parseGo(t, repoPath("evidence", "inventory.go")), func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); !ok || id.Name != "aliasTable" {
				return true
			}
			for _, elt := range n.Args[0].(*ast.CompositeLit).Elts {
				for _, a := range elt.(*ast.KeyValueExpr).Value.(*ast.CompositeLit).Elts {
					alias, _ := unquote(a)
					aliases++
					if !raw[alias] {
						t.Errorf("column alias %q is not in docs/evidence-bundle.md", alias)
					}
				}
			}
		case *ast.ValueSpec:
			if n.Names[0].Name != "classAliases" {
				return true
			}
			for _, elt := range n.Values[0].(*ast.CompositeLit).Elts {
				alias, _ := unquote(elt.(*ast.KeyValueExpr).Key)
				classes++
				if !norm[alias] {
					t.Errorf("class alias %q is not in docs/evidence-bundle.md", alias)
				}
			}
		}
		return true
	})
	if aliases < 100 || classes < 60 {
		t.Errorf("found %d column aliases and %d class aliases", aliases, classes)
	}
	for _, c := range evidence.AssetClasses {
		if !raw[c] {
			t.Errorf("class %s is not in docs/evidence-bundle.md", c)
		}
	}
}

// fieldNames returns the names of every field of a Go type under tag, at
// any depth.
func fieldNames(typ reflect.Type, tag string, out map[string]bool, seen map[reflect.Type]bool) {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || seen[typ] || typ == reflect.TypeOf(evidence.Date{}) {
		return
	}
	seen[typ] = true
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		out[name] = true
		fieldNames(f.Type, tag, out, seen)
	}
}

// Every field of the profile is in profiles.md, and every field of the
// result in assessment-result.md.
func TestFormatsDocumented(t *testing.T) {
	for _, tt := range []struct {
		doc, tag string
		value    any
	}{
		{"profiles.md", "yaml", profile.Profile{}},
		{"assessment-result.md", "json", assessment.Result{}},
	} {
		raw, _ := spans(readDoc(t, tt.doc))
		doc := readDoc(t, tt.doc)
		names := map[string]bool{}
		fieldNames(reflect.TypeOf(tt.value), tt.tag, names, map[reflect.Type]bool{})
		for name := range names {
			// Fields are named alone (`min_score`) or in a path
			// (`standards.default`, `sites[].id`).
			if !raw[name] && !regexp.MustCompile("[`.]"+regexp.QuoteMeta(name)+"[`.,\\[ ]").MatchString(doc) {
				t.Errorf("%s does not document field %s", tt.doc, name)
			}
		}
	}
}

// fencedBlocks returns the code blocks of a document with the given info
// string, each with the section (heading of level 1 to 3) it sits in.
func fencedBlocks(doc, lang string) (blocks, headings []string) {
	heading := ""
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "#") && !strings.HasPrefix(lines[i], "####") {
			heading = lines[i]
		}
		if lines[i] != "```"+lang {
			continue
		}
		var b strings.Builder
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			b.WriteString(lines[i])
			b.WriteByte('\n')
		}
		blocks = append(blocks, b.String())
		headings = append(headings, heading)
	}
	return blocks, headings
}

var headingPath = regexp.MustCompile("^### `([^`]+)`")

// The examples in the documents are valid: each YAML example of a bundle
// file against its schema, each CSV example through the loader, the gate
// examples through profile.Parse, and the result example against its
// schema.
func TestDocExamples(t *testing.T) {
	doc := readDoc(t, "evidence-bundle.md")
	yamls, headings := fencedBlocks(doc, "yaml")
	checked := 0
	for i, block := range yamls {
		rel := ""
		if m := headingPath.FindStringSubmatch(headings[i]); m != nil {
			rel = m[1]
		}
		// A block may say which file it is in a first comment line.
		if first, _, _ := strings.Cut(block, "\n"); strings.HasPrefix(first, "# ") {
			name, _, _ := strings.Cut(strings.TrimPrefix(first, "# "), " ")
			if schemaFor(name) != "" {
				rel = name
			}
		}
		if strings.HasSuffix(rel, "/") {
			continue
		}
		s := schemaFor(rel)
		if s == "" {
			if strings.Contains(block, "attestation:\n  name:") {
				continue // the attestation fragment
			}
			t.Errorf("example under %q: no schema for %q", headings[i], rel)
			continue
		}
		v, err := yamlToJSON([]byte(block))
		if err != nil {
			t.Errorf("example of %s: %v", rel, err)
			continue
		}
		if err := validate(t, s, v); err != nil {
			t.Errorf("example of %s does not validate:\n%v", rel, err)
		}
		checked++
	}
	if checked < len(bundleSchemas) {
		t.Errorf("checked %d YAML examples, want one per file (%d)", checked, len(bundleSchemas))
	}

	csvs, headings := fencedBlocks(doc, "csv")
	for i, block := range csvs {
		var rel string
		switch {
		case strings.Contains(headings[i], "inventory/"):
			rel = "inventory/example.csv"
		case strings.Contains(headings[i], "observations/"):
			rel = "observations/example.csv"
		case strings.Contains(headings[i], "metrics/"):
			rel = "metrics/example.csv"
		case strings.Contains(headings[i], "reports.csv"):
			rel = "cvd/reports.csv"
		default:
			t.Errorf("CSV example under %q: which file?", headings[i])
			continue
		}
		dir := t.TempDir()
		for name, content := range map[string]string{
			"bundle.yaml": "format: " + evidence.Format + "\n",
			"firm.yaml":   "id: f\nname: F\nnaics: \"221\"\n",
			rel:           block,
		} {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := evidence.Load(dir, evidence.Options{})
		if err != nil {
			t.Errorf("CSV example of %s: %v", rel, err)
			continue
		}
		if len(b.Assets)+len(b.Observed)+len(b.Metrics)+len(b.CVD.Reports) == 0 || len(b.Notes) != 0 {
			t.Errorf("CSV example of %s: no records, or columns not used: %v", rel, b.Notes)
		}
		b.Close()
	}
	if len(csvs) != 4 {
		t.Errorf("found %d CSV examples, want 4", len(csvs))
	}

	pdoc := readDoc(t, "profiles.md")
	pyamls, _ := fencedBlocks(pdoc, "yaml")
	gates := 0
	for _, block := range pyamls {
		if !strings.HasPrefix(block, "gates:") {
			continue
		}
		src := "id: doc\ntitle: Doc\nversion: 1.0.0\ncatalog: iiot-ssdp@1\ntiers: [{tier: A, min_score: 0}]\n" + block
		p, err := profile.Parse("profiles.md", []byte(src), protocol.Default())
		if err != nil {
			t.Errorf("gate example: %v", err)
			continue
		}
		in := profile.Input{
			Facts:  map[string]any{"kev_past_due": 0, "sbom_coverage": 0.95, "root_key_custody": "hsm"},
			Status: map[string]string{"B5": "pass"},
			Firm:   map[string]any{"naics": "221310", "assets": 600, "sites": 2, "id": "f"},
		}
		for i := range p.Gates {
			gates++
			if ok, err := p.Gates[i].Evaluate(in); !ok || err != nil {
				t.Errorf("gate example %s: %v, %v", p.Gates[i].ID, ok, err)
			}
		}
	}
	if gates != 4 {
		t.Errorf("found %d gate examples, want 4", gates)
	}

	rdoc := readDoc(t, "assessment-result.md")
	jsons, _ := fencedBlocks(rdoc, "json")
	if len(jsons) != 1 {
		t.Fatalf("found %d JSON examples in assessment-result.md, want 1", len(jsons))
	}
	var v any
	if err := json.Unmarshal([]byte(jsons[0]), &v); err != nil {
		t.Fatalf("result example: %v", err)
	}
	if err := validate(t, "assessment-result.schema.json", v); err != nil {
		t.Errorf("result example does not validate:\n%v", err)
	}
}
