-- One seal log per community (docs/plans/seal-logs-per-community.md), keyed by `log` = the
-- community code, so issuing a certificate in one community never locks a row another community
-- needs. Existing rows become the frozen legacy log 'seal'. Run with the service stopped (the
-- rebuild below needs about twice the disk space of the seal tables).

-- SQLite cannot change a primary key: rebuild seal_entries, seal_personal and seal_nodes. Renaming
-- takes each table's triggers and indexes along (and points seal_personal's FK at
-- seal_entries_old); dropping the old tables, child first, drops them too. The implicit DELETE of
-- DROP TABLE fires no triggers.
ALTER TABLE seal_entries RENAME TO seal_entries_old;
ALTER TABLE seal_personal RENAME TO seal_personal_old;
ALTER TABLE seal_nodes RENAME TO seal_nodes_old;

-- seq is gapless from 1 within its log. A community's log holds only that community's entries.
CREATE TABLE seal_entries (
    -- The community code, or 'seal' for the legacy district log.
    log             TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    id              TEXT NOT NULL,
    used_at         BIGINT NOT NULL,
    community_code  TEXT NOT NULL REFERENCES orgs (code),
    -- certificate | document
    kind            TEXT NOT NULL,
    -- e.g. certificate:ZM110115001901-2026-000001; empty for work documents.
    subject         TEXT NOT NULL,
    content         TEXT NOT NULL,
    copies          BIGINT NOT NULL,
    approver        TEXT NOT NULL,
    handler         TEXT NOT NULL,
    personal_digest TEXT NOT NULL,
    hash_alg        TEXT NOT NULL,
    leaf_hash       TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    entry_hash      TEXT NOT NULL,
    PRIMARY KEY (log, seq),
    UNIQUE (log, id),
    CHECK (log = 'seal' OR log = community_code),
    -- Positions start at 1: an entry at 0 or below would be listed but never verified.
    CHECK (seq >= 1)
);

-- used_at is copied from the entry (not hashed) so the retention rule finds its rows by index.
CREATE TABLE seal_personal (
    log       TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    salt      TEXT NOT NULL,
    applicant TEXT NOT NULL,
    contact   TEXT NOT NULL,
    used_at   BIGINT NOT NULL,
    PRIMARY KEY (log, seq),
    FOREIGN KEY (log, seq) REFERENCES seal_entries (log, seq)
);

-- node = (seq of the subtree's last leaf within its log) * 64 + level.
CREATE TABLE seal_nodes (
    log  TEXT NOT NULL,
    node BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (log, node)
);

INSERT INTO seal_entries
SELECT 'seal', seq, id, used_at, community_code, kind, subject, content, copies, approver, handler,
       personal_digest, hash_alg, leaf_hash, prev_hash, entry_hash
FROM seal_entries_old;
-- LEFT JOIN: a personal row without its entry fails on NOT NULL instead of being dropped.
INSERT INTO seal_personal
SELECT 'seal', p.seq, p.salt, p.applicant, p.contact, e.used_at
FROM seal_personal_old p LEFT JOIN seal_entries_old e ON e.seq = p.seq;
INSERT INTO seal_nodes SELECT 'seal', node, hash FROM seal_nodes_old;

DROP TABLE seal_personal_old;
DROP TABLE seal_entries_old;
DROP TABLE seal_nodes_old;

CREATE INDEX seal_entries_community ON seal_entries (community_code, used_at, log, seq);
CREATE INDEX seal_entries_used ON seal_entries (used_at, log, seq);
CREATE INDEX seal_personal_used ON seal_personal (used_at);

-- The 0007 guards, unchanged.
CREATE TRIGGER seal_entries_no_update BEFORE UPDATE ON seal_entries
BEGIN SELECT RAISE(ABORT, 'seal_entries is append-only'); END;
CREATE TRIGGER seal_entries_no_delete BEFORE DELETE ON seal_entries
BEGIN SELECT RAISE(ABORT, 'seal_entries is append-only'); END;
CREATE TRIGGER seal_nodes_no_update BEFORE UPDATE ON seal_nodes
BEGIN SELECT RAISE(ABORT, 'seal_nodes is append-only'); END;
CREATE TRIGGER seal_nodes_no_delete BEFORE DELETE ON seal_nodes
BEGIN SELECT RAISE(ABORT, 'seal_nodes is append-only'); END;
-- Personal data may be deleted (retention), never changed.
CREATE TRIGGER seal_personal_no_update BEFORE UPDATE ON seal_personal
BEGIN SELECT RAISE(ABORT, 'seal_personal may be deleted, never changed'); END;

-- NULL: a checkpoint over the legacy log 'seal' alone. Otherwise JSON: the heads of every log it
-- commits to, the leaves of `root`.
ALTER TABLE seal_checkpoints ADD COLUMN heads TEXT;

-- Existing certificates point into the legacy log; new ones into their community's.
ALTER TABLE certificates ADD COLUMN seal_log TEXT NOT NULL DEFAULT 'seal';
