-- Files of a refused certificate application form, kept for the account that uploaded them so a
-- resident never picks the same photo twice (issue 10 §2). Personal data (photos of ID
-- documents): the bytes and the file name are encrypted with the data key, like
-- certificate_materials; only the owner's next submission of the form uses them (never served);
-- at most a few per owner, deleted when the application is stored or 24 hours after upload.
-- Distributed by org_code (the owner's community), like the applications they become.
CREATE TABLE upload_drafts (
    org_code       TEXT NOT NULL,
    id             TEXT NOT NULL,
    owner_user_id  TEXT NOT NULL,
    material       TEXT NOT NULL,
    file_name_enc  TEXT NOT NULL,
    kind           TEXT NOT NULL,
    size           BIGINT NOT NULL,
    bytes          BLOB NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (org_code, id)
);
CREATE INDEX upload_drafts_owner ON upload_drafts (org_code, owner_user_id, created_at);
CREATE INDEX upload_drafts_created ON upload_drafts (created_at);
