package pki

// Status is the verdict on one certificate.
type Status string

// The statuses, in the order of precedence in which a certificate with
// several problems is reported: the first that applies wins.
const (
	Valid        Status = "valid"
	Malformed    Status = "malformed"     // not a parseable certificate
	Untrusted    Status = "untrusted"     // no path to the root, name constraints broken, or revocation unknown
	Revoked      Status = "revoked"       // listed on its issuer's CRL, or an issuing CA is
	Expired      Status = "expired"       // it or an issuing CA is past its NotAfter
	NotYetValid  Status = "not-yet-valid" // it or an issuing CA starts after the time of verification
	WeakKey      Status = "weak-key"      // a key or signature algorithm below the key policy
	BadUsage     Status = "bad-usage"     // key usage, extended key usage or CA flag unfit for the purpose
	DuplicateKey Status = "duplicate-key" // the same public key certified for another subject
)

// Statuses lists every status in order of precedence after Valid.
var Statuses = []Status{Valid, Malformed, Untrusted, Revoked, Expired, NotYetValid, WeakKey, BadUsage, DuplicateKey}
