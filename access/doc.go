// Package access holds the rules of who may do what in the insurable
// service, as plain data and pure functions with no knowledge of HTTP or
// SQL.
//
// Every caller is a Principal: a user of one organisation, acting through an
// API token. An organisation has a kind (firm, insurer, assessor,
// consortium, arbiter); a user has a role in it (admin, member, viewer); a
// token carries scopes (read, write, admin) that can only narrow what the
// role allows. What a principal may do to a resource depends on its
// organisation's kind and on its Relation to the resource: the firm itself,
// an organisation the firm has granted access to, the insurer of a policy,
// or the owner of a record. Rules lists, for every Action, the kinds,
// relations and level that allow it; Allowed is the one place that applies
// them.
//
// Tokens are random secrets shown once and stored only as their SHA-256
// (see NewToken and ParseToken).
package access
