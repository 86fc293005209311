-- 议事协商 (issue 13, 三(五)): topics residents and the committee propose, meetings that decide
-- them (residents' meeting, representatives' meeting, deliberation meeting), online ballots (one
-- per voter key: a person or a household), minutes (every voice, signed off by the chair),
-- carrying out (actions, progress notes, residents' feedback) and requests to departments.
-- Every table is distributed by community; each key contains it.

-- The households the committee keeps for per-household voting: 楼-单元-室, normalised ("3-2-501").
CREATE TABLE resident_households (
    community     TEXT NOT NULL REFERENCES orgs (code),
    user_id       TEXT NOT NULL,
    household_key TEXT NOT NULL,
    set_by        TEXT NOT NULL,
    set_at        BIGINT NOT NULL,
    PRIMARY KEY (community, user_id)
);

-- state: proposed | accepted | declined | on_agenda | decided | not_adopted.
-- matter: a key of the data file's matters reserved to the residents, or NULL.
CREATE TABLE delib_topics (
    community      TEXT NOT NULL REFERENCES orgs (code),
    id             TEXT NOT NULL,
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    matter         TEXT,
    proposer_id    TEXT NOT NULL,
    proposer_name  TEXT NOT NULL,
    by_committee   BOOLEAN NOT NULL,
    state          TEXT NOT NULL,
    decline_reason TEXT,
    meeting_id     TEXT,
    supports       BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (community, id)
);
-- The public page counts by state and pages by time without reading every topic.
CREATE INDEX delib_topics_state ON delib_topics (community, state, created_at);
CREATE INDEX delib_topics_recent ON delib_topics (community, created_at);

CREATE TABLE delib_supports (
    community TEXT NOT NULL REFERENCES orgs (code),
    topic_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (community, topic_id, user_id)
);

-- kind: residents_meeting | representatives_meeting | deliberation; state: draft | noticed |
-- open | closed | cancelled (from draft or noticed). voter_basis: person | household; vote_mode: in_room | online (one per meeting).
-- base: those entitled to attend (应到); present: attendance in the room (实到); ballots: online
-- ballots received; voices: minutes entries so far; revision: bumped by every attendance and
-- in-room tally write, so a close computed from an older reading writes nothing.
-- Once signed_at is set the row never changes again (trigger delib_meetings_signed).
CREATE TABLE delib_meetings (
    community    TEXT NOT NULL REFERENCES orgs (code),
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    title        TEXT NOT NULL,
    held_on      TEXT NOT NULL,
    held_at      TEXT NOT NULL,
    place        TEXT NOT NULL,
    material     TEXT NOT NULL,
    participants TEXT NOT NULL,
    voter_basis  TEXT NOT NULL,
    vote_mode    TEXT NOT NULL,
    base         BIGINT NOT NULL,
    present      BIGINT NOT NULL,
    ballots      BIGINT NOT NULL,
    voices       BIGINT NOT NULL,
    state        TEXT NOT NULL,
    adjourned    BOOLEAN NOT NULL,
    noticed_at   BIGINT,
    opened_at    BIGINT,
    closed_at    BIGINT,
    signed_by    TEXT,
    signed_at    BIGINT,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revision     BIGINT NOT NULL,
    PRIMARY KEY (community, id)
);
CREATE INDEX delib_meetings_recent ON delib_meetings (community, held_on);

-- One motion per agenda topic; tallies in the room, or counted from the ballots at closing.
CREATE TABLE delib_motions (
    community     TEXT NOT NULL REFERENCES orgs (code),
    meeting_id    TEXT NOT NULL,
    topic_id      TEXT NOT NULL,
    position      BIGINT NOT NULL,
    title         TEXT NOT NULL,
    votes_for     BIGINT NOT NULL,
    votes_against BIGINT NOT NULL,
    votes_abstain BIGINT NOT NULL,
    outcome       TEXT,
    PRIMARY KEY (community, meeting_id, topic_id)
);

-- Online ballots: one per voter key (u:<user> or h:<community>:<household>) per meeting, so a
-- resubmission, however concurrent, is refused by the key. ballot: JSON [[topic_id, choice]].
-- One ballot per account too: a resident whose household is re-registered while the meeting is
-- open gets a new voter key but still cannot vote twice.
CREATE TABLE delib_votes (
    community  TEXT NOT NULL REFERENCES orgs (code),
    meeting_id TEXT NOT NULL,
    voter_key  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    ballot     TEXT NOT NULL,
    cast_at    BIGINT NOT NULL,
    PRIMARY KEY (community, meeting_id, voter_key),
    UNIQUE (community, meeting_id, user_id)
);

-- The minutes: every voice (electronic ledger, 三(二)).
CREATE TABLE delib_voices (
    community   TEXT NOT NULL REFERENCES orgs (code),
    meeting_id  TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    speaker     TEXT NOT NULL,
    category    TEXT NOT NULL,
    said        TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (community, meeting_id, seq)
);

-- Signed minutes never change (the application also refuses, these guard against anything else
-- writing to the database; listed in guards.rs): no voice is changed or removed, none is added
-- once the minutes are signed, and a signed meeting's row is frozen.
CREATE OR REPLACE FUNCTION seal_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$;
-- Two functions, not one that looks at TG_TABLE_NAME: on a partitioned table that is the
-- partition's name.
CREATE OR REPLACE FUNCTION delib_meeting_signed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN RAISE EXCEPTION 'the minutes are signed'; END IF;
    RETURN NEW;
END; $$;
CREATE OR REPLACE FUNCTION delib_voice_signed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM delib_meetings m WHERE m.community = NEW.community
               AND m.id = NEW.meeting_id AND m.signed_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the minutes are signed';
    END IF;
    RETURN NEW;
END; $$;
CREATE TRIGGER delib_voices_no_update BEFORE UPDATE OR DELETE ON delib_voices
    FOR EACH ROW EXECUTE FUNCTION seal_append_only();
CREATE TRIGGER delib_voices_no_truncate BEFORE TRUNCATE ON delib_voices
    FOR EACH STATEMENT EXECUTE FUNCTION seal_append_only();
CREATE TRIGGER delib_voices_signed BEFORE INSERT ON delib_voices
    FOR EACH ROW EXECUTE FUNCTION delib_voice_signed();
CREATE TRIGGER delib_meetings_signed BEFORE UPDATE ON delib_meetings
    FOR EACH ROW EXECUTE FUNCTION delib_meeting_signed();

-- Carrying a decision out. state: open | done.
CREATE TABLE delib_actions (
    community  TEXT NOT NULL REFERENCES orgs (code),
    id         TEXT NOT NULL,
    topic_id   TEXT NOT NULL,
    what       TEXT NOT NULL,
    owner      TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    state      TEXT NOT NULL,
    notes      BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    done_at    BIGINT,
    PRIMARY KEY (community, id)
);
CREATE INDEX delib_actions_topic ON delib_actions (community, topic_id);

CREATE TABLE delib_progress (
    community TEXT NOT NULL REFERENCES orgs (code),
    action_id TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    note      TEXT NOT NULL,
    done      BOOLEAN NOT NULL,
    noted_by  TEXT NOT NULL,
    noted_at  BIGINT NOT NULL,
    PRIMARY KEY (community, action_id, seq)
);

-- Residents say whether a decision was carried out: one answer per resident (a later one
-- replaces it). verdict: done | partly | not_done.
CREATE TABLE delib_feedback (
    community TEXT NOT NULL REFERENCES orgs (code),
    topic_id  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    verdict   TEXT NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (community, topic_id, user_id)
);

-- A decision the committee asks a department to act on; answer_days: working days to answer.
CREATE TABLE delib_requests (
    community   TEXT NOT NULL REFERENCES orgs (code),
    id          TEXT NOT NULL,
    topic_id    TEXT NOT NULL,
    department  TEXT NOT NULL REFERENCES orgs (code),
    asked       TEXT NOT NULL,
    asked_on    TEXT NOT NULL,
    asked_by    TEXT NOT NULL,
    asked_at    BIGINT NOT NULL,
    answer      TEXT,
    answered_on TEXT,
    answered_by TEXT,
    answered_at BIGINT,
    answer_days BIGINT,
    PRIMARY KEY (community, id)
);
CREATE INDEX delib_requests_department ON delib_requests (department, asked_at);
