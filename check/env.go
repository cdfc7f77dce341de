package check

import (
	"context"
	"sync"

	"github.com/insurable/insurable/evidence"
)

// Settings are the parts of an underwriting profile that checks apply:
// how fresh each kind of evidence must be and the deadlines a firm is held
// to. Package profile fills them from the insurer's YAML.
type Settings struct {
	BoardReview        evidence.Period // B1: latest board review no older than this
	OfficerAttestation evidence.Period // B2: officer record re-attested within this
	ContinuityExercise evidence.Period // B3: latest exercise of the continuity plan
	RiskQuantification evidence.Period // B3: latest quantification of cyber risk
	FullAssessment     evidence.Period // B4: latest full assessment of assets
	PenTest            evidence.Period // B5: latest penetration test covering IIoT
	ThreatModel        evidence.Period // A6: threat models reviewed within this
	RiskRegister       evidence.Period // A1: risk register reviewed within this
	Observations       evidence.Period // A1: devices seen within this count as present
	MetricsMaxAge      evidence.Period // C1: newest metric point no older than this
	MetricsWindow      evidence.Period // C2: window over which metrics must have no gaps
	CertificationAge   evidence.Period // O2: certificates must not have expired; issued within this

	// IncidentSharingDays is the most days between an incident and sharing it (B7).
	IncidentSharingDays int
	// CVDAcknowledgeDays and CVDFixDays are the disclosure deadlines used
	// when the firm's own policy states none (A9).
	CVDAcknowledgeDays int
	CVDFixDays         map[Severity]int
	// CriticalPentestCloseDays is how long critical and high pen-test
	// findings may stay open (B5).
	CriticalPentestCloseDays int
}

// DefaultSettings are the Protocol's baseline expectations.
func DefaultSettings() Settings {
	return Settings{
		BoardReview:              evidence.Period{Months: 12},
		OfficerAttestation:       evidence.Period{Months: 12},
		ContinuityExercise:       evidence.Period{Months: 12},
		RiskQuantification:       evidence.Period{Months: 12},
		FullAssessment:           evidence.Period{Months: 12},
		PenTest:                  evidence.Period{Months: 12},
		ThreatModel:              evidence.Period{Months: 12},
		RiskRegister:             evidence.Period{Months: 12},
		Observations:             evidence.Period{Days: 90},
		MetricsMaxAge:            evidence.Period{Days: 45},
		MetricsWindow:            evidence.Period{Months: 12},
		CertificationAge:         evidence.Period{Months: 36},
		IncidentSharingDays:      3,
		CVDAcknowledgeDays:       7,
		CVDFixDays:               map[Severity]int{Critical: 30, High: 60, Medium: 90, Low: 180, Info: 365},
		CriticalPentestCloseDays: 90,
	}
}

// Env is what a check runs against: the evidence, the date that counts as
// today, the profile's settings and the verifiers this build has.
type Env struct {
	Bundle    *evidence.Bundle
	AsOf      evidence.Date
	Settings  Settings
	Verifiers Verifiers

	indexOnce sync.Once
	index     *Index

	vulnOnce sync.Once
	vulns    *VulnerabilityReport
	vulnErr  error

	certOnce sync.Once
	certs    *CertificateReport
	certErr  error

	scanOnce sync.Once
	scans    *ScanReport
	scanErr  error

	prior map[string]Status
}

// Index returns lookups over the bundle's assets, built once and shared by
// every check.
func (e *Env) Index() *Index {
	e.indexOnce.Do(func() { e.index = NewIndex(e.Bundle) })
	return e.index
}

// Vulnerabilities runs the vulnerability assessor once and shares its
// report. It returns nil, nil when this build has no assessor.
func (e *Env) Vulnerabilities(ctx context.Context) (*VulnerabilityReport, error) {
	if e.Verifiers.Vulnerabilities == nil {
		return nil, nil
	}
	e.vulnOnce.Do(func() {
		e.vulns, e.vulnErr = e.Verifiers.Vulnerabilities.AssessVulnerabilities(ctx, e.Bundle, e.AsOf)
	})
	return e.vulns, e.vulnErr
}

// Certificates runs the certificate verifier once and shares its report. It
// returns nil, nil when this build has no verifier.
func (e *Env) Certificates(ctx context.Context) (*CertificateReport, error) {
	if e.Verifiers.Certificates == nil {
		return nil, nil
	}
	e.certOnce.Do(func() {
		e.certs, e.certErr = e.Verifiers.Certificates.VerifyDeviceCertificates(ctx, e.Bundle, e.AsOf)
	})
	return e.certs, e.certErr
}

// Scans reads the probe results under scans/ once and shares them. It
// returns nil, nil when this build has no scan reader.
func (e *Env) Scans(ctx context.Context) (*ScanReport, error) {
	if e.Verifiers.Scans == nil {
		return nil, nil
	}
	e.scanOnce.Do(func() {
		e.scans, e.scanErr = e.Verifiers.Scans.ReadScans(ctx, e.Bundle)
	})
	return e.scans, e.scanErr
}

// Prior returns the verdict of a catalog item whose check ran before the
// current one. Derived checks (the insurability indicators) use it; the
// runner runs them last.
func (e *Env) Prior(id string) (Status, bool) {
	s, ok := e.prior[id]
	return s, ok
}

// SetPrior records the verdict of a catalog item for later checks.
func (e *Env) SetPrior(id string, s Status) {
	if e.prior == nil {
		e.prior = map[string]Status{}
	}
	e.prior[id] = s
}
