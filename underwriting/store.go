package underwriting

import (
	"context"
	"time"
)

// Store keeps the service's records. Its implementations are the sqlite
// and postgres packages, which share their SQL; one test suite
// (internal/storetest) runs against both. Every error is an
// *insurable.Error: NotExist when a record is missing, Conflict when a
// unique record exists already or an update lost a race.
type Store interface {
	// Tx runs fn in one transaction: everything fn did is committed when
	// it returns nil, and nothing when it returns an error.
	Tx(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction; fn must not write.
	View(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Tx is what can be done within a transaction.
type Tx interface {
	CreateOrg(ctx context.Context, o *Org) error
	Org(ctx context.Context, id string) (*Org, error)
	Orgs(ctx context.Context, p Page) ([]*Org, error)

	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, id string) (*User, error)
	Users(ctx context.Context, org string, p Page) ([]*User, error)

	CreateToken(ctx context.Context, t *Token) error
	Token(ctx context.Context, id string) (*Token, error)
	Tokens(ctx context.Context, user string, p Page) ([]*Token, error)
	RevokeToken(ctx context.Context, id string) error

	PutGrant(ctx context.Context, g *Grant) error
	DeleteGrant(ctx context.Context, firm, org string) error
	Grants(ctx context.Context, firm string) ([]*Grant, error)
	// GrantedFirms lists the firms that granted org access.
	GrantedFirms(ctx context.Context, org string) ([]string, error)

	// PutBlob stores data under its digest; storing the same digest again
	// does nothing.
	PutBlob(ctx context.Context, digest string, data []byte) error
	Blob(ctx context.Context, digest string) ([]byte, error)

	// CreateEvidence records a version; it returns false when the firm
	// has that version already.
	CreateEvidence(ctx context.Context, e *EvidenceVersion) (bool, error)
	Evidence(ctx context.Context, firm, id string) (*EvidenceVersion, error)
	EvidenceVersions(ctx context.Context, firm string, p Page) ([]*EvidenceVersion, error)
	// LatestEvidence returns the firm's most recent version.
	LatestEvidence(ctx context.Context, firm string) (*EvidenceVersion, error)

	CreateKey(ctx context.Context, k *Key) error
	Keys(ctx context.Context, org string) ([]*Key, error)
	CreateScan(ctx context.Context, s *Scan) error
	Scans(ctx context.Context, firm string, p Page) ([]*Scan, error)

	CreateProfile(ctx context.Context, p *Profile) error
	Profile(ctx context.Context, id string) (*Profile, error)
	Profiles(ctx context.Context, insurer string, p Page) ([]*Profile, error)

	CreatePolicy(ctx context.Context, p *Policy) error
	Policy(ctx context.Context, id string) (*Policy, error)
	// UpdatePolicy writes p if its Version is still the stored one, and
	// increments it; otherwise Conflict.
	UpdatePolicy(ctx context.Context, p *Policy) error
	Policies(ctx context.Context, f PolicyFilter) ([]*Policy, error)

	AddTransition(ctx context.Context, t *Transition) error
	Transitions(ctx context.Context, policy string, p Page) ([]*Transition, error)

	CreateAssessment(ctx context.Context, a *Assessment) error
	// Assessment returns the assessment with its result.
	Assessment(ctx context.Context, id string) (*Assessment, error)
	// Assessments lists a policy's assessments without their results.
	Assessments(ctx context.Context, policy string, p Page) ([]*Assessment, error)

	PutRemediation(ctx context.Context, it *RemediationItem) error
	Remediation(ctx context.Context, policy string) ([]*RemediationItem, error)

	CreateAlert(ctx context.Context, a *Alert) error
	Alerts(ctx context.Context, firm, insurer string, p Page) ([]*Alert, error)

	// CreateAdvisory records an imported advisory; false when one with
	// the same id and digest is there already.
	CreateAdvisory(ctx context.Context, a *Advisory) (bool, error)
	Advisories(ctx context.Context) ([]*Advisory, error)
	// FeedGeneration counts feed imports; it changes whenever the
	// service's feeds do.
	FeedGeneration(ctx context.Context) (int64, error)
	BumpFeedGeneration(ctx context.Context) (int64, error)

	// EnqueueJob adds a job unless one with the same key exists; it
	// returns the job's id and whether it was added.
	EnqueueJob(ctx context.Context, kind, key, payload string, now time.Time) (int64, bool, error)
	// ClaimJob takes the oldest pending job, or a running one whose lease
	// ran out, for owner until leaseUntil; nil when there is none.
	ClaimJob(ctx context.Context, owner string, now, leaseUntil time.Time) (*Job, error)
	FinishJob(ctx context.Context, id int64, owner, state, errText string) error
	Job(ctx context.Context, id int64) (*Job, error)

	LedgerTx
	// Sessions of the web interface.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns NotExist for an unknown id.
	Session(ctx context.Context, id string) (*Session, error)
	DeleteSession(ctx context.Context, id string) error

	// OrgsByID returns the organisations of the ids that exist, in no
	// particular order.
	OrgsByID(ctx context.Context, ids []string) ([]*Org, error)
	// AssessmentsByID returns the assessments of the ids that exist,
	// without their results, in no particular order.
	AssessmentsByID(ctx context.Context, ids []string) ([]*Assessment, error)
}

// LedgerTx is what the decision log needs of a transaction: the outbox
// of entries queued with the records they log, the indices the log gave
// them, a lease that lets one replica at a time append, and every record
// for verification.
type LedgerTx interface {
	// QueueLedgerEntry queues a record's entry for the log; Conflict when
	// the record has one queued already.
	QueueLedgerEntry(ctx context.Context, e *LedgerEntry) error
	// PendingLedgerEntries lists up to limit queued entries that have no
	// index yet, in queue order.
	PendingLedgerEntries(ctx context.Context, limit int) ([]*LedgerEntry, error)
	// SetLedgerIndex records the index the log gave a record's entry,
	// unless one is recorded already; it reports whether it recorded it.
	SetLedgerIndex(ctx context.Context, record string, index uint64) (bool, error)
	// LedgerEntry returns a record's queued entry; NotExist when none.
	LedgerEntry(ctx context.Context, record string) (*LedgerEntry, error)
	// LedgerEntries lists queued entries in queue order after seq.
	LedgerEntries(ctx context.Context, afterSeq int64, limit int) ([]*LedgerEntry, error)
	// PolicyLedgerEntries lists a policy's queued entries, without the
	// entries' bytes.
	PolicyLedgerEntries(ctx context.Context, policy string) ([]*LedgerEntry, error)
	// MaxLedgerIndex returns the highest index recorded, or -1.
	MaxLedgerIndex(ctx context.Context) (int64, error)
	// CountPendingLedgerEntries counts the entries without an index.
	CountPendingLedgerEntries(ctx context.Context) (int, error)
	// ClaimLease takes the named lease for owner until the given time if
	// it is free, expired or owner's already, and reports whether owner
	// holds it.
	ClaimLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error)
	// LedgerMeta returns a setting of the log; NotExist when unset.
	LedgerMeta(ctx context.Context, name string) (string, error)
	PutLedgerMeta(ctx context.Context, name, value string) error

	// AllTransitions lists every transition by id after the cursor.
	AllTransitions(ctx context.Context, p Page) ([]*Transition, error)
	// AllAssessments lists every assessment by id after the cursor,
	// without results.
	AllAssessments(ctx context.Context, p Page) ([]*Assessment, error)
	// UnloggedTransitions and UnloggedAssessments list records with no
	// queued entry (made before the log existed).
	UnloggedTransitions(ctx context.Context, limit int) ([]*Transition, error)
	UnloggedAssessments(ctx context.Context, limit int) ([]*Assessment, error)
}
