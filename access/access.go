package access

import (
	"fmt"
	"slices"
	"strings"
)

// OrgKind is what an organisation is to the Protocol.
type OrgKind string

// The kinds of organisation.
const (
	Firm       OrgKind = "firm"       // deploys IIoT; keeps an evidence bundle and applies for cover
	Insurer    OrgKind = "insurer"    // underwrites: profiles, assessments, quotes, policies
	Assessor   OrgKind = "assessor"   // third party that probes firms and signs the results
	Consortium OrgKind = "consortium" // operates the clearinghouse: organisations and feeds
	Arbiter    OrgKind = "arbiter"    // neutral party that reads decisions to rule on disputes
)

// Kinds lists every organisation kind.
var Kinds = []OrgKind{Firm, Insurer, Assessor, Consortium, Arbiter}

// Valid reports whether k is a known kind.
func (k OrgKind) Valid() bool { return slices.Contains(Kinds, k) }

// Role is what a user may do within its own organisation.
type Role string

// The roles, from most to least powerful.
const (
	Admin  Role = "admin"  // everything the organisation may do, and manage its users
	Member Role = "member" // read and write the organisation's records
	Viewer Role = "viewer" // read only
)

// Roles lists every role.
var Roles = []Role{Admin, Member, Viewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Level is how much an action needs: reading, writing or administering.
type Level int

// The levels, in increasing order.
const (
	Read Level = iota + 1
	Write
	Manage
)

func (l Level) String() string {
	switch l {
	case Read:
		return "read"
	case Write:
		return "write"
	case Manage:
		return "admin"
	}
	return "none"
}

// level is the most a role allows.
func (r Role) level() Level {
	switch r {
	case Admin:
		return Manage
	case Member:
		return Write
	case Viewer:
		return Read
	}
	return 0
}

// Scope is a permission carried by a token.
type Scope string

// The scopes. A token's scopes narrow its user's role: a token of an admin
// with only the read scope can only read.
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
	ScopeAdmin Scope = "admin"
)

