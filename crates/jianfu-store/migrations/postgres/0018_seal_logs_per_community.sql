-- One seal log per community (docs/plans/seal-logs-per-community.md), keyed by `log` = the
-- community code, so issuing a certificate in one community never locks a row another community
-- needs. Existing rows become the frozen legacy log 'seal'. Run with the service stopped (the new
-- keys lock and index the seal tables).

-- Changed in place. ADD COLUMN with a constant default fires no row trigger; the default is then
-- dropped, since every new row must name its log.
ALTER TABLE seal_personal DROP CONSTRAINT seal_personal_seq_fkey;

-- seq is gapless from 1 within its log. A community's log holds only that community's entries.
ALTER TABLE seal_entries ADD COLUMN log TEXT NOT NULL DEFAULT 'seal';
ALTER TABLE seal_entries ALTER COLUMN log DROP DEFAULT;
ALTER TABLE seal_entries DROP CONSTRAINT seal_entries_pkey;
ALTER TABLE seal_entries ADD PRIMARY KEY (log, seq);
ALTER TABLE seal_entries DROP CONSTRAINT seal_entries_id_key;
ALTER TABLE seal_entries ADD UNIQUE (log, id);
ALTER TABLE seal_entries ADD CHECK (log = 'seal' OR log = community_code);
-- Positions start at 1: an entry at 0 or below would be listed but never verified.
ALTER TABLE seal_entries ADD CHECK (seq >= 1);
DROP INDEX seal_entries_community;
CREATE INDEX seal_entries_community ON seal_entries (community_code, used_at, log, seq);
CREATE INDEX seal_entries_used ON seal_entries (used_at, log, seq);

-- used_at is copied from the entry (not hashed) so the retention rule finds its rows by index.
-- The rows may never be updated: the guard is off for this one fill only.
ALTER TABLE seal_personal ADD COLUMN log TEXT NOT NULL DEFAULT 'seal';
ALTER TABLE seal_personal ALTER COLUMN log DROP DEFAULT;
ALTER TABLE seal_personal ADD COLUMN used_at BIGINT;
ALTER TABLE seal_personal DISABLE TRIGGER seal_personal_no_update;
UPDATE seal_personal p SET used_at = e.used_at
FROM seal_entries e WHERE e.log = p.log AND e.seq = p.seq;
ALTER TABLE seal_personal ENABLE TRIGGER seal_personal_no_update;
ALTER TABLE seal_personal ALTER COLUMN used_at SET NOT NULL;
ALTER TABLE seal_personal DROP CONSTRAINT seal_personal_pkey;
ALTER TABLE seal_personal ADD PRIMARY KEY (log, seq);
ALTER TABLE seal_personal ADD FOREIGN KEY (log, seq) REFERENCES seal_entries (log, seq);
CREATE INDEX seal_personal_used ON seal_personal (used_at);

-- node = (seq of the subtree's last leaf within its log) * 64 + level.
ALTER TABLE seal_nodes ADD COLUMN log TEXT NOT NULL DEFAULT 'seal';
ALTER TABLE seal_nodes ALTER COLUMN log DROP DEFAULT;
ALTER TABLE seal_nodes DROP CONSTRAINT seal_nodes_pkey;
ALTER TABLE seal_nodes ADD PRIMARY KEY (log, node);

-- NULL: a checkpoint over the legacy log 'seal' alone. Otherwise JSON: the heads of every log it
-- commits to, the leaves of `root`.
ALTER TABLE seal_checkpoints ADD COLUMN heads TEXT;

-- Existing certificates point into the legacy log; new ones into their community's.
ALTER TABLE certificates ADD COLUMN seal_log TEXT NOT NULL DEFAULT 'seal';
