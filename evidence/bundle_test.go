package evidence

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadValid(t *testing.T) {
	b, err := Load(validBundle, Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	defer b.Close()

	if b.Manifest.Format != Format || b.Manifest.Maintainer != "ot-security@millbrook-water.example" {
		t.Errorf("manifest = %+v", b.Manifest)
	}
	if b.Firm.ID != "millbrook-water" || b.Firm.NAICS != "221310" || len(b.Firm.Sites) != 2 || b.Firm.Sites[1].ID != "pump-7" {
		t.Errorf("firm = %+v", b.Firm)
	}
	if b.Firm.Ref != (Ref{File: PathFirm, Line: 1}) {
		t.Errorf("firm ref = %v", b.Firm.Ref)
	}
	if !strings.HasPrefix(b.Digest, "sha256:") || len(b.Digest) != len("sha256:")+64 {
		t.Errorf("digest = %q", b.Digest)
	}
	// Hidden files and everything in hidden folders are left out.
	if b.FileCount != 42 {
		t.Errorf("FileCount = %d, want 42 (hidden files excluded)", b.FileCount)
	}
	if len(b.Notes) != 0 {
		t.Errorf("notes = %q, want none", b.Notes)
	}

	// Assets: the CSV, then the YAML file, in path order; nothing from the
	// hidden files and folders of inventory/.
	type asset struct {
		id, class, vendor, product, version, criticality string
		ref                                              Ref
	}
	var got []asset
	for _, a := range b.Assets {
		got = append(got, asset{a.ID, a.Class, a.Vendor, a.Product, a.Version, a.Criticality, a.Ref})
	}
	want := []asset{
		{"PLC-001", "PLC", "Siemens", "SIMATIC S7-1500", "V2.9.4", "high", Ref{File: "inventory/assets.csv", Line: 2}},
		{"RTU-002", "RTU", "Schneider Electric", "SCADAPack 57x", "9.8.1", "high", Ref{File: "inventory/assets.csv", Line: 3}},
		{"HMI-003", "HMI", "Rockwell Automation", "PanelView Plus 7", "12.011", "medium", Ref{File: "inventory/assets.csv", Line: 4}},
		{"GW-004", "gateway", "Moxa", "OnCell G3150A-LTE", "1.3", "low", Ref{File: "inventory/assets.csv", Line: 5}},
		{"HIST-005", "historian", "AVEVA", "Historian", "2023 R2", "medium", Ref{File: "inventory/historian.yaml", Line: 2}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("assets:\n got %+v\nwant %+v", got, want)
	}
	rtu := b.Assets[1]
	if rtu.EndOfLife != MustDate("2025-12-31") || rtu.Replacement != MustDate("2027-03-31") ||
		rtu.CompensatingControls == "" || !reflect.DeepEqual(rtu.Services, []string{"dnp3/20000"}) {
		t.Errorf("RTU-002 = %+v", rtu)
	}
	if !b.Assets[2].PersonalData || b.Assets[0].PersonalData {
		t.Errorf("personal_data: HMI %v, PLC %v", b.Assets[2].PersonalData, b.Assets[0].PersonalData)
	}
	if b.Assets[3].Name != "Gateway, cellular" || !strings.HasPrefix(b.Assets[3].CPE, "cpe:2.3:h:moxa") {
		t.Errorf("GW-004 = %+v", b.Assets[3])
	}
	if h := b.Assets[4]; !reflect.DeepEqual(h.Services, []string{"https/443", "opcua/4840"}) || h.PURL == "" {
		t.Errorf("HIST-005 = %+v", h)
	}

	if len(b.Observed) != 3 || b.Observed[1].LastSeen != MustDate("2026-06-29") || b.Observed[1].Source != "pump-7-tap" ||
		b.Observed[2].Ref != (Ref{File: "observations/passive-2026-06.csv", Line: 4}) {
		t.Errorf("observed = %+v", b.Observed)
	}

	rr := b.RiskRegister
	if rr == nil || len(rr.Risks) != 2 || rr.Reviewed != MustDate("2026-02-15") || rr.Risks[1].Ref.Line != 14 || rr.Risks[0].Impact != 5 {
		t.Errorf("risk register = %+v", rr)
	}

	g := b.Governance
	if len(g.BoardReviews) != 2 || g.BoardReviews[0].Ref != (Ref{File: PathBoardReviews, Line: 2}) ||
		g.BoardReviews[0].Attestation.Ref != (Ref{File: PathBoardReviews, Line: 9}) ||
		g.BoardReviews[0].Attestation.Name != "Dana Whitfield" || g.BoardReviews[1].Attestation != nil {
		t.Errorf("board reviews = %+v", g.BoardReviews)
	}
	if o := g.Officers; o == nil || o.Responsible.Name != "Priya Raman" || o.Accountable.Ref.Line != 7 || len(o.Training) != 1 {
		t.Errorf("officers = %+v", g.Officers)
	}
	if c := g.Continuity; c == nil || c.Plan.Version != "4.0" || c.Quantification.AnnualLossExpectancy.Amount != 1250000 ||
		c.Exercises[0].FindingsOpen != 1 || c.Exercises[0].Ref.Line != 18 {
		t.Errorf("continuity = %+v", g.Continuity)
	}
	if len(g.Pentests) != 1 || len(g.Pentests[0].Findings) != 2 || g.Pentests[0].Findings[1].Ref.Line != 14 {
		t.Errorf("pentests = %+v", g.Pentests)
	}
	if len(g.Assessments) != 2 || g.Assessments[1].Kind != "partial" {
		t.Errorf("assessments = %+v", g.Assessments)
	}
	if s := g.Sharing; s == nil || len(s.Memberships) != 2 || s.Memberships[1].Until != MustDate("2027-06-30") || len(s.Contributions) != 1 {
		t.Errorf("sharing = %+v", g.Sharing)
	}
	if len(g.Certifications) != 1 || g.Certifications[0].Expires != MustDate("2028-01-14") {
		t.Errorf("certifications = %+v", g.Certifications)
	}
	if s := g.SDLC; s == nil || len(s.Testing) != 4 || !s.DataLeakage || s.ThreatModels[0].Reviewed != MustDate("2026-03-01") {
		t.Errorf("sdlc = %+v", g.SDLC)
	}
	if l := g.Legacy; l == nil || len(l.Budget) != 2 || l.Budget[1].Year != 2027 || l.SupportContracts[1].Ref.Line != 11 {
		t.Errorf("legacy = %+v", g.Legacy)
	}
	if k := g.KeyCustody; k == nil || k.Custody != "hsm" || k.CeremonyDate != MustDate("2025-11-05") {
		t.Errorf("key custody = %+v", g.KeyCustody)
	}
	for _, key := range []string{"board_reviews", "officers", "continuity", "pentests", "assessments", "sharing", "certifications", "sdlc", "legacy", "key_custody"} {
		if g.Refs[key].File == "" {
			t.Errorf("governance ref %s missing", key)
		}
	}

	if b.RAM == nil || len(b.RAM.People) != 4 || len(b.RAM.Areas) != 8 || b.RAM.Areas["R5"].Ref.Line != 25 ||
		!reflect.DeepEqual(b.RAM.Areas["R5"].Consulted, []string{"Priya Raman"}) {
		t.Errorf("RAM = %+v", b.RAM)
	}
	if len(b.Remediation) != 2 || b.Remediation[1].Ref.Line != 8 || b.Remediation[1].Verified != MustDate("2026-06-01") {
		t.Errorf("remediation = %+v", b.Remediation)
	}

	// Metric names are lower-cased; numbers may use _ as a digit separator.
	if len(b.Metrics) != 6 || b.Metrics[2].Metric != "attack_attempts" || b.Metrics[4].Value != 1000 || b.Metrics[5].Value != 3.5 ||
		b.Metrics[5].Ref != (Ref{File: "metrics/security-2026.csv", Line: 7}) {
		t.Errorf("metrics = %+v", b.Metrics)
	}
	if len(b.Dashboards) != 2 || b.Dashboards[1].Audience != "board" || b.Dashboards[1].Ref.Line != 7 {
		t.Errorf("dashboards = %+v", b.Dashboards)
	}

	st := b.CVD.SecurityTxt
	if st == nil || len(st.Fields["Contact"]) != 2 || st.Get("Expires") != "2027-01-31T00:00:00Z" || st.Lines["Expires"] != 4 ||
		st.FieldRef("Policy") != (Ref{File: PathSecurityTxt, Line: 5, Field: "Policy"}) {
		t.Errorf("security.txt = %+v", st)
	}
	if p := b.CVD.Policy; p == nil || p.AcknowledgeDays != 5 || p.FixDays["low"] != 180 || p.BugBounty != "considered" || !p.SafeHarbor {
		t.Errorf("cvd policy = %+v", b.CVD.Policy)
	}
	if r := b.CVD.Reports; len(r) != 2 || r[0].Severity != "high" || r[1].Fixed.IsZero() != true || r[1].Ref.Line != 3 || b.CVD.ReportsRef.File != PathCVDReports {
		t.Errorf("cvd reports = %+v", b.CVD.Reports)
	}

	if len(b.DataStores) != 2 || b.DataStores[0].Attestation.Ref.Line != 11 || b.DataStores[1].EncryptedAtRest {
		t.Errorf("data stores = %+v", b.DataStores)
	}
	if len(b.DeviceModels) != 3 || b.DeviceModels[0].Update.Mechanism != "automated" || b.DeviceModels[2].Update != nil ||
		b.DeviceModels[2].Ref.Line != 22 {
		t.Errorf("device models = %+v", b.DeviceModels)
	}
	if len(b.Changes) != 1 || b.Changes[0].ApprovedBy != "Tom Becker" {
		t.Errorf("changes = %+v", b.Changes)
	}
	if !reflect.DeepEqual(b.Files, map[string][]string{DirScans: {"scans/probe-2026-06.json"}}) {
		t.Errorf("files = %v", b.Files)
	}
	data, err := b.ReadFile("scans/probe-2026-06.json", 1<<20)
	if err != nil || !strings.Contains(string(data), "insurable.scan/v1") {
		t.Errorf("ReadFile: %v", err)
	}
	if _, err := b.ReadFile("../bundle_test.go", 1<<20); err == nil {
		t.Error("ReadFile read outside the bundle")
	}
}

func TestDigest(t *testing.T) {
	load := func(dir string) string {
		t.Helper()
		b, err := Load(dir, Options{})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		b.Close()
		return b.Digest
	}
	orig := load(validBundle)
	dir := copyBundle(t)
	if got := load(dir); got != orig {
		t.Errorf("copy has digest %s, original %s", got, orig)
	}
	// Hidden files change nothing.
	writeFile(t, dir, ".notes", "scratch")
	writeFile(t, dir, "governance/.cache/x.yaml", "junk: [")
	if got := load(dir); got != orig {
		t.Error("a hidden file changed the digest")
	}
	// Any byte of any file does.
	data, _ := os.ReadFile(filepath.Join(dir, "governance/docs/board-minutes-2026-03-12.txt"))
	writeFile(t, dir, "governance/docs/board-minutes-2026-03-12.txt", string(data)+" ")
	changed := load(dir)
	if changed == orig {
		t.Error("changing a file left the digest unchanged")
	}
	// So does a file's name.
	if err := os.Rename(filepath.Join(dir, "governance/docs/board-minutes-2026-03-12.txt"), filepath.Join(dir, "governance/docs/minutes.txt")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "governance/board-reviews.yaml", strings.ReplaceAll(readFile(t, validBundle, PathBoardReviews), "board-minutes-2026-03-12.txt", "minutes.txt"))
	if got := load(dir); got == changed || got == orig {
		t.Error("renaming a file left the digest unchanged")
	}
}

func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestLoadMissingOptionalEvidence(t *testing.T) {
	// A bundle needs only bundle.yaml and firm.yaml; every other kind of
	// evidence may be absent, and is then nil or empty (checks treat that as
	// a finding, never as a pass).
	dir := t.TempDir()
	writeFile(t, dir, PathManifest, "format: "+Format+"\n")
	writeFile(t, dir, PathFirm, "id: f\nname: F\nnaics: \"31\"\nsites: []\n")
	b, err := Load(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Assets != nil || b.RiskRegister != nil || b.RAM != nil || b.Governance.Officers != nil || b.CVD.SecurityTxt != nil ||
		b.CVD.Reports != nil || b.DataStores != nil || len(b.Files) != 0 || b.FileCount != 2 {
		t.Errorf("empty bundle loaded as %+v", b)
	}
}

func TestLimitsDefaults(t *testing.T) {
	got := Limits{MaxRecordsInFile: 7}.orDefault()
	want := DefaultLimits
	want.MaxRecordsInFile = 7
	if got != want {
		t.Errorf("orDefault = %+v, want %+v", got, want)
	}
	if (Limits{}).orDefault() != DefaultLimits {
		t.Error("zero Limits do not default")
	}
}
