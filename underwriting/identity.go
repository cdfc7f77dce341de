package underwriting

import (
	"context"
	"strings"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
)

// Authenticate finds the principal behind a presented token. Every
// failure (malformed, unknown, forged, revoked, expired) is Unauthorized,
// with a message that does not say which.
func (s *Service) Authenticate(ctx context.Context, secret string) (*access.Principal, error) {
	const op insurable.Op = "underwriting.Authenticate"
	deny := insurable.Errorf(op, insurable.Unauthorized, "invalid or expired token")
	id, err := access.ParseToken(secret)
	if err != nil {
		return nil, deny
	}
	var p *access.Principal
	err = s.view(ctx, func(tx Tx) error {
		t, err := tx.Token(ctx, id)
		if err != nil {
			return err
		}
		if !access.SecretMatches(secret, t.Hash) {
			return deny
		}
		p, err = s.tokenPrincipal(ctx, tx, t, deny)
		return err
	})
	if err != nil {
		if insurable.ErrorKind(err) == insurable.NotExist || insurable.ErrorKind(err) == insurable.Unauthorized {
			return nil, deny
		}
		return nil, err
	}
	return p, nil
}

// tokenPrincipal is the principal a token acts as; deny when the token
// is revoked or expired.
func (s *Service) tokenPrincipal(ctx context.Context, tx Tx, t *Token, deny error) (*access.Principal, error) {
	if t.Revoked || !s.now().Before(t.Expires) {
		return nil, deny
	}
	u, err := tx.User(ctx, t.User)
	if err != nil {
		return nil, err
	}
	o, err := tx.Org(ctx, u.Org)
	if err != nil {
		return nil, err
	}
	return &access.Principal{User: u.ID, Org: o.ID, Kind: o.Kind, Role: u.Role, Scopes: t.Scopes, Token: t.ID}, nil
}

// NewOrg is what CreateOrg needs.
type NewOrg struct {
	Kind access.OrgKind `json:"kind"`
	Name string         `json:"name"`
}

func (n NewOrg) validate(op insurable.Op) error {
	if !n.Kind.Valid() {
		return insurable.Errorf(op, insurable.Invalid, "kind %q: want firm, insurer, assessor, consortium or arbiter", n.Kind)
	}
	if strings.TrimSpace(n.Name) == "" || len(n.Name) > 200 {
		return insurable.Errorf(op, insurable.Invalid, "a name of 1 to 200 characters is required")
	}
	return nil
}

// CreateOrg adds an organisation (consortium admins only).
func (s *Service) CreateOrg(ctx context.Context, p *access.Principal, n NewOrg) (*Org, error) {
	const op insurable.Op = "underwriting.CreateOrg"
	if err := authorize(op, p, access.OrgCreate, access.Any, "", ""); err != nil {
		return nil, err
	}
	if err := n.validate(op); err != nil {
		return nil, err
	}
	o := &Org{ID: s.newID("org"), Kind: n.Kind, Name: strings.TrimSpace(n.Name), Created: s.now()}
	return o, s.tx(ctx, func(tx Tx) error { return tx.CreateOrg(ctx, o) })
}

// orgRel is how p stands to organisation id.
func (s *Service) orgRel(ctx context.Context, tx Tx, p *access.Principal, o *Org) (access.Relation, error) {
	var rel access.Relation
	if p.Org == o.ID {
		rel |= access.Own
	}
	if o.Kind != access.Firm {
		// Insurers, assessors, the consortium and arbiters are a public
		// directory that firms choose from.
		rel |= access.Granted
		return rel, nil
	}
	if ok, err := s.granted(ctx, tx, o.ID, p.Org); err != nil {
		return 0, err
	} else if ok {
		rel |= access.Granted
	}
	pols, err := tx.Policies(ctx, PolicyFilter{Firm: o.ID, Insurer: p.Org, Page: Page{Limit: 1}})
	if err != nil {
		return 0, err
	}
	if len(pols) > 0 {
		rel |= access.PolicyInsurer
	}
	return rel, nil
}

func (s *Service) granted(ctx context.Context, tx Tx, firm, org string) (bool, error) {
	gs, err := tx.Grants(ctx, firm)
	if err != nil {
		return false, err
	}
	for _, g := range gs {
		if g.Org == org {
			return true, nil
		}
	}
	return false, nil
}

