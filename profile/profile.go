// Package profile reads an insurer's underwriting profile: which Protocol
// requirements are mandatory, the gates (CEL expressions over an
// assessment's facts) that decline or condition a firm, the weights and tier
// thresholds that grade it, the standards that apply per industry, and how
// fresh evidence must be. The format is described in docs/profiles.md.
package profile

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/check"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/protocol"
)

// Effect is what a failing gate does to the decision.
type Effect string

// The effects of a gate.
const (
	Decline   Effect = "decline"   // the firm is declined
	Condition Effect = "condition" // the firm is insurable only once it meets the gate by a deadline
)

// Gate is a rule over the assessment's facts that must hold.
type Gate struct {
	ID          string          `yaml:"id" json:"id"`
	Title       string          `yaml:"title" json:"title"`
	Expr        string          `yaml:"expr" json:"expr"`
	Effect      Effect          `yaml:"effect" json:"effect"`
	Deadline    evidence.Period `yaml:"deadline,omitempty" json:"deadline,omitempty"`
	Remediation string          `yaml:"remediation,omitempty" json:"remediation,omitempty"`

	program *program
}

// Tier is a grade and the least score that earns it.
type Tier struct {
	Tier     string  `yaml:"tier" json:"tier"`
	MinScore float64 `yaml:"min_score" json:"min_score"`
}

// Industry names the standards that apply to firms of some NAICS codes.
type Industry struct {
	Name      string                `yaml:"name" json:"name"`
	NAICS     []string              `yaml:"naics" json:"naics"`
	Standards []protocol.StandardID `yaml:"standards" json:"standards"`
}

// Freshness says how recent each kind of evidence must be.
type Freshness struct {
	BoardReview        evidence.Period `yaml:"board_review" json:"board_review"`
	OfficerAttestation evidence.Period `yaml:"officer_attestation" json:"officer_attestation"`
	ContinuityExercise evidence.Period `yaml:"continuity_exercise" json:"continuity_exercise"`
	RiskQuantification evidence.Period `yaml:"risk_quantification" json:"risk_quantification"`
	FullAssessment     evidence.Period `yaml:"full_assessment" json:"full_assessment"`
	PenTest            evidence.Period `yaml:"pen_test" json:"pen_test"`
	ThreatModel        evidence.Period `yaml:"threat_model" json:"threat_model"`
	RiskRegister       evidence.Period `yaml:"risk_register" json:"risk_register"`
	Observations       evidence.Period `yaml:"observations" json:"observations"`
	MetricsMaxAge      evidence.Period `yaml:"metrics_max_age" json:"metrics_max_age"`
	MetricsWindow      evidence.Period `yaml:"metrics_window" json:"metrics_window"`
	CertificationAge   evidence.Period `yaml:"certification_age" json:"certification_age"`
}

// Deadlines are the time limits a firm is held to.
type Deadlines struct {
	Remediation          map[check.Severity]evidence.Period `yaml:"remediation" json:"remediation"`
	Conditions           evidence.Period                    `yaml:"conditions" json:"conditions"`
	IncidentSharing      evidence.Period                    `yaml:"incident_sharing" json:"incident_sharing"`
	CVDAcknowledge       evidence.Period                    `yaml:"cvd_acknowledge" json:"cvd_acknowledge"`
	CVDFix               map[check.Severity]evidence.Period `yaml:"cvd_fix" json:"cvd_fix"`
	PentestCriticalClose evidence.Period                    `yaml:"pentest_critical_close" json:"pentest_critical_close"`
}

// Profile is an insurer's underwriting profile.
type Profile struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Version     string `yaml:"version" json:"version"`
	Description string `yaml:"description" json:"description"`
	// Catalog names the Protocol catalog and the major version the profile
	// was written for, as "iiot-ssdp@1".
	Catalog   string                  `yaml:"catalog" json:"catalog"`
	Mandatory []protocol.ID           `yaml:"mandatory" json:"mandatory"`
	Weights   map[protocol.ID]float64 `yaml:"weights" json:"weights"`
	// NeedsReviewCredit is the share of an item's weight that a
	// needs-review verdict earns (0 to 1).
	NeedsReviewCredit float64   `yaml:"needs_review_credit" json:"needs_review_credit"`
	DeclineBelow      float64   `yaml:"decline_below" json:"decline_below"`
	Tiers             []Tier    `yaml:"tiers" json:"tiers"`
	Gates             []Gate    `yaml:"gates" json:"gates"`
	Freshness         Freshness `yaml:"freshness" json:"freshness"`
	Deadlines         Deadlines `yaml:"deadlines" json:"deadlines"`
	// AssessmentValidity is how old an assessment may be when a policy is
	// issued or renewed on it.
	AssessmentValidity evidence.Period `yaml:"assessment_validity" json:"assessment_validity"`
	// GracePeriod is how long a firm found out of compliance has to
	// remediate before its policy is suspended.
	GracePeriod evidence.Period `yaml:"grace_period" json:"grace_period"`
	Standards   struct {
		Default    []protocol.StandardID `yaml:"default" json:"default"`
		Industries []Industry            `yaml:"industries" json:"industries"`
	} `yaml:"standards" json:"standards"`

	digest    string
	mandatory map[protocol.ID]bool
}

