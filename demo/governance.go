package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable/evidence"
)

// yamlFile writes v as YAML with a comment line on top.
func (g *generator) yamlFile(name, comment string, v any) error {
	var buf bytes.Buffer
	if comment != "" {
		for _, line := range strings.Split(comment, "\n") {
			buf.WriteString("# " + line + "\n")
		}
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return err
	}
	enc.Close()
	return g.write(name, buf.Bytes())
}

// attest makes an attestation by a person on a date; signature names the
// DSSE envelope the crypto maker writes for it when the firm signs its
// records.
func (g *generator) attest(name, role string, date evidence.Date, record string) *evidence.Attestation {
	a := &evidence.Attestation{Name: name, Role: role, Date: date}
	if g.opts.Crypto != nil && (g.p.governanceGood || g.opts.Scenario == Typical) {
		a.Signature = "signatures/" + record + ".dsse.json"
		g.attested = append(g.attested, attested{record: record, signer: name, role: role})
	}
	return a
}

// attested is an attestation the crypto maker must sign.
type attested struct {
	record string // file name stem of the envelope
	signer string
	role   string
}

func (g *generator) writeManifest() error {
	return g.yamlFile(evidence.PathManifest, "Evidence bundle of "+g.firm.name+".", evidence.Manifest{
		Format:       evidence.Format,
		Description:  "Evidence kept by " + g.firm.name + " for IIoT insurability assessments.",
		Maintainer:   g.firm.people.ciso + " <security@" + g.firm.domain + ">",
		SnapshotDate: g.asOf,
	})
}

func (g *generator) writeFirm() error {
	uses := map[Scenario][]string{
		Water:        {"drinking water treatment", "distribution pumping", "SCADA telemetry over licensed radio"},
		Manufacturer: {"CNC machining cells", "automated assembly", "condition monitoring"},
	}[g.opts.Scenario]
	return g.yamlFile(evidence.PathFirm, "", evidence.Firm{
		ID: g.firm.id, Name: g.firm.name, NAICS: g.firm.naics, Industry: g.firm.industry, Country: g.firm.country,
		Website: g.firm.website, Sites: g.firm.sites, Uses: uses,
	})
}

func (g *generator) writeRisk() error {
	classes := map[string]bool{}
	for _, a := range g.assets {
		classes[evidence.NormalizeClass(a.Class)] = true
	}
	var list []string
	for c := range classes {
		list = append(list, c)
	}
	sort.Strings(list)
	risks := []evidence.Risk{
		{ID: "R-001", Title: "Ransomware spreading from the business network into operations", AssetClasses: []string{"server", "historian", "workstation", "hmi"},
			ThreatAgents: []string{"ransomware affiliates", "initial access brokers"}, RiskFactors: []string{"flat network between IT and OT", "shared credentials", "remote access"},
			Likelihood: 4, Impact: 5, Treatment: "reduce", Owner: g.firm.people.ciso},
		{ID: "R-002", Title: "Unauthorised change of controller logic", AssetClasses: []string{"plc", "controller", "rtu", "safety-system"},
			ThreatAgents: []string{"state-sponsored actors", "disgruntled insiders"}, RiskFactors: []string{"unauthenticated engineering protocols", "firmware without signature checks"},
			Likelihood: 3, Impact: 5, Treatment: "reduce", Owner: g.firm.people.otLead},
		{ID: "R-003", Title: "Manipulation of process measurements", AssetClasses: []string{"sensor", "meter", "drive", "actuator"},
			ThreatAgents: []string{"hacktivists", "state-sponsored actors"}, RiskFactors: []string{"plaintext field protocols", "devices reachable from supervisory network"},
			Likelihood: 2, Impact: 4, Treatment: "reduce", Owner: g.firm.people.otLead},
		{ID: "R-004", Title: "Compromise of network infrastructure and remote links", AssetClasses: []string{"network", "gateway", "firewall"},
			ThreatAgents: []string{"opportunistic criminals", "state-sponsored actors"}, RiskFactors: []string{"internet-exposed management interfaces", "default credentials"},
			Likelihood: 3, Impact: 4, Treatment: "reduce", Owner: g.firm.people.itLead},
		{ID: "R-005", Title: "Loss of operations from an IIoT outage", AssetClasses: []string{"*"},
			ThreatAgents: []string{"any attacker", "accidental misconfiguration"}, RiskFactors: []string{"single points of failure", "untested recovery"},
			Likelihood: 2, Impact: 5, Treatment: "transfer", Owner: g.firm.people.ceo},
	}
	reviewed := g.daysAgo(45)
	if !g.p.governanceGood {
		// The utility's register predates its radios and drives.
		risks = risks[:3]
		risks[2].AssetClasses = []string{"sensor", "meter"}
		risks[1].ThreatAgents = nil
		reviewed = g.daysAgo(520)
	}
	return g.yamlFile(evidence.PathRiskRegister, "", evidence.RiskRegister{Method: "IEC 62443-3-2 zone risk assessment", Reviewed: reviewed, Risks: risks})
}

