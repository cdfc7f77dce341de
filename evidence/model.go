package evidence

// Format is the bundle format this package reads, as bundle.yaml declares it.
const Format = "insurable.evidence/v1"

// Manifest is bundle.yaml: the format version and who keeps the bundle.
type Manifest struct {
	Format      string `yaml:"format" json:"format"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Maintainer  string `yaml:"maintainer,omitempty" json:"maintainer,omitempty"`
	// SnapshotDate is the date the evidence was exported. When given,
	// assess treats it as today unless told otherwise (--as-of), so that an
	// archived bundle is judged as it stood; an insurer deciding today
	// passes today's date.
	SnapshotDate Date `yaml:"snapshot_date,omitempty" json:"snapshot_date,omitempty"`
}

// Attestation is a dated statement by a named person in a named role. When
// Signature names a DSSE envelope in the bundle, the statement is signed.
type Attestation struct {
	Name      string `yaml:"name" json:"name"`
	Role      string `yaml:"role" json:"role"`
	Date      Date   `yaml:"date" json:"date"`
	Signature string `yaml:"signature,omitempty" json:"signature,omitempty"`
	Ref       Ref    `yaml:"-" json:"-"`
}

// Complete reports whether the attestation names a person, a role and a date.
func (a *Attestation) Complete() bool {
	return a != nil && a.Name != "" && a.Role != "" && !a.Date.IsZero()
}

// Site is a location where the firm runs IIoT systems.
type Site struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Country string `yaml:"country,omitempty" json:"country,omitempty"`
	Region  string `yaml:"region,omitempty" json:"region,omitempty"`
}

// Firm is firm.yaml: who the firm is and where it operates.
type Firm struct {
	ID       string   `yaml:"id" json:"id"`
	Name     string   `yaml:"name" json:"name"`
	NAICS    string   `yaml:"naics" json:"naics"`
	Industry string   `yaml:"industry,omitempty" json:"industry,omitempty"`
	Country  string   `yaml:"country,omitempty" json:"country,omitempty"`
	Website  string   `yaml:"website,omitempty" json:"website,omitempty"`
	Sites    []Site   `yaml:"sites" json:"sites"`
	Uses     []string `yaml:"uses,omitempty" json:"uses,omitempty"`
	Ref      Ref      `yaml:"-" json:"-"`
}

// Asset is one row of the asset inventory.
type Asset struct {
	ID                   string   `yaml:"asset_id" json:"asset_id"`
	Name                 string   `yaml:"name,omitempty" json:"name,omitempty"`
	Class                string   `yaml:"class,omitempty" json:"class,omitempty"`
	Vendor               string   `yaml:"vendor,omitempty" json:"vendor,omitempty"`
	Product              string   `yaml:"product,omitempty" json:"product,omitempty"`
	Model                string   `yaml:"model,omitempty" json:"model,omitempty"`
	Version              string   `yaml:"version,omitempty" json:"version,omitempty"`
	Serial               string   `yaml:"serial,omitempty" json:"serial,omitempty"`
	HardwareRevision     string   `yaml:"hw_revision,omitempty" json:"hw_revision,omitempty"`
	Site                 string   `yaml:"site,omitempty" json:"site,omitempty"`
	Zone                 string   `yaml:"zone,omitempty" json:"zone,omitempty"`
	IP                   string   `yaml:"ip,omitempty" json:"ip,omitempty"`
	MAC                  string   `yaml:"mac,omitempty" json:"mac,omitempty"`
	Criticality          string   `yaml:"criticality,omitempty" json:"criticality,omitempty"`
	Owner                string   `yaml:"owner,omitempty" json:"owner,omitempty"`
	EndOfLife            Date     `yaml:"eol,omitempty" json:"eol,omitempty"`
	Replacement          Date     `yaml:"replacement,omitempty" json:"replacement,omitempty"`
	CompensatingControls string   `yaml:"compensating_controls,omitempty" json:"compensating_controls,omitempty"`
	Services             []string `yaml:"services,omitempty" json:"services,omitempty"`
	PersonalData         bool     `yaml:"personal_data,omitempty" json:"personal_data,omitempty"`
	CPE                  string   `yaml:"cpe,omitempty" json:"cpe,omitempty"`
	PURL                 string   `yaml:"purl,omitempty" json:"purl,omitempty"`
	Ref                  Ref      `yaml:"-" json:"-"`
}

// ObservedDevice is a device seen on the network by passive monitoring or a
// discovery scan, used to check that the inventory is complete.
type ObservedDevice struct {
	IP        string `json:"ip,omitempty"`
	MAC       string `json:"mac,omitempty"`
	Vendor    string `json:"vendor,omitempty"`
	Product   string `json:"product,omitempty"`
	FirstSeen Date   `json:"first_seen,omitempty"`
	LastSeen  Date   `json:"last_seen,omitempty"`
	Source    string `json:"source,omitempty"`
	Ref       Ref    `json:"-"`
}

// Risk is one entry of the risk register.
type Risk struct {
	ID           string   `yaml:"id" json:"id"`
	Title        string   `yaml:"title" json:"title"`
	AssetClasses []string `yaml:"asset_classes" json:"asset_classes"`
	ThreatAgents []string `yaml:"threat_agents" json:"threat_agents"`
	RiskFactors  []string `yaml:"risk_factors" json:"risk_factors"`
	Likelihood   int      `yaml:"likelihood" json:"likelihood"`
	Impact       int      `yaml:"impact" json:"impact"`
	Treatment    string   `yaml:"treatment" json:"treatment"`
	Owner        string   `yaml:"owner,omitempty" json:"owner,omitempty"`
	Reviewed     Date     `yaml:"reviewed,omitempty" json:"reviewed,omitempty"`
	Ref          Ref      `yaml:"-" json:"-"`
}

// RiskRegister is risk/register.yaml.
type RiskRegister struct {
	Method   string `yaml:"method" json:"method"`
	Reviewed Date   `yaml:"reviewed" json:"reviewed"`
	Risks    []Risk `yaml:"risks" json:"risks"`
	Ref      Ref    `yaml:"-" json:"-"`
}

// BoardReview is one formal review of the IIoT cyber strategy by the board.
type BoardReview struct {
	Date               Date         `yaml:"date" json:"date"`
	Body               string       `yaml:"body" json:"body"`
	Covers             []string     `yaml:"covers" json:"covers"`
	RiskStrategy       []string     `yaml:"risk_strategy,omitempty" json:"risk_strategy,omitempty"`
	ContinuityReviewed bool         `yaml:"continuity_plan_reviewed" json:"continuity_plan_reviewed"`
	Minutes            string       `yaml:"minutes,omitempty" json:"minutes,omitempty"`
	Attestation        *Attestation `yaml:"attestation" json:"attestation"`
	Ref                Ref          `yaml:"-" json:"-"`
}

// Person names someone who holds a role.
type Person struct {
	Name      string `yaml:"name" json:"name"`
	Role      string `yaml:"role" json:"role"`
	Email     string `yaml:"email,omitempty" json:"email,omitempty"`
	Appointed Date   `yaml:"appointed,omitempty" json:"appointed,omitempty"`
	Ref       Ref    `yaml:"-" json:"-"`
}

// Officers is governance/officers.yaml: the responsible officer for
// cybersecurity and resilience, and the officer accountable for
// organisational security and the responsibility matrix.
type Officers struct {
	Responsible *Person      `yaml:"responsible_officer" json:"responsible_officer"`
	Accountable *Person      `yaml:"accountable_officer" json:"accountable_officer"`
	Training    []Training   `yaml:"training,omitempty" json:"training,omitempty"`
	Attestation *Attestation `yaml:"attestation" json:"attestation"`
}

// Training records that staff were trained in the subject.
type Training struct {
	Date     Date   `yaml:"date" json:"date"`
	Audience string `yaml:"audience" json:"audience"`
	Topic    string `yaml:"topic" json:"topic"`
}

// Exercise is a resilience exercise of the continuity plan.
type Exercise struct {
	Date         Date     `yaml:"date" json:"date"`
	Kind         string   `yaml:"kind" json:"kind"`
	Scenario     string   `yaml:"scenario" json:"scenario"`
	Participants []string `yaml:"participants,omitempty" json:"participants,omitempty"`
	FindingsOpen int      `yaml:"findings_open" json:"findings_open"`
	Ref          Ref      `yaml:"-" json:"-"`
}

// Money is an amount in a currency.
type Money struct {
	Currency string  `yaml:"currency" json:"currency"`
	Amount   float64 `yaml:"amount" json:"amount"`
}

// Quantification is the firm's quantified cyber risk.
type Quantification struct {
	Method               string `yaml:"method" json:"method"`
	Date                 Date   `yaml:"date" json:"date"`
	AnnualLossExpectancy *Money `yaml:"annual_loss_expectancy" json:"annual_loss_expectancy"`
	Scenarios            int    `yaml:"scenarios" json:"scenarios"`
	Ref                  Ref    `yaml:"-" json:"-"`
}

// Continuity is governance/continuity.yaml: the business continuity plan,
// how cyber risk is quantified, and how the plan is exercised.
type Continuity struct {
	Plan struct {
		Title    string `yaml:"title" json:"title"`
		Version  string `yaml:"version" json:"version"`
		Approved Date   `yaml:"approved" json:"approved"`
		Document string `yaml:"document,omitempty" json:"document,omitempty"`
	} `yaml:"plan" json:"plan"`
	Strategy struct {
		People     bool `yaml:"people" json:"people"`
		Capital    bool `yaml:"capital" json:"capital"`
		Technology bool `yaml:"technology" json:"technology"`
	} `yaml:"strategy" json:"strategy"`
	Quantification *Quantification `yaml:"risk_quantification" json:"risk_quantification"`
	Exercises      []Exercise      `yaml:"exercises" json:"exercises"`
	Attestation    *Attestation    `yaml:"attestation" json:"attestation"`
	Ref            Ref             `yaml:"-" json:"-"`
}

// PentestFinding is one finding of a penetration test.
type PentestFinding struct {
	ID       string `yaml:"id" json:"id"`
	Title    string `yaml:"title" json:"title"`
	Severity string `yaml:"severity" json:"severity"`
	Status   string `yaml:"status" json:"status"`
	Closed   Date   `yaml:"closed,omitempty" json:"closed,omitempty"`
	Ref      Ref    `yaml:"-" json:"-"`
}

// Pentest is one penetration or resilience test report.
type Pentest struct {
	ID          string           `yaml:"id" json:"id"`
	Date        Date             `yaml:"date" json:"date"`
	Tester      string           `yaml:"tester" json:"tester"`
	Independent bool             `yaml:"independent" json:"independent"`
	Scope       []string         `yaml:"scope" json:"scope"`
	Report      string           `yaml:"report,omitempty" json:"report,omitempty"`
	Findings    []PentestFinding `yaml:"findings" json:"findings"`
	Attestation *Attestation     `yaml:"attestation" json:"attestation"`
	Ref         Ref              `yaml:"-" json:"-"`
}

// PastAssessment is one entry of the firm's assessment history.
type PastAssessment struct {
	Date     Date     `yaml:"date" json:"date"`
	Kind     string   `yaml:"kind" json:"kind"`
	Assessor string   `yaml:"assessor" json:"assessor"`
	Scope    []string `yaml:"scope" json:"scope"`
	Result   string   `yaml:"result,omitempty" json:"result,omitempty"`
	Report   string   `yaml:"report,omitempty" json:"report,omitempty"`
	Ref      Ref      `yaml:"-" json:"-"`
}

// Membership is membership of an information sharing body.
type Membership struct {
	Organisation string `yaml:"organisation" json:"organisation"`
	Kind         string `yaml:"kind" json:"kind"`
	Since        Date   `yaml:"since" json:"since"`
	Until        Date   `yaml:"until,omitempty" json:"until,omitempty"`
	Ref          Ref    `yaml:"-" json:"-"`
}

// SharedIncident records an incident and when it was shared.
type SharedIncident struct {
	ID       string   `yaml:"id" json:"id"`
	Occurred Date     `yaml:"occurred" json:"occurred"`
	Shared   Date     `yaml:"shared,omitempty" json:"shared,omitempty"`
	With     []string `yaml:"with,omitempty" json:"with,omitempty"`
	Severity string   `yaml:"severity,omitempty" json:"severity,omitempty"`
	Ref      Ref      `yaml:"-" json:"-"`
}

// Sharing is governance/sharing.yaml: memberships of ISACs, CERTs and the
// clearinghouse, incidents and how they were shared, and contributions.
type Sharing struct {
	Memberships   []Membership     `yaml:"memberships" json:"memberships"`
	Incidents     []SharedIncident `yaml:"incidents" json:"incidents"`
	Contributions []Contribution   `yaml:"contributions,omitempty" json:"contributions,omitempty"`
	Attestation   *Attestation     `yaml:"attestation" json:"attestation"`
}

// Contribution is data or analysis given to the clearinghouse.
type Contribution struct {
	Date      Date   `yaml:"date" json:"date"`
	Recipient string `yaml:"recipient" json:"recipient"`
	Kind      string `yaml:"kind" json:"kind"`
	Ref       Ref    `yaml:"-" json:"-"`
}

// Certification is a certificate or independent assurance of conformance.
type Certification struct {
	Standard    string `yaml:"standard" json:"standard"`
	Scope       string `yaml:"scope" json:"scope"`
	Issuer      string `yaml:"issuer" json:"issuer"`
	Issued      Date   `yaml:"issued" json:"issued"`
	Expires     Date   `yaml:"expires" json:"expires"`
	Certificate string `yaml:"certificate,omitempty" json:"certificate,omitempty"`
	Ref         Ref    `yaml:"-" json:"-"`
}

// ThreatModel is a threat model of a system and when it was last reviewed.
type ThreatModel struct {
	System   string `yaml:"system" json:"system"`
	Method   string `yaml:"method" json:"method"`
	Date     Date   `yaml:"date" json:"date"`
	Reviewed Date   `yaml:"reviewed,omitempty" json:"reviewed,omitempty"`
	Document string `yaml:"document,omitempty" json:"document,omitempty"`
	Ref      Ref    `yaml:"-" json:"-"`
}

// SDLC is governance/sdlc.yaml: the development lifecycle the firm (or its
// suppliers, for what it buys) follows, and its threat models.
type SDLC struct {
	Standard     string        `yaml:"standard" json:"standard"`
	Testing      []string      `yaml:"testing" json:"testing"`
	Hardening    string        `yaml:"hardening" json:"hardening"`
	DataLeakage  bool          `yaml:"data_leakage_reviewed" json:"data_leakage_reviewed"`
	ThreatModels []ThreatModel `yaml:"threat_models" json:"threat_models"`
	Attestation  *Attestation  `yaml:"attestation" json:"attestation"`
}

// LegacyMeans is governance/legacy.yaml: proof of the assets set aside to
// maintain and update deployed systems.
type LegacyMeans struct {
	Budget []struct {
		Year   int     `yaml:"year" json:"year"`
		Amount float64 `yaml:"amount" json:"amount"`
	} `yaml:"budget" json:"budget"`
	Currency         string            `yaml:"currency" json:"currency"`
	SupportContracts []SupportContract `yaml:"support_contracts" json:"support_contracts"`
	Attestation      *Attestation      `yaml:"attestation" json:"attestation"`
}

// SupportContract is a vendor support agreement covering products.
type SupportContract struct {
	Vendor   string   `yaml:"vendor" json:"vendor"`
	Products []string `yaml:"products" json:"products"`
	Until    Date     `yaml:"until" json:"until"`
	Ref      Ref      `yaml:"-" json:"-"`
}

// KeyCustody is governance/key-custody.yaml: how the organisation's root key
// is held.
type KeyCustody struct {
	Custody      string       `yaml:"custody" json:"custody"`
	Location     string       `yaml:"location,omitempty" json:"location,omitempty"`
	Device       string       `yaml:"device,omitempty" json:"device,omitempty"`
	Certified    string       `yaml:"certified,omitempty" json:"certified,omitempty"`
	CeremonyDate Date         `yaml:"ceremony_date,omitempty" json:"ceremony_date,omitempty"`
	Attestation  *Attestation `yaml:"attestation" json:"attestation"`
	Ref          Ref          `yaml:"-" json:"-"`
}

// Governance gathers the governance records of the bundle. A nil field means
// the file is absent.
type Governance struct {
	BoardReviews   []BoardReview    `json:"board_reviews,omitempty"`
	Officers       *Officers        `json:"officers,omitempty"`
	Continuity     *Continuity      `json:"continuity,omitempty"`
	Pentests       []Pentest        `json:"pentests,omitempty"`
	Assessments    []PastAssessment `json:"assessments,omitempty"`
	Sharing        *Sharing         `json:"sharing,omitempty"`
	Certifications []Certification  `json:"certifications,omitempty"`
	SDLC           *SDLC            `json:"sdlc,omitempty"`
	Legacy         *LegacyMeans     `json:"legacy,omitempty"`
	KeyCustody     *KeyCustody      `json:"key_custody,omitempty"`

	// Refs records the file each record set came from, keyed by record
	// set name ("board_reviews", "officers", …).
	Refs map[string]Ref `json:"-"`
}

// RACI lists who is Responsible, Accountable, Consulted and Informed for one
// area of the Responsibility Assignment Matrix.
type RACI struct {
	Responsible []string `yaml:"responsible" json:"responsible"`
	Accountable []string `yaml:"accountable" json:"accountable"`
	Consulted   []string `yaml:"consulted,omitempty" json:"consulted,omitempty"`
	Informed    []string `yaml:"informed,omitempty" json:"informed,omitempty"`
	Ref         Ref      `yaml:"-" json:"-"`
}

// RAM is ram.yaml: the Responsibility Assignment Matrix over the areas R1–R8.
type RAM struct {
	People []Person         `yaml:"people" json:"people"`
	Areas  map[string]*RACI `yaml:"areas" json:"areas"`
	Ref    Ref              `yaml:"-" json:"-"`
}

// RemediationRecord is one item of the firm's tracked remediation plan.
type RemediationRecord struct {
	ID          string `yaml:"id" json:"id"`
	Requirement string `yaml:"requirement" json:"requirement"`
	Title       string `yaml:"title" json:"title"`
	Owner       string `yaml:"owner" json:"owner"`
	Due         Date   `yaml:"due" json:"due"`
	Status      string `yaml:"status" json:"status"`
	Verified    Date   `yaml:"verified,omitempty" json:"verified,omitempty"`
	Ref         Ref    `yaml:"-" json:"-"`
}

// MetricPoint is one observation of a security metric.
type MetricPoint struct {
	Date   Date    `json:"date"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	Source string  `json:"source,omitempty"`
	Ref    Ref     `json:"-"`
}

