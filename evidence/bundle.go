// Package evidence reads a firm's evidence bundle: the directory of
// inventories, registers, governance records, metrics, disclosure records
// and cryptographic material that an assessment rests on. The format is
// described in docs/evidence-bundle.md. Loading never follows a path out of
// the bundle and reports every malformed file with its name and line.
package evidence

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/insurable/insurable"
)

// The conventional paths of a bundle, relative to its root.
const (
	PathManifest      = "bundle.yaml"
	PathFirm          = "firm.yaml"
	DirInventory      = "inventory"
	DirObservations   = "observations"
	PathRiskRegister  = "risk/register.yaml"
	PathBoardReviews  = "governance/board-reviews.yaml"
	PathOfficers      = "governance/officers.yaml"
	PathContinuity    = "governance/continuity.yaml"
	PathPentests      = "governance/pentests.yaml"
	PathAssessments   = "governance/assessments.yaml"
	PathSharing       = "governance/sharing.yaml"
	PathCertification = "governance/certifications.yaml"
	PathSDLC          = "governance/sdlc.yaml"
	PathLegacy        = "governance/legacy.yaml"
	PathKeyCustody    = "governance/key-custody.yaml"
	PathRAM           = "ram.yaml"
	PathRemediation   = "remediation.yaml"
	DirMetrics        = "metrics"
	PathDashboards    = "metrics/dashboards.yaml"
	PathSecurityTxt   = "cvd/security.txt"
	PathCVDPolicy     = "cvd/policy.yaml"
	PathCVDReports    = "cvd/reports.csv"
	PathDataStores    = "declarations/data-stores.yaml"
	PathDeviceModels  = "declarations/device-models.yaml"
	PathChanges       = "changes/changes.yaml"
	DirSBOMs          = "sboms"
	DirPKI            = "pki"
	DirFirmware       = "firmware"
	DirPlatform       = "platform"
	DirHardware       = "hardware"
	DirScans          = "scans"
)

// Bundle is a loaded evidence bundle. Slices and pointers are empty or nil
// when the bundle does not hold that evidence; checks treat absence as a
// finding, never as a pass.
type Bundle struct {
	// Dir is the directory the bundle was loaded from, as given.
	Dir string
	// Digest identifies the exact content of the bundle: a SHA-256 over
	// every file's path and content.
	Digest string
	// FileCount is the number of files the digest covers.
	FileCount int

	Manifest     Manifest
	Firm         Firm
	Assets       []Asset
	Observed     []ObservedDevice
	RiskRegister *RiskRegister
	Governance   Governance
	RAM          *RAM
	Remediation  []RemediationRecord
	Metrics      []MetricPoint
	Dashboards   []Dashboard
	CVD          CVD
	DataStores   []DataStore
	DeviceModels []DeviceModel
	Changes      []ChangeRecord

	// Files lists, per folder of cryptographic and machine evidence
	// (sboms, pki, firmware, platform, hardware, scans), the files found
	// there. The verifiers of those kinds of evidence read them.
	Files map[string][]string

	// Notes are non-fatal observations made while loading, such as columns
	// of an inventory export that were not understood.
	Notes []string

	root  *os.Root
	files *files
}

// Options tune loading.
type Options struct {
	// Limits bound the bundle; a limit left at zero takes its value from
	// DefaultLimits.
	Limits Limits
}

// Load reads the bundle in dir. It returns an error that lists every file
// that is malformed, unsafe or too large; nothing is returned partially.
func Load(dir string, opts Options) (*Bundle, error) {
	opts.Limits = opts.Limits.orDefault()
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, &insurable.Error{Op: opOpen, Kind: insurable.NotExist, Path: dir, Msg: "evidence bundle not found", Err: err}
	}
	if !fi.IsDir() {
		return nil, insurable.FileError(opOpen, insurable.Invalid, dir, 0, "an evidence bundle is a directory")
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, &insurable.Error{Op: opOpen, Kind: insurable.Invalid, Path: dir, Err: err}
	}
	f := &files{root: root, dir: dir, limits: opts.Limits}
	l := &loader{f: f, b: &Bundle{Dir: dir, root: root, files: f, Files: map[string][]string{}}}
	l.load()
	if err := errors.Join(l.errs...); err != nil {
		root.Close()
		return nil, err
	}
	return l.b, nil
}

