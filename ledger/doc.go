// Package ledger is the domain of insurable's tamper-evident decision
// log: what is logged, how it is encoded, and how anyone checks it.
//
// Every assessment (the decision and the digests of its evidence,
// catalog, profile, feeds and result) and every policy transition
// (application, assessment, quote, issue, renewal, suspension,
// reinstatement, grace periods, lapse, cancellation) is appended to a
// transparency log as an Entry: RFC 8785 canonical JSON, versioned by
// its Format, carrying identifiers, digests, decisions and states but no
// evidence and no free text, so that the log can be public.
//
// The log is a Merkle tree in the C2SP tlog-tiles layout, kept by
// transparency-dev/tessera (package ledger/tlog). Its checkpoints are
// signed notes (C2SP signed-note, Ed25519) under a key whose name is the
// log's origin. A Proof bundles an entry, its index, a signed checkpoint
// and the Merkle inclusion proof: Proof.Check needs nothing but the
// log's public key. CheckLog verifies the log as a whole — signature,
// consistency with a trusted checkpoint, and the root recomputed from
// every entry — and the underwriting package compares each database
// record with its entry to produce a Report.
//
// The package knows neither tessera's storage, nor SQL, nor HTTP.
package ledger