// ParseScopes reads a list of scopes, refusing unknown ones. An empty list
// means every scope the role allows.
func ParseScopes(in []string) ([]Scope, error) {
	if len(in) == 0 {
		return []Scope{ScopeRead, ScopeWrite, ScopeAdmin}, nil
	}
	var out []Scope
	for _, s := range in {
		sc := Scope(strings.ToLower(strings.TrimSpace(s)))
		switch sc {
		case ScopeRead, ScopeWrite, ScopeAdmin:
		default:
			return nil, fmt.Errorf("scope %q: want read, write or admin", s)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s Scope) level() Level {
	switch s {
	case ScopeRead:
		return Read
	case ScopeWrite:
		return Write
	case ScopeAdmin:
		return Manage
	}
	return 0
}

// Principal is an authenticated caller.
type Principal struct {
	User   string
	Org    string
	Kind   OrgKind
	Role   Role
	Scopes []Scope
	// Token is the id of the token the caller presented.
	Token string
}

// Can reports whether the principal's role and token scopes both reach
// level l.
func (p *Principal) Can(l Level) bool {
	if p == nil || p.Role.level() < l {
		return false
	}
	for _, s := range p.Scopes {
		if s.level() >= l {
			return true
		}
	}
	return false
}

// Relation is how the caller's organisation stands to a resource. The
// service computes it; Allowed only reads it. Relations combine with |.
type Relation uint8

// The relations.
const (
	// Own: the resource belongs to the caller's organisation (its firm
	// record, evidence, policies as the firm, users, tokens, keys, profiles).
	Own Relation = 1 << iota
	// Granted: the firm the resource belongs to has granted the caller's
	// organisation access to its evidence.
	Granted
	// PolicyInsurer: the caller's organisation is the insurer of the
	// policy the resource belongs to.
	PolicyInsurer
	// Author: the caller's organisation wrote the record (an assessor's
	// scan results).
	Author
	// Any: no relation is needed.
	Any Relation = 0
)

// Action names something a caller does. Rules says who may.
type Action string

// The actions of the service.
const (
	OrgCreate         Action = "org.create"
	OrgRead           Action = "org.read"
	UserCreate        Action = "user.create"
	UserList          Action = "user.list"
	TokenCreate       Action = "token.create"
	TokenList         Action = "token.list"
	TokenRevoke       Action = "token.revoke"
	GrantWrite        Action = "grant.write"
	GrantList         Action = "grant.list"
	EvidenceUpload    Action = "evidence.upload"
	EvidenceRead      Action = "evidence.read"
	ScanAttach        Action = "scan.attach"
	ScanRead          Action = "scan.read"
	KeyRegister       Action = "key.register"
	KeyRead           Action = "key.read"
	ProfileWrite      Action = "profile.write"
	ProfileRead       Action = "profile.read"
	PolicyApply       Action = "policy.apply"
	PolicyRead        Action = "policy.read"
	PolicyUnderwrite  Action = "policy.underwrite" // assess, quote, issue, renew, suspend, reinstate
	PolicyCancel      Action = "policy.cancel"
	AssessmentRead    Action = "assessment.read"
	RemediationUpdate Action = "remediation.update"
	AlertRead         Action = "alert.read"
	FeedsImport       Action = "feeds.import"
	FeedsRead         Action = "feeds.read"
	MonitorRun        Action = "monitor.run"
)

// Rule allows an action to organisations of some kinds that stand in one
// of the relations to the resource, to principals that reach the level.
type Rule struct {
	Kinds []OrgKind
	// Relations: one of them must hold; Any (0) means none is needed.
	Relations Relation
	Level     Level
}

// Rules is the access policy of the service: for each action, the rules
// that allow it. An action allowed by no rule is refused. docs/service.md
// renders this table.
var Rules = map[Action][]Rule{
	OrgCreate:         {{Kinds: []OrgKind{Consortium}, Level: Manage}},
	OrgRead:           {{Kinds: Kinds, Relations: Own | Granted | PolicyInsurer, Level: Read}, {Kinds: []OrgKind{Consortium}, Level: Read}},
	UserCreate:        {{Kinds: Kinds, Relations: Own, Level: Manage}, {Kinds: []OrgKind{Consortium}, Level: Manage}},
	UserList:          {{Kinds: Kinds, Relations: Own, Level: Manage}, {Kinds: []OrgKind{Consortium}, Level: Manage}},
	TokenCreate:       {{Kinds: Kinds, Relations: Own, Level: Read}},
	TokenList:         {{Kinds: Kinds, Relations: Own, Level: Read}},
	TokenRevoke:       {{Kinds: Kinds, Relations: Own, Level: Read}},
	GrantWrite:        {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Manage}},
	GrantList:         {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Read}},
	EvidenceUpload:    {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Write}},
	EvidenceRead:      {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Read}, {Kinds: []OrgKind{Insurer, Assessor}, Relations: Granted, Level: Read}},
	ScanAttach:        {{Kinds: []OrgKind{Assessor}, Relations: Granted, Level: Write}},
	ScanRead:          {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Read}, {Kinds: []OrgKind{Insurer}, Relations: Granted, Level: Read}, {Kinds: []OrgKind{Assessor}, Relations: Author, Level: Read}},
	KeyRegister:       {{Kinds: []OrgKind{Assessor}, Relations: Own, Level: Manage}},
	KeyRead:           {{Kinds: Kinds, Level: Read}},
	ProfileWrite:      {{Kinds: []OrgKind{Insurer}, Relations: Own, Level: Manage}},
	ProfileRead:       {{Kinds: []OrgKind{Insurer}, Relations: Own, Level: Read}, {Kinds: []OrgKind{Firm}, Relations: PolicyInsurer, Level: Read}},
	PolicyApply:       {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Write}},
	PolicyRead:        {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Read}, {Kinds: []OrgKind{Insurer}, Relations: PolicyInsurer, Level: Read}, {Kinds: []OrgKind{Arbiter}, Level: Read}},
	PolicyUnderwrite:  {{Kinds: []OrgKind{Insurer}, Relations: PolicyInsurer, Level: Write}},
	PolicyCancel:      {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Manage}, {Kinds: []OrgKind{Insurer}, Relations: PolicyInsurer, Level: Write}},
	AssessmentRead:    {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Read}, {Kinds: []OrgKind{Insurer}, Relations: PolicyInsurer, Level: Read}, {Kinds: []OrgKind{Arbiter}, Level: Read}},
	RemediationUpdate: {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Write}},
	AlertRead:         {{Kinds: []OrgKind{Firm}, Relations: Own, Level: Read}, {Kinds: []OrgKind{Insurer}, Relations: PolicyInsurer, Level: Read}},
	FeedsImport:       {{Kinds: []OrgKind{Consortium}, Level: Write}},
	FeedsRead:         {{Kinds: Kinds, Level: Read}},
	MonitorRun:        {{Kinds: []OrgKind{Consortium}, Level: Manage}},
}

// Allowed reports whether p may perform action a on a resource to which
// p's organisation stands in relation rel. A nil principal (no valid token)
// is never allowed.
func Allowed(p *Principal, a Action, rel Relation) bool {
	if p == nil {
		return false
	}
	for _, r := range Rules[a] {
		if !slices.Contains(r.Kinds, p.Kind) {
			continue
		}
		if r.Relations != Any && r.Relations&rel == 0 {
			continue
		}
		if p.Can(r.Level) {
			return true
		}
	}
	return false
}

// Visible reports whether p may know that a resource exists: whether some
// rule of the action would allow it at the read level. The service answers
// 404 rather than 403 to callers who may not see a resource, so that ids
// of other tenants cannot be probed.
func Visible(p *Principal, a Action, rel Relation) bool {
	if p == nil {
		return false
	}
	for _, r := range Rules[a] {
		if slices.Contains(r.Kinds, p.Kind) && (r.Relations == Any || r.Relations&rel != 0) {
			return true
		}
	}
	return false
}
