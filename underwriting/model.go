// Package underwriting is the insurable service's domain: organisations,
// users and tokens, evidence versions, underwriting profiles, policies and
// their transitions, assessments, remediation items, alerts and the feeds
// that drive continuous underwriting. Service carries out every operation
// for an authenticated access.Principal, applying the rules of package
// access and the lifecycle of package policy, and keeps everything through
// the Store interface, which the sqlite and postgres packages implement.
// It imports neither net/http nor database/sql.
package underwriting

import (
	"encoding/json"
	"time"

	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/evidence"
	"github.com/insurable/insurable/policy"
)

// Org is an organisation.
type Org struct {
	ID      string         `json:"id"`
	Kind    access.OrgKind `json:"kind"`
	Name    string         `json:"name"`
	Created time.Time      `json:"created"`
}

// User is a person (or a machine account) of an organisation.
type User struct {
	ID      string      `json:"id"`
	Org     string      `json:"org"`
	Name    string      `json:"name"`
	Role    access.Role `json:"role"`
	Created time.Time   `json:"created"`
}

// Token is an API token as stored: its hash, never its secret.
type Token struct {
	ID      string         `json:"id"`
	User    string         `json:"user"`
	Hash    string         `json:"-"`
	Scopes  []access.Scope `json:"scopes"`
	Expires time.Time      `json:"expires"`
	Created time.Time      `json:"created"`
	Revoked bool           `json:"revoked"`
	// Secret is set only in the answer that creates the token.
	Secret string `json:"secret,omitempty"`
}

// Grant lets an insurer or assessor read a firm's evidence.
type Grant struct {
	Firm    string    `json:"firm"`
	Org     string    `json:"org"`
	Created time.Time `json:"created"`
}

// EvidenceVersion is one immutable upload of a firm's evidence bundle,
// named by the digest of its content (the digest assessments record).
type EvidenceVersion struct {
	// ID is the bundle digest, "sha256:…".
	ID           string        `json:"id"`
	Firm         string        `json:"firm"`
	Archive      string        `json:"archive"` // SHA-256 of the stored archive
	Bytes        int64         `json:"bytes"`
	Files        int           `json:"files"`
	Assets       int           `json:"assets"`
	BundleFirm   string        `json:"bundle_firm"` // the firm id the bundle declares
	SnapshotDate evidence.Date `json:"snapshot_date,omitempty"`
	// Parent is the version this one was derived from by attaching an
	// assessor's scan results.
	Parent    string    `json:"parent,omitempty"`
	CreatedBy string    `json:"created_by"`
	Created   time.Time `json:"created"`
}

// Key is an assessor's public key, against which its signed scan results
// are verified.
type Key struct {
	ID      string    `json:"id"` // the DSSE keyid (SHA-256 of the key)
	Org     string    `json:"org"`
	PEM     string    `json:"pem"`
	Created time.Time `json:"created"`
}

// Scan is an assessor's signed probe results attached to a firm.
type Scan struct {
	ID       string    `json:"id"`
	Firm     string    `json:"firm"`
	Assessor string    `json:"assessor"`
	KeyID    string    `json:"key_id"`
	Digest   string    `json:"digest"` // SHA-256 of the scan file
	File     string    `json:"file"`   // where it sits in the derived evidence version
	Evidence string    `json:"evidence"`
	Created  time.Time `json:"created"`
}

// Profile is an insurer's underwriting profile.
type Profile struct {
	ID      string    `json:"id"`
	Insurer string    `json:"insurer"`
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Digest  string    `json:"digest"`
	YAML    string    `json:"yaml"`
	Created time.Time `json:"created"`
}

// Quote is the insurer's offer.
type Quote struct {
	Premium  float64 `json:"premium"`
	Currency string  `json:"currency"`
	Term     string  `json:"term"` // a period such as 12mo
	Tier     string  `json:"tier"`
}

// Policy is an application and, once issued, the policy it becomes.
type Policy struct {
	ID      string `json:"id"`
	Firm    string `json:"firm"`
	Insurer string `json:"insurer"`
	Profile string `json:"profile"`
	policy.Policy
	Quote *Quote `json:"quote,omitempty"`
	// Overdue counts remediation items past their due date.
	Overdue int `json:"overdue"`
	// Monitored is the last day continuous underwriting evaluated it.
	Monitored evidence.Date `json:"monitored,omitempty"`
	Version   int           `json:"version"`
	Created   time.Time     `json:"created"`
	Updated   time.Time     `json:"updated"`
}

// Transition records one change of a policy: who, when, why.
type Transition struct {
	ID         string       `json:"id"`
	Policy     string       `json:"policy"`
	Seq        int          `json:"seq"`
	Event      policy.Event `json:"event"`
	From       policy.State `json:"from"`
	To         policy.State `json:"to"`
	Actor      string       `json:"actor"` // user id, or "system:monitor"
	Reason     string       `json:"reason"`
	Assessment string       `json:"assessment,omitempty"`
	At         time.Time    `json:"at"`
}

