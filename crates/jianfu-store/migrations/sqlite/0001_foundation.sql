-- Foundation: organisations, accounts, sessions, API tokens, the audit trail.
-- Times are epoch milliseconds (BIGINT) and IDs are UUIDv7 text, so rows move between SQLite and
-- PostgreSQL unchanged. See docs/storage.md for the distribution-key choice.

CREATE TABLE orgs (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('district', 'street', 'town', 'community', 'department')),
    parent_code TEXT REFERENCES orgs (code),
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL,
    org_code            TEXT NOT NULL REFERENCES orgs (code),
    roles               TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins       BIGINT NOT NULL DEFAULT 0,
    locked_until        BIGINT,
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE INDEX users_org ON users (org_code);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('web', 'api')),
    csrf_token   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE audit_log (
    chain       TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    id          TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT,
    actor_role  TEXT,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL,
    result      TEXT NOT NULL,
    client_addr TEXT,
    request_id  TEXT,
    detail      TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (chain, seq),
    UNIQUE (chain, id)
);
CREATE INDEX audit_log_at ON audit_log (chain, at);
CREATE INDEX audit_log_actor ON audit_log (chain, actor);

-- The chain head: the last sequence number and hash. Every audited transaction locks this row
-- first, which serialises appends across processes (server and CLI alike).
CREATE TABLE audit_head (
    chain TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO audit_head (chain, seq, hash)
VALUES ('audit', 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The trail is append-only for every database user jianfu connects as.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
