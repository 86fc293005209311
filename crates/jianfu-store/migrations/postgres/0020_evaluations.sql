-- The evaluation registry (考核评比登记, issue 11 §2): every 达标、检查评比、示范创建 activity
-- aimed at communities, with its organiser, mandate, criteria and the register's judgement as
-- decided at registration. Distributed by organiser_code.
CREATE TABLE evaluations (
    organiser_code   TEXT NOT NULL REFERENCES orgs (code),
    id               TEXT NOT NULL,
    title            TEXT NOT NULL,
    -- standard | inspection | demonstration | department_assessment
    kind             TEXT NOT NULL,
    mandate_document TEXT,
    criteria         TEXT NOT NULL,
    one_vote_veto    BOOLEAN NOT NULL,
    -- Access number of admitted work it evaluates.
    admitted_work    TEXT,
    -- kept | cancelled | refused | folded_in
    outcome          TEXT NOT NULL,
    -- The judgement with its reasons (jianfu_domain::evaluation::Judgement), never recomputed.
    judgement        TEXT NOT NULL,
    registered_by    TEXT NOT NULL,
    registered_at    BIGINT NOT NULL,
    PRIMARY KEY (organiser_code, id)
);
CREATE INDEX evaluations_outcome ON evaluations (outcome, registered_at);
