//! The append-only guards (triggers) on the audit trail, the seal log, the history of shared
//! data figures and signed deliberation minutes, by backend: what must
//! exist, and the statements that put a missing one back. The migrations create them; `serve` and
//! `migrate` check them (someone with DDL rights can drop a trigger), and `audit verify` names any
//! that is missing.

/// One trigger: its name and the statements that (re)create it.
pub struct Guard {
    pub name: &'static str,
    pub create: &'static [&'static str],
}

const PG_AUDIT_FN: &str = "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger \
     LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$";
const PG_SEAL_FN: &str = "CREATE OR REPLACE FUNCTION seal_append_only() RETURNS trigger \
     LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$";
const PG_PERSONAL_FN: &str = "CREATE OR REPLACE FUNCTION seal_personal_no_change() RETURNS \
     trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'seal_personal may be deleted, never \
     changed'; END; $$";

/// Signed minutes (议事协商, migration 0024): the signed meeting's row never changes, and a voice
/// is never added to signed minutes. Two functions, not one looking at `TG_TABLE_NAME`: on a
/// partitioned table that is the partition's name.
const PG_MEETING_SIGNED_FN: &str = "CREATE OR REPLACE FUNCTION delib_meeting_signed() RETURNS \
     trigger LANGUAGE plpgsql AS $$ BEGIN IF OLD.signed_at IS NOT NULL THEN \
     RAISE EXCEPTION 'the minutes are signed'; END IF; RETURN NEW; END; $$";
const PG_VOICE_SIGNED_FN: &str = "CREATE OR REPLACE FUNCTION delib_voice_signed() RETURNS \
     trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM delib_meetings m \
     WHERE m.community = NEW.community AND m.id = NEW.meeting_id AND m.signed_at IS NOT NULL) \
     THEN RAISE EXCEPTION 'the minutes are signed'; END IF; RETURN NEW; END; $$";

macro_rules! sqlite_guard {
    ($name:literal, $event:literal, $table:literal, $msg:literal) => {
        Guard {
            name: $name,
            create: &[concat!(
                "CREATE TRIGGER IF NOT EXISTS ",
                $name,
                " BEFORE ",
                $event,
                " ON ",
                $table,
                " BEGIN SELECT RAISE(ABORT, '",
                $msg,
                "'); END"
            )],
        }
    };
}

macro_rules! pg_guard {
    ($fn_sql:expr, $name:literal, $event:literal, $table:literal, $level:literal, $func:literal) => {
        Guard {
            name: $name,
            create: &[
                $fn_sql,
                // A trigger switched off (ALTER TABLE … DISABLE TRIGGER) still exists: replace it.
                concat!("DROP TRIGGER IF EXISTS ", $name, " ON ", $table),
                concat!(
                    "CREATE TRIGGER ",
                    $name,
                    " BEFORE ",
                    $event,
                    " ON ",
                    $table,
                    " FOR EACH ",
                    $level,
                    " EXECUTE FUNCTION ",
                    $func,
                    "()"
                ),
            ],
        }
    };
}

pub const SQLITE: &[Guard] = &[
    sqlite_guard!(
        "audit_log_no_update",
        "UPDATE",
        "audit_log",
        "audit_log is append-only"
    ),
    sqlite_guard!(
        "audit_log_no_delete",
        "DELETE",
        "audit_log",
        "audit_log is append-only"
    ),
    sqlite_guard!(
        "audit_checkpoints_no_update",
        "UPDATE",
        "audit_checkpoints",
        "audit_checkpoints is append-only"
    ),
    sqlite_guard!(
        "audit_checkpoints_no_delete",
        "DELETE",
        "audit_checkpoints",
        "audit_checkpoints is append-only"
    ),
    sqlite_guard!(
        "seal_entries_no_update",
        "UPDATE",
        "seal_entries",
        "seal_entries is append-only"
    ),
    sqlite_guard!(
        "seal_entries_no_delete",
        "DELETE",
        "seal_entries",
        "seal_entries is append-only"
    ),
    sqlite_guard!(
        "seal_nodes_no_update",
        "UPDATE",
        "seal_nodes",
        "seal_nodes is append-only"
    ),
    sqlite_guard!(
        "seal_nodes_no_delete",
        "DELETE",
        "seal_nodes",
        "seal_nodes is append-only"
    ),
    sqlite_guard!(
        "seal_checkpoints_no_update",
        "UPDATE",
        "seal_checkpoints",
        "seal_checkpoints is append-only"
    ),
    sqlite_guard!(
        "seal_checkpoints_no_delete",
        "DELETE",
        "seal_checkpoints",
        "seal_checkpoints is append-only"
    ),
    sqlite_guard!(
        "seal_personal_no_update",
        "UPDATE",
        "seal_personal",
        "seal_personal may be deleted, never changed"
    ),
    sqlite_guard!(
        "data_value_changes_no_update",
        "UPDATE",
        "data_value_changes",
        "data_value_changes is append-only"
    ),
    sqlite_guard!(
        "data_value_changes_no_delete",
        "DELETE",
        "data_value_changes",
        "data_value_changes is append-only"
    ),
    sqlite_guard!(
        "delib_voices_no_update",
        "UPDATE",
        "delib_voices",
        "delib_voices is append-only"
    ),
    sqlite_guard!(
        "delib_voices_no_delete",
        "DELETE",
        "delib_voices",
        "delib_voices is append-only"
    ),
    Guard {
        name: "delib_voices_signed",
        create: &[
            "CREATE TRIGGER IF NOT EXISTS delib_voices_signed BEFORE INSERT ON delib_voices \
             WHEN EXISTS (SELECT 1 FROM delib_meetings m WHERE m.community = NEW.community \
             AND m.id = NEW.meeting_id AND m.signed_at IS NOT NULL) \
             BEGIN SELECT RAISE(ABORT, 'the minutes are signed'); END",
        ],
    },
    Guard {
        name: "delib_meetings_signed",
        create: &[
            "CREATE TRIGGER IF NOT EXISTS delib_meetings_signed BEFORE UPDATE ON delib_meetings \
             WHEN OLD.signed_at IS NOT NULL \
             BEGIN SELECT RAISE(ABORT, 'the minutes are signed'); END",
        ],
    },
];

