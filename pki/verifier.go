package pki

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/insurable/insurable"
)

const opNew insurable.Op = "pki.New"

// Config is what a Verifier trusts and when it verifies.
type Config struct {
	// Roots are the organisation's trust anchors; at least one.
	Roots []*x509.Certificate
	// Intermediates are CA certificates that may complete a path to a root.
	// Being listed here confers no trust.
	Intermediates []*x509.Certificate
	// CRLs are revocation lists. Each is used only when it is signed by the
	// CA it names and current at Time.
	CRLs []CRL
	// Time is the instant at which certificates and CRLs must be valid.
	Time time.Time
	// OptionalCRL, when CRLs are given, lets a certificate whose issuer has
	// no current CRL be valid. By default, once any CRL is given, a
	// certificate whose issuer has none has an unknown revocation status and
	// is untrusted (as with openssl verify -crl_check).
	OptionalCRL bool
}

// Verifier validates certificates against a fixed set of roots,
// intermediates and CRLs at a fixed time. It is safe for concurrent use.
type Verifier struct {
	at         time.Time
	roots      *x509.CertPool
	inter      *x509.CertPool
	rootList   []*x509.Certificate
	bySubject  map[string][]*x509.Certificate
	crls       *crlIndex
	requireCRL bool

	// shortcut enables the anchored fast path (see path); tests turn it
	// off to check that it never changes a verdict.
	shortcut bool
	anchors  sync.Map // *x509.Certificate (an issuing CA) → *anchor
}

// anchor is an issuing CA whose path to the root has been validated at the
// Verifier's time, so that its end-entity certificates can be checked
// against it alone.
type anchor struct {
	pool  *x509.CertPool
	upper []*x509.Certificate // the CA and its path to the root
}

// Result is the verdict on one certificate.
type Result struct {
	Status Status
	Reason string
	// Chain is the path found from the certificate to the root, leaf first,
	// when one was found (also for expired, revoked, weak and misused
	// certificates).
	Chain []*x509.Certificate
}

var anyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}

// New builds a Verifier. It fails when there is no root or no time; CRLs
// that cannot be used are not errors but are reported by CRLs.
func New(cfg Config) (*Verifier, error) {
	if len(cfg.Roots) == 0 {
		return nil, insurable.Errorf(opNew, insurable.Invalid, "no root certificate: the organisation's root of trust is required")
	}
	if cfg.Time.IsZero() {
		return nil, insurable.Errorf(opNew, insurable.Invalid, "no time of verification")
	}
	v := &Verifier{
		at:         cfg.Time,
		roots:      x509.NewCertPool(),
		inter:      x509.NewCertPool(),
		bySubject:  map[string][]*x509.Certificate{},
		requireCRL: len(cfg.CRLs) > 0 && !cfg.OptionalCRL,
		shortcut:   true,
	}
	seen := map[[32]byte]bool{}
	var cas []*x509.Certificate
	add := func(c *x509.Certificate, root bool) {
		if c == nil || seen[certKey(c)] {
			return
		}
		seen[certKey(c)] = true
		if root {
			v.roots.AddCert(c)
			v.rootList = append(v.rootList, c)
		} else {
			v.inter.AddCert(c)
		}
		v.bySubject[string(c.RawSubject)] = append(v.bySubject[string(c.RawSubject)], c)
		cas = append(cas, c)
	}
	for _, c := range cfg.Roots {
		add(c, true)
	}
	for _, c := range cfg.Intermediates {
		add(c, false)
	}
	v.crls = indexCRLs(cfg.CRLs, cas, cfg.Time)
	return v, nil
}

// Time is the instant the Verifier verifies at.
func (v *Verifier) Time() time.Time { return v.at }

// CRLs reports what the Verifier concluded about each CRL it was given.
func (v *Verifier) CRLs() []CRLStatus { return append([]CRLStatus(nil), v.crls.states...) }

