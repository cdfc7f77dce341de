package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/insurable/insurable/underwriting"
)

func (t *txn) QueueLedgerEntry(ctx context.Context, e *underwriting.LedgerEntry) error {
	_, err := t.exec(ctx, `INSERT INTO ledger(record, kind, policy, entry, idx, created) VALUES (?, ?, ?, ?, NULL, ?)`,
		e.Record, e.Kind, e.Policy, e.Entry, ms(e.Created))
	return err
}

const ledgerColumns = `seq, record, kind, policy, entry, idx, created`

func scanLedger(rows *sql.Rows, withEntry bool) ([]*underwriting.LedgerEntry, error) {
	defer rows.Close()
	var out []*underwriting.LedgerEntry
	for rows.Next() {
		var e underwriting.LedgerEntry
		var idx sql.NullInt64
		var created int64
		dst := []any{&e.Seq, &e.Record, &e.Kind, &e.Policy, &e.Entry, &idx, &created}
		if !withEntry {
			dst = []any{&e.Seq, &e.Record, &e.Kind, &e.Policy, &idx, &created}
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		e.Index, e.Created = -1, fromMS(created)
		if idx.Valid {
			e.Index = idx.Int64
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

func (t *txn) PendingLedgerEntries(ctx context.Context, limit int) ([]*underwriting.LedgerEntry, error) {
	rows, err := t.query(ctx, `SELECT `+ledgerColumns+` FROM ledger WHERE idx IS NULL ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	return scanLedger(rows, true)
}

func (t *txn) SetLedgerIndex(ctx context.Context, record string, index uint64) (bool, error) {
	r, err := t.exec(ctx, `UPDATE ledger SET idx = ? WHERE record = ? AND idx IS NULL`, int64(index), record)
	if err != nil {
		return false, err
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

func (t *txn) LedgerEntry(ctx context.Context, record string) (*underwriting.LedgerEntry, error) {
	rows, err := t.query(ctx, `SELECT `+ledgerColumns+` FROM ledger WHERE record = ?`, record)
	if err != nil {
		return nil, err
	}
	out, err := scanLedger(rows, true)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notExist("log entry")
	}
	return out[0], nil
}

func (t *txn) LedgerEntries(ctx context.Context, afterSeq int64, limit int) ([]*underwriting.LedgerEntry, error) {
	rows, err := t.query(ctx, `SELECT `+ledgerColumns+` FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	return scanLedger(rows, true)
}

func (t *txn) PolicyLedgerEntries(ctx context.Context, policy string) ([]*underwriting.LedgerEntry, error) {
	rows, err := t.query(ctx, `SELECT seq, record, kind, policy, idx, created FROM ledger WHERE policy = ? ORDER BY seq`, policy)
	if err != nil {
		return nil, err
	}
	return scanLedger(rows, false)
}

func (t *txn) MaxLedgerIndex(ctx context.Context) (int64, error) {
	var v sql.NullInt64
	if err := t.row(ctx, `SELECT MAX(idx) FROM ledger`).Scan(&v); err != nil {
		return 0, err
	}
	if !v.Valid {
		return -1, nil
	}
	return v.Int64, nil
}

func (t *txn) CountPendingLedgerEntries(ctx context.Context) (int, error) {
	var n int
	err := t.row(ctx, `SELECT COUNT(*) FROM ledger WHERE idx IS NULL`).Scan(&n)
	return n, err
}

func (t *txn) ClaimLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error) {
	r, err := t.exec(ctx, `UPDATE leases SET owner = ?, until_ms = ? WHERE name = ? AND (owner = ? OR until_ms < ?)`, owner, ms(until), name, owner, ms(now))
	if err != nil {
		return false, err
	}
	if n, _ := r.RowsAffected(); n > 0 {
		return true, nil
	}
	r, err = t.exec(ctx, `INSERT INTO leases(name, owner, until_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, owner, ms(until))
	if err != nil {
		return false, err
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}

func (t *txn) LedgerMeta(ctx context.Context, name string) (string, error) {
	var v string
	err := t.row(ctx, `SELECT value FROM ledger_meta WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notExist("log setting")
	}
	return v, err
}

func (t *txn) PutLedgerMeta(ctx context.Context, name, value string) error {
	_, err := t.exec(ctx, `INSERT INTO ledger_meta(name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
	return err
}

func (t *txn) AllTransitions(ctx context.Context, p underwriting.Page) ([]*underwriting.Transition, error) {
	return listDocs[underwriting.Transition](ctx, t, `SELECT doc FROM transitions WHERE id > ? ORDER BY id LIMIT ?`, p.After, limit(p))
}

func (t *txn) AllAssessments(ctx context.Context, p underwriting.Page) ([]*underwriting.Assessment, error) {
	return listDocs[underwriting.Assessment](ctx, t, `SELECT doc FROM assessments WHERE id > ? ORDER BY id LIMIT ?`, p.After, limit(p))
}

func (t *txn) UnloggedTransitions(ctx context.Context, n int) ([]*underwriting.Transition, error) {
	return listDocs[underwriting.Transition](ctx, t, `SELECT doc FROM transitions WHERE NOT EXISTS (SELECT 1 FROM ledger WHERE ledger.record = transitions.id) ORDER BY id LIMIT ?`, n)
}

func (t *txn) UnloggedAssessments(ctx context.Context, n int) ([]*underwriting.Assessment, error) {
	return listDocs[underwriting.Assessment](ctx, t, `SELECT doc FROM assessments WHERE NOT EXISTS (SELECT 1 FROM ledger WHERE ledger.record = assessments.id) ORDER BY id LIMIT ?`, n)
}

func (t *txn) CreateSession(ctx context.Context, s *underwriting.Session) error {
	_, err := t.exec(ctx, `INSERT INTO sessions(id, token, created, expires) VALUES (?, ?, ?, ?)`, s.ID, s.Token, ms(s.Created), ms(s.Expires))
	return err
}

func (t *txn) Session(ctx context.Context, id string) (*underwriting.Session, error) {
	var s underwriting.Session
	var created, expires int64
	err := t.row(ctx, `SELECT id, token, created, expires FROM sessions WHERE id = ?`, id).Scan(&s.ID, &s.Token, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notExist("session")
	}
	s.Created, s.Expires = fromMS(created), fromMS(expires)
	return &s, err
}

func (t *txn) DeleteSession(ctx context.Context, id string) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return err
}

// inChunks runs q once per chunk of ids, with "(?, ?, …)" in place of
// {{IN}}.
func inChunks[T any](ctx context.Context, t *txn, q string, ids []string) ([]*T, error) {
	var out []*T
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, n)
		for i, id := range chunk {
			args[i] = id
		}
		part, err := listDocs[T](ctx, t, strings.Replace(q, "{{IN}}", "("+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+")", 1), args...)
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

func (t *txn) AssessmentsByID(ctx context.Context, ids []string) ([]*underwriting.Assessment, error) {
	return inChunks[underwriting.Assessment](ctx, t, `SELECT doc FROM assessments WHERE id IN {{IN}}`, ids)
}

func (t *txn) OrgsByID(ctx context.Context, ids []string) ([]*underwriting.Org, error) {
	var out []*underwriting.Org
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		rows, err := t.query(ctx, `SELECT id, kind, name, created FROM orgs WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			o, err := scanOrg(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
