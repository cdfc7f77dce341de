package checks

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

var asOf = evidence.MustDate("2026-11-26")

func days(n int) evidence.Date { return asOf.AddDays(-n) }

// signed is an attestation whose signature the fake verifier accepts.
func signed(name string) *evidence.Attestation {
	return &evidence.Attestation{Name: name, Role: "CISO", Date: days(10), Signature: "signatures/" + name + ".dsse.json"}
}

// goodBundle is a bundle on which every check that needs no verifier
// passes; tests break one thing at a time.
func goodBundle() *evidence.Bundle {
	b := &evidence.Bundle{
		Firm: evidence.Firm{ID: "f", Name: "F", NAICS: "332721", Sites: []evidence.Site{{ID: "s1", Name: "Site 1"}}},
		Assets: []evidence.Asset{
			{ID: "plc-1", Class: "PLC", Vendor: "Siemens", Product: "S7-1500", Version: "V3.1", Site: "s1", Criticality: "high", IP: "10.0.0.1", MAC: "00:1d:9c:00:00:01", Services: []string{"opcua/4840"}, Ref: evidence.Ref{File: "inventory/assets.csv", Line: 2}},
			{ID: "sw-1", Class: "Switch", Vendor: "Siemens", Product: "SCALANCE XC216", Version: "V4.5", Site: "s1", Criticality: "medium", IP: "10.0.0.2", MAC: "00:1d:9c:00:00:02", Services: []string{"ssh/22"}, Ref: evidence.Ref{File: "inventory/assets.csv", Line: 3}},
		},
		Observed: []evidence.ObservedDevice{{IP: "10.0.0.1", LastSeen: days(1)}, {MAC: "00-1D-9C-00-00-02", LastSeen: days(2)}},
		RiskRegister: &evidence.RiskRegister{Method: "IEC 62443-3-2", Reviewed: days(30), Risks: []evidence.Risk{
			{ID: "R1", AssetClasses: []string{"plc", "network"}, ThreatAgents: []string{"criminals"}, RiskFactors: []string{"flat network"}, Likelihood: 3, Impact: 4},
		}},
		DeviceModels: []evidence.DeviceModel{
			{Vendor: "Siemens", Product: "S7-1500", Update: &evidence.UpdateChannel{Mechanism: "automated", Authenticated: true, Signed: true}, Capabilities: evidence.Capabilities{ResourceProtection: []string{"watchdog"}}},
			{Vendor: "siemens", Product: "scalance  xc216", Update: &evidence.UpdateChannel{Mechanism: "automated", Authenticated: true, Signed: true}, Capabilities: evidence.Capabilities{ResourceProtection: []string{"rate-limiting"}}},
		},
		DataStores: []evidence.DataStore{{ID: "billing", PersonalData: true, EncryptedAtRest: true, EncryptedInTransit: true, Attestation: signed("it")}},
		CVD: evidence.CVD{
			SecurityTxt: &evidence.SecurityTxt{Fields: map[string][]string{"Contact": {"mailto:s@f.example"}, "Expires": {"2027-06-01T00:00:00Z"}, "Policy": {"https://f.example/p"}}, Lines: map[string]int{}},
			Policy:      &evidence.CVDPolicy{AcknowledgeDays: 5, FixDays: map[string]int{"high": 60}, BugBounty: "considered"},
			Reports:     []evidence.VulnReport{{ID: "V1", Received: days(100), Acknowledged: days(99), Fixed: days(70), Severity: "high"}},
		},
		Governance: evidence.Governance{
			Refs:         map[string]evidence.Ref{},
			BoardReviews: []evidence.BoardReview{{Date: days(60), Covers: []string{"prevention", "transfer", "response"}, ContinuityReviewed: true, Attestation: signed("chair")}},
			Officers: &evidence.Officers{
				Responsible: &evidence.Person{Name: "Ann", Role: "CISO"}, Accountable: &evidence.Person{Name: "Bob", Role: "CEO"},
				Training: []evidence.Training{{Date: days(50)}}, Attestation: signed("bob"),
			},
			Pentests:    []evidence.Pentest{{ID: "PT1", Date: days(100), Independent: true, Scope: []string{"OT"}, Attestation: signed("ann")}},
			Assessments: []evidence.PastAssessment{{Date: days(20), Kind: "full", Scope: []string{"s1"}}},
			Sharing: &evidence.Sharing{
				Memberships:   []evidence.Membership{{Organisation: "MFG-ISAC", Kind: "isac", Since: days(900)}},
				Incidents:     []evidence.SharedIncident{{ID: "I1", Occurred: days(50), Shared: days(49)}},
				Contributions: []evidence.Contribution{{Date: days(49), Recipient: "Clearinghouse", Kind: "incident"}},
				Attestation:   signed("ann"),
			},
			Certifications: []evidence.Certification{{Standard: "IEC 62443-2-1", Issuer: "TUV", Issued: days(300), Expires: asOf.AddDays(300)}},
			SDLC: &evidence.SDLC{Standard: "IEC 62443-4-1", Testing: []string{"unit", "system", "acceptance", "regression"}, Hardening: "CIS", DataLeakage: true,
				ThreatModels: []evidence.ThreatModel{{System: "line", Date: days(400), Reviewed: days(30)}}, Attestation: signed("ann")},
			KeyCustody: &evidence.KeyCustody{Custody: "hsm", Attestation: signed("ann")},
		},
		RAM: &evidence.RAM{Areas: map[string]*evidence.RACI{}},
	}
	b.Governance.Continuity = &evidence.Continuity{
		Quantification: &evidence.Quantification{Method: "FAIR", Date: days(100), AnnualLossExpectancy: &evidence.Money{Currency: "USD", Amount: 1e6}},
		Exercises:      []evidence.Exercise{{Date: days(90), Kind: "tabletop"}},
		Attestation:    signed("ann"),
	}
	b.Governance.Continuity.Plan.Title, b.Governance.Continuity.Plan.Approved = "BCP", days(200)
	b.Governance.Continuity.Strategy.People, b.Governance.Continuity.Strategy.Capital, b.Governance.Continuity.Strategy.Technology = true, true, true
	b.Governance.Legacy = &evidence.LegacyMeans{SupportContracts: []evidence.SupportContract{{Vendor: "Siemens", Until: asOf.AddDays(100)}}, Attestation: signed("cfo")}
	b.Governance.Legacy.Budget = append(b.Governance.Legacy.Budget,
		struct {
			Year   int     `yaml:"year" json:"year"`
			Amount float64 `yaml:"amount" json:"amount"`
		}{2026, 1}, struct {
			Year   int     `yaml:"year" json:"year"`
			Amount float64 `yaml:"amount" json:"amount"`
		}{2027, 1})
	for i := 1; i <= 8; i++ {
		b.RAM.Areas["R"+string(rune('0'+i))] = &evidence.RACI{Responsible: []string{"Ann"}, Accountable: []string{"Bob"}}
	}
	b.Metrics = append(b.Metrics, checksMetrics(12)...)
	b.Dashboards = []evidence.Dashboard{{Name: "ops", Audience: "operations", Metrics: []string{"anomalies"}}, {Name: "board", Audience: "board", Metrics: []string{"incidents"}}}
	return b
}

