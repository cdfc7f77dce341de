// Package pki validates X.509 certificates against an organisation's own root
// of trust, offline and at a given time, the way a careful auditor with
// openssl would: path validation through the intermediates to the root
// (crypto/x509), validity period, revocation by CRLs whose own signature and
// freshness are checked, key strength, key usage and extended key usage for
// the certificate's purpose, name constraints, and the same key on two
// subjects.
//
// A Verifier is built once from the roots, intermediates and CRLs and a time,
// then verifies any number of certificates concurrently. Every verdict is one
// of the Status values with a reason a person can act on.
package pki
