// Package schematest keeps the documented formats and the code that reads
// and writes them in step. Its tests validate the test bundles and the
// example bundles against the JSON Schemas in docs/schemas, check that the
// schemas and the Go types agree field by field, that the loaders and the
// schemas accept and refuse the same documents, that an assessment result
// validates against its schema, and that the documentation names every
// file, column alias, profile field, fact and result field. It has no
// non-test code.
package schematest
