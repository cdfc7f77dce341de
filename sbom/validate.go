package sbom

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdxlib"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/internal/schemacheck"
)

// The CycloneDX JSON schemas, with the SPDX licence list and JSF schemas
// they reference: 1.5 and 1.6 as in the CycloneDX specification's
// repository, 1.2 to 1.4 as cyclonedx-go ships them.
//
//go:embed schema/*.json
var schemas embed.FS

const schemaBase = "http://cyclonedx.org/schema/"

var compiledCDX sync.Map // spec version -> *compiledSchema

type compiledSchema struct {
	once sync.Once
	s    *schemacheck.Schema
	err  error
}

func cdxSchema(version string) (*schemacheck.Schema, error) {
	v, _ := compiledCDX.LoadOrStore(version, &compiledSchema{})
	cs := v.(*compiledSchema)
	cs.once.Do(func() {
		var res []schemacheck.Resource
		var root string
		for _, f := range []string{"bom-" + version + ".schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
			data, err := schemas.ReadFile("schema/" + f)
			if err != nil {
				cs.err = err
				return
			}
			var head struct {
				ID string `json:"$id"`
			}
			if err := json.Unmarshal(data, &head); err != nil {
				cs.err = err
				return
			}
			u := schemaBase + f
			if head.ID != "" {
				u = head.ID
			}
			if root == "" {
				root = u
			}
			res = append(res, schemacheck.Resource{URL: u, JSON: data})
			if u != schemaBase+f {
				// References name the file; the 1.2 and 1.3 schemas give
				// themselves a revision suffix in $id.
				res = append(res, schemacheck.Resource{URL: schemaBase + f, JSON: data})
			}
		}
		cs.s, cs.err = schemacheck.Compile(root, true, res...)
	})
	return cs.s, cs.err
}

const opValidate insurable.Op = "sbom.Validate"

// Validate checks an SBOM. A CycloneDX BOM must declare a supported
// specVersion and satisfy that version's JSON schema (formats included)
// and the rules the schema cannot state: bom-refs unique, dependencies
// naming existing bom-refs. An SPDX document must be SPDX 2.2 or 2.3 JSON
// with the fields the specification requires (see validateSPDX).
func Validate(name string, data []byte) error {
	if !json.Valid(data) {
		return jsonErr(opValidate, name, data)
	}
	switch Kind(data) {
	case FormatCycloneDX:
		return validateCycloneDX(name, data)
	case FormatSPDX:
		return validateSPDX(name, data)
	}
	return insurable.FileError(opValidate, insurable.Invalid, name, 0, "not an SBOM: neither CycloneDX (bomFormat) nor SPDX (spdxVersion) JSON")
}

func invalid(name, format string, args ...any) error {
	return insurable.FileError(opValidate, insurable.Invalid, name, 0, format, args...)
}

func validateCycloneDX(name string, data []byte) error {
	var head struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
	}
	_ = json.Unmarshal(data, &head)
	if head.BOMFormat != "CycloneDX" {
		return invalid(name, "bomFormat is %q, not \"CycloneDX\"", head.BOMFormat)
	}
	if !supported(head.SpecVersion) {
		return invalid(name, "CycloneDX specVersion %q is not supported (want one of %s)", head.SpecVersion, strings.Join(Supported, ", "))
	}
	s, err := cdxSchema(head.SpecVersion)
	if err != nil {
		return &insurable.Error{Op: opValidate, Kind: insurable.Internal, Msg: "compiling the CycloneDX " + head.SpecVersion + " schema", Err: err}
	}
	doc, err := schemacheck.Decode(data)
	if err != nil {
		return jsonErr(opValidate, name, data)
	}
	if err := s.Validate(doc, 3); err != nil {
		return &insurable.Error{Op: opValidate, Kind: insurable.Invalid, Path: name, Msg: "not valid CycloneDX " + head.SpecVersion, Err: err}
	}
	return checkRefs(name, data)
}