pub const POSTGRES: &[Guard] = &[
    pg_guard!(
        PG_AUDIT_FN,
        "audit_log_no_update",
        "UPDATE OR DELETE",
        "audit_log",
        "ROW",
        "audit_log_append_only"
    ),
    pg_guard!(
        PG_AUDIT_FN,
        "audit_log_no_truncate",
        "TRUNCATE",
        "audit_log",
        "STATEMENT",
        "audit_log_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "audit_checkpoints_no_update",
        "UPDATE OR DELETE",
        "audit_checkpoints",
        "ROW",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "audit_checkpoints_no_truncate",
        "TRUNCATE",
        "audit_checkpoints",
        "STATEMENT",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "seal_entries_no_update",
        "UPDATE OR DELETE",
        "seal_entries",
        "ROW",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "seal_entries_no_truncate",
        "TRUNCATE",
        "seal_entries",
        "STATEMENT",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "seal_nodes_no_update",
        "UPDATE OR DELETE",
        "seal_nodes",
        "ROW",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "seal_nodes_no_truncate",
        "TRUNCATE",
        "seal_nodes",
        "STATEMENT",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "seal_checkpoints_no_update",
        "UPDATE OR DELETE",
        "seal_checkpoints",
        "ROW",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "seal_checkpoints_no_truncate",
        "TRUNCATE",
        "seal_checkpoints",
        "STATEMENT",
        "seal_append_only"
    ),
    pg_guard!(
        PG_PERSONAL_FN,
        "seal_personal_no_update",
        "UPDATE",
        "seal_personal",
        "ROW",
        "seal_personal_no_change"
    ),
    pg_guard!(
        PG_PERSONAL_FN,
        "seal_personal_no_truncate",
        "TRUNCATE",
        "seal_personal",
        "STATEMENT",
        "seal_personal_no_change"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "data_value_changes_no_update",
        "UPDATE OR DELETE",
        "data_value_changes",
        "ROW",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "data_value_changes_no_truncate",
        "TRUNCATE",
        "data_value_changes",
        "STATEMENT",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "delib_voices_no_update",
        "UPDATE OR DELETE",
        "delib_voices",
        "ROW",
        "seal_append_only"
    ),
    pg_guard!(
        PG_SEAL_FN,
        "delib_voices_no_truncate",
        "TRUNCATE",
        "delib_voices",
        "STATEMENT",
        "seal_append_only"
    ),
    pg_guard!(
        PG_VOICE_SIGNED_FN,
        "delib_voices_signed",
        "INSERT",
        "delib_voices",
        "ROW",
        "delib_voice_signed"
    ),
    pg_guard!(
        PG_MEETING_SIGNED_FN,
        "delib_meetings_signed",
        "UPDATE",
        "delib_meetings",
        "ROW",
        "delib_meeting_signed"
    ),
];

/// The guards of a backend (`sqlite` or `postgres`).
pub fn for_backend(backend: &str) -> &'static [Guard] {
    if backend == "postgres" {
        POSTGRES
    } else {
        SQLITE
    }
}

/// The statement listing the triggers present, by name. On PostgreSQL a trigger that exists but
/// was switched off (`ALTER TABLE … DISABLE TRIGGER`) does not count: it guards nothing.
pub fn list_sql(backend: &str) -> &'static str {
    if backend == "postgres" {
        "SELECT t.tgname::TEXT FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    }
}