// checksMetrics makes every required metric for the n months before asOf.
func checksMetrics(n int) []evidence.MetricPoint {
	var out []evidence.MetricPoint
	first := time0(asOf).AddDate(0, -n, 0)
	for i := 0; i < n; i++ {
		d := evidence.NewDate(first.AddDate(0, i+1, -1))
		for _, m := range RequiredMetrics {
			out = append(out, evidence.MetricPoint{Date: d, Metric: m, Value: 1})
		}
	}
	return out
}

// fakeAttestations accepts every signature except those naming "forged".
type fakeAttestations struct{}

func (fakeAttestations) VerifyAttestation(_ context.Context, _ *evidence.Bundle, a *evidence.Attestation, _ evidence.Date) check.AttestationResult {
	if strings.Contains(a.Signature, "forged") {
		return check.AttestationResult{Status: "invalid-signature", Reason: "signature does not verify"}
	}
	return check.AttestationResult{Status: "valid"}
}

func run(t *testing.T, c check.Check, b *evidence.Bundle, v check.Verifiers) (check.Status, []check.Finding, map[string]any) {
	t.Helper()
	if v.Attestations == nil {
		v.Attestations = fakeAttestations{}
	}
	env := &check.Env{Bundle: b, AsOf: asOf, Settings: check.DefaultSettings(), Verifiers: v}
	r := check.NewReport(c)
	if err := c.Run(context.Background(), env, r); err != nil {
		t.Fatalf("%s: %v", c.Name(), err)
	}
	if len(r.Findings()) == 0 {
		t.Fatalf("%s reported no findings", c.Name())
	}
	return check.Aggregate(r.Findings()), r.Findings(), r.Facts()
}

