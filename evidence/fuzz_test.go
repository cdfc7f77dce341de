package evidence

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/insurable/insurable"
)

// checkFileError fails unless err is an *insurable.Error about file name
// whose line lies within data (or is 0).
func checkFileError(t *testing.T, err error, name string, data []byte) {
	t.Helper()
	var e *insurable.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *insurable.Error", err, err)
	}
	if e.Path != name {
		t.Fatalf("error %v names %q, want %q", err, e.Path, name)
	}
	if lines := bytes.Count(data, []byte("\n")) + 1; e.Line < 0 || e.Line > lines {
		t.Fatalf("error %v points at line %d of a %d-line file", err, e.Line, lines)
	}
}

// FuzzInventoryCSV feeds arbitrary bytes to every CSV reader of the bundle:
// inventories, observations, metrics and the report log. None may panic;
// each either returns records that point at lines of the file or an
// *insurable.Error that names the file, and never both.
func FuzzInventoryCSV(f *testing.F) {
	for _, name := range []string{"inventory/assets.csv", "observations/passive-2026-06.csv", "metrics/security-2026.csv", "cvd/reports.csv"} {
		data, err := os.ReadFile(filepath.Join(validBundle, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Device Name;Manufacturer;Model\n\"a;b\";c;d\n"))
	f.Add([]byte("\xef\xbb\xbfasset_id\tvendor\tproduct\n1\t2\t3\n,,\n"))
	f.Add([]byte("asset_id,vendor,product,eol,personal_data\nA,B,C,2026-01-01T00:00:00Z,x\n"))
	limits := Limits{MaxRecordsInFile: 200}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "inventory/fuzz.csv"
		assets, _, err := parseInventoryCSV(name, data, limits)
		if err != nil {
			checkFileError(t, err, name, data)
			if assets != nil {
				t.Fatal("assets returned with an error")
			}
		}
		last := 1
		for _, a := range assets {
			if a.Ref.File != name || a.Ref.Line <= last {
				t.Fatalf("asset %q points at %v after line %d", a.ID, a.Ref, last)
			}
			last = a.Ref.Line
		}
		if obs, err := parseObservations(name, data, limits); err != nil {
			checkFileError(t, err, name, data)
			if obs != nil {
				t.Fatal("observations returned with an error")
			}
		}
		if pts, err := parseMetrics(name, data, limits); err != nil {
			checkFileError(t, err, name, data)
			if pts != nil {
				t.Fatal("metrics returned with an error")
			}
		} else {
			for _, p := range pts {
				if p.Date.IsZero() {
					t.Fatalf("metric point without a date: %+v", p)
				}
			}
		}
		if reps, err := parseReports(name, data, limits); err != nil {
			checkFileError(t, err, name, data)
			if reps != nil {
				t.Fatal("reports returned with an error")
			}
		}
	})
}

// governanceFiles are the files FuzzGovernanceYAML writes, chosen by the
// first byte of the input.
var governanceFiles = []string{
	PathBoardReviews, PathOfficers, PathContinuity, PathPentests, PathAssessments,
	PathSharing, PathCertification, PathSDLC, PathLegacy, PathKeyCustody,
}

// FuzzGovernanceYAML loads a bundle whose governance file (chosen by the
// first byte) holds arbitrary bytes. Load must not panic, and returns either
// a bundle or errors that are all *insurable.Error naming a file, never both.
func FuzzGovernanceYAML(f *testing.F) {
	for i, name := range governanceFiles {
		data, err := os.ReadFile(filepath.Join(validBundle, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{byte(i)}, data...))
	}
	f.Add([]byte("\x03tests:\n  - id: a\n    report: ../x\n    attestation: {name: n, role: r, date: 2026-01-01, signature: /etc/passwd}\n"))
	f.Add([]byte("\x00reviews: &a [*a]\n"))
	f.Add([]byte("\x02plan: {approved: 2026-02-30}\nexercises: [{date: !!binary aGk=}]\n"))
	f.Add([]byte("\x09custody: hsm\n---\ncustody: offline\n"))

	// One bundle per fuzzing process: the minimum Load accepts, plus the
	// files the seeds refer to.
	dir := f.TempDir()
	writeFile(f, dir, PathManifest, "format: "+Format+"\n")
	writeFile(f, dir, PathFirm, "id: f\nname: F\nnaics: \"221\"\nsites: []\n")
	for _, sig := range []string{"governance/signatures/board-2026-03.dsse.json", "governance/docs/pentest-2026-01.txt"} {
		writeFile(f, dir, sig, "{}")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		name := governanceFiles[int(data[0])%len(governanceFiles)]
		data = data[1:]
		writeFile(t, dir, name, string(data))
		defer os.Remove(filepath.Join(dir, name))
		b, err := Load(dir, Options{Limits: Limits{MaxRecordsInFile: 100}})
		if err == nil {
			if b == nil {
				t.Fatal("no bundle and no error")
			}
			b.Close()
			return
		}
		if b != nil {
			t.Fatal("a bundle returned with an error")
		}
		for _, e := range errorList(err) {
			var ie *insurable.Error
			if !errors.As(e, &ie) || ie.Path == "" {
				t.Fatalf("error %v (%T) is not an *insurable.Error naming a file", e, e)
			}
			if ie.Path == name {
				checkFileError(t, ie, name, data)
			}
		}
	})
}

// FuzzSecurityTxt parses arbitrary bytes as security.txt: no panic, and
// either fields whose lines lie in the file or an *insurable.Error naming it.
func FuzzSecurityTxt(f *testing.F) {
	data, err := os.ReadFile(filepath.Join(validBundle, PathSecurityTxt))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nContact: mailto:a@b\n-----BEGIN PGP SIGNATURE-----\nxx\n-----END PGP SIGNATURE-----\n"))
	f.Add([]byte("contact:x\r\nEXPIRES:\r\n\r\n#c\r\n"))
	f.Add([]byte("Contact\tx: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseSecurityTxt(PathSecurityTxt, data)
		if err != nil {
			checkFileError(t, err, PathSecurityTxt, data)
			if st != nil {
				t.Fatal("fields returned with an error")
			}
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for k, vs := range st.Fields {
			if len(vs) == 0 || st.Lines[k] < 1 || st.Lines[k] > lines {
				t.Fatalf("field %q: values %q at line %d of %d", k, vs, st.Lines[k], lines)
			}
			if k != canonicalField(k) {
				t.Fatalf("field %q is not in its canonical spelling", k)
			}
		}
	})
}
