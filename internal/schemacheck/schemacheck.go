// Package schemacheck compiles JSON schemas shipped with the binary and
// validates documents against them offline, reporting the first problems in
// a short form that names the place in the document.
package schemacheck

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// Resource is a schema document and the URL that references to it use.
type Resource struct {
	URL  string
	JSON []byte
}

// Schema is a compiled schema.
type Schema struct {
	s *jsonschema.Schema
}

// Compile compiles the schema at root from the given resources; no
// reference may leave them, so validation never touches the network. With
// assertFormat, "format" keywords (date-time, email, uri...) are checked,
// not merely annotations.
func Compile(root string, assertFormat bool, resources ...Resource) (*Schema, error) {
	c := jsonschema.NewCompiler()
	c.UseLoader(offlineLoader{})
	if assertFormat {
		c.AssertFormat()
	}
	for _, r := range resources {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.JSON))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", r.URL, err)
		}
		if err := c.AddResource(r.URL, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", r.URL, err)
		}
	}
	s, err := c.Compile(root)
	if err != nil {
		return nil, err
	}
	return &Schema{s: s}, nil
}

type offlineLoader struct{}

func (offlineLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not shipped with insurable; references must stay offline", url)
}

// Decode reads a JSON document into the generic form the validator needs.
func Decode(data []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(data))
}

// Validate checks a decoded document. The error, when there is one, lists
// at most maxProblems problems, each with its JSON pointer.
func (s *Schema) Validate(doc any, maxProblems int) error {
	err := s.s.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	probs := leaves(ve, nil)
	sort.SliceStable(probs, func(i, j int) bool { return len(probs[i].at) > len(probs[j].at) })
	seen := map[string]bool{}
	var msgs []string
	for _, p := range probs {
		m := fmt.Sprintf("at %s: %s", pointer(p.at), p.msg)
		if seen[m] {
			continue
		}
		seen[m] = true
		msgs = append(msgs, m)
		if len(msgs) == maxProblems {
			break
		}
	}
	if len(msgs) == 0 {
		return errors.New(ve.Error())
	}
	more := ""
	if n := len(probs) - len(msgs); n > 0 && len(msgs) == maxProblems {
		more = fmt.Sprintf(" (and %d more)", n)
	}
	return &Error{Problems: msgs, more: more}
}

// Error is a validation failure.
type Error struct {
	Problems []string
	more     string
}

func (e *Error) Error() string {
	return "schema: " + strings.Join(e.Problems, "; ") + e.more
}

type problem struct {
	at  []string
	msg string
}

// leaves collects the innermost errors: the ones that say what is wrong
// rather than which branch of an allOf or anyOf failed.
func leaves(e *jsonschema.ValidationError, out []problem) []problem {
	if len(e.Causes) == 0 {
		if _, ok := e.ErrorKind.(*kind.Schema); ok {
			return out
		}
		return append(out, problem{at: e.InstanceLocation, msg: e.ErrorKind.LocalizedString(printer)})
	}
	for _, c := range e.Causes {
		out = leaves(c, out)
	}
	return out
}

func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return "/"
	}
	return "/" + strings.Join(tokens, "/")
}
