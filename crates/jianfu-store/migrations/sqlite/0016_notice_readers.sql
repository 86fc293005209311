-- Notices reach the right people (issue 10 §1).
-- A notice may be addressed to one person (an account): read by that person alone.
ALTER TABLE notices ADD COLUMN user_id TEXT REFERENCES users (id);
-- What a notice is about ("assignment:<department>/<id>", "violation:<community>/<id>",
-- "certificate_application:<community>/<id>") and, for a notice that asks for action, the state
-- the subject was in: once the subject has left it, the notice reads as handled (已办理).
ALTER TABLE notices ADD COLUMN subject TEXT;
ALTER TABLE notices ADD COLUMN awaits TEXT;
CREATE INDEX notices_person ON notices (org_code, user_id, created_at);

-- Read state per person: one staff member reading an organisation-wide notice leaves it unread
-- for a colleague. (notices.read_at is kept for notices read before this table existed: those
-- stay read for everyone, as they were shown.) Distributed by org_code, like notices.
CREATE TABLE notice_reads (
    org_code  TEXT NOT NULL,
    notice_id TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users (id),
    read_at   BIGINT NOT NULL,
    PRIMARY KEY (org_code, notice_id, user_id),
    FOREIGN KEY (org_code, notice_id) REFERENCES notices (org_code, id)
);