// checkRefs applies rules of the CycloneDX specification that its JSON
// schema cannot express: the bom-refs of components and services are
// unique, and every dependency names a bom-ref defined in the BOM. (The
// specification's own valid examples repeat bom-refs among formulation
// workspaces, so uniqueness is checked where matching relies on it.)
func checkRefs(name string, data []byte) error {
	type node struct {
		BOMRef     string `json:"bom-ref"`
		Components []node `json:"components"`
		Services   []node `json:"services"`
	}
	var doc struct {
		Metadata *struct {
			Component *node `json:"component"`
		} `json:"metadata"`
		Components   []node `json:"components"`
		Services     []node `json:"services"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
			Provides  []string `json:"provides"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return invalid(name, "%v", err)
	}
	refs := map[string]bool{}
	var dup string
	var walk func(ns []node, depth int)
	walk = func(ns []node, depth int) {
		if depth > maxDepth {
			return
		}
		for _, n := range ns {
			if n.BOMRef != "" {
				if refs[n.BOMRef] && dup == "" {
					dup = n.BOMRef
				}
				refs[n.BOMRef] = true
			}
			walk(n.Components, depth+1)
			walk(n.Services, depth+1)
		}
	}
	if doc.Metadata != nil && doc.Metadata.Component != nil {
		walk([]node{*doc.Metadata.Component}, 0)
	}
	walk(doc.Components, 0)
	walk(doc.Services, 0)
	if dup != "" {
		return invalid(name, "bom-ref %q is given to two components or services; bom-refs must be unique within the BOM", dup)
	}
	// Other objects (vulnerabilities, formulation) may carry bom-refs that
	// dependencies name.
	var all func(v any, depth int)
	all = func(v any, depth int) {
		if depth > 256 {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if r, ok := t["bom-ref"].(string); ok {
				refs[r] = true
			}
			for _, c := range t {
				all(c, depth+1)
			}
		case []any:
			for _, c := range t {
				all(c, depth+1)
			}
		}
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err == nil {
		all(generic, 0)
	}
	for i, d := range doc.Dependencies {
		if !refs[d.Ref] {
			return invalid(name, "dependencies[%d]: ref %q names no component or service of the BOM", i, d.Ref)
		}
		for _, r := range append(append([]string(nil), d.DependsOn...), d.Provides...) {
			if !refs[r] {
				return invalid(name, "dependencies[%d] (%s): %q names no component or service of the BOM", i, d.Ref, r)
			}
		}
	}
	return nil
}

var spdxIDPattern = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.\-]+$`)

// validateSPDX checks an SPDX 2.2 or 2.3 JSON document. No SPDX JSON
// schema ships with insurable, so the rules of the SPDX 2.3 specification
// that matter are checked here, after tools-golang has read the document:
// the document's version, data licence, SPDXID, name, namespace and
// creation info (chapter 6), and each package's name, unique SPDXID and
// download location (chapter 7), plus tools-golang's own check that
// relationships name existing elements.
func validateSPDX(name string, data []byte) error {
	var head struct {
		SPDXVersion string `json:"spdxVersion"`
	}
	_ = json.Unmarshal(data, &head)
	if head.SPDXVersion != "SPDX-2.3" && head.SPDXVersion != "SPDX-2.2" {
		return invalid(name, "spdxVersion %q is not supported (want SPDX-2.3 or SPDX-2.2)", head.SPDXVersion)
	}
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return invalid(name, "not valid SPDX JSON: %v", err)
	}
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if doc.DataLicense != "CC0-1.0" {
		add("dataLicense is %q, must be CC0-1.0", doc.DataLicense)
	}
	if doc.SPDXIdentifier != "DOCUMENT" {
		add("SPDXID is %q, must be SPDXRef-DOCUMENT", "SPDXRef-"+string(doc.SPDXIdentifier))
	}
	if strings.TrimSpace(doc.DocumentName) == "" {
		add("name is missing")
	}
	if u, err := url.Parse(doc.DocumentNamespace); err != nil || u.Scheme == "" || strings.Contains(doc.DocumentNamespace, "#") {
		add("documentNamespace %q must be an absolute URI without #", doc.DocumentNamespace)
	}
	if ci := doc.CreationInfo; ci == nil {
		add("creationInfo is missing")
	} else {
		if _, err := time.Parse(time.RFC3339, ci.Created); err != nil {
			add("creationInfo.created %q is not a UTC timestamp YYYY-MM-DDThh:mm:ssZ", ci.Created)
		}
		if len(ci.Creators) == 0 {
			add("creationInfo.creators is empty")
		}
		for _, c := range ci.Creators {
			switch c.CreatorType {
			case "Person", "Organization", "Tool":
			default:
				add("creator %q must start with Person:, Organization: or Tool:", c.Creator)
			}
		}
	}
	ids := map[string]bool{}
	for i, p := range doc.Packages {
		if p == nil {
			add("packages[%d] is null", i)
			continue
		}
		if strings.TrimSpace(p.PackageName) == "" {
			add("packages[%d]: name is missing", i)
		}
		id := "SPDXRef-" + string(p.PackageSPDXIdentifier)
		if !spdxIDPattern.MatchString(id) {
			add("packages[%d]: SPDXID %q is not SPDXRef- followed by letters, digits, . or -", i, id)
		}
		if ids[id] {
			add("packages[%d]: SPDXID %q is used twice", i, id)
		}
		ids[id] = true
		if strings.TrimSpace(p.PackageDownloadLocation) == "" {
			add("packages[%d] (%s): downloadLocation is missing (use NONE or NOASSERTION)", i, p.PackageName)
		}
		for _, r := range p.PackageExternalReferences {
			if r == nil {
				continue
			}
			switch r.Category {
			case "SECURITY", "PACKAGE-MANAGER", "PACKAGE_MANAGER", "PERSISTENT-ID", "PERSISTENT_ID", "OTHER":
			default:
				add("packages[%d] (%s): externalRefs category %q is not SECURITY, PACKAGE-MANAGER, PERSISTENT-ID or OTHER", i, p.PackageName, r.Category)
			}
		}
		if len(probs) >= 5 {
			break
		}
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		add("%v", err)
	}
	if len(probs) > 0 {
		if len(probs) > 5 {
			probs = append(probs[:5], "…")
		}
		return invalid(name, "not valid SPDX %s: %s", strings.TrimPrefix(head.SPDXVersion, "SPDX-"), strings.Join(probs, "; "))
	}
	return nil
}
