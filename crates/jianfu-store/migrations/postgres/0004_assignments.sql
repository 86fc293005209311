-- Requests from departments through the gate (准入事项), their events, the communities they
-- address, the access-number counter and the funding ledger (费随事转).
-- Distribution columns are in the primary keys: department_code for cases, community_code for
-- targets and funding rows (see docs/storage.md).
CREATE TABLE assignments (
    department_code  TEXT NOT NULL,
    id               TEXT NOT NULL,
    title            TEXT NOT NULL,
    item_code        TEXT,
    community_role   TEXT NOT NULL,
    status           TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    catalog_version  TEXT NOT NULL,
    request_json     TEXT NOT NULL,
    decision_json    TEXT NOT NULL,
    all_communities  BOOLEAN NOT NULL,
    requires_funding BOOLEAN NOT NULL,
    period_from      TEXT NOT NULL,
    period_to        TEXT NOT NULL,
    access_number    TEXT,
    valid_from       TEXT,
    valid_to         TEXT,
    deadline_at      BIGINT,
    escalated_at     BIGINT,
    review_outcome   TEXT,
    review_comment   TEXT,
    submitted_by     TEXT NOT NULL,
    submitted_at     BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (department_code, id)
);
CREATE INDEX assignments_by_id ON assignments (id);
CREATE INDEX assignments_pending ON assignments (status, deadline_at);
CREATE UNIQUE INDEX assignments_access_number ON assignments (access_number);

CREATE TABLE assignment_targets (
    community_code TEXT NOT NULL,
    assignment_id  TEXT NOT NULL,
    street_code    TEXT NOT NULL,
    PRIMARY KEY (community_code, assignment_id)
);
CREATE INDEX assignment_targets_by_case ON assignment_targets (assignment_id);
CREATE INDEX assignment_targets_by_street ON assignment_targets (street_code);

CREATE TABLE assignment_events (
    assignment_id TEXT NOT NULL,
    id            TEXT NOT NULL,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    actor_org     TEXT,
    action        TEXT NOT NULL,
    from_status   TEXT,
    to_status     TEXT NOT NULL,
    comment       TEXT NOT NULL,
    PRIMARY KEY (assignment_id, id)
);

CREATE TABLE access_number_counters (
    year     BIGINT NOT NULL PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE funding_ledger (
    community_code  TEXT NOT NULL,
    assignment_id   TEXT NOT NULL,
    department_code TEXT NOT NULL,
    amount_fen      BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    period_from     TEXT NOT NULL,
    period_to       TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (community_code, assignment_id)
);
CREATE INDEX funding_ledger_by_department ON funding_ledger (department_code);
CREATE INDEX funding_ledger_by_case ON funding_ledger (assignment_id);
