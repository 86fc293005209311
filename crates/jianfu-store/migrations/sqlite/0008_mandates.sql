-- The mandate register (上级文件登记): higher-level documents (central, municipal) the district
-- approver has registered, so a burden claiming a mandate names a document instead of declaring
-- a level. A small reference table. Rows are never deleted (decisions refer to them): ending a
-- document sets valid_to; every change is in the audit trail with the old values.
CREATE TABLE mandates (
    id          TEXT NOT NULL PRIMARY KEY,
    -- 文号 in one canonical spelling (jianfu_domain::gate::mandate::normalise_number): whitespace
    -- removed, ASCII digits, year brackets written 〔〕. One document, one row.
    number_key  TEXT NOT NULL UNIQUE,
    -- 文号 as written.
    number      TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    title       TEXT NOT NULL,
    -- YYYY-MM-DD.
    issued_on   TEXT NOT NULL,
    -- central | municipal
    level       TEXT NOT NULL,
    -- What it requires of communities: a JSON array of burden kind codes, e.g. ["creation"].
    requires    TEXT NOT NULL,
    -- YYYY-MM-DD; valid_to is '' while in force without an end.
    valid_from  TEXT NOT NULL,
    valid_to    TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    -- Why it was ended (废止、被取代、到期), when it was.
    end_note    TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE INDEX mandates_valid_from ON mandates (valid_from);
