-- 志愿服务（议题 13 三(五)）：志愿者登记、活动、报名与服务时间、志愿服务记录证明。
-- 全部按社区分布（community_code），每个主键和唯一键都含它。姓名、电话、身份证号、监护人姓名
-- 加密存放（AES-256-GCM 数据密钥，与居民证明相同），明文只存显示用的脱敏姓名和后 4 位。
CREATE TABLE volunteers (
    community_code      TEXT NOT NULL REFERENCES orgs (code),
    id                  TEXT NOT NULL,
    -- The resident account that registered, when there is one.
    user_id             TEXT,
    name_enc            TEXT NOT NULL,
    name_masked         TEXT NOT NULL,
    phone_enc           TEXT NOT NULL,
    phone_last4         TEXT NOT NULL,
    id_number_enc       TEXT NOT NULL,
    id_number_last4     TEXT NOT NULL,
    -- Under 18 at registration (the birth date itself is not kept in clear).
    minor               BOOLEAN NOT NULL,
    skills              TEXT NOT NULL,
    availability        TEXT NOT NULL,
    consent_at          BIGINT NOT NULL,
    guardian_name_enc   TEXT,
    guardian_relation   TEXT,
    guardian_consent_at BIGINT,
    -- pending | confirmed
    status              TEXT NOT NULL,
    registered_by       TEXT NOT NULL,
    registered_at       BIGINT NOT NULL,
    confirmed_by        TEXT,
    confirmed_at        BIGINT,
    PRIMARY KEY (community_code, id),
    UNIQUE (community_code, user_id)
);

CREATE TABLE volunteer_activities (
    community_code TEXT NOT NULL REFERENCES orgs (code),
    id             TEXT NOT NULL,
    title          TEXT NOT NULL,
    place          TEXT NOT NULL,
    needs          TEXT NOT NULL,
    -- Who runs it: the community or a social organisation it names.
    organiser      TEXT NOT NULL,
    -- Where it came from, e.g. deliberation:<decision id> (empty when posted directly).
    source         TEXT NOT NULL,
    starts_at      BIGINT NOT NULL,
    ends_at        BIGINT NOT NULL,
    capacity       BIGINT NOT NULL,
    -- Places taken; a sign-up raises it only WHERE taken < capacity (never over capacity).
    taken          BIGINT NOT NULL,
    cancelled      BOOLEAN NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (community_code, id),
    CHECK (taken >= 0 AND taken <= capacity)
);
CREATE INDEX volunteer_activities_start ON volunteer_activities (community_code, starts_at);

CREATE TABLE volunteer_signups (
    community_code TEXT NOT NULL,
    activity_id    TEXT NOT NULL,
    volunteer_id   TEXT NOT NULL,
    signed_up_at   BIGINT NOT NULL,
    -- Recorded by the organiser after the start (recorded_at set): came or not, and minutes.
    attended       BOOLEAN NOT NULL,
    minutes        BIGINT,
    recorded_by    TEXT,
    recorded_at    BIGINT,
    -- Recorded later than 10 working days after the end (办法第十一条): flagged, not refused.
    recorded_late  BOOLEAN NOT NULL,
    PRIMARY KEY (community_code, activity_id, volunteer_id),
    FOREIGN KEY (community_code, activity_id) REFERENCES volunteer_activities (community_code, id),
    FOREIGN KEY (community_code, volunteer_id) REFERENCES volunteers (community_code, id)
);
CREATE INDEX volunteer_signups_volunteer ON volunteer_signups (community_code, volunteer_id);

CREATE TABLE volunteer_certificates (
    community_code   TEXT NOT NULL REFERENCES orgs (code),
    number           TEXT NOT NULL,
    volunteer_id     TEXT NOT NULL,
    body_enc         TEXT NOT NULL,
    holder_masked    TEXT NOT NULL,
    total_minutes    BIGINT NOT NULL,
    issued_on        TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    issued_by        TEXT NOT NULL,
    verify_code_hash TEXT NOT NULL,
    verify_code_enc  TEXT NOT NULL,
    seal_log         TEXT NOT NULL,
    seal_seq         BIGINT NOT NULL,
    PRIMARY KEY (community_code, number),
    FOREIGN KEY (community_code, volunteer_id) REFERENCES volunteers (community_code, id)
);

CREATE TABLE volunteer_certificate_counters (
    community_code TEXT NOT NULL,
    year           BIGINT NOT NULL,
    next_seq       BIGINT NOT NULL,
    PRIMARY KEY (community_code, year)
);