// Verify validates certificate c for purpose p. extra are untrusted
// certificates that came with c (such as the rest of its chain file) and
// may complete its path. The checks, in order, and the first that fails
// decides the status: a path to a root at all (untrusted), revocation of c
// or an issuing CA (revoked), validity periods (expired, not-yet-valid),
// a current CRL from c's issuer when CRLs are in use (untrusted), key and
// signature strength along the path (weak-key), and usage for p
// (bad-usage).
func (v *Verifier) Verify(c *x509.Certificate, extra []*x509.Certificate, p Purpose) Result {
	if c == nil {
		return Result{Status: Malformed, Reason: "no certificate"}
	}
	chain, err := v.path(c, extra, v.at)
	timeStatus, timeReason := Valid, ""
	if err != nil {
		shifted, serr := v.pathInWindow(c, extra)
		if serr != nil {
			if r := v.weakSignature(c, extra); r != "" {
				return Result{Status: WeakKey, Reason: r}
			}
			return Result{Status: Untrusted, Reason: v.untrustedReason(c, extra, err)}
		}
		chain = shifted
		timeStatus, timeReason = timeProblem(chain, v.at)
		if timeStatus == Valid {
			return Result{Status: Untrusted, Reason: v.untrustedReason(c, extra, err)}
		}
	}
	if len(chain) > MaxChainLength {
		return Result{Status: Untrusted, Reason: fmt.Sprintf("its path to the root holds %d certificates, more than the limit of %d", len(chain), MaxChainLength)}
	}
	if r := commonNameConstraintProblem(chain); r != "" {
		return Result{Status: Untrusted, Reason: r, Chain: chain}
	}
	unknown := ""
	for i := 0; i+1 < len(chain); i++ {
		ic, why := v.crls.lookup(chain[i+1], chain[i])
		if ic == nil {
			if i == 0 && v.requireCRL {
				unknown = fmt.Sprintf("revocation status unknown: no current CRL from its issuer %q", name(chain[1]))
				if len(why) > 0 {
					unknown += " (" + strings.Join(why, "; ") + ")"
				}
			}
			continue
		}
		if r, ok := ic.serials[serialKey(chain[i].SerialNumber)]; ok {
			if i == 0 {
				return Result{Status: Revoked, Reason: "certificate " + r.describe(), Chain: chain}
			}
			return Result{Status: Revoked, Reason: fmt.Sprintf("issuing CA %q was %s", name(chain[i]), r.describe()), Chain: chain}
		}
	}
	if timeStatus != Valid {
		return Result{Status: timeStatus, Reason: timeReason, Chain: chain}
	}
	if unknown != "" {
		return Result{Status: Untrusted, Reason: unknown, Chain: chain}
	}
	for i, cc := range chain {
		if kp := KeyProblem(cc.PublicKey); kp != "" {
			if i == 0 {
				return Result{Status: WeakKey, Reason: "its key is an " + kp, Chain: chain}
			}
			return Result{Status: WeakKey, Reason: fmt.Sprintf("issuing CA %q has an %s", name(cc), kp), Chain: chain}
		}
	}
	if u := usageProblem(c, p); u != "" {
		return Result{Status: BadUsage, Reason: "not fit for " + p.String() + ": " + u, Chain: chain}
	}
	if u := chainUsageProblem(chain, p); u != "" {
		return Result{Status: BadUsage, Reason: "not fit for " + p.String() + ": " + u, Chain: chain}
	}
	return Result{Status: Valid, Chain: chain}
}

// path finds a verified path from c to a root at time t with crypto/x509.
//
// Fast path: a fleet has thousands of certificates under the same issuing
// CA, and crypto/x509 would verify the CA's own signature again for each.
// Once a full verification has proven a CA's path to the root at the
// Verifier's time, its end-entity certificates are verified with that CA as
// the only anchor (crypto/x509 still checks the leaf's signature, validity,
// critical extensions and the CA's name constraints) and the proven path is
// appended. It is used only when nothing above the CA could constrain the
// leaf: no name or policy constraints higher up, no extra certificates, and
// a single candidate issuer; anything else, and every failure, takes the
// full verification.
func (v *Verifier) path(c *x509.Certificate, extra []*x509.Certificate, t time.Time) ([]*x509.Certificate, error) {
	fast := v.shortcut && len(extra) == 0 && t.Equal(v.at) && !(c.BasicConstraintsValid && c.IsCA)
	var issuer *x509.Certificate
	if fast {
		issuer = v.soleIssuer(c)
		if a, ok := v.anchors.Load(issuer); ok && issuer != nil {
			an := a.(*anchor)
			if _, err := c.Verify(x509.VerifyOptions{Roots: an.pool, CurrentTime: t, KeyUsages: anyUsage}); err == nil {
				return append([]*x509.Certificate{c}, an.upper...), nil
			}
		}
	}
	opts := x509.VerifyOptions{Roots: v.roots, Intermediates: v.inter, CurrentTime: t, KeyUsages: anyUsage}
	if len(extra) > 0 {
		pool := v.inter.Clone()
		for _, e := range extra {
			pool.AddCert(e)
		}
		opts.Intermediates = pool
	}
	chains, err := c.Verify(opts)
	if err != nil {
		return nil, err
	}
	chain := chains[0]
	for _, ch := range chains[1:] {
		if len(ch) < len(chain) {
			chain = ch
		}
	}
	if fast && issuer != nil && len(chain) >= 3 && bytes.Equal(chain[1].Raw, issuer.Raw) && unconstrained(chain[2:]) {
		pool := x509.NewCertPool()
		pool.AddCert(issuer)
		v.anchors.LoadOrStore(issuer, &anchor{pool: pool, upper: append([]*x509.Certificate(nil), chain[1:]...)})
	}
	return chain, nil
}

