package schemacheck

import (
	"strings"
	"testing"
)

const (
	rootSchema = `{"$schema": "http://json-schema.org/draft-07/schema#", "$id": "http://example.test/root.json",
		"type": "object", "required": ["when", "part"],
		"properties": {"when": {"type": "string", "format": "date-time"}, "part": {"$ref": "part.json"}}}`
	partSchema = `{"$schema": "http://json-schema.org/draft-07/schema#", "$id": "http://example.test/part.json",
		"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}`
)

func TestCompileAndValidate(t *testing.T) {
	s, err := Compile("http://example.test/root.json", true,
		Resource{URL: "http://example.test/root.json", JSON: []byte(rootSchema)},
		Resource{URL: "http://example.test/part.json", JSON: []byte(partSchema)})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]string{
		`{"when": "2026-01-01T00:00:00Z", "part": {"n": 2}}`: "",
		`{"when": "noon", "part": {"n": 2}}`:                 "at /when:",
		`{"when": "2026-01-01T00:00:00Z", "part": {"n": 0}}`: "at /part/n:",
		`{"part": {}}`: "missing property 'when'",
	}
	for doc, want := range tests {
		v, err := Decode([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Validate(v, 3)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", doc, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}

func TestCompileStaysOffline(t *testing.T) {
	_, err := Compile("http://example.test/root.json", false, Resource{URL: "http://example.test/root.json", JSON: []byte(rootSchema)})
	if err == nil || !strings.Contains(err.Error(), "not shipped with insurable") {
		t.Errorf("a reference to a schema not given compiled: %v", err)
	}
	if _, err := Compile("x", false, Resource{URL: "x", JSON: []byte("{")}); err == nil {
		t.Error("malformed schema compiled")
	}
}