// Close releases the bundle's directory handle.
func (b *Bundle) Close() error {
	if b.root == nil {
		return nil
	}
	return b.root.Close()
}

// ReadFile reads a file of the bundle for a verifier, refusing names that
// leave the bundle and files larger than max bytes.
// The returned bytes may be shared: callers must not modify them.
func (b *Bundle) ReadFile(name string, max int64) ([]byte, error) {
	if b.files == nil {
		b.files = &files{root: b.root, limits: DefaultLimits}
	}
	return b.files.read(name, max)
}

type loader struct {
	f    *files
	b    *Bundle
	errs []error
}

func (l *loader) fail(err error) {
	if err != nil {
		l.errs = append(l.errs, err)
	}
}

// yaml loads an optional YAML file into v and reports whether it was there.
func (l *loader) yaml(name string, v any) *yamlDoc {
	if !l.f.exists(name) {
		if _, err := l.f.root.Lstat(name); err == nil {
			// Present but not readable as a regular file inside the bundle:
			// a link out or a directory.
			_, err := l.f.read(name, l.f.limits.MaxFileBytes)
			l.fail(err)
		}
		return nil
	}
	data, err := l.f.read(name, l.f.limits.MaxFileBytes)
	if err != nil {
		l.fail(err)
		return nil
	}
	doc, err := decodeYAML(name, data, v)
	if err != nil {
		l.fail(err)
		return nil
	}
	return doc
}

// ref checks a reference from a record to another file of the bundle.
func (l *loader) ref(from Ref, field, target string) {
	if target == "" {
		return
	}
	if err := checkRel(target); err != nil {
		l.fail(insurable.FileError(opOpen, insurable.Escape, from.File, from.Line, "%s %q: %v", field, target, err))
		return
	}
	fi, err := l.f.root.Stat(target)
	switch {
	case err != nil && strings.Contains(err.Error(), "escapes"):
		l.fail(insurable.FileError(opOpen, insurable.Escape, from.File, from.Line, "%s %q refers outside the bundle", field, target))
	case err != nil:
		l.fail(insurable.FileError(opOpen, insurable.NotExist, from.File, from.Line, "%s %q does not exist in the bundle", field, target))
	case !fi.Mode().IsRegular():
		l.fail(insurable.FileError(opOpen, insurable.Invalid, from.File, from.Line, "%s %q is not a regular file", field, target))
	}
}

func (l *loader) attestation(a *Attestation, doc *yamlDoc, path ...any) {
	if a == nil {
		return
	}
	a.Ref = doc.ref(append(path, "attestation")...)
	l.ref(doc.ref(append(path, "attestation", "signature")...), "signature", a.Signature)
}

func (l *loader) load() {
	b := l.b
	digest, n, err := l.f.digest()
	if err != nil {
		l.fail(err)
		return
	}
	b.Digest, b.FileCount = digest, n

	if doc := l.yaml(PathManifest, &b.Manifest); doc == nil {
		if len(l.errs) == 0 {
			l.fail(insurable.FileError(opOpen, insurable.Invalid, PathManifest, 0, "missing: every bundle starts with bundle.yaml declaring format: %s", Format))
		}
	} else if b.Manifest.Format != Format {
		l.fail(insurable.FileError(opOpen, insurable.Invalid, PathManifest, doc.ref("format").Line, "format %q is not supported (want %s)", b.Manifest.Format, Format))
	}
	if doc := l.yaml(PathFirm, &b.Firm); doc != nil {
		b.Firm.Ref = doc.ref()
	} else if !l.f.exists(PathFirm) {
		l.fail(insurable.FileError(opOpen, insurable.Invalid, PathFirm, 0, "missing: the bundle must say which firm it describes"))
	}

	l.inventory()
	l.observations()
	l.risk()
	l.governance()
	l.ram()
	l.remediation()
	l.metrics()
	l.cvd()
	l.declarations()

	for _, dir := range []string{DirSBOMs, DirPKI, DirFirmware, DirPlatform, DirHardware, DirScans} {
		names, err := l.f.list(dir)
		l.fail(err)
		if len(names) > 0 {
			b.Files[dir] = names
		}
	}
}