func codes(fs []check.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+"="+string(f.Status))
	}
	return out
}

func TestEveryItemHasOneCheck(t *testing.T) {
	seen := map[protocol.ID]bool{}
	names := map[string]bool{}
	for _, c := range All() {
		if seen[c.Item()] {
			t.Errorf("two checks verify %s", c.Item())
		}
		if names[c.Name()] {
			t.Errorf("two checks are named %s", c.Name())
		}
		seen[c.Item()], names[c.Name()] = true, true
		if c.Version() < 1 {
			t.Errorf("%s has version %d", c.Name(), c.Version())
		}
	}
	for _, id := range protocol.Default().IDs() {
		if !seen[id] {
			t.Errorf("no check verifies %s", id)
		}
	}
}

// TestNoEvidenceNeverPasses runs every check on an empty bundle: none may
// pass.
func TestNoEvidenceNeverPasses(t *testing.T) {
	empty := &evidence.Bundle{Governance: evidence.Governance{Refs: map[string]evidence.Ref{}}}
	env := &check.Env{Bundle: empty, AsOf: asOf, Settings: check.DefaultSettings()}
	for _, c := range All() {
		r := check.NewReport(c)
		if err := c.Run(context.Background(), env, r); err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		st := check.Aggregate(r.Findings())
		env.SetPrior(string(c.Item()), st)
		if st == check.Pass || st == check.NotApplicable {
			t.Errorf("%s: status %s on an empty bundle; findings %v", c.Name(), st, codes(r.Findings()))
		}
	}
}

