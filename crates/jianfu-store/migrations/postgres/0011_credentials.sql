-- Issue 9 §1 (三员分立): one-time passwords and system accounts.
--
-- A password set by anyone but its owner (an administrator, the console) is good for one login:
-- the owner must set their own before doing anything else. A row here means the current password
-- is such a one; it goes when the owner sets their own.
CREATE TABLE one_time_passwords (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    set_at  BIGINT NOT NULL
);

-- API tokens belong to system accounts (a department system, named as such), never to a person.
-- Tokens that belonged to people stop working at once (the service refuses them) and are revoked,
-- with one audit record, when the server starts (`App::retire_person_tokens`).
CREATE TABLE system_accounts (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    created_at BIGINT NOT NULL
);
