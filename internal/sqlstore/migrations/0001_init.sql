-- The first schema of the insurable service. {{BLOB}} and {{ID}} are
-- replaced by each database's types.
CREATE TABLE orgs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org TEXT NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  created BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org, id);
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  hash TEXT NOT NULL,
  scopes TEXT NOT NULL,
  expires BIGINT NOT NULL,
  created BIGINT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens(user_id, id);
CREATE TABLE grants (
  firm TEXT NOT NULL REFERENCES orgs(id),
  org TEXT NOT NULL REFERENCES orgs(id),
  created BIGINT NOT NULL,
  PRIMARY KEY (firm, org)
);
CREATE INDEX grants_org ON grants(org);
CREATE TABLE blobs (
  digest TEXT PRIMARY KEY,
  data {{BLOB}} NOT NULL
);
CREATE TABLE evidence (
  firm TEXT NOT NULL REFERENCES orgs(id),
  id TEXT NOT NULL,
  seq {{ID}},
  archive TEXT NOT NULL REFERENCES blobs(digest),
  doc TEXT NOT NULL,
  created BIGINT NOT NULL,
  UNIQUE (firm, id)
);
CREATE TABLE keys (
  id TEXT NOT NULL,
  org TEXT NOT NULL REFERENCES orgs(id),
  pem TEXT NOT NULL,
  created BIGINT NOT NULL,
  PRIMARY KEY (org, id)
);
CREATE TABLE scans (
  id TEXT PRIMARY KEY,
  firm TEXT NOT NULL REFERENCES orgs(id),
  doc TEXT NOT NULL
);
CREATE INDEX scans_firm ON scans(firm, id);
CREATE TABLE profiles (
  id TEXT PRIMARY KEY,
  insurer TEXT NOT NULL REFERENCES orgs(id),
  doc TEXT NOT NULL
);
CREATE INDEX profiles_insurer ON profiles(insurer, id);
CREATE TABLE policies (
  id TEXT PRIMARY KEY,
  firm TEXT NOT NULL REFERENCES orgs(id),
  insurer TEXT NOT NULL REFERENCES orgs(id),
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX policies_firm ON policies(firm, id);
CREATE INDEX policies_insurer ON policies(insurer, id);
CREATE INDEX policies_state ON policies(state, id);
CREATE TABLE transitions (
  id TEXT PRIMARY KEY,
  policy TEXT NOT NULL REFERENCES policies(id),
  seq INTEGER NOT NULL,
  doc TEXT NOT NULL,
  UNIQUE (policy, seq)
);
CREATE TABLE assessments (
  id TEXT PRIMARY KEY,
  policy TEXT NOT NULL REFERENCES policies(id),
  doc TEXT NOT NULL,
  result {{BLOB}} NOT NULL
);
CREATE INDEX assessments_policy ON assessments(policy, id);
CREATE TABLE remediation (
  policy TEXT NOT NULL REFERENCES policies(id),
  id TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (policy, id)
);
CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  firm TEXT NOT NULL,
  insurer TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX alerts_firm ON alerts(firm, id);
CREATE INDEX alerts_insurer ON alerts(insurer, id);
CREATE TABLE advisories (
  id TEXT PRIMARY KEY,
  digest TEXT NOT NULL,
  title TEXT NOT NULL,
  doc {{BLOB}} NOT NULL,
  imported BIGINT NOT NULL
);
CREATE TABLE feed_state (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO feed_state(name, value) VALUES ('generation', 0);
CREATE TABLE jobs (
  id {{ID}},
  kind TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  error TEXT NOT NULL DEFAULT '',
  created BIGINT NOT NULL
);
CREATE INDEX jobs_state ON jobs(state, id);
