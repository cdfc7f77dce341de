-- The decision log's outbox: every assessment and transition queues its
-- entry here in the transaction that records it; the log's appender
-- appends queued entries to the transparency log and records the index
-- each got (idx stays NULL until then). A lease lets one replica at a
-- time append; ledger_meta pins the log's public key.
CREATE TABLE ledger (
  seq {{ID}},
  record TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  policy TEXT NOT NULL,
  entry {{BLOB}} NOT NULL,
  idx BIGINT,
  created BIGINT NOT NULL
);
CREATE INDEX ledger_idx ON ledger(idx, seq);
CREATE INDEX ledger_policy ON ledger(policy, seq);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until_ms BIGINT NOT NULL
);
CREATE TABLE ledger_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
