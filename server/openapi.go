package server

import (
	_ "embed"
	"encoding/json"
	"sync"

	"go.yaml.in/yaml/v3"
)

// openapiYAML is the API's description, kept by hand beside the routes;
// a test checks that every route is described and every described
// operation exists.
//
//go:embed openapi.yaml
var openapiYAML []byte

var openapiJSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openapiYAML, &doc); err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
})

// OpenAPI returns the OpenAPI 3.1 document as JSON.
func OpenAPI() ([]byte, error) { return openapiJSON() }
