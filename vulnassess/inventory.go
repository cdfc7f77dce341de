package vulnassess

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/vulnmatch"
)

// Row is one inventory row: the asset as matching sees it, and where it
// was read.
type Row struct {
	vulnmatch.Asset
	File string
	Line int
}

const opInventory insurable.Op = "vulnassess.ReadInventory"

// chunkSize is the size of the pieces a large CSV inventory is cut into
// to be read in parallel; a variable so that tests can cut small files.
var chunkSize = 1 << 20

// ReadInventory reads an asset inventory file for matching: CSV with the
// column names the evidence bundle accepts (asset_id, vendor, product,
// model, version, cpe, purl and the aliases of OT tools' exports), or
// YAML. A large CSV is cut at line ends outside quoted fields and its
// pieces read in parallel; only the columns matching needs are kept. The
// rows come back in file order. Errors name the file and line.
//
// It exists beside evidence.ReadInventoryFile, which reads every column
// into evidence.Asset, because a million-row inventory must be read in a
// fraction of a second (see docs/benchmarks.md).
func ReadInventory(path string) ([]Row, error) {
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		assets, _, err := evidence.ReadInventoryFile(path, evidence.Limits{})
		if err != nil {
			return nil, err
		}
		rows := make([]Row, len(assets))
		for i, a := range assets {
			rows[i] = Row{Asset: FromEvidence(&a), File: path, Line: a.Ref.Line}
		}
		return rows, nil
	}
	data, err := readCSVFile(path)
	if err != nil {
		return nil, err
	}
	return ParseInventoryCSV(path, data)
}

// readCSVFile reads a CSV inventory file whole, within the size limit.
func readCSVFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &insurable.Error{Op: opInventory, Kind: insurable.NotExist, Path: path, Msg: "inventory not found", Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, insurable.FileError(opInventory, insurable.Invalid, path, 0, "not a regular file")
	}
	if fi.Size() > evidence.DefaultLimits.MaxTableBytes {
		return nil, insurable.FileError(opInventory, insurable.TooLarge, path, 0, "file is %d bytes, more than the limit of %d", fi.Size(), evidence.DefaultLimits.MaxTableBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &insurable.Error{Op: opInventory, Kind: insurable.Invalid, Path: path, Err: err}
	}
	return data, nil
}

// FromEvidence converts a bundle's asset for matching.
func FromEvidence(a *evidence.Asset) vulnmatch.Asset {
	return vulnmatch.Asset{ID: a.ID, Vendor: a.Vendor, Product: a.Product, Model: a.Model, Version: a.Version, CPE: a.CPE, PURL: a.PURL}
}

// columns of a CSV inventory that matching reads.
type columns struct {
	id, name, serial, vendor, product, model, version, cpe, purl int
	n                                                            int // fields per row
}

// csvSource is a CSV inventory cut into pieces that can be parsed apart.
type csvSource struct {
	name      string
	body      []byte
	firstLine int
	comma     rune
	cols      columns
	spans     []span
	lines     []int // the line each span starts on
}

// openCSV reads the header of CSV inventory data and cuts the rest into
// pieces.
func openCSV(name string, data []byte) (*csvSource, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	headEnd := bytes.IndexByte(data, '\n')
	if headEnd < 0 {
		headEnd = len(data)
	}
	comma := sniffComma(data[:headEnd])
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, insurable.FileError(opInventory, insurable.Invalid, name, 1, "file is empty; a header row is required")
	}
	if err != nil {
		return nil, csvError(name, 0, err)
	}
	cols := columns{id: -1, name: -1, serial: -1, vendor: -1, product: -1, model: -1, version: -1, cpe: -1, purl: -1, n: len(head)}
	for i, h := range head {
		var p *int
		switch evidence.InventoryColumn(h) {
		case "asset_id":
			p = &cols.id
		case "name":
			p = &cols.name
		case "serial":
			p = &cols.serial
		case "vendor":
			p = &cols.vendor
		case "product":
			p = &cols.product
		case "model":
			p = &cols.model
		case "version":
			p = &cols.version
		case "cpe":
			p = &cols.cpe
		case "purl":
			p = &cols.purl
		default:
			continue
		}
		if *p >= 0 {
			return nil, insurable.FileError(opInventory, insurable.Invalid, name, 1, "columns %q and %q name the same field", head[*p], h)
		}
		*p = i
	}
	switch {
	case cols.id < 0 && cols.name < 0 && cols.serial < 0:
		return nil, insurable.FileError(opInventory, insurable.Invalid, name, 1, "header has no asset_id, name or serial column (found: %s)", strings.Join(head, ", "))
	case cols.vendor < 0 && cols.cpe < 0 && cols.purl < 0:
		return nil, insurable.FileError(opInventory, insurable.Invalid, name, 1, "header has no vendor column (found: %s)", strings.Join(head, ", "))
	case cols.product < 0 && cols.model < 0 && cols.cpe < 0 && cols.purl < 0:
		return nil, insurable.FileError(opInventory, insurable.Invalid, name, 1, "header has no product or model column (found: %s)", strings.Join(head, ", "))
	}
	off := r.InputOffset()
	src := &csvSource{name: name, body: data[off:], firstLine: 1 + bytes.Count(data[:off], []byte("\n")), comma: comma, cols: cols}
	src.spans = splitCSV(src.body, chunkSize)
	src.lines = make([]int, len(src.spans))
	line := src.firstLine
	for i, sp := range src.spans {
		src.lines[i] = line
		line += bytes.Count(src.body[sp.start:sp.end], []byte("\n"))
	}
	return src, nil
}

