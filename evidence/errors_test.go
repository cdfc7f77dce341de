package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insurable/insurable"
)

// Every malformed file is reported with its name and line, and Load returns
// no bundle at all.
func TestLoadMalformed(t *testing.T) {
	const csvHead = "asset_id,class,vendor,product,version,site,criticality,eol,personal_data\n"
	tests := []struct {
		name    string
		file    string // bundle path written
		content string
		remove  string // bundle path removed before loading
		limits  Limits
		line    int
		kind    insurable.Kind
		msg     string // substring of the message
	}{
		{name: "bad YAML syntax", file: PathOfficers,
			content: "responsible_officer:\n  name: Priya Raman\n  role: [CISO\naccountable_officer:\n  name: Tom\n",
			line:    3, kind: insurable.Invalid, msg: "malformed YAML"},
		{name: "bad indentation", file: PathRiskRegister,
			content: "method: x\nrisks:\n  - id: R-1\n     title: y\n",
			line:    4, kind: insurable.Invalid, msg: "malformed YAML"},
		{name: "unknown field", file: PathFirm,
			content: "id: f\nname: F\nnaics: \"221\"\nceo: Somebody\nsites: []\n",
			line:    4, kind: insurable.Invalid, msg: "field ceo not found"},
		{name: "unknown field nested", file: PathContinuity,
			content: "plan:\n  title: BCP\n  owner: Tom\n",
			line:    3, kind: insurable.Invalid, msg: "field owner not found"},
		{name: "misspelt field in a list", file: PathPentests,
			content: "tests:\n  - id: PT-1\n    date: 2026-01-01\n    findings:\n      - id: F-1\n        severty: high\n",
			line:    6, kind: insurable.Invalid, msg: "field severty not found"},
		{name: "wrong type", file: PathRiskRegister,
			content: "method: x\nreviewed: 2026-01-01\nrisks:\n  - id: R-1\n    likelihood: high\n",
			line:    5, kind: insurable.Invalid, msg: "cannot unmarshal"},
		{name: "map where a list belongs", file: PathBoardReviews,
			content: "reviews:\n  date: 2026-01-01\n",
			line:    2, kind: insurable.Invalid, msg: "cannot unmarshal"},
		{name: "bad date", file: PathBoardReviews,
			content: "reviews:\n  - date: 2026-01-02\n  - date: 2026-13-01\n",
			line:    3, kind: insurable.Invalid, msg: "is not a date"},
		{name: "date as a list", file: PathChanges,
			content: "changes:\n  - id: C\n    approved: [2026-01-01]\n",
			line:    3, kind: insurable.Invalid, msg: "a date must be a single value"},
		{name: "empty YAML file", file: PathRAM, content: "",
			line: 0, kind: insurable.Invalid, msg: "file is empty"},
		{name: "YAML file of comments only", file: PathKeyCustody, content: "# nothing yet\n",
			line: 0, kind: insurable.Invalid, msg: "file is empty"},
		{name: "second YAML document", file: PathSDLC,
			content: "standard: IEC 62443-4-1\n---\nstandard: other\n",
			line:    2, kind: insurable.Invalid, msg: "more than one YAML document"},
		{name: "malformed second YAML document", file: PathSDLC,
			content: "standard: IEC 62443-4-1\n---\nstandard: [other\n",
			line:    3, kind: insurable.Invalid, msg: "malformed YAML"},
		{name: "wrong bundle format", file: PathManifest,
			content: "# v0\nformat: insurable.evidence/v0\n",
			line:    2, kind: insurable.Invalid, msg: "is not supported"},
		{name: "missing bundle.yaml", remove: PathManifest, file: PathManifest,
			line: 0, kind: insurable.Invalid, msg: "every bundle starts with bundle.yaml"},
		{name: "missing firm.yaml", remove: PathFirm, file: PathFirm,
			line: 0, kind: insurable.Invalid, msg: "which firm"},
		{name: "CSV with wrong field count", file: "inventory/assets.csv",
			content: csvHead + "A1,plc,Siemens,S7,1.0,p,high,,no\nA2,plc,Siemens,S7,1.0,p\n",
			line:    3, kind: insurable.Invalid, msg: "wrong number of fields"},
		{name: "CSV with a bare quote", file: "inventory/assets.csv",
			content: csvHead + "A1,plc,Siemens,S7,1.0,p,high,,no\nA2,plc,Sie\"mens,S7,1.0,p,high,,no\n",
			line:    3, kind: insurable.Invalid, msg: "bare \""},
		{name: "CSV with an unterminated quote", file: "observations/passive-2026-06.csv",
			content: "ip,mac\n10.0.0.1,aa\n\"10.0.0.2,bb\n10.0.0.3,cc\n",
			line:    3, kind: insurable.Invalid, msg: "malformed CSV"},
		{name: "non-UTF-8 CSV", file: "inventory/assets.csv",
			content: csvHead + "A1,plc,Siemens,S7,1.0,p,high,,no\nA2,plc,Schneider,M\xfcnchen,1.0,p,high,,no\n",
			line:    3, kind: insurable.Invalid, msg: "not UTF-8"},
		{name: "CSV missing a required column", file: "inventory/assets.csv",
			content: "asset_id,product,version\nA1,S7,1.0\n",
			line:    1, kind: insurable.Invalid, msg: "header has no vendor column"},
		{name: "CSV missing every id column", file: "inventory/assets.csv",
			content: "vendor,product\nSiemens,S7\n",
			line:    1, kind: insurable.Invalid, msg: "asset_id or name or serial"},
		{name: "CSV with two columns for one field", file: "inventory/assets.csv",
			content: "asset_id,vendor,product,IP Address,Address\nA1,S,P,1,2\n",
			line:    1, kind: insurable.Invalid, msg: "both give ip"},
		{name: "empty CSV", file: "cvd/reports.csv", content: "",
			line: 1, kind: insurable.Invalid, msg: "header row is required"},
		{name: "bad date in CSV", file: "inventory/assets.csv",
			content: csvHead + "A1,plc,Siemens,S7,1.0,p,high,31/12/2025,no\n",
			line:    2, kind: insurable.Invalid, msg: "eol"},
		{name: "bad yes/no in CSV", file: "inventory/assets.csv",
			content: csvHead + "A1,plc,Siemens,S7,1.0,p,high,,no\n\nA2,plc,Siemens,S7,1.0,p,high,,maybe\n",
			line:    4, kind: insurable.Invalid, msg: "is not yes or no"},
		{name: "metric value not a number", file: "metrics/security-2026.csv",
			content: "date,metric,value\n2026-01-31,incidents,3\n2026-02-28,incidents,three\n",
			line:    3, kind: insurable.Invalid, msg: "is not a number"},
		{name: "metric without a date", file: "metrics/security-2026.csv",
			content: "date,metric,value\n2026-01-31,incidents,3\n,incidents,4\n",
			line:    3, kind: insurable.Invalid, msg: "date: is empty"},
		{name: "report without a received date", file: PathCVDReports,
			content: "id,received,severity\nVR-1,,high\n",
			line:    2, kind: insurable.Invalid, msg: "received: is empty"},
		{name: "observation without an address column", file: "observations/passive-2026-06.csv",
			content: "vendor,product\nSiemens,S7\n",
			line:    1, kind: insurable.Invalid, msg: "ip or mac"},
		{name: "security.txt line that is not a field", file: PathSecurityTxt,
			content: "Contact: mailto:a@b.example\nExpires 2027-01-01T00:00:00Z\n",
			line:    2, kind: insurable.Invalid, msg: "not a security.txt field"},
		{name: "oversized YAML file", file: PathRAM,
			content: "people:\n" + strings.Repeat("  - name: someone with a long name\n", 10),
			limits:  Limits{MaxFileBytes: 100},
			line:    0, kind: insurable.TooLarge, msg: "more than the limit of 100"},
		{name: "oversized CSV table", file: "inventory/assets.csv",
			content: csvHead + strings.Repeat("A1,plc,Siemens,S7,1.0,p,high,,no\n", 100),
			limits:  Limits{MaxTableBytes: 1000},
			line:    0, kind: insurable.TooLarge, msg: "more than the limit of 1000"},
		{name: "too many CSV rows", file: "inventory/assets.csv",
			content: csvHead + "A1,plc,S,P,1,p,high,,no\nA2,plc,S,P,1,p,high,,no\n\nA3,plc,S,P,1,p,high,,no\n",
			limits:  Limits{MaxRecordsInFile: 2},
			line:    5, kind: insurable.TooLarge, msg: "more than 2 rows"},
		{name: "too many YAML assets", file: "inventory/historian.yaml",
			content: "assets:\n  - asset_id: a\n  - asset_id: b\n  - asset_id: c\n",
			limits:  Limits{MaxRecordsInFile: 2},
			line:    4, kind: insurable.TooLarge, msg: "more than 2 assets"},
		{name: "too many files", file: "governance/docs/extra.txt", content: "x",
			limits: Limits{MaxFiles: 10},
			line:   0, kind: insurable.TooLarge, msg: "more than 10 files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyBundle(t)
			if tt.remove != "" {
				if err := os.Remove(filepath.Join(dir, tt.remove)); err != nil {
					t.Fatal(err)
				}
			} else {
				writeFile(t, dir, tt.file, tt.content)
			}
			b, err := Load(dir, Options{Limits: tt.limits})
			if b != nil {
				t.Errorf("Load returned a bundle with the error %v", err)
			}
			if err == nil {
				t.Fatal("Load accepted the malformed file")
			}
			errs := fileErrors(t, err)
			e := findError(errs, tt.file)
			if tt.kind == insurable.TooLarge && strings.Contains(tt.msg, "files") {
				e = findError(errs, ".")
			}
			if e == nil {
				t.Fatalf("no error names %s:%s", tt.file, describe(errs))
			}
			if e.Line != tt.line {
				t.Errorf("line = %d, want %d: %v", e.Line, tt.line, e)
			}
			if e.Kind != tt.kind {
				t.Errorf("kind = %v, want %v: %v", e.Kind, tt.kind, e)
			}
			if !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("message %q does not say %q", e.Error(), tt.msg)
			}
			if insurable.ExitCode(err) != insurable.ExitInput {
				t.Errorf("exit code %d, want %d", insurable.ExitCode(err), insurable.ExitInput)
			}
		})
	}
}

// Every malformed file is reported, not only the first.
func TestLoadReportsEveryBadFile(t *testing.T) {
	dir := copyBundle(t)
	writeFile(t, dir, PathFirm, "id: [\n")
	writeFile(t, dir, PathRAM, "areas:\n  R1:\n    owner: x\n")
	writeFile(t, dir, "metrics/security-2026.csv", "date,metric,value\nsoon,incidents,1\n")
	_, err := Load(dir, Options{})
	errs := fileErrors(t, err)
	for _, name := range []string{PathFirm, PathRAM, "metrics/security-2026.csv"} {
		if findError(errs, name) == nil {
			t.Errorf("no error for %s:%s", name, describe(errs))
		}
	}
}

func TestLoadNotABundle(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "nope"), Options{})
	if insurable.ErrorKind(err) != insurable.NotExist || insurable.ExitCode(err) != insurable.ExitNotFound {
		t.Errorf("missing dir: %v (kind %v)", err, insurable.ErrorKind(err))
	}
	file := filepath.Join(dir, "file")
	writeFile(t, dir, "file", "x")
	if _, err := Load(file, Options{}); insurable.ErrorKind(err) != insurable.Invalid {
		t.Errorf("file as bundle: %v", err)
	}
}
