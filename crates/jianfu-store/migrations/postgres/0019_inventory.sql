-- The burden inventory (台账清理, issue 11 §1): one entry per thing a department or street placed
-- in a community, with its basis and its clean-up step by step. Distributed by community_code.
CREATE TABLE inventory_entries (
    community_code   TEXT NOT NULL REFERENCES orgs (code),
    id               TEXT NOT NULL,
    -- A gate BurdenKind code (ledger, sign, institution, …).
    kind             TEXT NOT NULL,
    title            TEXT NOT NULL,
    -- The department or street that placed it.
    owner_code       TEXT NOT NULL REFERENCES orgs (code),
    -- 法律法规规章 and article, in words; '' when none.
    law_basis        TEXT NOT NULL,
    -- 文号 of a central or municipal document (looked up in the mandate register).
    mandate_document TEXT,
    -- JSON: report frequency and fields, check-ins, rankings, screenshots, 一票否决.
    details          TEXT NOT NULL,
    -- found | kept | to_remove | removed | converted
    status           TEXT NOT NULL,
    -- YYYY-MM-DD: when it was found; when it was removed or converted (NULL while carried).
    found_on         TEXT NOT NULL,
    cleared_on       TEXT,
    -- Steps so far, and how many of them the street has confirmed.
    steps            BIGINT NOT NULL CHECK (steps >= 1),
    confirmed_steps  BIGINT NOT NULL CHECK (confirmed_steps >= 0),
    recorded_by      TEXT NOT NULL,
    recorded_at      BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (community_code, id)
);
CREATE INDEX inventory_entries_owner ON inventory_entries (owner_code, status);
CREATE INDEX inventory_entries_community ON inventory_entries (community_code, status);

CREATE TABLE inventory_steps (
    community_code TEXT NOT NULL,
    entry_id       TEXT NOT NULL,
    seq            BIGINT NOT NULL CHECK (seq >= 1),
    -- record | keep | mark_to_remove | remove | convert | reopen | answer
    action         TEXT NOT NULL,
    -- The entry's status after the step.
    status         TEXT NOT NULL,
    note           TEXT NOT NULL,
    -- YYYY-MM-DD for a removal or conversion.
    on_date        TEXT,
    by_user        TEXT NOT NULL,
    by_org         TEXT NOT NULL,
    at             BIGINT NOT NULL,
    confirmed_by   TEXT,
    confirmed_at   BIGINT,
    PRIMARY KEY (community_code, entry_id, seq),
    FOREIGN KEY (community_code, entry_id) REFERENCES inventory_entries (community_code, id)
);
-- The months of the before/after series: read from this index alone for the whole district.
CREATE INDEX inventory_steps_dated ON inventory_steps (action, on_date);

CREATE TABLE inventory_evidence (
    community_code TEXT NOT NULL,
    entry_id       TEXT NOT NULL,
    -- The step the file belongs to.
    seq            BIGINT NOT NULL,
    -- pdf | jpeg | png, detected from the content; the file name is never stored.
    kind           TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    bytes          BYTEA NOT NULL,
    PRIMARY KEY (community_code, entry_id, seq),
    FOREIGN KEY (community_code, entry_id, seq)
        REFERENCES inventory_steps (community_code, entry_id, seq)
);