func TestGoodBundle(t *testing.T) {
	// The checks that need no verifier pass on the good bundle.
	for _, c := range []check.Check{newVulnerabilityDisclosure(), newBoardOversight(), newAccountability(), newCyberResilience(),
		newOngoingAssessment(), newOngoingTesting(), newInformationSharing(), newPerformanceIndicators(), newSecurityMetrics(),
		newR1(), newR8(), newCertification(), newClearinghouse(), newLegacyMeans()} {
		st, fs, _ := run(t, c, goodBundle(), check.Verifiers{})
		if st != check.Pass {
			t.Errorf("%s: %s, want pass: %v", c.Name(), st, codes(fs))
		}
	}
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name   string
		check  check.Check
		mutate func(b *evidence.Bundle)
		v      check.Verifiers
		want   check.Status
		code   string // a finding code that must be present
		fact   string // a fact that must be set ...
		value  any    // ... to this value
	}{
		{name: "inventory gap", check: newRiskAssessment(), mutate: func(b *evidence.Bundle) { b.Assets[0].Version = "" },
			want: check.Fail, code: "a1.inventory-incomplete", fact: "assets_incomplete", value: 1},
		{name: "unknown class", check: newRiskAssessment(), mutate: func(b *evidence.Bundle) { b.Assets[1].Class = "toaster" },
			want: check.Fail, code: "a1.inventory-incomplete"},
		{name: "unlisted device", check: newRiskAssessment(), mutate: func(b *evidence.Bundle) {
			b.Observed = append(b.Observed, evidence.ObservedDevice{IP: "10.9.9.9", LastSeen: days(3)})
		}, want: check.Fail, code: "a1.observed-not-inventoried", fact: "observed_unlisted", value: 1},
		{name: "old observation ignored", check: newRiskAssessment(), mutate: func(b *evidence.Bundle) {
			b.Observed = append(b.Observed, evidence.ObservedDevice{IP: "10.9.9.9", LastSeen: days(200)})
		}, want: check.NeedsReview, code: "a1.observed-all-inventoried", fact: "observed_unlisted", value: 0},
		{name: "class without risk", check: newRiskAssessment(), mutate: func(b *evidence.Bundle) { b.Assets[1].Class = "gateway" },
			want: check.Fail, code: "a1.risk-classes-uncovered"},
		{name: "duplicate ids", check: newRiskAssessment(), mutate: func(b *evidence.Bundle) { b.Assets[1].ID = "plc-1" },
			want: check.Fail, code: "a1.duplicate-asset-ids"},
		{name: "vulnerabilities unverified", check: newRiskAssessment(), want: check.NeedsReview, code: "a1.vulnerabilities-unassessed"},
		{name: "vulnerabilities assessed", check: newRiskAssessment(), v: check.Verifiers{Vulnerabilities: fakeVulns{}},
			want: check.Pass, code: "a1.vulnerabilities-assessed", fact: "vulns_kev", value: 1},
		{name: "kev past due", check: newPatching(), v: check.Verifiers{Vulnerabilities: fakeVulns{}},
			want: check.Fail, code: "a4.kev-past-due", fact: "kev_past_due", value: 1},
		{name: "unsigned updates", check: newPatching(), mutate: func(b *evidence.Bundle) { b.DeviceModels[0].Update.Signed = false },
			want: check.Fail, code: "a4.unauthenticated-updates"},
		{name: "legacy without plan", check: newLegacySystems(), mutate: func(b *evidence.Bundle) { b.Assets[0].EndOfLife = days(10) },
			want: check.Fail, code: "b6.no-compensating-controls"},
		{name: "legacy planned", check: newLegacySystems(), v: check.Verifiers{Vulnerabilities: fakeVulns{}}, mutate: func(b *evidence.Bundle) {
			b.Assets[0].EndOfLife, b.Assets[0].CompensatingControls, b.Assets[0].Replacement = days(10), "segmented", asOf.AddDays(90)
			b.Assets[1].EndOfLife, b.Assets[1].CompensatingControls, b.Assets[1].Replacement = days(10), "segmented", asOf.AddDays(90)
		}, want: check.Pass, code: "b6.legacy-tracked", fact: "legacy_devices", value: 2},
		{name: "no fix planned but untracked", check: newLegacySystems(), v: check.Verifiers{Vulnerabilities: fakeVulns{}},
			want: check.Fail, code: "b6.unfixable-not-tracked"},
		{name: "personal data unencrypted", check: newEncryption(), mutate: func(b *evidence.Bundle) { b.DataStores[0].EncryptedAtRest = false },
			want: check.Fail, code: "a3.personal-data-unencrypted-at-rest"},
		{name: "forged attestation", check: newEncryption(), mutate: func(b *evidence.Bundle) { b.DataStores[0].Attestation.Signature = "forged.dsse.json" },
			want: check.Fail, code: "a3.data-store.attestation-invalid-signature"},
		{name: "legacy tls", check: newEncryption(), v: check.Verifiers{Scans: fakeScans{legacy: true}},
			mutate: func(b *evidence.Bundle) { b.Files = map[string][]string{"scans": {"scans/p.json"}} },
			want:   check.Fail, code: "a3.legacy-tls", fact: "tls_legacy_endpoints", value: 1},
		{name: "nonstandard port", check: newInteroperability(), mutate: func(b *evidence.Bundle) { b.Assets[0].Services = []string{"opcua/62541"} },
			want: check.Fail, code: "a5.nonstandard-ports"},
		{name: "proprietary protocol", check: newInteroperability(), mutate: func(b *evidence.Bundle) { b.Assets[0].Services = []string{"s7/102"} },
			want: check.Fail, code: "a5.proprietary-services"},
		{name: "standard services", check: newInteroperability(), want: check.Pass, code: "a5.declared-standard"},
		{name: "unsigned board review", check: newBoardOversight(), mutate: func(b *evidence.Bundle) { b.Governance.BoardReviews[0].Attestation.Signature = "" },
			want: check.Fail, code: "b1.board-review.attestation-unsigned"},
		{name: "stale board review", check: newBoardOversight(), mutate: func(b *evidence.Bundle) { b.Governance.BoardReviews[0].Date = days(400) },
			want: check.Fail, code: "b1.board-review-stale", fact: "board_review_age_days", value: 400},
		{name: "signature not verifiable", check: newBoardOversight(), v: check.Verifiers{Attestations: nilAttestations{}},
			want: check.Fail, code: "b1.board-review.attestation-untrusted"},
		{name: "no accountable officer", check: newAccountability(), mutate: func(b *evidence.Bundle) { b.Governance.Officers.Accountable = nil },
			want: check.Fail, code: "b2.no-accountable-officer"},
		{name: "ram gap", check: newAccountability(), mutate: func(b *evidence.Bundle) { delete(b.RAM.Areas, "R6") },
			want: check.Fail, code: "b2.ram-incomplete", fact: "ram_areas_missing", value: 1},
		{name: "two accountable", check: newR3(), mutate: func(b *evidence.Bundle) { b.RAM.Areas["R3"].Accountable = []string{"a", "b"} },
			want: check.Fail, code: "r3.accountable"},
		{name: "overdue remediation", check: newR5(), mutate: func(b *evidence.Bundle) {
			b.Remediation = []evidence.RemediationRecord{{ID: "X", Requirement: "A4", Due: days(5), Status: "open"}}
		}, want: check.Fail, code: "r5.remediation-overdue"},
		{name: "done remediation", check: newR5(), mutate: func(b *evidence.Bundle) {
			b.Remediation = []evidence.RemediationRecord{{ID: "X", Requirement: "A4", Due: days(5), Status: "done"}}
		}, want: check.Pass, code: "r5.assigned"},
		{name: "exercise stale", check: newCyberResilience(), mutate: func(b *evidence.Bundle) { b.Governance.Continuity.Exercises[0].Date = days(500) },
			want: check.Fail, code: "b3.exercise-stale"},
		{name: "partial assessment only", check: newOngoingAssessment(), mutate: func(b *evidence.Bundle) { b.Governance.Assessments[0].Kind = "partial" },
			want: check.Fail, code: "b4.no-full-assessment"},
		{name: "site left out", check: newOngoingAssessment(), mutate: func(b *evidence.Bundle) {
			b.Firm.Sites = append(b.Firm.Sites, evidence.Site{ID: "s2"})
		}, want: check.Fail, code: "b4.sites-not-assessed"},
		{name: "critical pentest finding open", check: newOngoingTesting(), mutate: func(b *evidence.Bundle) {
			b.Governance.Pentests[0].Findings = []evidence.PentestFinding{{ID: "F1", Severity: "Critical", Status: "open"}}
		}, want: check.Fail, code: "b5.findings-open"},
		{name: "it-only pentest", check: newOngoingTesting(), mutate: func(b *evidence.Bundle) { b.Governance.Pentests[0].Scope = []string{"it"} },
			want: check.Fail, code: "b5.no-iiot-pentest"},
		{name: "lapsed membership", check: newInformationSharing(), mutate: func(b *evidence.Bundle) { b.Governance.Sharing.Memberships[0].Until = days(10) },
			want: check.Fail, code: "b7.no-current-membership"},
		{name: "incident shared late", check: newInformationSharing(), mutate: func(b *evidence.Bundle) { b.Governance.Sharing.Incidents[0].Shared = days(20) },
			want: check.Fail, code: "b7.incidents-shared-late"},
		{name: "metric gap", check: newSecurityMetrics(), mutate: func(b *evidence.Bundle) {
			b.Metrics = slices.DeleteFunc(b.Metrics, func(p evidence.MetricPoint) bool { return p.Metric == "anomalies" && p.Date.After(days(90)) })
		}, want: check.Fail, code: "c2.metric-gaps"},
		{name: "metric missing", check: newSecurityMetrics(), mutate: func(b *evidence.Bundle) {
			b.Metrics = slices.DeleteFunc(b.Metrics, func(p evidence.MetricPoint) bool { return p.Metric == "close_calls" })
		}, want: check.Fail, code: "c2.metrics-missing"},
		{name: "stale metrics", check: newPerformanceIndicators(), mutate: func(b *evidence.Bundle) { b.Metrics = checksMetrics(1)[:1]; b.Metrics[0].Date = days(100) },
			want: check.Fail, code: "c1.metrics-stale"},
		{name: "security.txt expired", check: newVulnerabilityDisclosure(), mutate: func(b *evidence.Bundle) {
			b.CVD.SecurityTxt.Fields["Expires"] = []string{"2026-01-01T00:00:00Z"}
		}, want: check.Fail, code: "a9.security-txt-expired"},
		{name: "report fixed late", check: newVulnerabilityDisclosure(), mutate: func(b *evidence.Bundle) { b.CVD.Reports[0].Fixed = days(1) },
			want: check.Fail, code: "a9.fixed-late"},
		{name: "root key in software", check: newRootOfTrust(), mutate: func(b *evidence.Bundle) { b.Governance.KeyCustody.Custody = "software" },
			want: check.Fail, code: "a8.root-key-exposed"},
		{name: "expired device certificate", check: newRootOfTrust(), v: check.Verifiers{Certificates: fakeCerts{}},
			mutate: func(b *evidence.Bundle) { b.Files = map[string][]string{"pki": {"pki/root.pem"}} },
			want:   check.Fail, code: "a8.certificate-expired", fact: "devices_without_certificate", value: 1},
		{name: "certification expired", check: newCertification(), mutate: func(b *evidence.Bundle) { b.Governance.Certifications[0].Expires = days(1) },
			want: check.Fail, code: "o2.certification-lapsed"},
		{name: "no budget for next year", check: newLegacyMeans(), mutate: func(b *evidence.Bundle) { b.Governance.Legacy.Budget = b.Governance.Legacy.Budget[:1] },
			want: check.Fail, code: "o4.budget-missing"},
		{name: "sboms unverified", check: newDevelopmentLifecycle(), mutate: func(b *evidence.Bundle) { b.Files = map[string][]string{"sboms": {"sboms/a.json"}} },
			want: check.NeedsReview, code: "a6.sboms-unverified"},
		{name: "threat model stale", check: newDevelopmentLifecycle(), mutate: func(b *evidence.Bundle) { b.Governance.SDLC.ThreatModels[0].Reviewed = days(500) },
			want: check.Fail, code: "a6.threat-model-stale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := goodBundle()
			if tt.mutate != nil {
				tt.mutate(b)
			}
			st, fs, facts := run(t, tt.check, b, tt.v)
			if st != tt.want {
				t.Errorf("status %s, want %s: %v", st, tt.want, codes(fs))
			}
			found := false
			for _, f := range fs {
				if f.Code == tt.code {
					found = true
					if f.Status != check.Pass && f.Status != check.NotApplicable && (f.Title == "" || f.Explanation == "") {
						t.Errorf("finding %s lacks a title or explanation", f.Code)
					}
				}
			}
			if !found {
				t.Errorf("no finding %s in %v", tt.code, codes(fs))
			}
			if tt.fact != "" && facts[tt.fact] != tt.value {
				t.Errorf("fact %s = %v (%T), want %v", tt.fact, facts[tt.fact], facts[tt.fact], tt.value)
			}
		})
	}
}

