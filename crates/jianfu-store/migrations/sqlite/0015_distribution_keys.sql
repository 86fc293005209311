-- Keys a distributed engine accepts (issue 14 §3): every primary and unique key of a distributed
-- table contains its distribution column (see crates/jianfu-store/src/distribution.rs).
-- Access numbers stay unique district-wide (one counter hands them out); the index now also
-- names the department, the distribution column of assignments.
DROP INDEX assignments_access_number;
CREATE UNIQUE INDEX assignments_access_number ON assignments (department_code, access_number);

-- Certificates are distributed by community: the number (which embeds the community code) is
-- unique within its community. SQLite cannot change a primary key in place: rebuild the table.
CREATE TABLE certificates_rebuilt (
    -- e.g. ZM110115001901-2026-000001: embeds the community and the year.
    number           TEXT NOT NULL,
    community_code   TEXT NOT NULL REFERENCES orgs (code),
    application_id   TEXT NOT NULL,
    item_code        TEXT NOT NULL,
    title            TEXT NOT NULL,
    addressee        TEXT NOT NULL,
    body_enc         TEXT NOT NULL,
    holder_masked    TEXT NOT NULL,
    issued_on        TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    issued_by        TEXT NOT NULL,
    approved_by      TEXT NOT NULL,
    verify_code_hash TEXT NOT NULL,
    verify_code_enc  TEXT NOT NULL,
    seal_seq         BIGINT NOT NULL,
    status           TEXT NOT NULL,
    revoked_at       BIGINT,
    revoked_by       TEXT,
    revoke_reason    TEXT,
    idempotency_key  TEXT NOT NULL,
    PRIMARY KEY (community_code, number),
    FOREIGN KEY (community_code, application_id) REFERENCES certificate_applications (community_code, id)
);
INSERT INTO certificates_rebuilt SELECT * FROM certificates;
DROP TABLE certificates;
ALTER TABLE certificates_rebuilt RENAME TO certificates;
CREATE UNIQUE INDEX certificates_idempotency ON certificates (community_code, idempotency_key);
CREATE UNIQUE INDEX certificates_application ON certificates (community_code, application_id);
CREATE INDEX certificates_community ON certificates (community_code, issued_at);
