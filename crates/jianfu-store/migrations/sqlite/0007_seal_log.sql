-- The seal-use log (用印登记): one district-wide, append-only, hash-chained log of every use of a
-- community seal, with an RFC 6962 Merkle tree and signed checkpoints. See docs/seal.md.
-- Hashes are lower-case hex. One serial chain: on a sharded engine these tables stay together on
-- one node (the chain cannot be spread), like the audit trail.

-- Entries. seq is gapless from 1 and is also the Merkle leaf index + 1. Personal data is not
-- here: personal_digest covers it, and the data itself is in seal_personal.
CREATE TABLE seal_entries (
    seq             BIGINT PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
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
    entry_hash      TEXT NOT NULL
);
CREATE INDEX seal_entries_community ON seal_entries (community_code, seq);

-- Applicant and contact, kept apart so the retention rule can delete them (with the salt) without
-- touching the chain. Deletable, never updatable.
CREATE TABLE seal_personal (
    seq       BIGINT PRIMARY KEY REFERENCES seal_entries (seq),
    salt      TEXT NOT NULL,
    applicant TEXT NOT NULL,
    contact   TEXT NOT NULL
);

-- Completed perfect subtrees of level >= 1. node = (seq of the subtree's last leaf) * 64 + level,
-- so ordering by node is creation order. Leaves are seal_entries.leaf_hash.
CREATE TABLE seal_nodes (
    node BIGINT PRIMARY KEY,
    hash TEXT NOT NULL
);

-- The head: size, last entry hash, the log's algorithm (fixed by the first entry) and the Merkle
-- frontier (the perfect subtrees of the current tree, largest first, hex concatenated). Written
-- with the first entry; appends read and update it inside the audited transaction, which already
-- serialises writers.
CREATE TABLE seal_head (
    log      TEXT PRIMARY KEY,
    size     BIGINT NOT NULL,
    hash     TEXT NOT NULL,
    hash_alg TEXT NOT NULL,
    frontier TEXT NOT NULL
);

-- Signed checkpoints over the tree head. Append-only.
CREATE TABLE seal_checkpoints (
    size      BIGINT NOT NULL,
    signed_at BIGINT NOT NULL,
    root      TEXT NOT NULL,
    hash_alg  TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (size, signed_at)
);

CREATE TRIGGER seal_entries_no_update BEFORE UPDATE ON seal_entries
BEGIN SELECT RAISE(ABORT, 'seal_entries is append-only'); END;
CREATE TRIGGER seal_entries_no_delete BEFORE DELETE ON seal_entries
BEGIN SELECT RAISE(ABORT, 'seal_entries is append-only'); END;
CREATE TRIGGER seal_nodes_no_update BEFORE UPDATE ON seal_nodes
BEGIN SELECT RAISE(ABORT, 'seal_nodes is append-only'); END;
CREATE TRIGGER seal_nodes_no_delete BEFORE DELETE ON seal_nodes
BEGIN SELECT RAISE(ABORT, 'seal_nodes is append-only'); END;
CREATE TRIGGER seal_checkpoints_no_update BEFORE UPDATE ON seal_checkpoints
BEGIN SELECT RAISE(ABORT, 'seal_checkpoints is append-only'); END;
CREATE TRIGGER seal_checkpoints_no_delete BEFORE DELETE ON seal_checkpoints
BEGIN SELECT RAISE(ABORT, 'seal_checkpoints is append-only'); END;
-- Personal data may be deleted (retention), never changed.
CREATE TRIGGER seal_personal_no_update BEFORE UPDATE ON seal_personal
BEGIN SELECT RAISE(ABORT, 'seal_personal may be deleted, never changed'); END;