type fakeVulns struct{}

func (fakeVulns) AssessVulnerabilities(context.Context, *evidence.Bundle, evidence.Date) (*check.VulnerabilityReport, error) {
	return &check.VulnerabilityReport{
		Feeds: []check.FeedDigest{{Name: "test", Digest: "sha256:0"}},
		Matches: []check.VulnerabilityMatch{
			{AssetID: "plc-1", AdvisoryID: "ICSA-1", CVE: "CVE-2020-1", Status: "affected", Severity: check.Critical, KEV: true, KEVDue: days(30), FixAvailable: true},
			{AssetID: "sw-1", AdvisoryID: "ICSA-2", CVE: "CVE-2020-2", Status: "affected", Severity: check.Medium, NoFixPlanned: true},
		},
	}, nil
}

type fakeScans struct{ legacy bool }

func (f fakeScans) ReadScans(context.Context, *evidence.Bundle) (*check.ScanReport, error) {
	e := check.ScanEndpoint{File: "scans/p.json", Host: "10.0.0.1", Port: 443, Protocol: "https", Standard: true, StandardPort: true, TLSVersions: []string{"TLSv1.2"}}
	if f.legacy {
		e.LegacyTLS = []string{"TLSv1.0"}
	}
	return &check.ScanReport{Endpoints: []check.ScanEndpoint{e}}, nil
}

type fakeCerts struct{}

func (fakeCerts) VerifyDeviceCertificates(context.Context, *evidence.Bundle, evidence.Date) (*check.CertificateReport, error) {
	return &check.CertificateReport{Results: []check.CertificateResult{
		{File: "pki/devices/plc-1.pem", AssetID: "plc-1", Status: "valid"},
		{File: "pki/devices/sw-1.pem", AssetID: "sw-1", Status: "expired", Reason: "expired on 2026-01-01"},
	}}, nil
}

type nilAttestations struct{}

func (nilAttestations) VerifyAttestation(context.Context, *evidence.Bundle, *evidence.Attestation, evidence.Date) check.AttestationResult {
	return check.AttestationResult{Status: "untrusted", Reason: "signer not certified by the firm's root"}
}
