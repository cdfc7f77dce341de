package attest

import (
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// The predicate types of the statements this package makes.
const (
	PredicatePlatformManifest = "https://insurable.dev/attestation/platform-manifest/v1"
	PredicateGovernance       = "https://insurable.dev/attestation/governance/v1"
)

// MaxManifestFiles is the most files a platform manifest may list.
const MaxManifestFiles = 1_000_000

// File kinds in a platform manifest.
const (
	KindApplication   = "application"
	KindLibrary       = "library"
	KindConfiguration = "configuration"
	KindOther         = "other"
)

// Kinds lists the file kinds a manifest may use.
var Kinds = []string{KindApplication, KindLibrary, KindConfiguration, KindOther}

// ManifestFile is one file of a platform.
type ManifestFile struct {
	Path   string `json:"path" yaml:"path"`
	SHA256 string `json:"sha256" yaml:"sha256"`
	Kind   string `json:"kind" yaml:"kind"`
}

// Manifest is a platform manifest: the applications, libraries and
// configuration files that make up a service's trusted computing base.
type Manifest struct {
	Platform string
	Version  string
	Files    []ManifestFile
}

// Validate checks that every file has an absolute, clean path, a SHA-256
// digest and a known kind, and that no path repeats.
func (m *Manifest) Validate() error {
	if m.Platform == "" {
		return fmt.Errorf("the manifest names no platform")
	}
	if len(m.Files) == 0 {
		return fmt.Errorf("the manifest lists no file")
	}
	if len(m.Files) > MaxManifestFiles {
		return fmt.Errorf("the manifest lists %d files, more than the limit of %d", len(m.Files), MaxManifestFiles)
	}
	seen := map[string]bool{}
	for i, f := range m.Files {
		if err := checkFile(f); err != nil {
			return fmt.Errorf("file %d: %v", i+1, err)
		}
		if seen[f.Path] {
			return fmt.Errorf("file %d: %s is listed twice", i+1, f.Path)
		}
		seen[f.Path] = true
	}
	return nil
}

func checkFile(f ManifestFile) error {
	if !strings.HasPrefix(f.Path, "/") || path.Clean(f.Path) != f.Path {
		return fmt.Errorf("path %q is not a clean absolute path", f.Path)
	}
	if err := CheckSHA256(f.SHA256); err != nil {
		return fmt.Errorf("%s: %v", f.Path, err)
	}
	for _, k := range Kinds {
		if f.Kind == k {
			return nil
		}
	}
	return fmt.Errorf("%s: kind %q is not one of %s", f.Path, f.Kind, strings.Join(Kinds, ", "))
}

// CheckSHA256 checks that s is a SHA-256 digest in lower-case hex.
func CheckSHA256(s string) error {
	if len(s) != 64 || strings.ToLower(s) != s {
		return fmt.Errorf("digest %q is not 64 lower-case hex digits of SHA-256", s)
	}
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Errorf("digest %q is not hex", s)
	}
	return nil
}

// Statement returns the manifest as an in-toto statement: one subject per
// file, named by its path with its SHA-256 and its kind as an annotation,
// and the platform's name and version as predicate.
func (m *Manifest) Statement() (*intoto.Statement, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	files := append([]ManifestFile(nil), m.Files...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	st := &intoto.Statement{Type: intoto.StatementTypeUri, PredicateType: PredicatePlatformManifest}
	for _, f := range files {
		ann, _ := structpb.NewStruct(map[string]any{"kind": f.Kind})
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: f.Path, Digest: map[string]string{"sha256": f.SHA256}, Annotations: ann})
	}
	pred, err := structpb.NewStruct(map[string]any{"platform": m.Platform, "version": m.Version})
	if err != nil {
		return nil, err
	}
	st.Predicate = pred
	return st, nil
}