// Dashboard declares a dashboard of security metrics and who reads it.
type Dashboard struct {
	Name     string   `yaml:"name" json:"name"`
	Audience string   `yaml:"audience" json:"audience"`
	Metrics  []string `yaml:"metrics" json:"metrics"`
	Location string   `yaml:"location,omitempty" json:"location,omitempty"`
	Reviewed Date     `yaml:"reviewed,omitempty" json:"reviewed,omitempty"`
	Ref      Ref      `yaml:"-" json:"-"`
}

// SecurityTxt is a parsed RFC 9116 security.txt file.
type SecurityTxt struct {
	Fields map[string][]string `json:"fields"`
	Lines  map[string]int      `json:"-"` // first line of each field
	Ref    Ref                 `json:"-"`
}

// CVDPolicy is cvd/policy.yaml: the deadlines the firm commits to and how it
// treats bug bounties.
type CVDPolicy struct {
	AcknowledgeDays int            `yaml:"acknowledge_days" json:"acknowledge_days"`
	FixDays         map[string]int `yaml:"fix_days" json:"fix_days"`
	BugBounty       string         `yaml:"bug_bounty" json:"bug_bounty"`
	SafeHarbor      bool           `yaml:"safe_harbor" json:"safe_harbor"`
	Ref             Ref            `yaml:"-" json:"-"`
}

