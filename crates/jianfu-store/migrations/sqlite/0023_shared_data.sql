-- Shared data, collected once (一表通): a community enters each figure once, every department
-- reads it from here instead of sending its own form. The elements shipped with jianfu live in a
-- data file; this table holds the ones departments propose. Values are scaled integers (the
-- element's scale says how many decimal places); periods are text keys ('2026-11', '2026-Q4',
-- '2026') compared as text. Distributed by community, except the two small reference tables.

-- Data elements proposed by departments (reference table).
CREATE TABLE data_elements (
    code                  TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    definition            TEXT NOT NULL,
    unit                  TEXT NOT NULL,
    value_type            TEXT NOT NULL,
    -- Decimal places of the stored integer.
    scale                 BIGINT NOT NULL,
    -- monthly | quarterly | yearly
    period_type           TEXT NOT NULL,
    aggregation           TEXT NOT NULL,
    min_value             BIGINT,
    max_value             BIGINT,
    -- The proposing department's org code.
    owner                 TEXT NOT NULL REFERENCES orgs (code),
    legal_basis           TEXT NOT NULL,
    -- JSON: the elements flagged as similar when it was proposed.
    similar_json          TEXT NOT NULL,
    -- The access-gate case it was submitted as (assignments (department_code, id)); no foreign
    -- key: a reference table does not point at a distributed one.
    assignment_department TEXT,
    assignment_id         TEXT,
    proposed_by           TEXT NOT NULL,
    proposed_at           BIGINT NOT NULL
);

-- The current value of each community's figure for a period. revision: 1 for the first entry,
-- +1 per correction; a correction names the revision it corrects (compare-and-set).
CREATE TABLE data_values (
    community  TEXT NOT NULL REFERENCES orgs (code),
    element    TEXT NOT NULL,
    period     TEXT NOT NULL,
    value      BIGINT NOT NULL,
    revision   BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    PRIMARY KEY (community, element, period)
) WITHOUT ROWID;
-- Aggregates over many communities read one element's window of periods.
CREATE INDEX data_values_element ON data_values (element, period);
-- Reports group a district's or a street's communities by their parent.
CREATE INDEX orgs_parent ON orgs (parent_code);
-- How many figures were entered per period (burden metrics) without reading every row.
CREATE INDEX data_values_period ON data_values (period, community);

-- Every entry and correction, kept: the value's history and the change feed for departments.
-- old_value is NULL for a first entry; revision is the revision the change made;
-- reason is '' for a first entry; source: form | import | api.
CREATE TABLE data_value_changes (
    community  TEXT NOT NULL REFERENCES orgs (code),
    id         TEXT NOT NULL,
    element    TEXT NOT NULL,
    period     TEXT NOT NULL,
    old_value  BIGINT,
    new_value  BIGINT NOT NULL,
    revision   BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    source     TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (community, id)
);
-- The change feed: after a cursor (changed_at, id), in that order.
CREATE INDEX data_value_changes_feed ON data_value_changes (changed_at, id);
CREATE INDEX data_value_changes_value ON data_value_changes (community, element, period);

-- Reports a department defines over the shared elements instead of a pushed-down form
-- (reference table). replaces: the name of the form it replaces ('' if none).
CREATE TABLE report_definitions (
    code         TEXT PRIMARY KEY,
    department   TEXT NOT NULL REFERENCES orgs (code),
    title        TEXT NOT NULL,
    replaces     TEXT NOT NULL,
    columns_json TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    withdrawn_at BIGINT
);

-- Electronic ledger records (电子台账) a community keeps: one row per record of a template on a
-- day (YYYY-MM-DD), its fields as JSON.
CREATE TABLE ledger_records (
    community   TEXT NOT NULL REFERENCES orgs (code),
    id          TEXT NOT NULL,
    template    TEXT NOT NULL,
    day         TEXT NOT NULL,
    fields_json TEXT NOT NULL,
    entered_by  TEXT NOT NULL,
    entered_at  BIGINT NOT NULL,
    PRIMARY KEY (community, id)
);
CREATE INDEX ledger_records_template ON ledger_records (community, template, day);

-- The history of figures is kept: entries and corrections are never changed or removed (the
-- guards are also listed in guards.rs, which puts back one that was dropped).
CREATE TRIGGER IF NOT EXISTS data_value_changes_no_update BEFORE UPDATE ON data_value_changes
BEGIN SELECT RAISE(ABORT, 'data_value_changes is append-only'); END;
CREATE TRIGGER IF NOT EXISTS data_value_changes_no_delete BEFORE DELETE ON data_value_changes
BEGIN SELECT RAISE(ABORT, 'data_value_changes is append-only'); END;
