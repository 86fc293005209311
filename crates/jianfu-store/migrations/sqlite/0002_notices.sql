-- In-app notices, addressed to an organisation (and optionally one role there).
-- Distributed by org_code (in the primary key) on a sharded engine.
CREATE TABLE notices (
    org_code   TEXT NOT NULL REFERENCES orgs (code),
    id         TEXT NOT NULL,
    role       TEXT,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    PRIMARY KEY (org_code, id)
);
CREATE INDEX notices_recent ON notices (org_code, created_at);