func (g *generator) writeGovernance() error {
	pp := g.firm.people
	good := g.p.governanceGood
	// Board reviews.
	reviews := []evidence.BoardReview{{
		Date: g.daysAgo(400), Body: pp.board, Covers: []string{"prevention", "response"},
		ContinuityReviewed: false, Minutes: "governance/minutes/board-review-1.md",
		Attestation: g.attest(pp.ceo, "Chair of the "+pp.board, g.daysAgo(398), "board-review-1"),
	}}
	if good {
		reviews = append(reviews, evidence.BoardReview{
			Date: g.daysAgo(62), Body: pp.board, Covers: []string{"prevention", "transfer", "response"},
			RiskStrategy: []string{"avoidance", "reduction", "sharing", "retention"}, ContinuityReviewed: true,
			Minutes:     "governance/minutes/board-review-2.md",
			Attestation: g.attest(pp.ceo, "Chair of the "+pp.board, g.daysAgo(60), "board-review-2"),
		})
	} else {
		reviews[0].Date = g.daysAgo(580)
		reviews[0].Attestation.Date = g.daysAgo(578)
	}
	for i, r := range reviews {
		if err := g.writef(fmt.Sprintf("governance/minutes/board-review-%d.md", i+1),
			"# %s: minutes of %s\n\nItem 4. IIoT cyber strategy. The %s reviewed the IIoT cyber strategy (%s) presented by %s, Chief Information Security Officer, together with the risk register and the continuity plan status.\n",
			r.Body, r.Date, r.Body, strings.Join(r.Covers, ", "), pp.ciso); err != nil {
			return err
		}
	}
	if err := g.yamlFile(evidence.PathBoardReviews, "Formal reviews of the IIoT cyber strategy by the board.", map[string]any{"reviews": reviews}); err != nil {
		return err
	}

	// Officers.
	off := evidence.Officers{
		Responsible: &evidence.Person{Name: pp.ciso, Role: "Chief Information Security Officer", Email: "ciso@" + g.firm.domain, Appointed: g.daysAgo(900)},
		Accountable: &evidence.Person{Name: pp.ceo, Role: "Chief Executive Officer", Email: "ceo@" + g.firm.domain, Appointed: g.daysAgo(1500)},
		Attestation: g.attest(pp.ceo, "Chief Executive Officer", g.daysAgo(90), "officers"),
	}
	if good {
		off.Training = []evidence.Training{
			{Date: g.daysAgo(150), Audience: "operations and maintenance staff", Topic: "IIoT security awareness and phishing"},
			{Date: g.daysAgo(75), Audience: "IT and OT engineers", Topic: "IEC 62443 secure configuration"},
		}
	} else {
		off.Accountable = nil
		off.Attestation.Date = g.daysAgo(700)
		off.Training = []evidence.Training{{Date: g.daysAgo(800), Audience: "operators", Topic: "Cybersecurity awareness"}}
	}
	if err := g.yamlFile(evidence.PathOfficers, "", off); err != nil {
		return err
	}

	// Continuity.
	var ct evidence.Continuity
	ct.Plan.Title = g.firm.name + " Business Continuity and Cyber Incident Response Plan"
	ct.Plan.Version = "4.2"
	ct.Plan.Approved = g.daysAgo(120)
	ct.Plan.Document = "governance/continuity-plan.md"
	ct.Strategy.People, ct.Strategy.Capital, ct.Strategy.Technology = true, true, true
	ct.Quantification = &evidence.Quantification{Method: "FAIR", Date: g.daysAgo(130), AnnualLossExpectancy: &evidence.Money{Currency: "USD", Amount: 2400000}, Scenarios: 6}
	ct.Exercises = []evidence.Exercise{{Date: g.daysAgo(95), Kind: "tabletop", Scenario: "Ransomware on the SCADA servers during peak demand", Participants: []string{pp.ciso, pp.otLead, pp.itLead, pp.ceo}}}
	ct.Attestation = g.attest(pp.ciso, "Chief Information Security Officer", g.daysAgo(94), "continuity")
	if !good {
		ct.Plan.Version = "2.0"
		ct.Plan.Approved = g.daysAgo(1100)
		ct.Strategy.Capital = false
		ct.Quantification = nil
		ct.Exercises = []evidence.Exercise{{Date: g.daysAgo(760), Kind: "tabletop", Scenario: "Loss of the treatment plant's SCADA", FindingsOpen: 5}}
	}
	if err := g.writef("governance/continuity-plan.md", "# %s\n\nVersion %s, approved %s.\n\nThe plan covers detection, containment, manual operation of the process, restoration from offline backups and communication with customers and regulators.\n", ct.Plan.Title, ct.Plan.Version, ct.Plan.Approved); err != nil {
		return err
	}
	if err := g.yamlFile(evidence.PathContinuity, "", ct); err != nil {
		return err
	}

	// Penetration tests.
	tests := []evidence.Pentest{{
		ID: "PT-1", Date: g.daysAgo(140), Tester: "Ironbridge Industrial Security LLC", Independent: true,
		Scope: []string{"ot", "iiot", "remote-access"}, Report: "governance/reports/pentest-1.md",
		Findings: []evidence.PentestFinding{
			{ID: "F-1", Title: "Engineering workstation reachable from the business network", Severity: "high", Status: "closed", Closed: g.daysAgo(100)},
			{ID: "F-2", Title: "Weak TLS configuration on the historian", Severity: "medium", Status: "closed", Closed: g.daysAgo(110)},
		},
		Attestation: g.attest(pp.ciso, "Chief Information Security Officer", g.daysAgo(135), "pentest-1"),
	}}
	if !good {
		tests[0].Date = g.daysAgo(790)
		tests[0].Scope = []string{"it", "ot"}
		tests[0].Findings = []evidence.PentestFinding{
			{ID: "F-1", Title: "Radio telemetry network accepts unauthenticated configuration changes", Severity: "critical", Status: "open"},
			{ID: "F-2", Title: "Default credentials on serial device servers", Severity: "high", Status: "open"},
			{ID: "F-3", Title: "SCADA server missing security updates", Severity: "high", Status: "closed", Closed: g.daysAgo(600)},
		}
		tests[0].Attestation.Date = g.daysAgo(780)
	}
	if err := g.writef("governance/reports/pentest-1.md", "# Penetration test %s\n\nTester: %s. Date: %s. Scope: %s.\n\n%d findings; see governance/pentests.yaml for their status.\n", tests[0].ID, tests[0].Tester, tests[0].Date, strings.Join(tests[0].Scope, ", "), len(tests[0].Findings)); err != nil {
		return err
	}
	if err := g.yamlFile(evidence.PathPentests, "", map[string]any{"tests": tests}); err != nil {
		return err
	}

	// Assessment history.
	var scope []string
	for _, s := range g.firm.sites {
		scope = append(scope, s.ID)
	}
	history := []evidence.PastAssessment{
		{Date: g.daysAgo(420), Kind: "full", Assessor: "Ironbridge Industrial Security LLC", Scope: scope, Result: "conditional"},
		{Date: g.daysAgo(30), Kind: "full", Assessor: "Ironbridge Industrial Security LLC", Scope: scope, Result: "insurable"},
	}
	if !good {
		history = []evidence.PastAssessment{
			{Date: g.daysAgo(950), Kind: "full", Assessor: "State rural water association", Scope: scope[:1], Result: "not graded"},
			{Date: g.daysAgo(200), Kind: "partial", Assessor: "In-house", Scope: scope[:2]},
		}
	}
	if err := g.yamlFile(evidence.PathAssessments, "", map[string]any{"assessments": history}); err != nil {
		return err
	}

	// Information sharing.
	isac := map[Scenario]string{Water: "WaterISAC", Manufacturer: "Manufacturing ISAC (MFG-ISAC)"}[g.opts.Scenario]
	if isac == "" {
		isac = "Sector ISAC"
	}
	sh := evidence.Sharing{
		Memberships: []evidence.Membership{
			{Organisation: isac, Kind: "isac", Since: g.daysAgo(1400)},
			{Organisation: "IIoT Insurability Clearinghouse", Kind: "clearinghouse", Since: g.daysAgo(500)},
		},
		Incidents: []evidence.SharedIncident{
			{ID: "INC-1", Occurred: g.daysAgo(210), Shared: g.daysAgo(209), With: []string{isac, "IIoT Insurability Clearinghouse"}, Severity: "medium"},
		},
		Contributions: []evidence.Contribution{
			{Date: g.daysAgo(209), Recipient: "IIoT Insurability Clearinghouse", Kind: "incident report"},
			{Date: g.daysAgo(40), Recipient: "IIoT Insurability Clearinghouse", Kind: "quarterly indicators"},
		},
		Attestation: g.attest(pp.ciso, "Chief Information Security Officer", g.daysAgo(40), "sharing"),
	}
	if !good {
		sh.Memberships = []evidence.Membership{{Organisation: isac, Kind: "isac", Since: g.daysAgo(2000), Until: g.daysAgo(300)}}
		sh.Incidents = []evidence.SharedIncident{{ID: "INC-1", Occurred: g.daysAgo(160), Severity: "high"}}
		sh.Contributions = nil
	}
	if err := g.yamlFile(evidence.PathSharing, "", sh); err != nil {
		return err
	}

	// Certifications.
	certs := []evidence.Certification{{Standard: "IEC 62443-2-1", Scope: "OT security management system, all plants", Issuer: "TÜV Rheinland", Issued: g.daysAgo(300), Expires: g.asOf.AddDays(800), Certificate: "governance/reports/iec62443-2-1-certificate.md"}}
	if !good {
		certs = []evidence.Certification{{Standard: "AWWA G430 self-assessment", Scope: "Treatment plant", Issuer: "", Issued: g.daysAgo(1500), Expires: g.daysAgo(400)}}
	}
	if certs[0].Certificate != "" {
		if err := g.writef(certs[0].Certificate, "# Certificate\n\n%s certifies that %s conforms to %s for: %s. Issued %s, valid until %s.\n", certs[0].Issuer, g.firm.name, certs[0].Standard, certs[0].Scope, certs[0].Issued, certs[0].Expires); err != nil {
			return err
		}
	}
	if err := g.yamlFile(evidence.PathCertification, "", map[string]any{"certifications": certs}); err != nil {
		return err
	}

	// Development lifecycle.
	sdlc := evidence.SDLC{
		Standard: "IEC 62443-4-1", Testing: []string{"unit", "system", "acceptance", "regression"},
		Hardening: "CIS and vendor hardening guides applied to every platform; configuration baselines under change control", DataLeakage: true,
		ThreatModels: []evidence.ThreatModel{
			{System: "Production control network", Method: "IEC 62443-3-2 zones and conduits", Date: g.daysAgo(400), Reviewed: g.daysAgo(70)},
			{System: "Remote access and cloud analytics", Method: "STRIDE", Date: g.daysAgo(300), Reviewed: g.daysAgo(70)},
		},
		Attestation: g.attest(pp.otLead, "OT Engineering Lead", g.daysAgo(70), "sdlc"),
	}
	if !good {
		sdlc.Standard = ""
		sdlc.Testing = []string{"acceptance"}
		sdlc.DataLeakage = false
		sdlc.ThreatModels = []evidence.ThreatModel{{System: "SCADA", Method: "checklist", Date: g.daysAgo(1200)}}
	}
	if err := g.yamlFile(evidence.PathSDLC, "", sdlc); err != nil {
		return err
	}

	// Means to maintain legacy systems.
	year := g.asOf.Time().Year()
	var leg evidence.LegacyMeans
	leg.Currency = "USD"
	leg.Budget = append(leg.Budget, struct {
		Year   int     `yaml:"year" json:"year"`
		Amount float64 `yaml:"amount" json:"amount"`
	}{year, 850000}, struct {
		Year   int     `yaml:"year" json:"year"`
		Amount float64 `yaml:"amount" json:"amount"`
	}{year + 1, 900000})
	vendors := map[string]bool{}
	for _, m := range g.fleet {
		vendors[m.Vendor] = true
	}
	var vs []string
	for v := range vendors {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	for i, v := range vs {
		if !good && i%2 == 1 {
			continue
		}
		leg.SupportContracts = append(leg.SupportContracts, evidence.SupportContract{Vendor: v, Products: []string{"all deployed products"}, Until: g.asOf.AddDays(400 + 30*i)})
	}
	if !good {
		leg.Budget = leg.Budget[:1]
	}
	leg.Attestation = g.attest(pp.finance, "Chief Financial Officer", g.daysAgo(50), "legacy-means")
	if err := g.yamlFile(evidence.PathLegacy, "", leg); err != nil {
		return err
	}

	// Root key custody.
	kc := evidence.KeyCustody{Custody: "hsm", Location: "York data centre, cage 4", Device: "Thales Luna Network HSM 7", Certified: "FIPS 140-3 Level 3", CeremonyDate: g.daysAgo(600),
		Attestation: g.attest(pp.ciso, "Chief Information Security Officer", g.daysAgo(88), "key-custody")}
	if !good {
		kc = evidence.KeyCustody{Custody: "software", Location: "SCADA server file system",
			Attestation: g.attest(pp.itLead, "IT Manager", g.daysAgo(240), "key-custody")}
	}
	return g.yamlFile(evidence.PathKeyCustody, "", kc)
}

func (g *generator) writeRAM() error {
	pp := g.firm.people
	ram := evidence.RAM{
		People: []evidence.Person{
			{Name: pp.ceo, Role: "Chief Executive Officer"}, {Name: pp.ciso, Role: "Chief Information Security Officer"},
			{Name: pp.otLead, Role: "OT Engineering Lead"}, {Name: pp.engineer, Role: "Controls Engineer"},
			{Name: pp.itLead, Role: "IT Manager"}, {Name: pp.finance, Role: "Chief Financial Officer"},
			{Name: pp.quality, Role: "Quality and Compliance Manager"},
		},
		Areas: map[string]*evidence.RACI{
			"R1": {Responsible: []string{pp.otLead, pp.itLead}, Accountable: []string{pp.ciso}, Informed: []string{pp.ceo}},
			"R2": {Responsible: []string{pp.engineer}, Accountable: []string{pp.ciso}, Consulted: []string{pp.otLead}},
			"R3": {Responsible: []string{pp.engineer, pp.itLead}, Accountable: []string{pp.otLead}},
			"R4": {Responsible: []string{pp.itLead}, Accountable: []string{pp.ciso}},
			"R5": {Responsible: []string{pp.engineer}, Accountable: []string{pp.otLead}, Informed: []string{pp.quality}},
			"R6": {Responsible: []string{pp.itLead}, Accountable: []string{pp.ciso}},
			"R7": {Responsible: []string{pp.otLead}, Accountable: []string{pp.finance}, Consulted: []string{pp.engineer}},
			"R8": {Responsible: []string{pp.quality}, Accountable: []string{pp.ciso}, Consulted: []string{pp.otLead}},
		},
	}
	if !g.p.ramComplete {
		delete(ram.Areas, "R6")
		delete(ram.Areas, "R8")
		ram.Areas["R3"].Accountable = []string{pp.otLead, pp.itLead}
		ram.Areas["R7"].Responsible = []string{"Facilities contractor"}
	}
	return g.yamlFile(evidence.PathRAM, "Responsibility Assignment Matrix over the Protocol's eight assessment areas.", ram)
}

func (g *generator) writeRemediation() error {
	pp := g.firm.people
	items := []evidence.RemediationRecord{
		{ID: "RP-2024-01", Requirement: "A4", Title: "Move controller firmware updates to the signed update server", Owner: pp.engineer, Due: g.daysAgo(20), Status: "done", Verified: g.daysAgo(25)},
		{ID: "RP-2024-02", Requirement: "B5", Title: "Close pen-test finding F-1", Owner: pp.otLead, Due: g.asOf.AddDays(40), Status: "in-progress"},
	}
	if !g.p.governanceGood {
		items = append(items,
			evidence.RemediationRecord{ID: "RP-2023-07", Requirement: "A3", Title: "Replace Telnet on radios with SSH", Owner: pp.engineer, Due: g.daysAgo(210), Status: "open"},
			evidence.RemediationRecord{ID: "RP-2023-09", Requirement: "B6", Title: "Replace MicroLogix 1400 controllers at the pump stations", Owner: pp.otLead, Due: g.daysAgo(90), Status: "open"},
		)
	}
	return g.yamlFile(evidence.PathRemediation, "The firm's own tracking of its gap-remediation plan.", map[string]any{"items": items})
}

func (g *generator) writeMetrics() error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"date", "metric", "value", "source"})
	metrics := []struct {
		name   string
		base   int
		source string
	}{
		{"attack_attempts", 120, "perimeter firewall and OT IDS"},
		{"incidents", 1, "incident register"},
		{"close_calls", 3, "incident register"},
		{"policy_violations", 6, "OT IDS and access reviews"},
		{"anomalies", 14, "OT IDS"},
		{"patch_latency_days", 35, "patch management"},
	}
	first := time0(g.asOf).AddDate(0, -14, 0)
	for mo := 0; mo <= 14; mo++ {
		d := first.AddDate(0, mo, 0)
		for k, m := range metrics {
			if g.p.metricsGaps && (m.name == "close_calls" || m.name == "anomalies" && mo%4 == 1) {
				continue
			}
			if g.p.metricsGaps && mo >= 12 {
				continue
			}
			v := m.base + g.rng.IntN(m.base/2+2) - m.base/4
			if v < 0 {
				v = 0
			}
			day := evidence.NewDate(d.AddDate(0, 1, -1))
			if day.After(g.asOf) {
				continue
			}
			_ = k
			w.Write([]string{day.String(), m.name, fmt.Sprint(v), m.source})
		}
	}
	w.Flush()
	if err := g.write("metrics/security-metrics.csv", buf.Bytes()); err != nil {
		return err
	}
	dash := []evidence.Dashboard{
		{Name: "OT security operations", Audience: "operations", Metrics: []string{"attack_attempts", "anomalies", "policy_violations"}, Location: "https://grafana." + g.firm.domain + "/d/ot-sec", Reviewed: g.daysAgo(7)},
		{Name: "Board cyber risk report", Audience: "board", Metrics: []string{"incidents", "close_calls", "patch_latency_days"}, Location: "Quarterly board pack", Reviewed: g.daysAgo(62)},
	}
	if !g.p.governanceGood {
		dash = dash[:1]
	}
	return g.yamlFile(evidence.PathDashboards, "", map[string]any{"dashboards": dash})
}

