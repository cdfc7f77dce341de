package access

import (
	"bytes"
	"strings"
	"testing"
)

func principal(kind OrgKind, role Role, scopes ...Scope) *Principal {
	if len(scopes) == 0 {
		scopes = []Scope{ScopeRead, ScopeWrite, ScopeAdmin}
	}
	return &Principal{User: "u", Org: "o", Kind: kind, Role: role, Scopes: scopes}
}

func TestAllowed(t *testing.T) {
	tests := []struct {
		name string
		p    *Principal
		a    Action
		rel  Relation
		want bool
	}{
		{"nobody", nil, FeedsRead, Any, false},
		{"firm uploads own evidence", principal(Firm, Member), EvidenceUpload, Own, true},
		{"firm viewer cannot upload", principal(Firm, Viewer), EvidenceUpload, Own, false},
		{"firm admin with read token cannot upload", principal(Firm, Admin, ScopeRead), EvidenceUpload, Own, false},
		{"firm cannot upload for another firm", principal(Firm, Admin), EvidenceUpload, Any, false},
		{"granted insurer reads evidence", principal(Insurer, Viewer), EvidenceRead, Granted, true},
		{"ungranted insurer does not", principal(Insurer, Admin), EvidenceRead, Any, false},
		{"insurer of a policy without grant does not read evidence", principal(Insurer, Admin), EvidenceRead, PolicyInsurer, false},
		{"granted assessor attaches scans", principal(Assessor, Member), ScanAttach, Granted, true},
		{"granted insurer cannot attach scans", principal(Insurer, Admin), ScanAttach, Granted, false},
		{"insurer underwrites its policy", principal(Insurer, Member), PolicyUnderwrite, PolicyInsurer, true},
		{"insurer cannot underwrite another's", principal(Insurer, Admin), PolicyUnderwrite, Granted, false},
		{"arbiter reads any policy", principal(Arbiter, Viewer), PolicyRead, Any, true},
		{"arbiter cannot underwrite", principal(Arbiter, Admin), PolicyUnderwrite, Any, false},
		{"arbiter cannot read evidence", principal(Arbiter, Admin), EvidenceRead, Any, false},
		{"consortium creates orgs", principal(Consortium, Admin), OrgCreate, Any, true},
		{"consortium member cannot", principal(Consortium, Member), OrgCreate, Any, false},
		{"consortium imports feeds", principal(Consortium, Member), FeedsImport, Any, true},
		{"insurer cannot import feeds", principal(Insurer, Admin), FeedsImport, Any, false},
		{"firm manages grants", principal(Firm, Admin), GrantWrite, Own, true},
		{"firm member cannot grant", principal(Firm, Member), GrantWrite, Own, false},
		{"firm cancels own policy as admin", principal(Firm, Admin), PolicyCancel, Own, true},
		{"viewer makes tokens for itself", principal(Insurer, Viewer), TokenCreate, Own, true},
		{"token of no scope", principal(Firm, Admin, Scope("nope")), PolicyRead, Own, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allowed(tt.p, tt.a, tt.rel); got != tt.want {
				t.Errorf("Allowed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEveryActionHasARule(t *testing.T) {
	for a, rules := range Rules {
		if len(rules) == 0 {
			t.Errorf("%s has no rule", a)
		}
		for _, r := range rules {
			if r.Level < Read || r.Level > Manage || len(r.Kinds) == 0 {
				t.Errorf("%s: malformed rule %+v", a, r)
			}
		}
	}
}

func TestVisibleIgnoresLevel(t *testing.T) {
	p := principal(Firm, Viewer)
	if !Visible(p, EvidenceUpload, Own) || Allowed(p, EvidenceUpload, Own) {
		t.Error("a viewer sees its own evidence but may not upload")
	}
	if Visible(principal(Insurer, Admin), EvidenceRead, Any) {
		t.Error("an ungranted insurer must not see a firm's evidence")
	}
}

func TestParseScopes(t *testing.T) {
	got, err := ParseScopes([]string{"write", "read", "read"})
	if err != nil || len(got) != 2 || got[0] != ScopeRead || got[1] != ScopeWrite {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := ParseScopes([]string{"root"}); err == nil {
		t.Error("unknown scope accepted")
	}
	all, _ := ParseScopes(nil)
	if len(all) != 3 {
		t.Errorf("default scopes %v", all)
	}
}

func TestTokens(t *testing.T) {
	r := bytes.NewReader(bytes.Repeat([]byte{7}, 80))
	tok, err := NewToken(r)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ParseToken(tok.Secret)
	if err != nil || id != tok.ID {
		t.Fatalf("ParseToken(%q) = %q, %v; want %q", tok.Secret, id, err, tok.ID)
	}
	if !SecretMatches(tok.Secret, tok.Hash) {
		t.Error("secret does not match its own hash")
	}
	if strings.Contains(tok.Hash, tok.Secret) {
		t.Error("hash holds the secret")
	}
	forged := tok.Secret[:len(tok.Secret)-1] + "A"
	if forged == tok.Secret {
		forged = tok.Secret[:len(tok.Secret)-1] + "B"
	}
	if SecretMatches(forged, tok.Hash) {
		t.Error("forged secret matches")
	}
	for _, bad := range []string{"", "ins_", "Bearer x", "ins_zz_abc", tok.Secret + "x", "ins_0707070707070707", strings.Repeat("a", 500)} {
		if _, err := ParseToken(bad); err == nil {
			t.Errorf("ParseToken(%q) accepted", bad)
		}
	}
	if _, err := NewToken(bytes.NewReader(nil)); err == nil {
		t.Error("NewToken without randomness succeeded")
	}
}
