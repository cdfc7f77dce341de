package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
	"github.com/insurable/insurable/underwriting"
)

func notExist(what string) error {
	return insurable.Errorf("sqlstore", insurable.NotExist, "no such %s", what)
}

func ms(t time.Time) int64     { return t.UnixMilli() }
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
func enc(v any) string         { b, _ := json.Marshal(v); return string(b) }
func limit(p underwriting.Page) int {
	if p.Limit <= 0 || p.Limit > 1000 {
		return 1000
	}
	return p.Limit
}

// getDoc reads one JSON document into dst.
func (t *txn) getDoc(ctx context.Context, what string, dst any, q string, args ...any) error {
	var doc string
	if err := t.row(ctx, q, args...).Scan(&doc); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return notExist(what)
		}
		return err
	}
	return json.Unmarshal([]byte(doc), dst)
}

// listDocs reads JSON documents.
func listDocs[T any](ctx context.Context, t *txn, q string, args ...any) ([]*T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		v := new(T)
		if err := json.Unmarshal([]byte(doc), v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Organisations, users and tokens keep their fields in columns.

func (t *txn) CreateOrg(ctx context.Context, o *underwriting.Org) error {
	_, err := t.exec(ctx, `INSERT INTO orgs(id, kind, name, created) VALUES (?, ?, ?, ?)`, o.ID, string(o.Kind), o.Name, ms(o.Created))
	return err
}

func scanOrg(sc interface{ Scan(...any) error }) (*underwriting.Org, error) {
	var o underwriting.Org
	var kind string
	var created int64
	if err := sc.Scan(&o.ID, &kind, &o.Name, &created); err != nil {
		return nil, err
	}
	o.Kind, o.Created = access.OrgKind(kind), fromMS(created)
	return &o, nil
}

func (t *txn) Org(ctx context.Context, id string) (*underwriting.Org, error) {
	o, err := scanOrg(t.row(ctx, `SELECT id, kind, name, created FROM orgs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notExist("organisation")
	}
	return o, err
}

func (t *txn) Orgs(ctx context.Context, p underwriting.Page) ([]*underwriting.Org, error) {
	rows, err := t.query(ctx, `SELECT id, kind, name, created FROM orgs WHERE id > ? ORDER BY id LIMIT ?`, p.After, limit(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*underwriting.Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (t *txn) CreateUser(ctx context.Context, u *underwriting.User) error {
	_, err := t.exec(ctx, `INSERT INTO users(id, org, name, role, created) VALUES (?, ?, ?, ?, ?)`, u.ID, u.Org, u.Name, string(u.Role), ms(u.Created))
	return err
}

func scanUser(sc interface{ Scan(...any) error }) (*underwriting.User, error) {
	var u underwriting.User
	var role string
	var created int64
	if err := sc.Scan(&u.ID, &u.Org, &u.Name, &role, &created); err != nil {
		return nil, err
	}
	u.Role, u.Created = access.Role(role), fromMS(created)
	return &u, nil
}

func (t *txn) User(ctx context.Context, id string) (*underwriting.User, error) {
	u, err := scanUser(t.row(ctx, `SELECT id, org, name, role, created FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notExist("user")
	}
	return u, err
}

func (t *txn) Users(ctx context.Context, org string, p underwriting.Page) ([]*underwriting.User, error) {
	rows, err := t.query(ctx, `SELECT id, org, name, role, created FROM users WHERE org = ? AND id > ? ORDER BY id LIMIT ?`, org, p.After, limit(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*underwriting.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func joinScopes(ss []access.Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " ")
}

func splitScopes(s string) []access.Scope {
	var out []access.Scope
	for _, f := range strings.Fields(s) {
		out = append(out, access.Scope(f))
	}
	return out
}

func (t *txn) CreateToken(ctx context.Context, k *underwriting.Token) error {
	_, err := t.exec(ctx, `INSERT INTO tokens(id, user_id, hash, scopes, expires, created, revoked) VALUES (?, ?, ?, ?, ?, ?, 0)`,
		k.ID, k.User, k.Hash, joinScopes(k.Scopes), ms(k.Expires), ms(k.Created))
	return err
}

func scanToken(sc interface{ Scan(...any) error }) (*underwriting.Token, error) {
	var k underwriting.Token
	var scopes string
	var expires, created int64
	var revoked int
	if err := sc.Scan(&k.ID, &k.User, &k.Hash, &scopes, &expires, &created, &revoked); err != nil {
		return nil, err
	}
	k.Scopes, k.Expires, k.Created, k.Revoked = splitScopes(scopes), fromMS(expires), fromMS(created), revoked != 0
	return &k, nil
}

func (t *txn) Token(ctx context.Context, id string) (*underwriting.Token, error) {
	k, err := scanToken(t.row(ctx, `SELECT id, user_id, hash, scopes, expires, created, revoked FROM tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notExist("token")
	}
	return k, err
}

func (t *txn) Tokens(ctx context.Context, user string, p underwriting.Page) ([]*underwriting.Token, error) {
	rows, err := t.query(ctx, `SELECT id, user_id, hash, scopes, expires, created, revoked FROM tokens WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?`, user, p.After, limit(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*underwriting.Token
	for rows.Next() {
		k, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

func (t *txn) RevokeToken(ctx context.Context, id string) error {
	r, err := t.exec(ctx, `UPDATE tokens SET revoked = 1 WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return notExist("token")
	}
	return nil
}

func (t *txn) PutGrant(ctx context.Context, g *underwriting.Grant) error {
	_, err := t.exec(ctx, `INSERT INTO grants(firm, org, created) VALUES (?, ?, ?) ON CONFLICT (firm, org) DO NOTHING`, g.Firm, g.Org, ms(g.Created))
	return err
}

func (t *txn) DeleteGrant(ctx context.Context, firm, org string) error {
	r, err := t.exec(ctx, `DELETE FROM grants WHERE firm = ? AND org = ?`, firm, org)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return notExist("grant")
	}
	return nil
}

func (t *txn) Grants(ctx context.Context, firm string) ([]*underwriting.Grant, error) {
	rows, err := t.query(ctx, `SELECT firm, org, created FROM grants WHERE firm = ? ORDER BY org`, firm)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*underwriting.Grant{}
	for rows.Next() {
		var g underwriting.Grant
		var created int64
		if err := rows.Scan(&g.Firm, &g.Org, &created); err != nil {
			return nil, err
		}
		g.Created = fromMS(created)
		out = append(out, &g)
	}
	return out, rows.Err()
}

func (t *txn) GrantedFirms(ctx context.Context, org string) ([]string, error) {
	rows, err := t.query(ctx, `SELECT firm FROM grants WHERE org = ? ORDER BY firm`, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

func (t *txn) PutBlob(ctx context.Context, digest string, data []byte) error {
	_, err := t.exec(ctx, `INSERT INTO blobs(digest, data) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING`, digest, data)
	return err
}

func (t *txn) Blob(ctx context.Context, digest string) ([]byte, error) {
	var data []byte
	if err := t.row(ctx, `SELECT data FROM blobs WHERE digest = ?`, digest).Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notExist("blob")
		}
		return nil, err
	}
	return data, nil
}

func (t *txn) CreateEvidence(ctx context.Context, e *underwriting.EvidenceVersion) (bool, error) {
	r, err := t.exec(ctx, `INSERT INTO evidence(firm, id, archive, doc, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT (firm, id) DO NOTHING`, e.Firm, e.ID, e.Archive, enc(e), ms(e.Created))
	if err != nil {
		return false, err
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

func (t *txn) Evidence(ctx context.Context, firm, id string) (*underwriting.EvidenceVersion, error) {
	var e underwriting.EvidenceVersion
	return &e, t.getDoc(ctx, "evidence version", &e, `SELECT doc FROM evidence WHERE firm = ? AND id = ?`, firm, id)
}

func (t *txn) EvidenceVersions(ctx context.Context, firm string, p underwriting.Page) ([]*underwriting.EvidenceVersion, error) {
	return listDocs[underwriting.EvidenceVersion](ctx, t, `SELECT doc FROM evidence WHERE firm = ? AND seq > COALESCE((SELECT seq FROM evidence WHERE firm = ? AND id = ?), 0) ORDER BY seq LIMIT ?`, firm, firm, p.After, limit(p))
}

func (t *txn) LatestEvidence(ctx context.Context, firm string) (*underwriting.EvidenceVersion, error) {
	var e underwriting.EvidenceVersion
	return &e, t.getDoc(ctx, "evidence version", &e, `SELECT doc FROM evidence WHERE firm = ? ORDER BY seq DESC LIMIT 1`, firm)
}

func (t *txn) CreateKey(ctx context.Context, k *underwriting.Key) error {
	_, err := t.exec(ctx, `INSERT INTO keys(id, org, pem, created) VALUES (?, ?, ?, ?)`, k.ID, k.Org, k.PEM, ms(k.Created))
	return err
}

func (t *txn) Keys(ctx context.Context, org string) ([]*underwriting.Key, error) {
	rows, err := t.query(ctx, `SELECT id, org, pem, created FROM keys WHERE org = ? ORDER BY id`, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*underwriting.Key{}
	for rows.Next() {
		var k underwriting.Key
		var created int64
		if err := rows.Scan(&k.ID, &k.Org, &k.PEM, &created); err != nil {
			return nil, err
		}
		k.Created = fromMS(created)
		out = append(out, &k)
	}
	return out, rows.Err()
}

func (t *txn) CreateScan(ctx context.Context, sc *underwriting.Scan) error {
	_, err := t.exec(ctx, `INSERT INTO scans(id, firm, doc) VALUES (?, ?, ?)`, sc.ID, sc.Firm, enc(sc))
	return err
}

func (t *txn) Scans(ctx context.Context, firm string, p underwriting.Page) ([]*underwriting.Scan, error) {
	return listDocs[underwriting.Scan](ctx, t, `SELECT doc FROM scans WHERE firm = ? AND id > ? ORDER BY id LIMIT ?`, firm, p.After, limit(p))
}

func (t *txn) CreateProfile(ctx context.Context, p *underwriting.Profile) error {
	_, err := t.exec(ctx, `INSERT INTO profiles(id, insurer, doc) VALUES (?, ?, ?)`, p.ID, p.Insurer, enc(p))
	return err
}

func (t *txn) Profile(ctx context.Context, id string) (*underwriting.Profile, error) {
	var p underwriting.Profile
	return &p, t.getDoc(ctx, "profile", &p, `SELECT doc FROM profiles WHERE id = ?`, id)
}

func (t *txn) Profiles(ctx context.Context, insurer string, p underwriting.Page) ([]*underwriting.Profile, error) {
	return listDocs[underwriting.Profile](ctx, t, `SELECT doc FROM profiles WHERE insurer = ? AND id > ? ORDER BY id LIMIT ?`, insurer, p.After, limit(p))
}

func (t *txn) CreatePolicy(ctx context.Context, p *underwriting.Policy) error {
	p.Version = 1
	_, err := t.exec(ctx, `INSERT INTO policies(id, firm, insurer, state, version, doc) VALUES (?, ?, ?, ?, ?, ?)`, p.ID, p.Firm, p.Insurer, string(p.State), p.Version, enc(p))
	return err
}

func (t *txn) Policy(ctx context.Context, id string) (*underwriting.Policy, error) {
	var p underwriting.Policy
	return &p, t.getDoc(ctx, "policy", &p, `SELECT doc FROM policies WHERE id = ?`, id)
}

func (t *txn) UpdatePolicy(ctx context.Context, p *underwriting.Policy) error {
	old := p.Version
	p.Version++
	r, err := t.exec(ctx, `UPDATE policies SET state = ?, version = ?, doc = ? WHERE id = ? AND version = ?`, string(p.State), p.Version, enc(p), p.ID, old)
	if err != nil {
		p.Version = old
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		p.Version = old
		return insurable.Errorf("sqlstore.UpdatePolicy", insurable.Conflict, "policy %s was changed by someone else; retry", p.ID)
	}
	return nil
}

func (t *txn) Policies(ctx context.Context, f underwriting.PolicyFilter) ([]*underwriting.Policy, error) {
	q := `SELECT doc FROM policies WHERE id > ?`
	args := []any{f.After}
	if f.Firm != "" {
		q += ` AND firm = ?`
		args = append(args, f.Firm)
	}
	if f.Insurer != "" {
		q += ` AND insurer = ?`
		args = append(args, f.Insurer)
	}
	if len(f.States) > 0 {
		q += ` AND state IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(f.States)), ", ") + `)`
		for _, s := range f.States {
			args = append(args, string(s))
		}
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Page))
	return listDocs[underwriting.Policy](ctx, t, q, args...)
}

func (t *txn) AddTransition(ctx context.Context, tr *underwriting.Transition) error {
	_, err := t.exec(ctx, `INSERT INTO transitions(id, policy, seq, doc) VALUES (?, ?, ?, ?)`, tr.ID, tr.Policy, tr.Seq, enc(tr))
	return err
}

// Transitions lists a policy's transitions by sequence; the cursor "last"
// with limit 1 returns the latest.
func (t *txn) Transitions(ctx context.Context, policy string, p underwriting.Page) ([]*underwriting.Transition, error) {
	if p.After == "last" {
		return listDocs[underwriting.Transition](ctx, t, `SELECT doc FROM transitions WHERE policy = ? ORDER BY seq DESC LIMIT 1`, policy)
	}
	return listDocs[underwriting.Transition](ctx, t, `SELECT doc FROM transitions WHERE policy = ? AND seq > COALESCE((SELECT seq FROM transitions WHERE policy = ? AND id = ?), 0) ORDER BY seq LIMIT ?`, policy, policy, p.After, limit(p))
}

func (t *txn) CreateAssessment(ctx context.Context, a *underwriting.Assessment) error {
	res := a.Result
	a.Result = nil
	_, err := t.exec(ctx, `INSERT INTO assessments(id, policy, doc, result) VALUES (?, ?, ?, ?)`, a.ID, a.Policy, enc(a), res)
	a.Result = res
	return err
}

func (t *txn) Assessment(ctx context.Context, id string) (*underwriting.Assessment, error) {
	var doc string
	var res []byte
	if err := t.row(ctx, `SELECT doc, result FROM assessments WHERE id = ?`, id).Scan(&doc, &res); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, notExist("assessment")
		}
		return nil, err
	}
	var a underwriting.Assessment
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return nil, err
	}
	a.Result = res
	return &a, nil
}

func (t *txn) Assessments(ctx context.Context, policy string, p underwriting.Page) ([]*underwriting.Assessment, error) {
	return listDocs[underwriting.Assessment](ctx, t, `SELECT doc FROM assessments WHERE policy = ? AND id > ? ORDER BY id LIMIT ?`, policy, p.After, limit(p))
}

func (t *txn) PutRemediation(ctx context.Context, it *underwriting.RemediationItem) error {
	_, err := t.exec(ctx, `INSERT INTO remediation(policy, id, doc) VALUES (?, ?, ?) ON CONFLICT (policy, id) DO UPDATE SET doc = excluded.doc`, it.Policy, it.ID, enc(it))
	return err
}

func (t *txn) Remediation(ctx context.Context, policy string) ([]*underwriting.RemediationItem, error) {
	out, err := listDocs[underwriting.RemediationItem](ctx, t, `SELECT doc FROM remediation WHERE policy = ? ORDER BY id`, policy)
	if out == nil {
		out = []*underwriting.RemediationItem{}
	}
	return out, err
}

func (t *txn) CreateAlert(ctx context.Context, a *underwriting.Alert) error {
	_, err := t.exec(ctx, `INSERT INTO alerts(id, firm, insurer, doc) VALUES (?, ?, ?, ?)`, a.ID, a.Firm, a.Insurer, enc(a))
	return err
}

func (t *txn) Alerts(ctx context.Context, firm, insurer string, p underwriting.Page) ([]*underwriting.Alert, error) {
	if firm != "" {
		return listDocs[underwriting.Alert](ctx, t, `SELECT doc FROM alerts WHERE firm = ? AND id > ? ORDER BY id LIMIT ?`, firm, p.After, limit(p))
	}
	return listDocs[underwriting.Alert](ctx, t, `SELECT doc FROM alerts WHERE insurer = ? AND id > ? ORDER BY id LIMIT ?`, insurer, p.After, limit(p))
}

func (t *txn) CreateAdvisory(ctx context.Context, a *underwriting.Advisory) (bool, error) {
	var digest string
	err := t.row(ctx, `SELECT digest FROM advisories WHERE id = ?`, a.ID).Scan(&digest)
	switch {
	case err == nil && digest == a.Digest:
		return false, nil
	case err == nil:
		_, err = t.exec(ctx, `UPDATE advisories SET digest = ?, title = ?, doc = ?, imported = ? WHERE id = ?`, a.Digest, a.Title, a.Doc, ms(a.Imported), a.ID)
		return err == nil, err
	case errors.Is(err, sql.ErrNoRows):
		_, err = t.exec(ctx, `INSERT INTO advisories(id, digest, title, doc, imported) VALUES (?, ?, ?, ?, ?)`, a.ID, a.Digest, a.Title, a.Doc, ms(a.Imported))
		return err == nil, err
	}
	return false, err
}

func (t *txn) Advisories(ctx context.Context) ([]*underwriting.Advisory, error) {
	rows, err := t.query(ctx, `SELECT id, digest, title, doc, imported FROM advisories ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*underwriting.Advisory{}
	for rows.Next() {
		var a underwriting.Advisory
		var imported int64
		if err := rows.Scan(&a.ID, &a.Digest, &a.Title, &a.Doc, &imported); err != nil {
			return nil, err
		}
		a.Imported = fromMS(imported)
		out = append(out, &a)
	}
	return out, rows.Err()
}

func (t *txn) FeedGeneration(ctx context.Context) (int64, error) {
	var g int64
	err := t.row(ctx, `SELECT value FROM feed_state WHERE name = 'generation'`).Scan(&g)
	return g, err
}

func (t *txn) BumpFeedGeneration(ctx context.Context) (int64, error) {
	if _, err := t.exec(ctx, `UPDATE feed_state SET value = value + 1 WHERE name = 'generation'`); err != nil {
		return 0, err
	}
	return t.FeedGeneration(ctx)
}

func (t *txn) EnqueueJob(ctx context.Context, kind, key, payload string, now time.Time) (int64, bool, error) {
	r, err := t.exec(ctx, `INSERT INTO jobs(kind, key, payload, state, created) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (key) DO NOTHING`, kind, key, payload, ms(now))
	if err != nil {
		return 0, false, err
	}
	n, _ := r.RowsAffected()
	var id int64
	if err := t.row(ctx, `SELECT id FROM jobs WHERE key = ?`, key).Scan(&id); err != nil {
		return 0, false, err
	}
	return id, n > 0, nil
}

func (t *txn) ClaimJob(ctx context.Context, owner string, now, leaseUntil time.Time) (*underwriting.Job, error) {
	var id int64
	err := t.row(ctx, `SELECT id FROM jobs WHERE state = 'pending' OR (state = 'running' AND lease_until < ?) ORDER BY id LIMIT 1 `+t.s.d.SkipLocked, ms(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := t.exec(ctx, `UPDATE jobs SET state = 'running', owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?`, owner, ms(leaseUntil), id); err != nil {
		return nil, err
	}
	return t.Job(ctx, id)
}

func (t *txn) FinishJob(ctx context.Context, id int64, owner, state, errText string) error {
	r, err := t.exec(ctx, `UPDATE jobs SET state = ?, error = ?, lease_until = 0 WHERE id = ? AND owner = ?`, state, errText, id, owner)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return insurable.Errorf("sqlstore.FinishJob", insurable.Conflict, "job %d is no longer leased to %s", id, owner)
	}
	return nil
}

func (t *txn) Job(ctx context.Context, id int64) (*underwriting.Job, error) {
	var j underwriting.Job
	var created int64
	err := t.row(ctx, `SELECT id, kind, key, payload, state, attempts, error, created FROM jobs WHERE id = ?`, id).
		Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, &j.State, &j.Attempts, &j.Error, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notExist("job")
	}
	j.Created = fromMS(created)
	return &j, err
}
