// Package strictyaml decodes the YAML files of the cryptographic evidence
// strictly: unknown fields, a second document and wrong types are errors
// that name the file and the line.
package strictyaml

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable"
)

var lineRE = regexp.MustCompile(`line (\d+)`)

// Decode decodes data, the content of file name, into v. op names the
// operation in errors.
func Decode(op insurable.Op, name string, data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return insurable.FileError(op, insurable.Invalid, name, 0, "file is empty")
		}
		msg := err.Error()
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		line := 0
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Line: line, Msg: "malformed YAML: " + msg}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return insurable.FileError(op, insurable.Invalid, name, extra.Line, "holds more than one YAML document")
	}
	return nil
}
