-- Resident satisfaction surveys (居民满意度调查, issue 11 §4). Anonymity is in the shape of the
-- tables: nothing here links an answer to a code, a household, an IP or a time finer than a day.
-- Answers are kept only as counts (survey_tallies, survey_scores) and free text on its own
-- (survey_texts, keyed by a random id so its order says nothing). The spent-code set
-- (survey_codes) holds digests of codes and whether each is spent; it never says when.

-- One row per questionnaire version. Published versions never change: a change is a new
-- version of the same series.
CREATE TABLE surveys (
    id            TEXT PRIMARY KEY,
    series        TEXT NOT NULL,
    version       BIGINT NOT NULL,
    owner_code    TEXT NOT NULL REFERENCES orgs (code),
    title         TEXT NOT NULL,
    -- JSON of jianfu_domain::survey::Questionnaire.
    questionnaire TEXT NOT NULL,
    -- Beijing days, YYYY-MM-DD; NULL while a draft.
    opens_on      TEXT,
    closes_on     TEXT,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    published_at  BIGINT,
    -- Bumped by every edit of a draft: a stale builder page cannot overwrite a newer one.
    revision      BIGINT NOT NULL,
    UNIQUE (series, version)
);

-- Slips printed for a community: who printed how many on which day.
CREATE TABLE survey_code_batches (
    community_code TEXT NOT NULL REFERENCES orgs (code),
    survey_id      TEXT NOT NULL REFERENCES surveys (id),
    batch          BIGINT NOT NULL,
    codes          BIGINT NOT NULL,
    printed_by     TEXT NOT NULL,
    printed_by_org TEXT NOT NULL,
    printed_on     TEXT NOT NULL,
    voided_on      TEXT,
    -- How many of its codes were unused when it was voided (they no longer count as handed out).
    voided_codes   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (community_code, survey_id, batch)
);

-- The spent-code set. digest = jianfu_domain::survey::household_code::code_digest. spent_nonce is
-- a digest of the form's nonce, so the same form sent twice (a slow network) is recognised and
-- answered "already counted" without counting it again.
CREATE TABLE survey_codes (
    community_code TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    digest         TEXT NOT NULL,
    batch          BIGINT NOT NULL,
    spent          BOOLEAN NOT NULL,
    spent_nonce    TEXT,
    voided         BOOLEAN NOT NULL,
    PRIMARY KEY (community_code, survey_id, digest),
    FOREIGN KEY (community_code, survey_id, batch)
        REFERENCES survey_code_batches (community_code, survey_id, batch)
);

-- Counters: question 0 counts responses; otherwise value is the option index or the rating
-- (for a free-text question, value 0 counts the answers that wrote something).
CREATE TABLE survey_tallies (
    community_code TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    question       BIGINT NOT NULL,
    value          BIGINT NOT NULL,
    count          BIGINT NOT NULL,
    PRIMARY KEY (community_code, survey_id, question, value)
);

-- How many responses had each satisfaction score (0..=1000 tenths): the score and its
-- confidence interval are computed from this histogram.
CREATE TABLE survey_scores (
    community_code TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    score_tenths   BIGINT NOT NULL,
    count          BIGINT NOT NULL,
    PRIMARY KEY (community_code, survey_id, score_tenths)
);

-- Two-character terms of the free text, counted per answer that uses them: what the district
-- sees of free text (in aggregate), read without reading every answer.
CREATE TABLE survey_terms (
    community_code TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    question       BIGINT NOT NULL,
    term           TEXT NOT NULL,
    count          BIGINT NOT NULL,
    PRIMARY KEY (community_code, survey_id, question, term)
);

-- Free-text answers, each on its own: a random id, the day only.
CREATE TABLE survey_texts (
    community_code TEXT NOT NULL,
    survey_id      TEXT NOT NULL,
    id             TEXT NOT NULL,
    question       BIGINT NOT NULL,
    body           TEXT NOT NULL,
    answered_on    TEXT NOT NULL,
    PRIMARY KEY (community_code, survey_id, id)
);