// soleIssuer returns the only CA that may have issued c, or nil when there
// are none or several.
func (v *Verifier) soleIssuer(c *x509.Certificate) *x509.Certificate {
	var found *x509.Certificate
	for _, ca := range v.bySubject[string(c.RawIssuer)] {
		if len(c.AuthorityKeyId) > 0 && len(ca.SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, ca.SubjectKeyId) {
			continue
		}
		if found != nil {
			return nil
		}
		found = ca
	}
	return found
}

// unconstrained reports whether no certificate of cs carries name or policy
// constraints, which would apply to certificates issued below them.
func unconstrained(cs []*x509.Certificate) bool {
	for _, c := range cs {
		if len(c.PermittedDNSDomains)+len(c.ExcludedDNSDomains)+len(c.PermittedIPRanges)+len(c.ExcludedIPRanges)+
			len(c.PermittedEmailAddresses)+len(c.ExcludedEmailAddresses)+len(c.PermittedURIDomains)+len(c.ExcludedURIDomains) > 0 {
			return false
		}
		if c.InhibitAnyPolicy > 0 || c.InhibitAnyPolicyZero || c.InhibitPolicyMapping > 0 || c.InhibitPolicyMappingZero ||
			c.RequireExplicitPolicy > 0 || c.RequireExplicitPolicyZero || len(c.PolicyMappings) > 0 {
			return false
		}
	}
	return true
}

// ancestors returns the CA certificates that could appear above c, nearest
// first, up to MaxChainLength levels.
func (v *Verifier) ancestors(c *x509.Certificate, extra []*x509.Certificate) []*x509.Certificate {
	bySubject := func(subject []byte) []*x509.Certificate {
		out := v.bySubject[string(subject)]
		for _, e := range extra {
			if bytes.Equal(e.RawSubject, subject) {
				out = append(out, e)
			}
		}
		return out
	}
	var out []*x509.Certificate
	seen := map[*x509.Certificate]bool{c: true}
	level := []*x509.Certificate{c}
	for depth := 0; depth < MaxChainLength && len(level) > 0; depth++ {
		var next []*x509.Certificate
		for _, x := range level {
			if bytes.Equal(x.RawIssuer, x.RawSubject) && depth > 0 {
				continue // a root: nothing above
			}
			for _, p := range bySubject(x.RawIssuer) {
				if !seen[p] {
					seen[p] = true
					out = append(out, p)
					next = append(next, p)
				}
			}
		}
		level = next
	}
	return out
}

// pathInWindow asks whether validity periods are the only problem with c's
// path at the Verifier's time. crypto/x509 checks every certificate at one
// instant and cannot be told to skip validity periods, so the path is
// built again from copies of c and of every CA that could be above it whose
// periods are stretched to include that instant (the signatures cover the
// raw TBS bytes, not the parsed fields, so they still verify), then mapped
// back to the originals. A path found means that only validity periods
// stood in the way; timeProblem then names the first certificate outside
// its period, as openssl, which checks each certificate's period
// separately, would.
func (v *Verifier) pathInWindow(c *x509.Certificate, extra []*x509.Certificate) ([]*x509.Certificate, error) {
	widen := func(x *x509.Certificate) *x509.Certificate {
		cp := *x
		if v.at.Before(cp.NotBefore) {
			cp.NotBefore = v.at
		}
		if v.at.After(cp.NotAfter) {
			cp.NotAfter = v.at
		}
		return &cp
	}
	isRoot := make(map[string]bool, len(v.rootList))
	for _, r := range v.rootList {
		isRoot[string(r.Raw)] = true
	}
	orig := map[string]*x509.Certificate{string(c.Raw): c}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, a := range v.ancestors(c, extra) {
		orig[string(a.Raw)] = a
		if isRoot[string(a.Raw)] {
			roots.AddCert(widen(a))
		} else {
			inter.AddCert(widen(a))
		}
	}
	chains, err := widen(c).Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: v.at, KeyUsages: anyUsage})
	if err != nil {
		return nil, err
	}
	chain := chains[0]
	for _, ch := range chains[1:] {
		if len(ch) < len(chain) {
			chain = ch
		}
	}
	out := make([]*x509.Certificate, len(chain))
	for i, x := range chain {
		out[i] = orig[string(x.Raw)]
		if out[i] == nil {
			return nil, errors.New("path through an unknown certificate")
		}
	}
	return out, nil
}

