// Package epss reads exploit prediction scores in FIRST's published CSV
// format: an optional "#model_version:…,score_date:…" comment line, then a
// header "cve,epss,percentile" and one row per CVE. The file may be gzipped,
// as FIRST serves it.
package epss

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/insurable/insurable"
)

// Score is the EPSS probability of exploitation in the next 30 days, and
// its percentile among all scored CVEs.
type Score struct {
	CVE        string  `json:"cve"`
	EPSS       float64 `json:"epss"`
	Percentile float64 `json:"percentile"`
}

// Scores is one day's EPSS file.
type Scores struct {
	Model  string  `json:"model,omitempty"` // model_version
	Date   string  `json:"date,omitempty"`  // score_date, YYYY-MM-DD
	Digest string  `json:"digest"`          // sha256 of the (uncompressed) file
	List   []Score `json:"scores"`          // sorted by CVE

	once  sync.Once
	index map[string]int
}

// Lookup returns the score of a CVE.
func (s *Scores) Lookup(cve string) (Score, bool) {
	if s == nil {
		return Score{}, false
	}
	s.once.Do(func() {
		s.index = make(map[string]int, len(s.List))
		for i, e := range s.List {
			s.index[e.CVE] = i
		}
	})
	i, ok := s.index[strings.ToUpper(strings.TrimSpace(cve))]
	if !ok {
		return Score{}, false
	}
	return s.List[i], true
}

const opParse insurable.Op = "epss.Parse"

// MaxBytes bounds the uncompressed size of an EPSS file (FIRST's is about
// 10 MB for 300,000 CVEs).
const MaxBytes = 256 << 20

// Parse reads an EPSS CSV file, plain or gzipped. name is used in error
// messages, which give the line of a bad row.
func Parse(name string, data []byte) (*Scores, error) {
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "bad gzip data: %v", err)
		}
		data, err = io.ReadAll(io.LimitReader(zr, MaxBytes+1))
		if err != nil {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, 0, "bad gzip data: %v", err)
		}
		if len(data) > MaxBytes {
			return nil, insurable.FileError(opParse, insurable.TooLarge, name, 0, "more than %d bytes uncompressed", MaxBytes)
		}
	}
	sum := sha256.Sum256(data)
	s := &Scores{Digest: "sha256:" + hex.EncodeToString(sum[:])}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	line := 1
	if bytes.HasPrefix(data, []byte("#")) {
		end := bytes.IndexByte(data, '\n')
		if end < 0 {
			end = len(data)
		}
		for _, kv := range strings.Split(strings.TrimSpace(string(data[1:end])), ",") {
			k, v, _ := strings.Cut(kv, ":")
			switch strings.TrimSpace(k) {
			case "model_version":
				s.Model = strings.TrimSpace(v)
			case "score_date":
				if d := strings.TrimSpace(v); len(d) >= 10 {
					s.Date = d[:10]
				}
			}
		}
		data = data[min(end+1, len(data)):]
		line = 2
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, line, "no header row cve,epss,percentile: %v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	ci, ok1 := col["cve"]
	ei, ok2 := col["epss"]
	pi, ok3 := col["percentile"]
	if !ok1 || !ok2 || !ok3 {
		return nil, insurable.FileError(opParse, insurable.Invalid, name, line, "header %q lacks cve, epss or percentile", strings.Join(head, ","))
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			row := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row = pe.Line + line - 1
			}
			return nil, insurable.FileError(opParse, insurable.Invalid, name, row, "malformed CSV: %v", err)
		}
		row, _ := r.FieldPos(0)
		row += line - 1
		if len(rec) <= max(ci, ei, pi) {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, row, "row has %d fields", len(rec))
		}
		cve := strings.ToUpper(strings.TrimSpace(rec[ci]))
		if !strings.HasPrefix(cve, "CVE-") {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, row, "%q is not a CVE id", rec[ci])
		}
		e, err1 := strconv.ParseFloat(strings.TrimSpace(rec[ei]), 64)
		p, err2 := strconv.ParseFloat(strings.TrimSpace(rec[pi]), 64)
		if err1 != nil || err2 != nil || e < 0 || e > 1 || p < 0 || p > 1 {
			return nil, insurable.FileError(opParse, insurable.Invalid, name, row, "epss and percentile must be numbers from 0 to 1")
		}
		s.List = append(s.List, Score{CVE: cve, EPSS: e, Percentile: p})
	}
	slices.SortStableFunc(s.List, func(a, b Score) int { return strings.Compare(a.CVE, b.CVE) })
	s.List = slices.CompactFunc(s.List, func(a, b Score) bool { return a.CVE == b.CVE })
	return s, nil
}