// VulnReport is one row of the vulnerability report log.
type VulnReport struct {
	ID           string `json:"id"`
	Received     Date   `json:"received"`
	Acknowledged Date   `json:"acknowledged,omitempty"`
	Fixed        Date   `json:"fixed,omitempty"`
	Severity     string `json:"severity"`
	Status       string `json:"status"`
	Source       string `json:"source,omitempty"`
	Ref          Ref    `json:"-"`
}

// CVD gathers the coordinated vulnerability disclosure evidence.
type CVD struct {
	SecurityTxt *SecurityTxt `json:"security_txt,omitempty"`
	Policy      *CVDPolicy   `json:"policy,omitempty"`
	Reports     []VulnReport `json:"reports,omitempty"`
	ReportsRef  Ref          `json:"-"`
}

// DataStore declares where personal or sensitive data is kept and how it is
// protected.
type DataStore struct {
	ID                 string       `yaml:"id" json:"id"`
	Description        string       `yaml:"description" json:"description"`
	Assets             []string     `yaml:"assets,omitempty" json:"assets,omitempty"`
	PersonalData       bool         `yaml:"personal_data" json:"personal_data"`
	EncryptedAtRest    bool         `yaml:"encrypted_at_rest" json:"encrypted_at_rest"`
	AtRestMethod       string       `yaml:"at_rest_method,omitempty" json:"at_rest_method,omitempty"`
	EncryptedInTransit bool         `yaml:"encrypted_in_transit" json:"encrypted_in_transit"`
	InTransitProtocol  string       `yaml:"in_transit_protocol,omitempty" json:"in_transit_protocol,omitempty"`
	Attestation        *Attestation `yaml:"attestation" json:"attestation"`
	Ref                Ref          `yaml:"-" json:"-"`
}