func (l *loader) inventory() {
	names, err := l.f.list(DirInventory, ".csv", ".yaml", ".yml")
	l.fail(err)
	for _, name := range names {
		isCSV := strings.EqualFold(path.Ext(name), ".csv")
		max := l.f.limits.MaxFileBytes
		if isCSV {
			max = l.f.limits.MaxTableBytes
		}
		data, err := l.f.read(name, max)
		if err != nil {
			l.fail(err)
			continue
		}
		var assets []Asset
		if isCSV {
			var unknown []string
			assets, unknown, err = parseInventoryCSV(name, data, l.f.limits)
			if len(unknown) > 0 {
				l.b.Notes = append(l.b.Notes, fmt.Sprintf("%s: columns not used: %s", name, strings.Join(unknown, ", ")))
			}
		} else {
			assets, err = parseInventoryYAML(name, data, l.f.limits)
		}
		if err != nil {
			l.fail(err)
			continue
		}
		if l.b.Assets == nil {
			l.b.Assets = assets
		} else {
			l.b.Assets = append(l.b.Assets, assets...)
		}
	}
}

func (l *loader) observations() {
	names, err := l.f.list(DirObservations, ".csv")
	l.fail(err)
	for _, name := range names {
		data, err := l.f.read(name, l.f.limits.MaxTableBytes)
		if err != nil {
			l.fail(err)
			continue
		}
		obs, err := parseObservations(name, data, l.f.limits)
		l.fail(err)
		l.b.Observed = append(l.b.Observed, obs...)
	}
}

func (l *loader) risk() {
	var rr RiskRegister
	doc := l.yaml(PathRiskRegister, &rr)
	if doc == nil {
		return
	}
	rr.Ref = doc.ref()
	for i := range rr.Risks {
		rr.Risks[i].Ref = doc.ref("risks", i)
	}
	l.b.RiskRegister = &rr
}

