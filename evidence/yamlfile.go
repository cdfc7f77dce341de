package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable"
)

// yamlDoc is a decoded YAML file together with its node tree, from which the
// line of any record can be found for evidence references.
type yamlDoc struct {
	name string
	root *yaml.Node
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// decodeYAML strictly decodes a YAML file into v: unknown fields, a second
// document and wrong types are errors naming the file and the line.
func decodeYAML(name string, data []byte, v any) (*yamlDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, insurable.FileError(opOpen, insurable.Invalid, name, 0, "file is empty")
		}
		return nil, yamlError(name, data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, insurable.FileError(opOpen, insurable.Invalid, name, extra.Line, "holds more than one YAML document")
	case !errors.Is(err, io.EOF):
		return nil, yamlError(name, data, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, data, err)
	}
	return &yamlDoc{name: name, root: &root}, nil
}

// yamlError turns a YAML library error into one that names the file and the
// first line the library mentions.
func yamlError(name string, data []byte, err error) error {
	msg := err.Error()
	line := YAMLErrorLine(data, err)
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
		if len(te.Errors) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(te.Errors)-1)
		}
	}
	return &insurable.Error{Op: opOpen, Kind: insurable.Invalid, Path: name, Line: line, Msg: "malformed YAML: " + msg}
}

// parserProblems are the syntax errors that the YAML library's parser (as
// opposed to its scanner) reports. It numbers their lines from 0, where it
// numbers every other line from 1.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// YAMLErrorLine returns the 1-based line of data that an error of the YAML
// library (go.yaml.in/yaml/v3) decoding it points at, or 0 when it names
// none. For a type error it is the line of the first value that could not be
// decoded.
func YAMLErrorLine(data []byte, err error) int {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	if te == nil {
		for _, p := range parserProblems {
			if strings.HasSuffix(msg, p) {
				// 0-based, and absent when it is the first line.
				line++
				break
			}
		}
	}
	// At the end of the input the library may point one line past the last.
	last := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		last++
	}
	return min(line, max(last, 1))
}

// node walks the document along keys (string) and sequence indexes (int) and
// returns the node found, or nil.
func (d *yamlDoc) node(path ...any) *yaml.Node {
	if d == nil || d.root == nil {
		return nil
	}
	n := d.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return nil
			}
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					next = n.Content[i+1]
					break
				}
			}
			if next == nil {
				return nil
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || k < 0 || k >= len(n.Content) {
				return nil
			}
			n = n.Content[k]
		}
	}
	return n
}

// ref returns a reference to the node at path; when the path does not exist
// it points at the file, and at the deepest node it could reach.
func (d *yamlDoc) ref(path ...any) Ref {
	r := Ref{File: d.name}
	for i := len(path); i >= 0; i-- {
		if n := d.node(path[:i]...); n != nil {
			r.Line = n.Line
			break
		}
	}
	return r
}
