-- Sessions of the web interface, opened with an API token. The id is the
-- SHA-256 of the secret held in the browser's cookie.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  token TEXT NOT NULL REFERENCES tokens(id),
  created BIGINT NOT NULL,
  expires BIGINT NOT NULL
);
CREATE INDEX sessions_token ON sessions(token);
