-- Resident certificates (三(四)): applications with their materials, and the certificates issued under
-- the community seal. Every use of the seal is also an entry of the seal log (0007). Distributed by
-- community_code (in every primary key but the certificate number's, which embeds it).
CREATE TABLE certificate_applications (
    community_code      TEXT NOT NULL REFERENCES orgs (code),
    id                  TEXT NOT NULL,
    item_code           TEXT NOT NULL,
    item_name           TEXT NOT NULL,
    catalog_version     TEXT NOT NULL,
    -- Personal data; emptied by the retention rule (purged_at set).
    applicant_name      TEXT NOT NULL,
    -- AES-256-GCM under the data key ("v1:" + base64(nonce ‖ ciphertext)); never stored in clear.
    id_number_enc       TEXT NOT NULL,
    -- Last four characters, for masked display and search.
    id_number_last4     TEXT NOT NULL,
    phone               TEXT NOT NULL,
    -- Org code the applicant declares as 户籍所在社区.
    household_community TEXT NOT NULL,
    reason              TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    asking_unit         TEXT NOT NULL,
    asking_article      TEXT NOT NULL,
    -- When the applicant confirmed the truthfulness pledge (承诺).
    pledged_at          BIGINT NOT NULL,
    -- online | window
    channel             TEXT NOT NULL,
    -- The resident's account (online) and the worker who entered it (window).
    applicant_user      TEXT,
    entered_by          TEXT,
    -- submitted | verified | approved | issued | refused | withdrawn
    status              TEXT NOT NULL,
    submitted_at        BIGINT NOT NULL,
    -- YYYY-MM-DD: submitted day + the item's time limit in working days.
    due_on              TEXT NOT NULL,
    -- JSON object: the facts the worker filled into the certificate's template.
    facts               TEXT NOT NULL,
    verified_by         TEXT,
    verified_at         BIGINT,
    verify_note         TEXT,
    approved_by         TEXT,
    approved_at         BIGINT,
    decided_by          TEXT,
    decided_at          BIGINT,
    refusal_reason      TEXT,
    -- A client's retry of the same submission carries the same key and gets the same application.
    idempotency_key     TEXT,
    purged_at           BIGINT,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (community_code, id)
);
CREATE UNIQUE INDEX certificate_applications_idempotency
    ON certificate_applications (community_code, idempotency_key);
CREATE INDEX certificate_applications_status ON certificate_applications (community_code, status, due_on);
CREATE INDEX certificate_applications_user ON certificate_applications (applicant_user, submitted_at);
CREATE INDEX certificate_applications_retention ON certificate_applications (purged_at, updated_at);

CREATE TABLE certificate_materials (
    community_code TEXT NOT NULL,
    application_id TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    -- id_card | hukou | evidence …: which requirement of the item it answers.
    material       TEXT NOT NULL,
    -- pdf | jpeg | png, detected from the content; the original file name is never stored.
    kind           TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    bytes          BLOB NOT NULL,
    PRIMARY KEY (community_code, application_id, seq),
    FOREIGN KEY (community_code, application_id) REFERENCES certificate_applications (community_code, id)
);

CREATE TABLE certificates (
    -- e.g. ZM110115001901-2026-000001: embeds the community and the year.
    number           TEXT NOT NULL PRIMARY KEY,
    community_code   TEXT NOT NULL REFERENCES orgs (code),
    application_id   TEXT NOT NULL,
    item_code        TEXT NOT NULL,
    title            TEXT NOT NULL,
    addressee        TEXT NOT NULL,
    -- The filled certificate text, encrypted like id numbers (it names the person); emptied by retention.
    body_enc         TEXT NOT NULL,
    -- Masked name shown by public verification, e.g. 张*明.
    holder_masked    TEXT NOT NULL,
    issued_on        TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    issued_by        TEXT NOT NULL,
    approved_by      TEXT NOT NULL,
    -- SHA-256 (hex) of the normalised verification code; the code itself is kept encrypted for reprints.
    verify_code_hash TEXT NOT NULL,
    verify_code_enc  TEXT NOT NULL,
    -- The seal-log entry of this use of the seal.
    seal_seq         BIGINT NOT NULL,
    -- valid | revoked
    status           TEXT NOT NULL,
    revoked_at       BIGINT,
    revoked_by       TEXT,
    revoke_reason    TEXT,
    idempotency_key  TEXT NOT NULL,
    FOREIGN KEY (community_code, application_id) REFERENCES certificate_applications (community_code, id)
);
CREATE UNIQUE INDEX certificates_idempotency ON certificates (community_code, idempotency_key);
CREATE UNIQUE INDEX certificates_application ON certificates (community_code, application_id);
CREATE INDEX certificates_community ON certificates (community_code, issued_at);

-- The next certificate number per community and year (gapless, allocated inside the issuing transaction).
CREATE TABLE certificate_counters (
    community_code TEXT NOT NULL,
    year           BIGINT NOT NULL,
    next_seq       BIGINT NOT NULL,
    PRIMARY KEY (community_code, year)
);
