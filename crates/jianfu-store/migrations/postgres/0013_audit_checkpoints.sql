-- Signed checkpoints of the audit trail: every chain's head under one Merkle root, signed with the
-- seal log's key (docs/storage.md, "审计链"). Append-only.
CREATE TABLE audit_checkpoints (
    signed_at BIGINT NOT NULL,
    size      BIGINT NOT NULL,
    root      TEXT NOT NULL,
    hash_alg  TEXT NOT NULL,
    key_id    TEXT NOT NULL,
    signature TEXT NOT NULL,
    -- JSON: [{"chain":…,"seq":…,"hash":…}, …] sorted by chain; the leaves of `root`.
    heads     TEXT NOT NULL,
    PRIMARY KEY (signed_at, size)
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION seal_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION seal_append_only();
-- Retention deletes rows one by one; emptying the table at once is never legitimate.
CREATE TRIGGER seal_personal_no_truncate BEFORE TRUNCATE ON seal_personal
FOR EACH STATEMENT EXECUTE FUNCTION seal_personal_no_change();
