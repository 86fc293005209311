-- Work that bypassed the gate (违规下派), reported by communities with evidence, decided by
-- supervisors. Distributed by community_code (in every primary key) on a sharded engine.
CREATE TABLE violation_reports (
    community_code          TEXT NOT NULL REFERENCES orgs (code),
    id                      TEXT NOT NULL,
    -- The department, street or town the work came from.
    department_code         TEXT NOT NULL REFERENCES orgs (code),
    title                   TEXT NOT NULL,
    description             TEXT NOT NULL,
    -- document | phone | wechat | app | other
    channel                 TEXT NOT NULL,
    -- YYYY-MM-DD, the day the community received the work.
    received_on             TEXT NOT NULL,
    -- Username of the reporter; never shown to the department or the public.
    reported_by             TEXT NOT NULL,
    reported_at             BIGINT NOT NULL,
    -- reported | confirmed | dismissed
    status                  TEXT NOT NULL,
    decided_by              TEXT,
    decided_at              BIGINT,
    decision_comment        TEXT,
    -- Confirmed work is revoked/terminated (撤销、终止).
    revoked                 BOOLEAN NOT NULL DEFAULT FALSE,
    department_response     TEXT,
    department_responded_at BIGINT,
    PRIMARY KEY (community_code, id)
);
CREATE INDEX violation_reports_department ON violation_reports (department_code, status);
CREATE INDEX violation_reports_status ON violation_reports (status, decided_at);

CREATE TABLE violation_evidence (
    community_code TEXT NOT NULL,
    report_id      TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    -- pdf | jpeg | png, detected from the content; the original file name is never stored.
    kind           TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    bytes          BYTEA NOT NULL,
    PRIMARY KEY (community_code, report_id, seq),
    FOREIGN KEY (community_code, report_id) REFERENCES violation_reports (community_code, id)
);
