package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insurable/insurable"
)

// References from records to other files must stay inside the bundle.
func TestLoadRefusesReferencesOutOfTheBundle(t *testing.T) {
	board := readFile(t, validBundle, PathBoardReviews)
	const sig = "governance/signatures/board-2026-03.dsse.json"
	tests := []struct {
		name    string
		file    string
		content string
		line    int
		kind    insurable.Kind
		msg     string
	}{
		{name: "signature climbing out with ..", file: PathBoardReviews,
			content: strings.Replace(board, sig, "../../outside.dsse.json", 1),
			line:    12, kind: insurable.Escape, msg: "climb out"},
		{name: "signature with .. in the middle", file: PathBoardReviews,
			content: strings.Replace(board, sig, "governance/../../outside.dsse.json", 1),
			line:    12, kind: insurable.Escape, msg: "climb out"},
		{name: "signature with an absolute path", file: PathBoardReviews,
			content: strings.Replace(board, sig, "/etc/passwd", 1),
			line:    12, kind: insurable.Escape, msg: "absolute paths are not allowed"},
		{name: "minutes with a Windows path", file: PathBoardReviews,
			content: strings.Replace(board, "governance/docs/board-minutes-2026-03-12.txt", `C:\minutes.txt`, 1),
			line:    7, kind: insurable.Escape, msg: "absolute paths"},
		{name: "report with backslashes", file: PathPentests,
			content: strings.Replace(readFile(t, validBundle, PathPentests), "governance/docs/pentest-2026-01.txt", `governance\docs\pentest-2026-01.txt`, 1),
			line:    7, kind: insurable.Escape, msg: "forward slashes"},
		{name: "report climbing out", file: PathAssessments,
			content: strings.Replace(readFile(t, validBundle, PathAssessments), "governance/docs/assessment-2026.txt", "../assessment.txt", 1),
			line:    7, kind: insurable.Escape, msg: "climb out"},
		{name: "certificate that is absolute", file: PathCertification,
			content: strings.Replace(readFile(t, validBundle, PathCertification), "governance/docs/cert-62443-2-4.txt", "/tmp/cert.pem", 1),
			line:    7, kind: insurable.Escape, msg: "absolute"},
		{name: "data store attestation signature climbing out", file: PathDataStores,
			content: strings.Replace(readFile(t, validBundle, PathDataStores), "governance/signatures/historian-store-2026.dsse.json", "../x.json", 1),
			line:    14, kind: insurable.Escape, msg: "climb out"},
		{name: "reference to a missing file", file: PathBoardReviews,
			content: strings.Replace(board, sig, "governance/signatures/nope.dsse.json", 1),
			line:    12, kind: insurable.NotExist, msg: "does not exist in the bundle"},
		{name: "reference to a folder", file: PathSDLC,
			content: strings.Replace(readFile(t, validBundle, PathSDLC), "governance/docs/threat-model-scada.txt", "governance/docs", 1),
			line:    10, kind: insurable.Invalid, msg: "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyBundle(t)
			writeFile(t, dir, tt.file, tt.content)
			b, err := Load(dir, Options{})
			if b != nil || err == nil {
				t.Fatalf("Load = %v, %v; want no bundle and an error", b, err)
			}
			errs := fileErrors(t, err)
			e := findError(errs, tt.file)
			if e == nil {
				t.Fatalf("no error names %s:%s", tt.file, describe(errs))
			}
			if e.Line != tt.line || e.Kind != tt.kind || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %v (line %d, kind %v); want line %d, kind %v, saying %q", e, e.Line, e.Kind, tt.line, tt.kind, tt.msg)
			}
		})
	}
}

// A symbolic link inside the bundle that points outside it is refused,
// wherever it sits and whatever refers to it.
func TestLoadRefusesSymlinksOutOfTheBundle(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.yaml")
	if err := os.WriteFile(secret, []byte("format: insurable.evidence/v1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		link   string // bundle path of the link
		target string // what it points at
	}{
		{"referenced signature", "governance/signatures/board-2026-03.dsse.json", secret},
		{"inventory table", "inventory/assets.csv", secret},
		{"extra inventory file", "inventory/more.csv", secret},
		{"governance file", PathOfficers, secret},
		{"manifest", PathManifest, secret},
		{"relative link climbing out", "cvd/security.txt", "../../" + filepath.Base(outside) + "/secret.yaml"},
		{"folder of evidence", "sboms", outside},
		{"folder inside a folder", "scans/external", outside},
		{"link to the root", "pki/root", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyBundle(t)
			link := filepath.Join(dir, filepath.FromSlash(tt.link))
			os.Remove(link)
			if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
				t.Fatal(err)
			}
			target := tt.target
			if strings.HasPrefix(target, "../") {
				// Relative to the link: climb to the parent of the bundle's
				// temporary directory, then into outside.
				rel, err := filepath.Rel(filepath.Dir(link), secret)
				if err != nil {
					t.Fatal(err)
				}
				target = rel
			}
			if err := os.Symlink(target, link); err != nil {
				t.Skipf("cannot make symbolic links here: %v", err)
			}
			b, err := Load(dir, Options{})
			if b != nil || err == nil {
				t.Fatalf("Load followed a link out of the bundle: %v, %v", b, err)
			}
			errs := fileErrors(t, err)
			escaped := false
			for _, e := range errs {
				if e.Kind == insurable.Escape && (e.Path == tt.link || strings.HasPrefix(e.Path, tt.link+"/")) {
					escaped = true
				}
			}
			if !escaped {
				t.Errorf("no escape error for %s:%s", tt.link, describe(errs))
			}
			if insurable.ExitCode(err) != insurable.ExitInput {
				t.Errorf("exit code %d", insurable.ExitCode(err))
			}
		})
	}
}

// Links that stay inside the bundle are followed like the files they name.
func TestLoadFollowsSymlinksInsideTheBundle(t *testing.T) {
	dir := copyBundle(t)
	if err := os.Symlink("historian.yaml", filepath.Join(dir, "inventory", "alias.yaml")); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
	b, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(b.Assets) != 6 || b.Assets[0].ID != "HIST-005" || b.Assets[0].Ref.File != "inventory/alias.yaml" {
		t.Errorf("assets through the link: %d, %+v", len(b.Assets), b.Assets[0])
	}
}

func TestCheckRel(t *testing.T) {
	for name, ok := range map[string]bool{
		"governance/x.yaml": true,
		"a/b/c":             true,
		"..x/y":             true, // a name that starts with dots, not a climb
		"":                  false,
		"/abs":              false,
		`\abs`:              false,
		"C:/x":              false,
		`a\b`:               false,
		"..":                false,
		"a/../b":            false,
		"a/..":              false,
	} {
		if err := checkRel(name); (err == nil) != ok {
			t.Errorf("checkRel(%q) = %v", name, err)
		}
	}
}