// GetOrg returns an organisation the caller may see.
func (s *Service) GetOrg(ctx context.Context, p *access.Principal, id string) (*Org, error) {
	const op insurable.Op = "underwriting.GetOrg"
	var o *Org
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if o, err = tx.Org(ctx, id); err != nil {
			return notFoundAs(op, err, "organisation", id)
		}
		rel, err := s.orgRel(ctx, tx, p, o)
		if err != nil {
			return err
		}
		return authorize(op, p, access.OrgRead, rel, "organisation", id)
	})
	return o, err
}

// ListOrgs lists the organisations the caller may see.
func (s *Service) ListOrgs(ctx context.Context, p *access.Principal, pg Page) ([]*Org, string, error) {
	const op insurable.Op = "underwriting.ListOrgs"
	if p == nil {
		return nil, "", insurable.Errorf(op, insurable.Unauthorized, "authentication required")
	}
	pg = clampPage(pg)
	var out []*Org
	err := s.view(ctx, func(tx Tx) error {
		after := pg.After
		for len(out) < pg.Limit {
			batch, err := tx.Orgs(ctx, Page{After: after, Limit: pg.Limit})
			if err != nil {
				return err
			}
			for _, o := range batch {
				rel, err := s.orgRel(ctx, tx, p, o)
				if err != nil {
					return err
				}
				if access.Allowed(p, access.OrgRead, rel) && len(out) < pg.Limit {
					out = append(out, o)
				}
				after = o.ID
			}
			if len(batch) < pg.Limit {
				after = ""
				break
			}
		}
		pg.After = after
		return nil
	})
	next := ""
	if len(out) == pg.Limit && pg.After != "" {
		next = out[len(out)-1].ID
	}
	return out, next, err
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Name string      `json:"name"`
	Role access.Role `json:"role"`
}

// CreateUser adds a user to an organisation (its admins, or the
// consortium's).
func (s *Service) CreateUser(ctx context.Context, p *access.Principal, org string, n NewUser) (*User, error) {
	const op insurable.Op = "underwriting.CreateUser"
	u := &User{ID: s.newID("usr"), Org: org, Name: strings.TrimSpace(n.Name), Role: n.Role, Created: s.now()}
	err := s.tx(ctx, func(tx Tx) error {
		if _, err := tx.Org(ctx, org); err != nil {
			return notFoundAs(op, err, "organisation", org)
		}
		if err := authorize(op, p, access.UserCreate, ownIf(p != nil && p.Org == org), "organisation", org); err != nil {
			return err
		}
		if !n.Role.Valid() {
			return insurable.Errorf(op, insurable.Invalid, "role %q: want admin, member or viewer", n.Role)
		}
		if strings.TrimSpace(n.Name) == "" || len(n.Name) > 200 {
			return insurable.Errorf(op, insurable.Invalid, "a name of 1 to 200 characters is required")
		}
		return tx.CreateUser(ctx, u)
	})
	return u, err
}

// ListUsers lists an organisation's users.
func (s *Service) ListUsers(ctx context.Context, p *access.Principal, org string, pg Page) ([]*User, string, error) {
	const op insurable.Op = "underwriting.ListUsers"
	var out []*User
	pg = clampPage(pg)
	err := s.view(ctx, func(tx Tx) error {
		if _, err := tx.Org(ctx, org); err != nil {
			return notFoundAs(op, err, "organisation", org)
		}
		if err := authorize(op, p, access.UserList, ownIf(p != nil && p.Org == org), "organisation", org); err != nil {
			return err
		}
		var err error
		out, err = tx.Users(ctx, org, pg)
		return err
	})
	return out, nextCursor(out, pg, func(u *User) string { return u.ID }), err
}

// NewToken is what CreateToken needs.
type NewToken struct {
	Scopes []string `json:"scopes"`
	// TTL is the token's lifetime, such as "720h"; empty means the default.
	TTL string `json:"ttl"`
}