func (g *generator) writeCVD() error {
	expires := g.asOf.AddDays(200)
	if !g.p.cvdGood {
		expires = g.daysAgo(150)
	}
	txt := fmt.Sprintf("# Security contact for %s (RFC 9116)\nContact: mailto:security@%s\nContact: https://%s/security/report\nExpires: %sT00:00:00Z\nEncryption: https://%s/security/pgp-key.txt\nPreferred-Languages: en\nCanonical: https://%s/.well-known/security.txt\n",
		g.firm.name, g.firm.domain, strings.TrimPrefix(g.firm.website, "https://"), expires, strings.TrimPrefix(g.firm.website, "https://"), strings.TrimPrefix(g.firm.website, "https://"))
	if g.p.cvdGood {
		txt += fmt.Sprintf("Policy: https://%s/security/disclosure-policy\nAcknowledgments: https://%s/security/thanks\n", strings.TrimPrefix(g.firm.website, "https://"), strings.TrimPrefix(g.firm.website, "https://"))
	}
	if err := g.write(evidence.PathSecurityTxt, []byte(txt)); err != nil {
		return err
	}
	if g.p.cvdGood {
		if err := g.yamlFile(evidence.PathCVDPolicy, "", evidence.CVDPolicy{AcknowledgeDays: 5, FixDays: map[string]int{"critical": 30, "high": 60, "medium": 90, "low": 180}, BugBounty: "considered", SafeHarbor: true}); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"id", "received", "acknowledged", "fixed", "severity", "status", "source"})
	if g.p.cvdGood {
		w.Write([]string{"VR-1", g.daysAgo(300).String(), g.daysAgo(298).String(), g.daysAgo(260).String(), "high", "fixed", "independent researcher"})
		w.Write([]string{"VR-2", g.daysAgo(90).String(), g.daysAgo(89).String(), g.daysAgo(40).String(), "medium", "fixed", "customer"})
		w.Write([]string{"VR-3", g.daysAgo(12).String(), g.daysAgo(11).String(), "", "low", "triaged", "independent researcher"})
	} else {
		w.Write([]string{"VR-1", g.daysAgo(400).String(), g.daysAgo(370).String(), "", "critical", "open", "independent researcher"})
		w.Write([]string{"VR-2", g.daysAgo(100).String(), "", "", "medium", "new", "customer"})
	}
	w.Flush()
	return g.write(evidence.PathCVDReports, buf.Bytes())
}

