package underwriting_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDomainKnowsNoTransportOrSQL keeps the domain packages free of
// net/http and database/sql: those belong to the server and the storage
// adapters.
func TestDomainKnowsNoTransportOrSQL(t *testing.T) {
	forbidden := []string{"net/http", "database/sql", "github.com/jackc/pgx", "modernc.org/sqlite", "github.com/insurable/insurable/server", "github.com/insurable/insurable/internal/sqlstore"}
	for _, dir := range []string{".", "../access", "../policy", "../ledger"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range forbidden {
					if path == bad || strings.HasPrefix(path, bad+"/") {
						t.Errorf("%s imports %s", f, path)
					}
				}
			}
		}
	}
}