// UpdateChannel says how a device model receives updates.
type UpdateChannel struct {
	Mechanism     string `yaml:"mechanism" json:"mechanism"`
	Authenticated bool   `yaml:"authenticated" json:"authenticated"`
	Signed        bool   `yaml:"signed" json:"signed"`
	Source        string `yaml:"source,omitempty" json:"source,omitempty"`
}

// Capabilities are what a device model can do to protect itself.
type Capabilities struct {
	ResourceProtection []string `yaml:"resource_protection,omitempty" json:"resource_protection,omitempty"`
	SecureBoot         bool     `yaml:"secure_boot,omitempty" json:"secure_boot,omitempty"`
	TamperDetection    bool     `yaml:"tamper_detection,omitempty" json:"tamper_detection,omitempty"`
	ProprietaryOnly    bool     `yaml:"proprietary_only,omitempty" json:"proprietary_only,omitempty"`
}

// DeviceModel declares, for one vendor and product (or model), how it is
// updated and what it can do.
type DeviceModel struct {
	Vendor       string         `yaml:"vendor" json:"vendor"`
	Product      string         `yaml:"product" json:"product"`
	Model        string         `yaml:"model,omitempty" json:"model,omitempty"`
	Update       *UpdateChannel `yaml:"update" json:"update"`
	Capabilities Capabilities   `yaml:"capabilities" json:"capabilities"`
	Ref          Ref            `yaml:"-" json:"-"`
}

// ChangeRecord is an approved change to a device (A2).
type ChangeRecord struct {
	ID          string   `yaml:"id" json:"id"`
	Assets      []string `yaml:"assets" json:"assets"`
	Description string   `yaml:"description" json:"description"`
	Approved    Date     `yaml:"approved" json:"approved"`
	ApprovedBy  string   `yaml:"approved_by" json:"approved_by"`
	Ref         Ref      `yaml:"-" json:"-"`
}
