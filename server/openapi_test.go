package server_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/insurable/insurable/server"
)

// TestOpenAPIMatchesRoutes checks that every route is documented and
// every documented operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	data, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			switch method {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(method)+" "+path] = true
				var o struct {
					OperationID string                     `json:"operationId"`
					Responses   map[string]json.RawMessage `json:"responses"`
				}
				if err := json.Unmarshal(op, &o); err != nil || o.OperationID == "" || len(o.Responses) == 0 {
					t.Errorf("%s %s: no operationId or responses", method, path)
				}
			}
		}
	}
	served := map[string]bool{}
	for _, r := range server.New(server.Config{Service: nil}).Routes() {
		// A wildcard that takes the rest of the path, {x...}, is {x}.
		served[r.Method+" "+strings.ReplaceAll(r.Pattern, "...}", "}")] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in the OpenAPI document", k)
	}
	for _, k := range extra {
		t.Errorf("the OpenAPI document describes %s, which is no route", k)
	}
}

func TestServedDocumentIsTheEmbeddedOne(t *testing.T) {
	e := newEnv(t)
	status, body := e.call("", "GET", "/api/openapi.json", nil)
	want, _ := server.OpenAPI()
	if status != 200 || string(body) != string(want) {
		t.Errorf("status %d, %d bytes; want the document", status, len(body))
	}
}