// ManifestFromStatement reads a platform manifest back from its statement.
func ManifestFromStatement(st *intoto.Statement) (*Manifest, error) {
	if st.GetPredicateType() != PredicatePlatformManifest {
		return nil, fmt.Errorf("predicate type %q is not a platform manifest (%s)", st.GetPredicateType(), PredicatePlatformManifest)
	}
	m := &Manifest{
		Platform: st.GetPredicate().GetFields()["platform"].GetStringValue(),
		Version:  st.GetPredicate().GetFields()["version"].GetStringValue(),
	}
	for _, s := range st.GetSubject() {
		m.Files = append(m.Files, ManifestFile{
			Path:   s.GetName(),
			SHA256: s.GetDigest()["sha256"],
			Kind:   s.GetAnnotations().GetFields()["kind"].GetStringValue(),
		})
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Claim is what a governance attestation states: that the named person,
// in the named role, on the date, attests the record of the file whose
// canonical content has the digest.
type Claim struct {
	File    string // bundle path of the governance YAML file
	Pointer string // JSON pointer to the record in the file; "" for the whole file
	Digest  string // SHA-256 (hex) of the record's canonical form, see RecordDigest
	Name    string
	Role    string
	Date    string // YYYY-MM-DD
	// Text is an optional free-text statement.
	Text string
}

// Statement returns the claim as an in-toto statement whose subject is the
// record.
func (c *Claim) Statement() (*intoto.Statement, error) {
	if c.File == "" || c.Name == "" || c.Role == "" || c.Date == "" {
		return nil, fmt.Errorf("an attestation names the record's file, the person, their role and the date")
	}
	if err := CheckSHA256(c.Digest); err != nil {
		return nil, err
	}
	pred, err := structpb.NewStruct(map[string]any{
		"record": c.File, "pointer": c.Pointer, "name": c.Name, "role": c.Role, "date": c.Date, "statement": c.Text,
	})
	if err != nil {
		return nil, err
	}
	return &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		Subject:       []*intoto.ResourceDescriptor{{Name: c.File + "#" + c.Pointer, Digest: map[string]string{"sha256": c.Digest}}},
		PredicateType: PredicateGovernance,
		Predicate:     pred,
	}, nil
}

// ClaimFromStatement reads a governance claim back from its statement.
func ClaimFromStatement(st *intoto.Statement) (*Claim, error) {
	if st.GetPredicateType() != PredicateGovernance {
		return nil, fmt.Errorf("predicate type %q is not a governance attestation (%s)", st.GetPredicateType(), PredicateGovernance)
	}
	if len(st.GetSubject()) != 1 {
		return nil, fmt.Errorf("a governance attestation has exactly one subject, the record; this one has %d", len(st.GetSubject()))
	}
	f := st.GetPredicate().GetFields()
	c := &Claim{
		File:    f["record"].GetStringValue(),
		Pointer: f["pointer"].GetStringValue(),
		Digest:  st.GetSubject()[0].GetDigest()["sha256"],
		Name:    f["name"].GetStringValue(),
		Role:    f["role"].GetStringValue(),
		Date:    f["date"].GetStringValue(),
		Text:    f["statement"].GetStringValue(),
	}
	if err := CheckSHA256(c.Digest); err != nil {
		return nil, fmt.Errorf("the record's digest: %v", err)
	}
	return c, nil
}

// MarshalStatement writes a statement as the JSON payload of an envelope.
func MarshalStatement(st *intoto.Statement) ([]byte, error) {
	if err := st.Validate(); err != nil {
		return nil, err
	}
	return protojson.Marshal(st)
}

// ParseStatement reads an in-toto statement v1 (or v0.1) from a payload.
func ParseStatement(payload []byte) (*intoto.Statement, error) {
	st := new(intoto.Statement)
	if err := protojson.Unmarshal(payload, st); err != nil {
		return nil, fmt.Errorf("the payload is not an in-toto statement: %v", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("invalid in-toto statement: %v", err)
	}
	return st, nil
}
