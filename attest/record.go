package attest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"go.yaml.in/yaml/v3"
)

// A governance attestation binds one record of a governance YAML file by
// digest, so that the signature cannot be moved to another record and the
// record cannot be changed after signing, while other records of the same
// file can be added or edited. The record is the YAML mapping that holds the
// "attestation" block (the whole document for files with one record). Its
// canonical form is its YAML tree as JSON — every scalar as the string
// written, mappings as objects, sequences as arrays — without the
// attestation's "signature" field (which names the envelope and is filled
// in after signing), canonicalised by RFC 8785 (JCS). The digest is the
// SHA-256 of that form, in hex.

// Record is a located governance record.
type Record struct {
	// Pointer is the record's JSON pointer in the file, such as
	// "/reviews/0"; "" is the whole document.
	Pointer string
	// Digest is the SHA-256 (hex) of its canonical form.
	Digest string
	// Name, Role and Date are what its attestation block says, and
	// Signature the envelope it names.
	Name, Role, Date, Signature string
}

// maxNodes bounds the YAML nodes walked, aliases included.
const maxNodes = 1_000_000

// FindRecord locates in the YAML file data the record whose attestation
// block starts on line (as package evidence records it) and digests it.
func FindRecord(data []byte, line int) (*Record, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	var found *yaml.Node
	var at string
	var walk func(n *yaml.Node, ptr string, depth int)
	walk = func(n *yaml.Node, ptr string, depth int) {
		if found != nil || depth > 64 {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "attestation" && v.Kind == yaml.MappingNode && (v.Line == line || k.Line == line) {
					found, at = n, ptr
					return
				}
				walk(v, ptr+"/"+escapePointer(k.Value), depth+1)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, ptr+"/"+strconv.Itoa(i), depth+1)
			}
		}
	}
	walk(root, "", 0)
	if found == nil {
		return nil, fmt.Errorf("no record with an attestation block at line %d", line)
	}
	return digestRecord(found, at)
}

// Records lists every record of a YAML file that holds an attestation
// block, in document order, digested.
func Records(data []byte) ([]*Record, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	var out []*Record
	var walk func(n *yaml.Node, ptr string, depth int) error
	walk = func(n *yaml.Node, ptr string, depth int) error {
		if depth > 64 {
			return nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "attestation" && v.Kind == yaml.MappingNode {
					r, err := digestRecord(n, ptr)
					if err != nil {
						return err
					}
					out = append(out, r)
					continue
				}
				if err := walk(v, ptr+"/"+escapePointer(k.Value), depth+1); err != nil {
					return err
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if err := walk(c, ptr+"/"+strconv.Itoa(i), depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(root, "", 0)
}

// RecordAt locates the record at a JSON pointer ("" or "/" for the whole
// document, "/reviews/0" for the first review) and digests it.
func RecordAt(data []byte, pointer string) (*Record, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	pointer = strings.TrimSuffix(pointer, "/")
	n := root
	if pointer != "" {
		if !strings.HasPrefix(pointer, "/") {
			return nil, fmt.Errorf("record %q: a JSON pointer starts with /", pointer)
		}
		for _, seg := range strings.Split(pointer[1:], "/") {
			seg = strings.NewReplacer("~1", "/", "~0", "~").Replace(seg)
			switch n.Kind {
			case yaml.MappingNode:
				var next *yaml.Node
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == seg {
						next = n.Content[i+1]
					}
				}
				n = next
			case yaml.SequenceNode:
				i, err := strconv.Atoi(seg)
				if err != nil || i < 0 || i >= len(n.Content) {
					n = nil
				} else {
					n = n.Content[i]
				}
			default:
				n = nil
			}
			if n == nil {
				return nil, fmt.Errorf("record %q does not exist in the file", pointer)
			}
		}
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("record %q is not a mapping", pointer)
	}
	return digestRecord(n, pointer)
}

func parseYAML(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("malformed YAML: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, errors.New("empty YAML document")
	}
	return doc.Content[0], nil
}

func escapePointer(s string) string { return strings.NewReplacer("~", "~0", "/", "~1").Replace(s) }

func digestRecord(n *yaml.Node, pointer string) (*Record, error) {
	budget := maxNodes
	v, err := plain(n, &budget, 0)
	if err != nil {
		return nil, err
	}
	rec, _ := v.(map[string]any)
	r := &Record{Pointer: pointer}
	if a, ok := rec["attestation"].(map[string]any); ok {
		r.Name, _ = a["name"].(string)
		r.Role, _ = a["role"].(string)
		r.Date, _ = a["date"].(string)
		r.Signature, _ = a["signature"].(string)
		delete(a, "signature")
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	canon, err := jsoncanonicalizer.Transform(raw)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canon)
	r.Digest = hex.EncodeToString(sum[:])
	return r, nil
}

// plain turns a YAML tree into JSON values with every scalar as the string
// written; aliases are followed within a node budget.
func plain(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 || depth > 256 {
		return nil, errors.New("the record is too large or too deeply nested (aliases?)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return plain(n.Content[0], budget, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a scalar", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q repeats", k.Line, k.Value)
			}
			v, err := plain(n.Content[i+1], budget, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := plain(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.AliasNode:
		return plain(n.Alias, budget, depth+1)
	}
	return n.Value, nil
}