//go:embed profiles/*.yaml
var builtin embed.FS

// Builtin lists the names of the profiles embedded in the binary.
func Builtin() []string {
	entries, _ := builtin.ReadDir("profiles")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Load reads a profile: the name of a built-in profile ("baseline") or the
// path of a YAML file. It checks the profile against the catalog.
func Load(nameOrPath string, cat *protocol.Catalog) (*Profile, error) {
	const op insurable.Op = "profile.Load"
	if nameOrPath == "" {
		nameOrPath = "baseline"
	}
	if !strings.ContainsAny(nameOrPath, `/\`) && path.Ext(nameOrPath) == "" {
		data, err := builtin.ReadFile("profiles/" + nameOrPath + ".yaml")
		if err != nil {
			return nil, insurable.Errorf(op, insurable.NotExist, "no built-in profile %q (built in: %s); give a file path for your own", nameOrPath, strings.Join(Builtin(), ", "))
		}
		return Parse(nameOrPath+".yaml", data, cat)
	}
	fi, err := os.Stat(nameOrPath)
	if err != nil {
		return nil, &insurable.Error{Op: op, Kind: insurable.NotExist, Path: nameOrPath, Msg: "profile not found", Err: err}
	}
	if fi.Size() > 4<<20 {
		return nil, insurable.FileError(op, insurable.TooLarge, nameOrPath, 0, "a profile is at most 4 MiB")
	}
	data, err := os.ReadFile(nameOrPath)
	if err != nil {
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: nameOrPath, Err: err}
	}
	return Parse(nameOrPath, data, cat)
}

var (
	semver    = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	catalogRe = regexp.MustCompile(`^([a-z0-9-]+)@(\d+)$`)
	gateID    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

// Parse reads a profile from YAML; name is used in errors. Every error is an
// *insurable.Error of kind Invalid naming the file, and the line where the
// problem can be pinned to one.
func Parse(name string, data []byte, cat *protocol.Catalog) (*Profile, error) {
	const op insurable.Op = "profile.Parse"
	var p Profile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, insurable.FileError(op, insurable.Invalid, name, 0, "the profile is empty")
		}
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Line: evidence.YAMLErrorLine(data, err), Msg: "malformed profile", Err: err}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, insurable.FileError(op, insurable.Invalid, name, extra.Line, "holds more than one YAML document; a profile is one")
	case !errors.Is(err, io.EOF):
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Line: evidence.YAMLErrorLine(data, err), Msg: "malformed profile", Err: err}
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	if err := p.validate(cat, &root); err != nil {
		line := 0
		var pe *posError
		if errors.As(err, &pe) {
			line = pe.line
		}
		return nil, &insurable.Error{Op: op, Kind: insurable.Invalid, Path: name, Line: line, Err: err}
	}
	sum := sha256.Sum256(data)
	p.digest = "sha256:" + hex.EncodeToString(sum[:])
	return &p, nil
}

// posError is a validation error and the line it concerns.
type posError struct {
	line int
	err  error
}

func (e *posError) Error() string { return e.err.Error() }

// nodeLine finds the line of the node at path (map keys as strings, list
// indexes as ints) in the profile's YAML, or of the deepest node on the way
// that exists; 0 when there is none.
func nodeLine(root *yaml.Node, path ...any) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, step := range path {
		var next *yaml.Node
		switch k := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(n.Content); j += 2 {
					if n.Content[j].Value == k {
						next = n.Content[j+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k >= 0 && k < len(n.Content) {
				next = n.Content[k]
			}
		}
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
}

func (p *Profile) validate(cat *protocol.Catalog, root *yaml.Node) error {
	at := func(path ...any) func(format string, args ...any) error {
		return func(format string, args ...any) error {
			return &posError{nodeLine(root, path...), fmt.Errorf(format, args...)}
		}
	}
	if p.ID == "" || p.Title == "" {
		return at()("id and title are required")
	}
	if !semver.MatchString(p.Version) {
		return at("version")("version %q is not a semantic version such as 1.0.0", p.Version)
	}
	m := catalogRe.FindStringSubmatch(p.Catalog)
	if m == nil {
		return at("catalog")("catalog %q: write it as <catalog-id>@<major>, e.g. %s@%s", p.Catalog, cat.ID, strings.Split(cat.Version, ".")[0])
	}
	if m[1] != cat.ID || m[2] != strings.Split(cat.Version, ".")[0] {
		return at("catalog")("profile is written for catalog %s but this binary embeds %s %s", p.Catalog, cat.ID, cat.Version)
	}
	p.mandatory = map[protocol.ID]bool{}
	// The catalog finds items in any case, but the profile's lookups are
	// exact: "a1" would pass validation and then never match A1.
	for i, id := range p.Mandatory {
		if it, ok := cat.Item(id); !ok || it.ID != id {
			return at("mandatory", i)("mandatory: %q is not a catalog item (write ids as the catalog does, e.g. A1)", id)
		}
		p.mandatory[id] = true
	}
	for _, id := range sortedKeys(p.Weights) {
		if it, ok := cat.Item(id); !ok || it.ID != id {
			return at("weights", string(id))("weights: %q is not a catalog item (write ids as the catalog does, e.g. A1)", id)
		}
		if w := p.Weights[id]; w < 0 || w > 100 {
			return at("weights", string(id))("weights: %s has weight %v; use 0 to 100", id, w)
		}
	}
	if p.NeedsReviewCredit < 0 || p.NeedsReviewCredit > 1 {
		return at("needs_review_credit")("needs_review_credit %v must be between 0 and 1", p.NeedsReviewCredit)
	}
	if p.DeclineBelow < 0 || p.DeclineBelow > 1 {
		return at("decline_below")("decline_below %v must be between 0 and 1", p.DeclineBelow)
	}
	if len(p.Tiers) == 0 {
		return at("tiers")("tiers: at least one tier is required")
	}
	for i, t := range p.Tiers {
		if t.Tier == "" || t.MinScore < 0 || t.MinScore > 1 {
			return at("tiers", i)("tiers[%d]: a tier needs a name and a min_score between 0 and 1", i)
		}
		if i > 0 && t.MinScore >= p.Tiers[i-1].MinScore {
			return at("tiers", i)("tiers: list them from best to worst with falling min_score (%s after %s)", t.Tier, p.Tiers[i-1].Tier)
		}
	}
	if last := p.Tiers[len(p.Tiers)-1]; last.MinScore > p.DeclineBelow {
		return at("tiers", len(p.Tiers)-1)("tiers: the lowest tier %s starts at %v, above decline_below %v, leaving scores with no tier", last.Tier, last.MinScore, p.DeclineBelow)
	}
	seen := map[string]bool{}
	for i := range p.Gates {
		g := &p.Gates[i]
		if !gateID.MatchString(g.ID) || seen[g.ID] {
			return at("gates", i, "id")("gates[%d]: id %q must be unique, lower case, letters, digits and dashes", i, g.ID)
		}
		seen[g.ID] = true
		if g.Effect != Decline && g.Effect != Condition {
			return at("gates", i, "effect")("gate %s: effect %q is neither decline nor condition", g.ID, g.Effect)
		}
		prg, err := compile(g.Expr)
		if err != nil {
			return at("gates", i, "expr")("gate %s: %v", g.ID, err)
		}
		g.program = prg
	}
	for _, sev := range sortedKeys(p.Deadlines.Remediation) {
		if sev.Rank() < 0 {
			return at("deadlines", "remediation")("deadlines.remediation: %q is not a severity", sev)
		}
	}
	for _, sev := range sortedKeys(p.Deadlines.CVDFix) {
		if sev.Rank() < 0 {
			return at("deadlines", "cvd_fix")("deadlines.cvd_fix: %q is not a severity", sev)
		}
	}
	std := func(where string, ids []protocol.StandardID, path ...any) error {
		for i, s := range ids {
			if _, ok := cat.Standard(s); !ok {
				return at(append(path, i)...)("%s: %q is not a standard the catalog maps to", where, s)
			}
		}
		return nil
	}
	if err := std("standards.default", p.Standards.Default, "standards", "default"); err != nil {
		return err
	}
	for i, ind := range p.Standards.Industries {
		if len(ind.NAICS) == 0 {
			return at("standards", "industries", i)("standards.industries %q: list the NAICS code prefixes it covers", ind.Name)
		}
		for j, code := range ind.NAICS {
			if code == "" || strings.Trim(code, "0123456789") != "" {
				return at("standards", "industries", i, "naics", j)("standards.industries %q: %q is not a NAICS code prefix", ind.Name, code)
			}
		}
		if err := std("standards.industries "+ind.Name, ind.Standards, "standards", "industries", i, "standards"); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys returns a map's keys in order, so that the first problem
// reported is always the same one.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Digest is the SHA-256 of the profile's source.
func (p *Profile) Digest() string { return p.digest }

// IsMandatory reports whether failing id declines the firm.
func (p *Profile) IsMandatory(id protocol.ID) bool { return p.mandatory[id] }

// Weight returns the weight of an item in the score (1 unless set).
func (p *Profile) Weight(id protocol.ID) float64 {
	if w, ok := p.Weights[id]; ok {
		return w
	}
	return 1
}

// StandardsFor returns the standards that apply to a firm of the given NAICS
// code: those of the industry with the longest matching prefix, else the
// default.
func (p *Profile) StandardsFor(naics string) (industry string, standards []protocol.StandardID) {
	best := -1
	for _, ind := range p.Standards.Industries {
		for _, code := range ind.NAICS {
			if strings.HasPrefix(naics, code) && len(code) > best {
				best, industry, standards = len(code), ind.Name, ind.Standards
			}
		}
	}
	if best < 0 {
		return "", p.Standards.Default
	}
	return industry, standards
}

// Settings returns the check settings the profile implies; periods it leaves
// unset keep the Protocol's defaults.
func (p *Profile) Settings() check.Settings {
	s := check.DefaultSettings()
	f := p.Freshness
	set := func(dst *evidence.Period, v evidence.Period) {
		if v != (evidence.Period{}) {
			*dst = v
		}
	}
	set(&s.BoardReview, f.BoardReview)
	set(&s.OfficerAttestation, f.OfficerAttestation)
	set(&s.ContinuityExercise, f.ContinuityExercise)
	set(&s.RiskQuantification, f.RiskQuantification)
	set(&s.FullAssessment, f.FullAssessment)
	set(&s.PenTest, f.PenTest)
	set(&s.ThreatModel, f.ThreatModel)
	set(&s.RiskRegister, f.RiskRegister)
	set(&s.Observations, f.Observations)
	set(&s.MetricsMaxAge, f.MetricsMaxAge)
	set(&s.MetricsWindow, f.MetricsWindow)
	set(&s.CertificationAge, f.CertificationAge)
	d := p.Deadlines
	if days := periodDays(d.IncidentSharing); days > 0 {
		s.IncidentSharingDays = days
	}
	if days := periodDays(d.CVDAcknowledge); days > 0 {
		s.CVDAcknowledgeDays = days
	}
	for sev, per := range d.CVDFix {
		s.CVDFixDays[sev] = periodDays(per)
	}
	if days := periodDays(d.PentestCriticalClose); days > 0 {
		s.CriticalPentestCloseDays = days
	}
	return s
}

// RemediationDeadline returns how long a finding of the given severity may
// stay open.
func (p *Profile) RemediationDeadline(sev check.Severity) evidence.Period {
	if per, ok := p.Deadlines.Remediation[sev]; ok {
		return per
	}
	return map[check.Severity]evidence.Period{
		check.Critical: {Days: 14}, check.High: {Days: 30}, check.Medium: {Days: 90}, check.Low: {Days: 180}, check.Info: {Days: 365},
	}[sev]
}

// ConditionDeadline returns how long a condition of a conditional decision
// stays open when its gate names no deadline of its own.
func (p *Profile) ConditionDeadline() evidence.Period {
	if p.Deadlines.Conditions != (evidence.Period{}) {
		return p.Deadlines.Conditions
	}
	return evidence.Period{Days: 60}
}

// periodDays converts a period to whole days, counting a month as 30 days.
func periodDays(p evidence.Period) int { return p.Months*30 + p.Days }