func (l *loader) governance() {
	g := &l.b.Governance
	g.Refs = map[string]Ref{}

	var br struct {
		Reviews []BoardReview `yaml:"reviews"`
	}
	if doc := l.yaml(PathBoardReviews, &br); doc != nil {
		g.Refs["board_reviews"] = doc.ref()
		for i := range br.Reviews {
			r := &br.Reviews[i]
			r.Ref = doc.ref("reviews", i)
			l.ref(doc.ref("reviews", i, "minutes"), "minutes", r.Minutes)
			l.attestation(r.Attestation, doc, "reviews", i)
		}
		g.BoardReviews = br.Reviews
		if g.BoardReviews == nil {
			g.BoardReviews = []BoardReview{}
		}
	}

	var off Officers
	if doc := l.yaml(PathOfficers, &off); doc != nil {
		g.Refs["officers"] = doc.ref()
		if off.Responsible != nil {
			off.Responsible.Ref = doc.ref("responsible_officer")
		}
		if off.Accountable != nil {
			off.Accountable.Ref = doc.ref("accountable_officer")
		}
		l.attestation(off.Attestation, doc)
		g.Officers = &off
	}

	var cont Continuity
	if doc := l.yaml(PathContinuity, &cont); doc != nil {
		g.Refs["continuity"] = doc.ref()
		cont.Ref = doc.ref()
		l.ref(doc.ref("plan", "document"), "document", cont.Plan.Document)
		if cont.Quantification != nil {
			cont.Quantification.Ref = doc.ref("risk_quantification")
		}
		for i := range cont.Exercises {
			cont.Exercises[i].Ref = doc.ref("exercises", i)
		}
		l.attestation(cont.Attestation, doc)
		g.Continuity = &cont
	}

	var pt struct {
		Tests []Pentest `yaml:"tests"`
	}
	if doc := l.yaml(PathPentests, &pt); doc != nil {
		g.Refs["pentests"] = doc.ref()
		for i := range pt.Tests {
			t := &pt.Tests[i]
			t.Ref = doc.ref("tests", i)
			l.ref(doc.ref("tests", i, "report"), "report", t.Report)
			for j := range t.Findings {
				t.Findings[j].Ref = doc.ref("tests", i, "findings", j)
			}
			l.attestation(t.Attestation, doc, "tests", i)
		}
		g.Pentests = pt.Tests
		if g.Pentests == nil {
			g.Pentests = []Pentest{}
		}
	}

	var as struct {
		Assessments []PastAssessment `yaml:"assessments"`
	}
	if doc := l.yaml(PathAssessments, &as); doc != nil {
		g.Refs["assessments"] = doc.ref()
		for i := range as.Assessments {
			a := &as.Assessments[i]
			a.Ref = doc.ref("assessments", i)
			l.ref(doc.ref("assessments", i, "report"), "report", a.Report)
		}
		g.Assessments = as.Assessments
		if g.Assessments == nil {
			g.Assessments = []PastAssessment{}
		}
	}

	var sh Sharing
	if doc := l.yaml(PathSharing, &sh); doc != nil {
		g.Refs["sharing"] = doc.ref()
		for i := range sh.Memberships {
			sh.Memberships[i].Ref = doc.ref("memberships", i)
		}
		for i := range sh.Incidents {
			sh.Incidents[i].Ref = doc.ref("incidents", i)
		}
		for i := range sh.Contributions {
			sh.Contributions[i].Ref = doc.ref("contributions", i)
		}
		l.attestation(sh.Attestation, doc)
		g.Sharing = &sh
	}

	var certs struct {
		Certifications []Certification `yaml:"certifications"`
	}
	if doc := l.yaml(PathCertification, &certs); doc != nil {
		g.Refs["certifications"] = doc.ref()
		for i := range certs.Certifications {
			c := &certs.Certifications[i]
			c.Ref = doc.ref("certifications", i)
			l.ref(doc.ref("certifications", i, "certificate"), "certificate", c.Certificate)
		}
		g.Certifications = certs.Certifications
		if g.Certifications == nil {
			g.Certifications = []Certification{}
		}
	}

	var sdlc SDLC
	if doc := l.yaml(PathSDLC, &sdlc); doc != nil {
		g.Refs["sdlc"] = doc.ref()
		for i := range sdlc.ThreatModels {
			tm := &sdlc.ThreatModels[i]
			tm.Ref = doc.ref("threat_models", i)
			l.ref(doc.ref("threat_models", i, "document"), "document", tm.Document)
		}
		l.attestation(sdlc.Attestation, doc)
		g.SDLC = &sdlc
	}

	var leg LegacyMeans
	if doc := l.yaml(PathLegacy, &leg); doc != nil {
		g.Refs["legacy"] = doc.ref()
		for i := range leg.SupportContracts {
			leg.SupportContracts[i].Ref = doc.ref("support_contracts", i)
		}
		l.attestation(leg.Attestation, doc)
		g.Legacy = &leg
	}

	var kc KeyCustody
	if doc := l.yaml(PathKeyCustody, &kc); doc != nil {
		g.Refs["key_custody"] = doc.ref()
		kc.Ref = doc.ref()
		l.attestation(kc.Attestation, doc)
		g.KeyCustody = &kc
	}
}

