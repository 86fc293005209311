-- The district's comprehensive evaluation of communities (社区工作综合考评, issue 11 §3): one
-- cycle a year run by 区社会办, streets nominate their communities with a self-report
-- (街道自荐申报), the district scores each nominee, resident satisfaction being the main part.

-- One row per year. scheme = JSON of jianfu_domain::evaluation::comprehensive::Scheme.
CREATE TABLE comprehensive_cycles (
    year              BIGINT PRIMARY KEY,
    scheme            TEXT NOT NULL,
    -- The satisfaction survey whose scores count (a closed survey's results).
    survey_id         TEXT REFERENCES surveys (id),
    nominations_close TEXT NOT NULL,
    scoring_close     TEXT NOT NULL,
    published_at      BIGINT,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    -- Bumped by every change: a stale page cannot overwrite a newer one.
    revision          BIGINT NOT NULL
);

-- A street's nomination of one of its communities, and the district's score once given.
CREATE TABLE comprehensive_nominations (
    community_code TEXT NOT NULL REFERENCES orgs (code),
    year           BIGINT NOT NULL REFERENCES comprehensive_cycles (year),
    street_code    TEXT NOT NULL,
    self_report    TEXT NOT NULL,
    nominated_by   TEXT NOT NULL,
    nominated_at   BIGINT NOT NULL,
    -- JSON {criterion key: score 0..=100}, as the district gave them.
    criterion_scores TEXT,
    -- JSON of the Scorecard computed when scored (satisfaction as it then stood).
    scorecard      TEXT,
    -- The total in tenths of a point (0..=1000), for ordering.
    total_tenths   BIGINT,
    scored_by      TEXT,
    scored_at      BIGINT,
    PRIMARY KEY (community_code, year)
);
CREATE INDEX comprehensive_nominations_year ON comprehensive_nominations (year, total_tenths);