// parse reads piece i of the inventory.
func (s *csvSource) parse(i int) ([]Row, error) {
	c := s.spans[i]
	return parseChunk(s.name, s.body[c.start:c.end], s.lines[i], s.comma, s.cols)
}

// ParseInventoryCSV reads CSV inventory data; name is used in errors. The
// pieces of a large file are parsed in parallel.
func ParseInventoryCSV(name string, data []byte) ([]Row, error) {
	src, err := openCSV(name, data)
	if err != nil {
		return nil, err
	}
	chunks := src.spans
	results := make([][]Row, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	next := make(chan int, len(chunks))
	for i := range chunks {
		next <- i
	}
	close(next)
	for range min(runtime.GOMAXPROCS(0), len(chunks)) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = src.parse(i)
			}
		})
	}
	wg.Wait()
	n := 0
	for i := range chunks {
		if errs[i] != nil {
			return nil, errs[i]
		}
		n += len(results[i])
	}
	if n > evidence.DefaultLimits.MaxRecordsInFile {
		return nil, insurable.FileError(opInventory, insurable.TooLarge, name, 0, "more than %d rows", evidence.DefaultLimits.MaxRecordsInFile)
	}
	rows := make([]Row, 0, n)
	for _, rs := range results {
		rows = append(rows, rs...)
	}
	return rows, nil
}

type span struct{ start, end int }

// splitCSV cuts CSV data into pieces of about size bytes, each ending at a
// line end that is not inside a quoted field: a line end is outside quotes
// when the quotes before it are even in number (an escaped quote counts
// two).
func splitCSV(data []byte, size int) []span {
	var out []span
	start, quotes, counted := 0, 0, 0
	for start < len(data) {
		cut := start + size
		if cut >= len(data) {
			out = append(out, span{start, len(data)})
			break
		}
		for {
			nl := bytes.IndexByte(data[cut:], '\n')
			if nl < 0 {
				cut = len(data)
				break
			}
			cut += nl + 1
			quotes += bytes.Count(data[counted:cut], []byte(`"`))
			counted = cut
			if quotes%2 == 0 {
				break
			}
		}
		out = append(out, span{start, cut})
		start = cut
	}
	return out
}

func parseChunk(name string, data []byte, line int, comma rune, cols columns) ([]Row, error) {
	if !utf8.Valid(data) {
		bad := firstInvalidUTF8(data)
		return nil, insurable.FileError(opInventory, insurable.Invalid, name, line+bytes.Count(data[:bad], []byte("\n")), "not UTF-8 text; save the CSV as UTF-8")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	rows := make([]Row, 0, bytes.Count(data, []byte("\n"))+1)
	get := func(rec []string, i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(name, line-1, err)
		}
		l, _ := r.FieldPos(0)
		l += line - 1
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != cols.n {
			return nil, insurable.FileError(opInventory, insurable.Invalid, name, l, "row has %d fields, the header has %d", len(rec), cols.n)
		}
		row := Row{File: name, Line: l, Asset: vulnmatch.Asset{
			ID: get(rec, cols.id), Vendor: get(rec, cols.vendor), Product: get(rec, cols.product),
			Model: get(rec, cols.model), Version: get(rec, cols.version), CPE: get(rec, cols.cpe), PURL: get(rec, cols.purl),
		}}
		if row.ID == "" {
			row.ID = get(rec, cols.name)
		}
		if row.ID == "" {
			row.ID = get(rec, cols.serial)
		}
		if row.Product == "" {
			row.Product = row.Model
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func csvError(name string, lineOffset int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return insurable.FileError(opInventory, insurable.Invalid, name, pe.Line+lineOffset, "malformed CSV: %v", pe.Err)
	}
	return insurable.FileError(opInventory, insurable.Invalid, name, 0, "malformed CSV: %v", err)
}

// sniffComma picks the delimiter of the header line: comma, semicolon or
// tab, as the bundle loader does.
func sniffComma(line []byte) rune {
	best, n := ',', bytes.Count(line, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(line, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}