// timeProblem returns the first certificate of chain that is outside its
// validity period at t.
func timeProblem(chain []*x509.Certificate, t time.Time) (Status, string) {
	for i, c := range chain {
		who := "certificate"
		if i > 0 {
			who = fmt.Sprintf("issuing CA %q", name(c))
		}
		if t.After(c.NotAfter) {
			return Expired, fmt.Sprintf("%s expired on %s (verified as of %s)", who, day(c.NotAfter), day(t))
		}
		if t.Before(c.NotBefore) {
			return NotYetValid, fmt.Sprintf("%s is not valid before %s (verified as of %s)", who, day(c.NotBefore), day(t))
		}
	}
	return Valid, ""
}

// weakSignature explains a path that crypto/x509 refused because a
// certificate on it is signed with an insecure algorithm.
func (v *Verifier) weakSignature(c *x509.Certificate, extra []*x509.Certificate) string {
	if insecureSignature(c.SignatureAlgorithm) {
		return fmt.Sprintf("it is signed with %s, an insecure signature algorithm", c.SignatureAlgorithm)
	}
	for _, a := range v.ancestors(c, extra) {
		if !bytes.Equal(a.RawIssuer, a.RawSubject) && insecureSignature(a.SignatureAlgorithm) {
			return fmt.Sprintf("issuing CA %q is signed with %s, an insecure signature algorithm", name(a), a.SignatureAlgorithm)
		}
	}
	return ""
}

// untrustedReason explains why no path to a root was found.
func (v *Verifier) untrustedReason(c *x509.Certificate, extra []*x509.Certificate, err error) string {
	var roots []string
	for _, r := range v.rootList {
		roots = append(roots, fmt.Sprintf("%q", name(r)))
	}
	msg := strings.TrimPrefix(err.Error(), "x509: ")
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		if len(v.ancestors(c, extra)) == 0 {
			return fmt.Sprintf("its issuer %q is neither the root (%s) nor any given intermediate", c.Issuer.String(), strings.Join(roots, ", "))
		}
		return fmt.Sprintf("no valid path to the root %s: %s", strings.Join(roots, ", "), msg)
	}
	var ci x509.CertificateInvalidError
	if errors.As(err, &ci) {
		switch ci.Reason {
		case x509.CANotAuthorizedForThisName:
			return "outside the name constraints of an issuing CA: " + msg
		case x509.NotAuthorizedToSign:
			return "an issuing certificate is not a CA: " + msg
		case x509.TooManyIntermediates:
			return "a path length constraint is exceeded: " + msg
		}
	}
	return "no valid path to the root: " + msg
}

// commonNameConstraintProblem applies DNS name constraints to a
// certificate's common name when it has no subject alternative names and
// the common name looks like a host name, as OpenSSL does; crypto/x509
// ignores the common name.
func commonNameConstraintProblem(chain []*x509.Certificate) string {
	leaf := chain[0]
	cn := leaf.Subject.CommonName
	if len(leaf.DNSNames)+len(leaf.IPAddresses)+len(leaf.EmailAddresses)+len(leaf.URIs) > 0 || !looksLikeHost(cn) {
		return ""
	}
	cn = strings.ToLower(strings.TrimSuffix(cn, "."))
	for _, ca := range chain[1:] {
		if len(ca.PermittedDNSDomains) > 0 {
			ok := false
			for _, d := range ca.PermittedDNSDomains {
				if domainMatches(cn, d) {
					ok = true
				}
			}
			if !ok {
				return fmt.Sprintf("its common name %q is outside the DNS names CA %q may certify (%s)", cn, name(ca), strings.Join(ca.PermittedDNSDomains, ", "))
			}
		}
		for _, d := range ca.ExcludedDNSDomains {
			if domainMatches(cn, d) {
				return fmt.Sprintf("its common name %q is among the DNS names CA %q may not certify (%s)", cn, name(ca), d)
			}
		}
	}
	return ""
}

// looksLikeHost reports whether s is a dotted DNS name (and not an IP
// address).
func looksLikeHost(s string) bool {
	if !strings.Contains(s, ".") || net.ParseIP(s) != nil || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// domainMatches applies an RFC 5280 dNSName constraint: "example.com"
// covers itself and its subdomains, ".example.com" only subdomains.
func domainMatches(host, constraint string) bool {
	constraint = strings.ToLower(constraint)
	if constraint == "" {
		return true
	}
	if strings.HasPrefix(constraint, ".") {
		return strings.HasSuffix(host, constraint)
	}
	return host == constraint || strings.HasSuffix(host, "."+constraint)
}