// CreateToken makes an API token for a user: the caller itself, or, for
// an organisation's admin, one of its users. The secret is returned once.
func (s *Service) CreateToken(ctx context.Context, p *access.Principal, user string, n NewToken) (*Token, error) {
	const op insurable.Op = "underwriting.CreateToken"
	check := func() ([]access.Scope, time.Duration, error) {
		scopes, err := access.ParseScopes(n.Scopes)
		if err != nil {
			return nil, 0, insurable.Errorf(op, insurable.Invalid, "%v", err)
		}
		ttl := s.cfg.TokenTTL
		if n.TTL != "" {
			d, err := time.ParseDuration(n.TTL)
			if err != nil || d <= 0 || d > 366*24*time.Hour {
				return nil, 0, insurable.Errorf(op, insurable.Invalid, "ttl %q: want a duration such as 720h, at most a year", n.TTL)
			}
			ttl = d
		}
		return scopes, ttl, nil
	}
	var tok *Token
	err := s.tx(ctx, func(tx Tx) error {
		if user == "" && p != nil {
			user = p.User
		}
		u, err := tx.User(ctx, user)
		if err != nil {
			return notFoundAs(op, err, "user", user)
		}
		self := p != nil && u.ID == p.User
		// An organisation's admins, and the consortium's, which onboards
		// organisations, make tokens for its users.
		adminOf := p != nil && (u.Org == p.Org && access.Allowed(p, access.UserCreate, access.Own) || access.Allowed(p, access.UserCreate, 0))
		if !self && !adminOf {
			return authorize(op, p, access.TokenCreate, 0, "user", user)
		}
		if err := authorize(op, p, access.TokenCreate, access.Own, "user", user); err != nil {
			return err
		}
		scopes, ttl, err := check()
		if err != nil {
			return err
		}
		if len(n.Scopes) == 0 {
			// By default, every scope the caller itself may use.
			scopes = scopes[:0:0]
			for _, sc := range []access.Scope{access.ScopeRead, access.ScopeWrite, access.ScopeAdmin} {
				if p.Can(scopeLevel(sc)) {
					scopes = append(scopes, sc)
				}
			}
		}
		// A token never mints a token that may do more than itself.
		for _, sc := range scopes {
			if !p.Can(scopeLevel(sc)) {
				return insurable.Errorf(op, insurable.Permission, "this token may not grant the %s scope", sc)
			}
		}
		tok, err = s.mintToken(ctx, tx, u.ID, scopes, ttl)
		return err
	})
	return tok, err
}

func (s *Service) mintToken(ctx context.Context, tx Tx, user string, scopes []access.Scope, ttl time.Duration) (*Token, error) {
	t, err := access.NewToken(s.cfg.Rand)
	if err != nil {
		return nil, insurable.Wrap("underwriting.mintToken", insurable.Internal, err)
	}
	tok := &Token{ID: t.ID, User: user, Hash: t.Hash, Scopes: scopes, Created: s.now(), Expires: s.now().Add(ttl)}
	if err := tx.CreateToken(ctx, tok); err != nil {
		return nil, err
	}
	tok.Secret = t.Secret
	return tok, nil
}

// ListTokens lists the caller's own tokens (without secrets).
func (s *Service) ListTokens(ctx context.Context, p *access.Principal, pg Page) ([]*Token, string, error) {
	const op insurable.Op = "underwriting.ListTokens"
	if err := authorize(op, p, access.TokenList, access.Own, "", ""); err != nil {
		return nil, "", err
	}
	pg = clampPage(pg)
	var out []*Token
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Tokens(ctx, p.User, pg)
		return err
	})
	return out, nextCursor(out, pg, func(t *Token) string { return t.ID }), err
}

// RevokeToken revokes one of the caller's tokens.
func (s *Service) RevokeToken(ctx context.Context, p *access.Principal, id string) error {
	const op insurable.Op = "underwriting.RevokeToken"
	return s.tx(ctx, func(tx Tx) error {
		t, err := tx.Token(ctx, id)
		if err != nil {
			return notFoundAs(op, err, "token", id)
		}
		if err := authorize(op, p, access.TokenRevoke, ownIf(p != nil && t.User == p.User), "token", id); err != nil {
			return err
		}
		return tx.RevokeToken(ctx, id)
	})
}

