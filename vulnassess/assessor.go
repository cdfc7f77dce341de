package vulnassess

import (
	"context"
	"errors"
	"path"
	"slices"
	"strings"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/advisory"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/feeds"
	"github.com/insurable/insurable/osv"
	"github.com/insurable/insurable/sbom"
	"github.com/insurable/insurable/vulnmatch"
)

// Assessor assesses a bundle's vulnerability exposure against a feeds
// snapshot: the inventory against the CSAF advisories (enriched with KEV
// and EPSS), and the SBOMs in sboms/ against the OSV records, with any
// CSAF VEX documents found there applied.
type Assessor struct {
	catalog *vulnmatch.Catalog
	osv     *osv.Index
	kev     vulnmatch.Feeds
	digests []check.FeedDigest
	sboms   *SBOMCache // nil: read every time
}

var _ check.VulnerabilityAssessor = (*Assessor)(nil)

// New prepares an assessor on a snapshot.
func New(s *feeds.Snapshot) *Assessor {
	f := vulnmatch.Feeds{KEV: s.KEV, EPSS: s.EPSS}
	return &Assessor{
		catalog: vulnmatch.NewCatalog(s.Advisories, f),
		osv:     osv.NewIndex(s.OSV),
		kev:     f,
		digests: s.Manifest.Digests(),
	}
}

// MaxSBOMBytes bounds one SBOM or VEX file of a bundle.
const MaxSBOMBytes = 64 << 20

// AssessVulnerabilities matches the bundle's assets and SBOMs. It fails
// only when ctx ends; an SBOM that cannot be read is reported in its
// summary as not valid.
func (a *Assessor) AssessVulnerabilities(ctx context.Context, b *evidence.Bundle, asOf evidence.Date) (*check.VulnerabilityReport, error) {
	rep := &check.VulnerabilityReport{Feeds: slices.Clone(a.digests), Matches: []check.VulnerabilityMatch{}}
	var buf []vulnmatch.Match
	for i := range b.Assets {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		ea := &b.Assets[i]
		asset := FromEvidence(ea)
		buf = a.catalog.AppendMatches(buf[:0], &asset)
		for j := range buf {
			m := &buf[j]
			rep.Matches = append(rep.Matches, vulnMatch(ea, m))
			if m.Unparsed {
				rep.Unparsed++
			}
		}
	}
	entries, vexDocs := a.readSBOMsCached(b)
	vex := sbom.NewVEX(vexDocs...)
	for _, e := range entries {
		if e.doc != nil {
			res := sbom.Match([]*sbom.Document{e.doc}, a.osv, vex)
			e.summary.Vulnerabilities = len(res.Matches)
			e.summary.Suppressed = len(res.Suppressed)
			for _, f := range res.Matches {
				rep.Matches = append(rep.Matches, a.componentMatch(e.doc, f))
			}
			for _, cm := range MatchComponents(a.catalog, e.doc) {
				rep.Matches = append(rep.Matches, advisoryComponentMatch(cm))
				e.summary.Vulnerabilities++
				if cm.Unparsed {
					rep.Unparsed++
				}
			}
		}
		rep.SBOMs = append(rep.SBOMs, e.summary)
	}
	return rep, nil
}

// sbomEntry is one SBOM file: its summary and, when it could be read, the
// document.
type sbomEntry struct {
	summary check.SBOMSummary
	doc     *sbom.Document
}

