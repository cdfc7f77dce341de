package advisory

import (
	_ "embed"
	"sync"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/internal/schemacheck"
)

// The CSAF 2.0 JSON schema of the OASIS CSAF TC and the FIRST CVSS schemas
// it references, as published; see schema/.
var (
	//go:embed schema/csaf_json_schema.json
	csafSchema []byte
	//go:embed schema/cvss-v2.0.json
	cvss20Schema []byte
	//go:embed schema/cvss-v3.0.json
	cvss30Schema []byte
	//go:embed schema/cvss-v3.1.json
	cvss31Schema []byte
)

// SchemaURL is the $id of the CSAF 2.0 JSON schema.
const SchemaURL = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"

var compiled struct {
	once sync.Once
	s    *schemacheck.Schema
	err  error
}

func csafValidator() (*schemacheck.Schema, error) {
	compiled.once.Do(func() {
		compiled.s, compiled.err = schemacheck.Compile(SchemaURL, true,
			schemacheck.Resource{URL: SchemaURL, JSON: csafSchema},
			schemacheck.Resource{URL: "https://www.first.org/cvss/cvss-v2.0.json", JSON: cvss20Schema},
			schemacheck.Resource{URL: "https://www.first.org/cvss/cvss-v3.0.json", JSON: cvss30Schema},
			schemacheck.Resource{URL: "https://www.first.org/cvss/cvss-v3.1.json", JSON: cvss31Schema},
		)
	})
	return compiled.s, compiled.err
}

const opValidate insurable.Op = "advisory.Validate"

// maxSchemaProblems is how many schema problems an error lists.
const maxSchemaProblems = 3

// Validate checks a document against the CSAF 2.0 JSON schema, formats
// included. name is used in error messages.
func Validate(name string, data []byte) error {
	s, err := csafValidator()
	if err != nil {
		return &insurable.Error{Op: opValidate, Kind: insurable.Internal, Msg: "compiling the CSAF schema", Err: err}
	}
	doc, err := schemacheck.Decode(data)
	if err != nil {
		return jsonError(opValidate, name, data, err)
	}
	if err := s.Validate(doc, maxSchemaProblems); err != nil {
		return &insurable.Error{Op: opValidate, Kind: insurable.Invalid, Path: name, Msg: "not valid CSAF 2.0", Err: err}
	}
	return nil
}