// PutGrant lets an insurer or assessor read the firm's evidence.
func (s *Service) PutGrant(ctx context.Context, p *access.Principal, firm, org string) (*Grant, error) {
	const op insurable.Op = "underwriting.PutGrant"
	g := &Grant{Firm: firm, Org: org, Created: s.now()}
	err := s.tx(ctx, func(tx Tx) error {
		if err := s.firmAccess(ctx, tx, op, p, firm, access.GrantWrite); err != nil {
			return err
		}
		o, err := tx.Org(ctx, org)
		if err != nil {
			return notFoundAs(op, err, "organisation", org)
		}
		if o.Kind != access.Insurer && o.Kind != access.Assessor {
			return insurable.Errorf(op, insurable.Invalid, "only insurers and assessors are granted access to evidence (%s is a %s)", org, o.Kind)
		}
		return tx.PutGrant(ctx, g)
	})
	return g, err
}

// DeleteGrant withdraws a grant.
func (s *Service) DeleteGrant(ctx context.Context, p *access.Principal, firm, org string) error {
	const op insurable.Op = "underwriting.DeleteGrant"
	return s.tx(ctx, func(tx Tx) error {
		if err := s.firmAccess(ctx, tx, op, p, firm, access.GrantWrite); err != nil {
			return err
		}
		return tx.DeleteGrant(ctx, firm, org)
	})
}

// ListGrants lists the organisations a firm has granted access.
func (s *Service) ListGrants(ctx context.Context, p *access.Principal, firm string) ([]*Grant, error) {
	const op insurable.Op = "underwriting.ListGrants"
	var out []*Grant
	err := s.view(ctx, func(tx Tx) error {
		if err := s.firmAccess(ctx, tx, op, p, firm, access.GrantList); err != nil {
			return err
		}
		var err error
		out, err = tx.Grants(ctx, firm)
		return err
	})
	return out, err
}

// firmAccess checks that firm is a firm and that p may do a to it.
func (s *Service) firmAccess(ctx context.Context, tx Tx, op insurable.Op, p *access.Principal, firm string, a access.Action) error {
	if p == nil {
		return insurable.Errorf(op, insurable.Unauthorized, "authentication required")
	}
	o, err := tx.Org(ctx, firm)
	if err != nil {
		return notFoundAs(op, err, "firm", firm)
	}
	if o.Kind != access.Firm {
		return notFound(op, "firm", firm)
	}
	rel := ownIf(p.Org == firm)
	if p.Org != firm {
		ok, err := s.granted(ctx, tx, firm, p.Org)
		if err != nil {
			return err
		}
		if ok {
			rel |= access.Granted
		}
	}
	return authorize(op, p, a, rel, "firm", firm)
}

func ownIf(b bool) access.Relation {
	if b {
		return access.Own
	}
	return 0
}

// notFoundAs turns a store's NotExist into one naming what the caller
// asked for; other errors pass.
func notFoundAs(op insurable.Op, err error, what, id string) error {
	if insurable.ErrorKind(err) == insurable.NotExist {
		return notFound(op, what, id)
	}
	return err
}

func nextCursor[T any](items []T, pg Page, id func(T) string) string {
	if len(items) < pg.Limit || len(items) == 0 {
		return ""
	}
	return id(items[len(items)-1])
}

// Seed is what Bootstrap creates: an organisation, its admin and a token.
type Seed struct {
	Org   *Org
	User  *User
	Token *Token
}

// Bootstrap creates an organisation with an admin user and a token,
// without a caller: the command line uses it to create the first
// consortium and the demo data. It is never reachable over HTTP.
func (s *Service) Bootstrap(ctx context.Context, kind access.OrgKind, name, user string, ttl time.Duration) (*Seed, error) {
	const op insurable.Op = "underwriting.Bootstrap"
	if err := (NewOrg{Kind: kind, Name: name}).validate(op); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = s.cfg.TokenTTL
	}
	seed := &Seed{
		Org:  &Org{ID: s.newID("org"), Kind: kind, Name: name, Created: s.now()},
		User: &User{Name: user, Role: access.Admin, Created: s.now()},
	}
	seed.User.ID, seed.User.Org = s.newID("usr"), seed.Org.ID
	err := s.tx(ctx, func(tx Tx) error {
		if err := tx.CreateOrg(ctx, seed.Org); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, seed.User); err != nil {
			return err
		}
		all, _ := access.ParseScopes(nil)
		var err error
		seed.Token, err = s.mintToken(ctx, tx, seed.User.ID, all, ttl)
		return err
	})
	return seed, err
}

func scopeLevel(s access.Scope) access.Level {
	switch s {
	case access.ScopeWrite:
		return access.Write
	case access.ScopeAdmin:
		return access.Manage
	}
	return access.Read
}