// readSBOMs reads the JSON files of sboms/, in file order: SBOMs are
// validated and summarised; CSAF documents are taken as VEX.
func (a *Assessor) readSBOMs(b *evidence.Bundle) ([]*sbomEntry, []*advisory.Advisory) {
	var entries []*sbomEntry
	var vex []*advisory.Advisory
	names := slices.Clone(b.Files[evidence.DirSBOMs])
	slices.Sort(names)
	for _, name := range names {
		lower := strings.ToLower(name)
		if path.Ext(lower) != ".json" {
			if strings.HasSuffix(lower, ".xml") {
				entries = append(entries, &sbomEntry{summary: check.SBOMSummary{File: name, Problem: "XML SBOMs are not read; provide CycloneDX or SPDX JSON"}})
			}
			continue
		}
		data, err := b.ReadFile(name, MaxSBOMBytes)
		if err != nil {
			entries = append(entries, &sbomEntry{summary: check.SBOMSummary{File: name, Problem: problem(err)}})
			continue
		}
		if sbom.Kind(data) == "csaf" {
			err := advisory.Validate(name, data)
			var adv *advisory.Advisory
			if err == nil {
				adv, err = advisory.Parse(name, data)
			}
			if err != nil {
				entries = append(entries, &sbomEntry{summary: check.SBOMSummary{File: name, Problem: "VEX document: " + problem(err)}})
				continue
			}
			vex = append(vex, adv)
			continue
		}
		e := &sbomEntry{summary: check.SBOMSummary{File: name}}
		entries = append(entries, e)
		s := &e.summary
		if err := sbom.Validate(name, data); err != nil {
			s.Problem = problem(err)
		}
		d, err := sbom.Parse(name, data)
		if err != nil {
			if s.Problem == "" {
				s.Problem = problem(err)
			}
			continue
		}
		e.doc = d
		s.Valid = s.Problem == ""
		s.Format, s.SpecVersion = d.Format, d.SpecVersion
		sum := d.Summarise()
		s.Components, s.Specific, s.Suppliers = sum.Components, sum.Specific, sum.Suppliers
		if d.Subject != nil {
			s.Vendor, s.Product, s.Version = d.Subject.Supplier, d.Subject.Name, d.Subject.Version
			s.Subject = strings.Join(nonEmpty(s.Vendor, s.Product, s.Version), " ")
		}
	}
	return entries, vex
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func problem(err error) string {
	var e *insurable.Error
	if errors.As(err, &e) && e.Path != "" {
		msg := e.Msg
		if e.Err != nil {
			if msg != "" {
				msg += ": "
			}
			msg += e.Err.Error()
		}
		if msg != "" {
			return msg
		}
	}
	return err.Error()
}

func vulnMatch(a *evidence.Asset, m *vulnmatch.Match) check.VulnerabilityMatch {
	v := check.VulnerabilityMatch{
		AssetID:      a.ID,
		AdvisoryID:   m.AdvisoryID,
		CVE:          m.CVE,
		Status:       m.Status,
		Severity:     severity(m.Severity),
		CVSS:         m.CVSS,
		KEV:          m.KEV,
		FixAvailable: m.FixAvailable,
		NoFixPlanned: m.NoFixPlanned,
		Ref:          a.Ref.WithField("version"),
		Product:      m.Product,
		ProductID:    m.ProductID,
		Version:      a.Version,
		FixedIn:      m.FixedIn,
		Reason:       m.Reason,
		Unparsed:     m.Unparsed,
		Ransomware:   m.Ransomware,
		EPSS:         m.EPSS,
	}
	if d, err := evidence.ParseDate(m.KEVDue); err == nil {
		v.KEVDue = d
	}
	if d, err := evidence.ParseDate(m.Published); err == nil {
		v.Published = d
	}
	return v
}

func (a *Assessor) componentMatch(d *sbom.Document, f sbom.Finding) check.VulnerabilityMatch {
	v := check.VulnerabilityMatch{
		AdvisoryID:   f.ID,
		CVE:          f.ID,
		Status:       vulnmatch.StatusAffected,
		Severity:     osvSeverity(f.Severity),
		FixAvailable: f.FixedIn != "",
		FixedIn:      f.FixedIn,
		Ref:          evidence.Ref{File: d.File, Field: f.PURL},
		Product:      f.Name,
		Version:      f.Version,
		SBOM:         d.File,
		Component:    f.PURL,
	}
	for _, al := range f.Aliases {
		if strings.HasPrefix(al, "CVE-") {
			v.CVE = al
			break
		}
	}
	if e, ok := a.kev.KEV.Lookup(v.CVE); ok {
		v.KEV = true
		v.Ransomware = e.Ransomware == "Known"
		if dd, err := evidence.ParseDate(e.DueDate); err == nil {
			v.KEVDue = dd
		}
	}
	if e, ok := a.kev.EPSS.Lookup(v.CVE); ok {
		v.EPSS = e.EPSS
	}
	return v
}

// advisoryComponentMatch records a CSAF advisory's match on an SBOM
// component.
func advisoryComponentMatch(cm ComponentMatch) check.VulnerabilityMatch {
	v := vulnMatch(&evidence.Asset{Version: cm.Version, Ref: evidence.Ref{File: cm.SBOM}}, &cm.Match)
	v.Ref = evidence.Ref{File: cm.SBOM, Field: cm.Component}
	v.SBOM = cm.SBOM
	v.Component = cm.PURL
	if v.Component == "" {
		v.Component = cm.CPE
	}
	if v.Component == "" {
		v.Component = cm.Supplier + " " + cm.Component
	}
	return v
}

func severity(s string) check.Severity {
	if sev, ok := check.ParseSeverity(s); ok {
		return sev
	}
	return ""
}

// osvSeverity reads GitHub's database severity (LOW, MODERATE, HIGH,
// CRITICAL); a CVSS vector alone gives no rating here.
func osvSeverity(s string) check.Severity {
	switch strings.ToUpper(s) {
	case "CRITICAL":
		return check.Critical
	case "HIGH":
		return check.High
	case "MODERATE", "MEDIUM":
		return check.Medium
	case "LOW":
		return check.Low
	}
	return ""
}
