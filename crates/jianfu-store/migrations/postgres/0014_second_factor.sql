-- Issue 9 §1: administrators log in with a second factor (TOTP, RFC 6238) and one-time recovery
-- codes (GB/T 22239-2019 8.1.4.1 d)).
--
-- One row per account that has confirmed an authenticator app. The secret is encrypted with the
-- data key (AES-256-GCM, `v1:` + base64, like ID numbers), so a copied database or export alone
-- cannot produce codes. `last_step` is the RFC 6238 time step (Unix seconds / 30) of the last
-- accepted code: a code of that step or an earlier one is refused (a code is accepted once).
-- The console's `jianfu user reset-totp` deletes the row and the recovery codes; the
-- administrator enrols again at the next login.
CREATE TABLE second_factors (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    secret_enc   TEXT NOT NULL,
    confirmed_at BIGINT NOT NULL,
    last_step    BIGINT
);

-- Recovery codes, shown once at enrolment; only SHA-256 (over the account id and the code) is
-- kept. A used code is marked, never reusable.
CREATE TABLE recovery_codes (
    user_id    TEXT NOT NULL REFERENCES users (id),
    code_hash  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
