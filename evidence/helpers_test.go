package evidence

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insurable/insurable"
)

// validBundle is a small bundle that holds every kind of file the loader
// reads.
const validBundle = "testdata/valid"

// copyBundle copies the valid test bundle into a fresh directory and returns
// it, so that a test can break one file. Symbolic links are never copied;
// tests that need them make them with os.Symlink.
func copyBundle(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(validBundle, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(validBundle, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// writeFile writes a file of the bundle in dir, creating its folder.
func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// errorList flattens an error made by errors.Join into its parts.
func errorList(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, errorList(e)...)
		}
		return out
	}
	return []error{err}
}

// fileErrors returns every *insurable.Error in err, and fails the test if
// any part of err is not one or names no file.
func fileErrors(t testing.TB, err error) []*insurable.Error {
	t.Helper()
	var out []*insurable.Error
	for _, e := range errorList(err) {
		var ie *insurable.Error
		if !errors.As(e, &ie) {
			t.Fatalf("error %v (%T) is not an *insurable.Error", e, e)
		}
		if ie.Path == "" {
			t.Fatalf("error %v names no file", e)
		}
		out = append(out, ie)
	}
	return out
}

// findError returns the error about the named file, or nil.
func findError(errs []*insurable.Error, path string) *insurable.Error {
	for _, e := range errs {
		if e.Path == path {
			return e
		}
	}
	return nil
}

// describe lists errors one per line for failure messages.
func describe(errs []*insurable.Error) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString("\n\t")
		b.WriteString(e.Error())
	}
	return b.String()
}