// Assessment kinds.
const (
	KindUnderwriting = "underwriting" // asked for by the insurer
	KindMonitoring   = "monitoring"   // made by continuous underwriting
)

// Assessment is a stored assessment: the decision and the full result.
type Assessment struct {
	ID       string         `json:"id"`
	Policy   string         `json:"policy"`
	Firm     string         `json:"firm"`
	Evidence string         `json:"evidence"`
	Kind     string         `json:"kind"`
	AsOf     evidence.Date  `json:"as_of"`
	Outcome  policy.Outcome `json:"outcome"`
	Tier     string         `json:"tier"`
	Score    float64        `json:"score"`
	Feeds    string         `json:"feeds"` // digest of the feed generation used
	Digest   string         `json:"digest"`
	Actor    string         `json:"actor"`
	Created  time.Time      `json:"created"`
	// Resolved and Reopened are the remediation items this assessment
	// verified as closed, and found again after they were said to be
	// done: its remediation verification, logged with it.
	Resolved []string `json:"resolved,omitempty"`
	Reopened []string `json:"reopened,omitempty"`
	// Summary holds the figures of the result that lists of assessments
	// show (the portfolio); absent on assessments made before it existed.
	Summary *AssessmentSummary `json:"summary,omitempty"`
	Result  json.RawMessage    `json:"result,omitempty"`
}

// AssessmentSummary is what a portfolio shows of an assessment without
// reading its result: open vulnerability exposure by severity and on the
// CISA KEV list, and the verdicts' counts.
type AssessmentSummary struct {
	Exposure
	// Failing, Review and Passing count the verdicts by status;
	// MandatoryFailing the failing mandatory requirements.
	Failing          int `json:"failing"`
	Review           int `json:"review"`
	Passing          int `json:"passing"`
	MandatoryFailing int `json:"mandatory_failing"`
	PlanItems        int `json:"plan_items"`
}

// RemediationItem is a plan item tracked across assessments.
type RemediationItem struct {
	Policy      string        `json:"policy"`
	ID          string        `json:"id"`
	Requirement string        `json:"requirement"`
	Title       string        `json:"title"`
	Severity    string        `json:"severity"`
	Owner       string        `json:"owner"`
	Due         evidence.Date `json:"due"`
	// Status is open, in-progress, done (the firm says so), resolved (the
	// latest assessment no longer finds it) or reopened.
	Status  string    `json:"status"`
	Updated time.Time `json:"updated"`
}

// Remediation statuses beyond the plan's.
const (
	StatusDone     = "done"
	StatusResolved = "resolved"
)

// Alert tells a firm and its insurer that something changed.
type Alert struct {
	ID      string    `json:"id"`
	Policy  string    `json:"policy"`
	Firm    string    `json:"firm"`
	Insurer string    `json:"insurer"`
	Kind    string    `json:"kind"` // exposure, out-of-compliance, back-in-compliance, suspended, lapsed
	Message string    `json:"message"`
	Detail  []string  `json:"detail,omitempty"`
	Created time.Time `json:"created"`
}

// Advisory is an advisory imported into the service's feeds.
type Advisory struct {
	ID       string    `json:"id"`
	Digest   string    `json:"digest"`
	Title    string    `json:"title"`
	Doc      []byte    `json:"-"`
	Imported time.Time `json:"imported"`
}

// Job is a unit of background work, claimed by one replica at a time
// through a lease in the database.
type Job struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Key      string    `json:"key"`
	Payload  string    `json:"payload"`
	State    string    `json:"state"` // pending, running, done, failed
	Attempts int       `json:"attempts"`
	Error    string    `json:"error,omitempty"`
	Created  time.Time `json:"created"`
}

// Job states.
const (
	JobPending = "pending"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// LedgerEntry is a record's entry for the decision log, queued in the
// transaction that made the record (an outbox): the log's appender moves
// it to the log and records the index the log gave it.
type LedgerEntry struct {
	Seq    int64  `json:"seq"`
	Record string `json:"record"`
	Kind   string `json:"kind"` // assessment or transition
	Policy string `json:"policy"`
	// Entry is the entry's canonical bytes (package ledger).
	Entry []byte `json:"-"`
	// Index is where the log put it; -1 until then.
	Index   int64     `json:"index"`
	Created time.Time `json:"created"`
}

// Session is a web interface's login: opened with an API token, it acts
// with that token's principal until it expires, is closed or the token
// is revoked. Its ID is the SHA-256 of the secret in the cookie.
type Session struct {
	ID      string    `json:"-"`
	Token   string    `json:"token"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// Page asks for one page of a list: up to Limit items after the cursor.
type Page struct {
	After string
	Limit int
}

// PolicyFilter selects policies.
type PolicyFilter struct {
	Firm    string
	Insurer string
	States  []policy.State
	Page
}
