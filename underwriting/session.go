package underwriting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/insurable/insurable"
	"github.com/insurable/insurable/access"
)

// SessionPrefix starts every session secret.
const SessionPrefix = "ses_"

func sessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Login opens a web session with an API token: the session acts as the
// token's principal, with its scopes, until the session expires
// (Config.SessionTTL, never after the token), is closed by Logout, or
// the token is revoked. It returns the session's secret, for a cookie,
// which the database keeps only as a hash. A bad token is Unauthorized.
func (s *Service) Login(ctx context.Context, token string) (secret string, p *access.Principal, expires time.Time, err error) {
	const op insurable.Op = "underwriting.Login"
	if p, err = s.Authenticate(ctx, token); err != nil {
		return "", nil, time.Time{}, err
	}
	var b [32]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return "", nil, time.Time{}, insurable.Wrap(op, insurable.Internal, err)
	}
	secret = SessionPrefix + hex.EncodeToString(b[:])
	err = s.store.Tx(ctx, func(tx Tx) error {
		t, err := tx.Token(ctx, p.Token)
		if err != nil {
			return err
		}
		expires = s.now().Add(s.cfg.SessionTTL)
		if t.Expires.Before(expires) {
			expires = t.Expires
		}
		return tx.CreateSession(ctx, &Session{ID: sessionID(secret), Token: t.ID, Created: s.now(), Expires: expires})
	})
	if err != nil {
		return "", nil, time.Time{}, err
	}
	return secret, p, expires, nil
}

// SessionPrincipal finds the principal of a session. Every failure
// (malformed, unknown, closed or expired session; revoked or expired
// token) is Unauthorized.
func (s *Service) SessionPrincipal(ctx context.Context, secret string) (*access.Principal, error) {
	const op insurable.Op = "underwriting.SessionPrincipal"
	deny := insurable.Errorf(op, insurable.Unauthorized, "no session, or it expired: log in again")
	if !strings.HasPrefix(secret, SessionPrefix) || len(secret) != len(SessionPrefix)+64 {
		return nil, deny
	}
	var p *access.Principal
	err := s.view(ctx, func(tx Tx) error {
		ses, err := tx.Session(ctx, sessionID(secret))
		if err != nil {
			return err
		}
		if !s.now().Before(ses.Expires) {
			return deny
		}
		t, err := tx.Token(ctx, ses.Token)
		if err != nil {
			return err
		}
		p, err = s.tokenPrincipal(ctx, tx, t, deny)
		return err
	})
	if err != nil {
		if k := insurable.ErrorKind(err); k == insurable.NotExist || k == insurable.Unauthorized {
			return nil, deny
		}
		return nil, err
	}
	return p, nil
}

// Logout closes a session; closing one that does not exist does nothing.
func (s *Service) Logout(ctx context.Context, secret string) error {
	if !strings.HasPrefix(secret, SessionPrefix) {
		return nil
	}
	return s.store.Tx(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, sessionID(secret)) })
}