func (l *loader) ram() {
	var ram RAM
	doc := l.yaml(PathRAM, &ram)
	if doc == nil {
		return
	}
	ram.Ref = doc.ref()
	for i := range ram.People {
		ram.People[i].Ref = doc.ref("people", i)
	}
	for id, a := range ram.Areas {
		if a == nil {
			a = &RACI{}
			ram.Areas[id] = a
		}
		a.Ref = doc.ref("areas", id)
	}
	l.b.RAM = &ram
}

func (l *loader) remediation() {
	var rp struct {
		Items []RemediationRecord `yaml:"items"`
	}
	doc := l.yaml(PathRemediation, &rp)
	if doc == nil {
		return
	}
	for i := range rp.Items {
		rp.Items[i].Ref = doc.ref("items", i)
	}
	l.b.Remediation = rp.Items
}

func (l *loader) metrics() {
	names, err := l.f.list(DirMetrics, ".csv")
	l.fail(err)
	for _, name := range names {
		data, err := l.f.read(name, l.f.limits.MaxTableBytes)
		if err != nil {
			l.fail(err)
			continue
		}
		pts, err := parseMetrics(name, data, l.f.limits)
		l.fail(err)
		l.b.Metrics = append(l.b.Metrics, pts...)
	}
	var d struct {
		Dashboards []Dashboard `yaml:"dashboards"`
	}
	if doc := l.yaml(PathDashboards, &d); doc != nil {
		for i := range d.Dashboards {
			d.Dashboards[i].Ref = doc.ref("dashboards", i)
		}
		l.b.Dashboards = d.Dashboards
	}
}

func (l *loader) cvd() {
	c := &l.b.CVD
	if l.f.exists(PathSecurityTxt) {
		data, err := l.f.read(PathSecurityTxt, 1<<20)
		if err != nil {
			l.fail(err)
		} else {
			st, err := parseSecurityTxt(PathSecurityTxt, data)
			l.fail(err)
			c.SecurityTxt = st
		}
	}
	var p CVDPolicy
	if doc := l.yaml(PathCVDPolicy, &p); doc != nil {
		p.Ref = doc.ref()
		c.Policy = &p
	}
	if l.f.exists(PathCVDReports) {
		data, err := l.f.read(PathCVDReports, l.f.limits.MaxTableBytes)
		if err != nil {
			l.fail(err)
			return
		}
		reps, err := parseReports(PathCVDReports, data, l.f.limits)
		l.fail(err)
		c.Reports = reps
		if c.Reports == nil && err == nil {
			c.Reports = []VulnReport{}
		}
		c.ReportsRef = Ref{File: PathCVDReports}
	}
}

func (l *loader) declarations() {
	var ds struct {
		Stores []DataStore `yaml:"data_stores"`
	}
	if doc := l.yaml(PathDataStores, &ds); doc != nil {
		for i := range ds.Stores {
			ds.Stores[i].Ref = doc.ref("data_stores", i)
			l.attestation(ds.Stores[i].Attestation, doc, "data_stores", i)
		}
		l.b.DataStores = ds.Stores
		if l.b.DataStores == nil {
			l.b.DataStores = []DataStore{}
		}
	}
	var dm struct {
		Models []DeviceModel `yaml:"models"`
	}
	if doc := l.yaml(PathDeviceModels, &dm); doc != nil {
		for i := range dm.Models {
			dm.Models[i].Ref = doc.ref("models", i)
		}
		l.b.DeviceModels = dm.Models
	}
	var ch struct {
		Changes []ChangeRecord `yaml:"changes"`
	}
	if doc := l.yaml(PathChanges, &ch); doc != nil {
		for i := range ch.Changes {
			ch.Changes[i].Ref = doc.ref("changes", i)
		}
		l.b.Changes = ch.Changes
	}
}
