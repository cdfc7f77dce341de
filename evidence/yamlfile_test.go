package evidence

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable"
)

// The YAML library numbers the lines of its parser's errors from 0 and those
// of its scanner's from 1; errors must give the 1-based line either way.
func TestYAMLErrorLine(t *testing.T) {
	tests := []struct {
		in   string
		line int
	}{
		{"a: 1\nb: 2\nc: [x\nd: 4\n", 3},    // parser: unclosed flow sequence, where it opens
		{"a: 1\nb: 2\nc: {x: 1\nd: 4\n", 3}, // parser: unclosed flow mapping
		{"a: 1\nb: 2\n- c\n", 3},            // parser: expected a key
		{"[x", 1}, {"[x\n", 1},              // parser: first line, which the library leaves unnumbered
		{"a: 1\nb: 2\n  c: 3\n", 3},            // scanner: mapping value in a scalar
		{"a: 1\nb: \"unterminated\nc: 3\n", 2}, // scanner: where the quote opens
		{"a: 1\nb: 2\nc: @x\n", 3},             // scanner: reserved character
		{"a: 1\nb: 2\nb: 3\n", 3},              // decoder: duplicate key
		{"a: 1\nb: [1, 2]\nc: x\nd: y\n", 2},   // decoder: wrong type (first of several)
		{"a: 1\nb: 2\nc: *nope\n", 0},          // decoder: no line given
	}
	for _, tt := range tests {
		var v struct {
			A int    `yaml:"a"`
			B int    `yaml:"b"`
			C string `yaml:"c"`
			D int    `yaml:"d"`
		}
		err := yaml.Unmarshal([]byte(tt.in), &v)
		if err == nil {
			t.Errorf("%q: no error", tt.in)
			continue
		}
		if got := yamlError("f.yaml", []byte(tt.in), err).(*insurable.Error).Line; got != tt.line {
			t.Errorf("%q: line %d, want %d (%v)", tt.in, got, tt.line, err)
		}
	}
}