func (g *generator) writeDeclarations() error {
	pp := g.firm.people
	stores := []evidence.DataStore{
		{ID: "customer-billing", Description: "Customer accounts, meter readings and billing", PersonalData: true, EncryptedAtRest: true, AtRestMethod: "AES-256 transparent database encryption, keys in HSM", EncryptedInTransit: true, InTransitProtocol: "TLS 1.3",
			Attestation: g.attest(pp.itLead, "IT Manager", g.daysAgo(80), "datastore-customer-billing")},
		{ID: "process-historian", Description: "Process values and alarms", PersonalData: false, EncryptedAtRest: true, AtRestMethod: "BitLocker", EncryptedInTransit: true, InTransitProtocol: "TLS 1.2"},
		{ID: "hr-badges", Description: "Staff badge records of the access control system", PersonalData: true, EncryptedAtRest: true, AtRestMethod: "AES-256", EncryptedInTransit: true, InTransitProtocol: "TLS 1.2",
			Attestation: g.attest(pp.itLead, "IT Manager", g.daysAgo(80), "datastore-hr-badges")},
	}
	for i := range g.assets {
		if g.assets[i].PersonalData {
			stores[0].Assets = append(stores[0].Assets, g.assets[i].ID)
			if len(stores[0].Assets) >= 4 {
				break
			}
		}
	}
	if !g.p.dataEncrypted {
		stores[0].EncryptedAtRest = false
		stores[0].AtRestMethod = ""
		stores[2].EncryptedInTransit = false
		stores[2].InTransitProtocol = "HTTP"
	}
	if err := g.yamlFile(evidence.PathDataStores, "", map[string]any{"data_stores": stores}); err != nil {
		return err
	}
	var models []evidence.DeviceModel
	for _, m := range g.models() {
		dm := evidence.DeviceModel{
			Vendor: m.Vendor, Product: m.Product, Model: m.Model,
			Update:       &evidence.UpdateChannel{Mechanism: m.Update, Authenticated: true, Signed: true, Source: "vendor signed firmware via the plant update server"},
			Capabilities: evidence.Capabilities{ResourceProtection: m.Protections, SecureBoot: m.SecureBoot, ProprietaryOnly: m.ProprietaryOnly},
		}
		if m.Legacy {
			dm.Update = &evidence.UpdateChannel{Mechanism: "manual", Authenticated: false, Signed: false, Source: "vendor download, installed by engineering laptop"}
		}
		if g.p.governanceGood && dm.Update.Mechanism == "manual" {
			dm.Update.Mechanism = "automated"
		}
		models = append(models, dm)
	}
	return g.yamlFile(evidence.PathDeviceModels, "How each device model is updated and protects itself.", map[string]any{"models": models})
}

func (g *generator) writeChanges() error {
	pp := g.firm.people
	var changes []evidence.ChangeRecord
	for i := range g.assets {
		if i%37 == 5 {
			changes = append(changes, evidence.ChangeRecord{
				ID: fmt.Sprintf("CHG-%04d", len(changes)+1), Assets: []string{g.assets[i].ID},
				Description: "Firmware update to " + g.assets[i].Version + " under change control", Approved: g.daysAgo(30 + i%200), ApprovedBy: pp.otLead,
			})
		}
		if len(changes) >= 200 {
			break
		}
	}
	return g.yamlFile(evidence.PathChanges, "Approved changes to devices.", map[string]any{"changes": changes})
}
