//! Portable export and import: a whole database as JSON Lines, so a district can move from SQLite
//! to PostgreSQL (or back) without hand-written SQL.
//!
//! Every table is described once in [`TABLES`] (columns and their portable types); export and
//! import are generic over that list, and a test compares it with the real schema, so a new table
//! or column cannot be forgotten. Sessions are not exported: they are short-lived.
//!
//! Format: the first line is a header `{"format":"jianfu-export","version":2,...}`; each further
//! line is `{"table": "...", "row": {column: value, ...}}`. Binary columns are base64. IDs, audit
//! sequence numbers and hashes are kept, so the audit chain still verifies after the move.

use crate::{Store, StoreError};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

pub const FORMAT: &str = "jianfu-export";
/// 3: one seal log per community (the seal tables carry `log`).
pub const VERSION: u32 = 3;

/// A column's portable type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Text,
    OptText,
    Int,
    OptInt,
    Bool,
    Bytes,
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Col)],
    /// Order of export, which is also the order of import: parents before children.
    pub order_by: &'static str,
}

use Col::*;

/// Every exported table, parents before children.
pub const TABLES: &[Table] = &[
    Table {
        name: "orgs",
        columns: &[
            ("code", Text),
            ("name", Text),
            ("kind", Text),
            ("parent_code", OptText),
            ("created_at", Int),
        ],
        // A parent's code is a prefix of its children's, so shorter codes come first.
        order_by: "length(code), code",
    },
    Table {
        name: "users",
        columns: &[
            ("id", Text),
            ("username", Text),
            ("display_name", Text),
            ("org_code", Text),
            ("roles", Text),
            ("password_hash", Text),
            ("disabled", Bool),
            ("failed_logins", Int),
            ("locked_until", OptInt),
            ("created_at", Int),
            ("password_changed_at", Int),
        ],
        order_by: "id",
    },
    Table {
        name: "api_tokens",
        columns: &[
            ("id", Text),
            ("token_hash", Text),
            ("name", Text),
            ("user_id", Text),
            ("created_by", Text),
            ("created_at", Int),
            ("revoked_at", OptInt),
        ],
        order_by: "id",
    },
    Table {
        name: "one_time_passwords",
        columns: &[("user_id", Text), ("set_at", Int)],
        order_by: "user_id",
    },
    Table {
        name: "system_accounts",
        columns: &[("user_id", Text), ("created_at", Int)],
        order_by: "user_id",
    },
    Table {
        name: "second_factors",
        columns: &[
            ("user_id", Text),
            ("secret_enc", Text),
            ("confirmed_at", Int),
            ("last_step", OptInt),
        ],
        order_by: "user_id",
    },
    Table {
        name: "recovery_codes",
        columns: &[
            ("user_id", Text),
            ("code_hash", Text),
            ("created_at", Int),
            ("used_at", OptInt),
        ],
        order_by: "user_id, code_hash",
    },
    Table {
        name: "meta",
        columns: &[("key", Text), ("value", Text)],
        order_by: "key",
    },
    Table {
        name: "notices",
        columns: &[
            ("org_code", Text),
            ("id", Text),
            ("role", OptText),
            ("kind", Text),
            ("title", Text),
            ("body", Text),
            ("link", Text),
            ("created_at", Int),
            ("read_at", OptInt),
            ("user_id", OptText),
            ("subject", OptText),
            ("awaits", OptText),
        ],
        order_by: "org_code, id",
    },
    Table {
        name: "notice_reads",
        columns: &[
            ("org_code", Text),
            ("notice_id", Text),
            ("user_id", Text),
            ("read_at", Int),
        ],
        order_by: "org_code, notice_id, user_id",
    },
    Table {
        name: "catalog_versions",
        columns: &[
            ("id", Text),
            ("title", Text),
            ("document", Text),
            ("effective_from", Text),
            ("effective_to", Text),
            ("notice", Text),
            ("body", Text),
            ("created_at", Int),
            ("created_by", Text),
        ],
        order_by: "id",
    },
    // The mandate register (上级文件登记).
    Table {
        name: "mandates",
        columns: &[
            ("id", Text),
            ("number_key", Text),
            ("number", Text),
            ("issuer", Text),
            ("title", Text),
            ("issued_on", Text),
            ("level", Text),
            ("requires", Text),
            ("valid_from", Text),
            ("valid_to", Text),
            ("summary", Text),
            ("end_note", Text),
            ("created_at", Int),
            ("created_by", Text),
            ("updated_at", Int),
            ("updated_by", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "assignments",
        columns: &[
            ("department_code", Text),
            ("id", Text),
            ("title", Text),
            ("item_code", OptText),
            ("community_role", Text),
            ("status", Text),
            ("outcome", Text),
            ("catalog_version", Text),
            ("request_json", Text),
            ("decision_json", Text),
            ("all_communities", Bool),
            ("requires_funding", Bool),
            ("period_from", Text),
            ("period_to", Text),
            ("access_number", OptText),
            ("valid_from", OptText),
            ("valid_to", OptText),
            ("deadline_at", OptInt),
            ("escalated_at", OptInt),
            ("review_outcome", OptText),
            ("review_comment", OptText),
            ("submitted_by", Text),
            ("submitted_at", Int),
            ("updated_at", Int),
            ("list_candidate", Bool),
        ],
        order_by: "department_code, id",
    },
    Table {
        name: "assignment_targets",
        columns: &[
            ("community_code", Text),
            ("assignment_id", Text),
            ("street_code", Text),
        ],
        order_by: "community_code, assignment_id",
    },
    Table {
        name: "assignment_events",
        columns: &[
            ("assignment_id", Text),
            ("id", Text),
            ("at", Int),
            ("actor", Text),
            ("actor_name", Text),
            ("actor_org", OptText),
            ("action", Text),
            ("from_status", OptText),
            ("to_status", Text),
            ("comment", Text),
        ],
        order_by: "assignment_id, id",
    },
    Table {
        name: "access_number_counters",
        columns: &[("year", Int), ("last_seq", Int)],
        order_by: "year",
    },
    Table {
        name: "funding_ledger",
        columns: &[
            ("community_code", Text),
            ("assignment_id", Text),
            ("department_code", Text),
            ("amount_fen", Int),
            ("channel", Text),
            ("period_from", Text),
            ("period_to", Text),
            ("created_at", Int),
        ],
        order_by: "community_code, assignment_id",
    },
    Table {
        name: "violation_reports",
        columns: &[
            ("community_code", Text),
            ("id", Text),
            ("department_code", Text),
            ("title", Text),
            ("description", Text),
            ("channel", Text),
            ("received_on", Text),
            ("reported_by", Text),
            ("reported_at", Int),
            ("status", Text),
            ("decided_by", OptText),
            ("decided_at", OptInt),
            ("decision_comment", OptText),
            ("revoked", Bool),
            ("department_response", OptText),
            ("department_responded_at", OptInt),
        ],
        order_by: "community_code, id",
    },
    Table {
        name: "violation_evidence",
        columns: &[
            ("community_code", Text),
            ("report_id", Text),
            ("seq", Int),
            ("kind", Text),
            ("size", Int),
            ("sha256", Text),
            ("bytes", Bytes),
        ],
        order_by: "community_code, report_id, seq",
    },
    // The burden inventory (台账清理): entries, their steps, the evidence of removals.
    Table {
        name: "inventory_entries",
        columns: &[
            ("community_code", Text),
            ("id", Text),
            ("kind", Text),
            ("title", Text),
            ("owner_code", Text),
            ("law_basis", Text),
            ("mandate_document", OptText),
            ("details", Text),
            ("status", Text),
            ("found_on", Text),
            ("cleared_on", OptText),
            ("steps", Int),
            ("confirmed_steps", Int),
            ("recorded_by", Text),
            ("recorded_at", Int),
            ("updated_at", Int),
        ],
        order_by: "community_code, id",
    },
    Table {
        name: "inventory_steps",
        columns: &[
            ("community_code", Text),
            ("entry_id", Text),
            ("seq", Int),
            ("action", Text),
            ("status", Text),
            ("note", Text),
            ("on_date", OptText),
            ("by_user", Text),
            ("by_org", Text),
            ("at", Int),
            ("confirmed_by", OptText),
            ("confirmed_at", OptInt),
        ],
        order_by: "community_code, entry_id, seq",
    },
    Table {
        name: "inventory_evidence",
        columns: &[
            ("community_code", Text),
            ("entry_id", Text),
            ("seq", Int),
            ("kind", Text),
            ("size", Int),
            ("sha256", Text),
            ("bytes", Bytes),
        ],
        order_by: "community_code, entry_id, seq",
    },
    // The evaluation registry (考核评比登记) with the judgement made at registration.
    Table {
        name: "evaluations",
        columns: &[
            ("organiser_code", Text),
            ("id", Text),
            ("title", Text),
            ("kind", Text),
            ("mandate_document", OptText),
            ("criteria", Text),
            ("one_vote_veto", Bool),
            ("admitted_work", OptText),
            ("outcome", Text),
            ("judgement", Text),
            ("registered_by", Text),
            ("registered_at", Int),
        ],
        order_by: "organiser_code, id",
    },
    // Resident certificates. Personal data stays encrypted in the export: it needs the data key.
    Table {
        name: "certificate_applications",
        columns: &[
            ("community_code", Text),
            ("id", Text),
            ("item_code", Text),
            ("item_name", Text),
            ("catalog_version", Text),
            ("applicant_name", Text),
            ("id_number_enc", Text),
            ("id_number_last4", Text),
            ("phone", Text),
            ("household_community", Text),
            ("reason", Text),
            ("purpose", Text),
            ("asking_unit", Text),
            ("asking_article", Text),
            ("pledged_at", Int),
            ("channel", Text),
            ("applicant_user", OptText),
            ("entered_by", OptText),
            ("status", Text),
            ("submitted_at", Int),
            ("due_on", Text),
            ("facts", Text),
            ("verified_by", OptText),
            ("verified_at", OptInt),
            ("verify_note", OptText),
            ("approved_by", OptText),
            ("approved_at", OptInt),
            ("decided_by", OptText),
            ("decided_at", OptInt),
            ("refusal_reason", OptText),
            ("idempotency_key", OptText),
            ("purged_at", OptInt),
            ("updated_at", Int),
        ],
        order_by: "community_code, id",
    },
    Table {
        name: "certificate_materials",
        columns: &[
            ("community_code", Text),
            ("application_id", Text),
            ("seq", Int),
            ("material", Text),
            ("kind", Text),
            ("size", Int),
            ("sha256", Text),
            ("bytes", Bytes),
        ],
        order_by: "community_code, application_id, seq",
    },
    Table {
        name: "certificates",
        columns: &[
            ("number", Text),
            ("community_code", Text),
            ("application_id", Text),
            ("item_code", Text),
            ("title", Text),
            ("addressee", Text),
            ("body_enc", Text),
            ("holder_masked", Text),
            ("issued_on", Text),
            ("issued_at", Int),
            ("issued_by", Text),
            ("approved_by", Text),
            ("verify_code_hash", Text),
            ("verify_code_enc", Text),
            ("seal_log", Text),
            ("seal_seq", Int),
            ("status", Text),
            ("revoked_at", OptInt),
            ("revoked_by", OptText),
            ("revoke_reason", OptText),
            ("idempotency_key", Text),
        ],
        order_by: "number",
    },
    Table {
        name: "certificate_counters",
        columns: &[("community_code", Text), ("year", Int), ("next_seq", Int)],
        order_by: "community_code, year",
    },
    // The seal-use logs. Each exported only up to its head read when the export starts (see
    // `export`). The log is the first column of each table.
    Table {
        name: "seal_entries",
        columns: &[
            ("log", Text),
            ("seq", Int),
            ("id", Text),
            ("used_at", Int),
            ("community_code", Text),
            ("kind", Text),
            ("subject", Text),
            ("content", Text),
            ("copies", Int),
            ("approver", Text),
            ("handler", Text),
            ("personal_digest", Text),
            ("hash_alg", Text),
            ("leaf_hash", Text),
            ("prev_hash", Text),
            ("entry_hash", Text),
        ],
        order_by: "log, seq",
    },
    Table {
        name: "seal_personal",
        columns: &[
            ("log", Text),
            ("seq", Int),
            ("salt", Text),
            ("applicant", Text),
            ("contact", Text),
            ("used_at", Int),
        ],
        order_by: "log, seq",
    },
    Table {
        name: "seal_nodes",
        columns: &[("log", Text), ("node", Int), ("hash", Text)],
        order_by: "log, node",
    },
    Table {
        name: "seal_head",
        columns: &[
            ("log", Text),
            ("size", Int),
            ("hash", Text),
            ("hash_alg", Text),
            ("frontier", Text),
        ],
        order_by: "log",
    },
    Table {
        name: "seal_checkpoints",
        columns: &[
            ("size", Int),
            ("signed_at", Int),
            ("root", Text),
            ("hash_alg", Text),
            ("key_id", Text),
            ("signature", Text),
            ("heads", OptText),
        ],
        order_by: "size, signed_at",
    },
    Table {
        name: "audit_log",
        columns: &[
            ("chain", Text),
            ("seq", Int),
            ("id", Text),
            ("at", Int),
            ("actor", OptText),
            ("actor_role", OptText),
            ("action", Text),
            ("object", Text),
            ("result", Text),
            ("client_addr", OptText),
            ("request_id", OptText),
            ("detail", Text),
            ("prev_hash", Text),
            ("hash", Text),
        ],
        order_by: "chain, seq",
    },
    // Replaces the head row the first migration creates (see CoreStore::import_tables).
    Table {
        name: "audit_head",
        columns: &[("chain", Text), ("seq", Int), ("hash", Text)],
        order_by: "chain",
    },
    Table {
        name: "audit_checkpoints",
        columns: &[
            ("signed_at", Int),
            ("size", Int),
            ("root", Text),
            ("hash_alg", Text),
            ("key_id", Text),
            ("signature", Text),
            ("heads", Text),
        ],
        order_by: "signed_at, size",
    },
];

/// Tables deliberately left out of exports.
/// `upload_drafts`: files of a refused application form kept at most 24 hours for their owner's
/// next try (photos of ID documents). An export carrying them would keep personal data past that
/// bound, and an import has no use for them: the resident picks the file again.
pub const NOT_EXPORTED: &[&str] = &["sessions", "upload_drafts"];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// One value as it travels in the file. `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

fn to_json(c: &Cell) -> Value {
    match c {
        Cell::Text(v) => v.clone().map_or(Value::Null, Value::String),
        Cell::Int(v) => v.map_or(Value::Null, Value::from),
        Cell::Bool(v) => v.map_or(Value::Null, Value::Bool),
        Cell::Bytes(v) => v.as_ref().map_or(Value::Null, |b| {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }),
    }
}

fn from_json(v: &Value, col: Col) -> Result<Cell, String> {
    let null_ok = matches!(col, OptText | OptInt);
    if v.is_null() {
        return match col {
            OptText => Ok(Cell::Text(None)),
            OptInt => Ok(Cell::Int(None)),
            _ if null_ok => unreachable!(),
            _ => Err("不能为空".into()),
        };
    }
    match col {
        Text | OptText => v
            .as_str()
            .map(|s| Cell::Text(Some(s.into())))
            .ok_or("应为文本".into()),
        Int | OptInt => v
            .as_i64()
            .map(|i| Cell::Int(Some(i)))
            .ok_or("应为整数".into()),
        Bool => v
            .as_bool()
            .map(|b| Cell::Bool(Some(b)))
            .ok_or("应为 true/false".into()),
        Bytes => v
            .as_str()
            .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
            .map(|b| Cell::Bytes(Some(b)))
            .ok_or("应为 base64 编码的二进制".into()),
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    source_backend: String,
}

#[derive(Serialize, Deserialize)]
struct Line {
    table: String,
    row: Map<String, Value>,
}

/// Rows of one table, in the table's column order, each with its line in the file (so a row the
/// database refuses can be named by table and line).
pub type Rows = Vec<(usize, Vec<Cell>)>;

/// Writes every table to `out`, one row at a time.
pub async fn export(store: &dyn Store, out: &mut (dyn Write + Send)) -> Result<u64, StoreError> {
    let io = |e: std::io::Error| StoreError::BadImport {
        line: 0,
        reason: e.to_string(),
    };
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        source_backend: store.backend().into(),
    };
    serde_json::to_writer(&mut *out, &header).map_err(|e| StoreError::BadImport {
        line: 0,
        reason: e.to_string(),
    })?;
    out.write_all(b"\n").map_err(io)?;
    let mut n = 0u64;
    // The chain heads are read first and each chain exported only up to its head, so records
    // appended while exporting (the server may be running) cannot leave the copy unverifiable;
    // likewise checkpoints signed meanwhile (their size exceeds the heads read here).
    let heads = store.audit_heads().await?;
    let audit_size: i64 = heads.iter().map(|h| h.seq).sum();
    let head_seqs: std::collections::HashMap<&str, i64> =
        heads.iter().map(|h| (h.chain.as_str(), h.seq)).collect();
    let head_of = |chain: &str| head_seqs.get(chain).copied();
    let mut heads_written = false;
    // Likewise each seal log: rows past its head (appended meanwhile) stay out of the copy.
    let seal_heads = store.seal_heads().await?;
    let seal_total: i64 = seal_heads.iter().map(|(_, h)| h.size).sum();
    let seal_sizes: std::collections::HashMap<&str, i64> = seal_heads
        .iter()
        .map(|(log, h)| (log.as_str(), h.size))
        .collect();
    let seal_size_of = |row: &[Cell]| match row.first() {
        Some(Cell::Text(Some(log))) => seal_sizes.get(log.as_str()).copied().unwrap_or(0),
        _ => 0,
    };
    let mut seal_heads_written = false;
    let int_at = |row: &[Cell], i: usize| match row.get(i) {
        Some(Cell::Int(Some(v))) => *v,
        _ => 0,
    };
    for t in TABLES {
        let mut sink = |row: Vec<Cell>| -> Result<(), StoreError> {
            match t.name {
                "audit_log" => {
                    let chain = match row.first() {
                        Some(Cell::Text(Some(c))) => c.as_str(),
                        _ => "",
                    };
                    if head_of(chain).is_none_or(|h| int_at(&row, 1) > h) {
                        return Ok(());
                    }
                }
                "audit_head" => {
                    // Written once, from the heads read before the trail.
                    if heads_written {
                        return Ok(());
                    }
                    heads_written = true;
                    for h in &heads {
                        let row = vec![
                            Cell::Text(Some(h.chain.clone())),
                            Cell::Int(Some(h.seq)),
                            Cell::Text(Some(h.hash.clone())),
                        ];
                        write_row(&mut *out, t, &row)?;
                        n += 1;
                    }
                    return Ok(());
                }
                "audit_checkpoints" if int_at(&row, 1) > audit_size => return Ok(()),
                "seal_entries" | "seal_personal" if int_at(&row, 1) > seal_size_of(&row) => {
                    return Ok(());
                }
                "seal_nodes" if int_at(&row, 1) >= (seal_size_of(&row) + 1) * 64 => {
                    return Ok(());
                }
                "seal_checkpoints" if int_at(&row, 0) > seal_total => return Ok(()),
                "seal_head" => {
                    // Written once, from the heads read before the logs.
                    if seal_heads_written {
                        return Ok(());
                    }
                    seal_heads_written = true;
                    for (log, h) in &seal_heads {
                        let row = vec![
                            Cell::Text(Some(log.clone())),
                            Cell::Int(Some(h.size)),
                            Cell::Text(Some(h.hash.clone())),
                            Cell::Text(Some(h.hash_alg.clone())),
                            Cell::Text(Some(h.frontier.clone())),
                        ];
                        write_row(&mut *out, t, &row)?;
                        n += 1;
                    }
                    return Ok(());
                }
                _ => {}
            }
            write_row(&mut *out, t, &row)?;
            n += 1;
            Ok(())
        };
        store.export_table(t, &mut sink).await?;
    }
    out.flush().map_err(io)?;
    Ok(n)
}

fn write_row(out: &mut (dyn Write + Send), t: &Table, row: &[Cell]) -> Result<(), StoreError> {
    let map: Map<String, Value> = t
        .columns
        .iter()
        .zip(row)
        .map(|((c, _), v)| (c.to_string(), to_json(v)))
        .collect();
    serde_json::to_writer(
        &mut *out,
        &Line {
            table: t.name.into(),
            row: map,
        },
    )
    .map_err(|e| StoreError::BadImport {
        line: 0,
        reason: e.to_string(),
    })?;
    out.write_all(b"\n").map_err(|e| StoreError::BadImport {
        line: 0,
        reason: e.to_string(),
    })
}

/// Reads an export and loads it into `store`, which must be freshly migrated and empty.
pub async fn import(store: &dyn Store, input: &mut dyn BufRead) -> Result<u64, StoreError> {
    let bad = |line: usize, reason: String| StoreError::BadImport { line, reason };
    let mut lines = input.lines().enumerate();
    let (_, first) = lines.next().ok_or_else(|| bad(1, "文件为空".into()))?;
    let first = first.map_err(|e| bad(1, e.to_string()))?;
    let header: Header =
        serde_json::from_str(&first).map_err(|_| bad(1, "不是 jianfu 导出文件".into()))?;
    if header.format != FORMAT {
        return Err(bad(1, format!("不支持的格式 {}", header.format)));
    }
    if header.version < VERSION {
        // Older exports hold the old table layout: the old program imports them, and
        // `jianfu migrate` brings the database up to date.
        return Err(bad(
            1,
            format!(
                "这是第 {} 版的导出文件（本程序读第 {VERSION} 版）：请用导出它的 jianfu 版本导入到新库，再用本程序运行 jianfu migrate",
                header.version
            ),
        ));
    }
    if header.version > VERSION {
        return Err(bad(
            1,
            format!(
                "这是第 {} 版的导出文件，比本程序新（本程序读第 {VERSION} 版）：请用更新的 jianfu 导入",
                header.version
            ),
        ));
    }
    let mut tables: Vec<(&'static Table, Rows)> = TABLES.iter().map(|t| (t, Vec::new())).collect();
    let mut n = 0;
    for (i, line) in lines {
        let no = i + 1;
        let line = line.map_err(|e| bad(no, e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(&line).map_err(|e| bad(no, e.to_string()))?;
        let slot = tables
            .iter_mut()
            .find(|(t, _)| t.name == l.table)
            .ok_or_else(|| bad(no, format!("未知的表 {}", l.table)))?;
        let row = slot
            .0
            .columns
            .iter()
            .map(|(c, ty)| {
                let cell = from_json(l.row.get(*c).unwrap_or(&Value::Null), *ty)
                    .map_err(|why| bad(no, format!("表 {} 列 {}：{why}", l.table, c)))?;
                // PostgreSQL cannot store U+0000 in text; say where it is instead of failing
                // the whole import with a database error.
                match &cell {
                    Cell::Text(Some(t)) if t.contains('\0') => Err(bad(
                        no,
                        format!(
                            "表 {} 列 {} 含有 U+0000（空字符），PostgreSQL 无法保存；请在源库中删除这个字符后重新导出",
                            l.table, c
                        ),
                    )),
                    _ => Ok(cell),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        slot.1.push((no, row));
        n += 1;
    }
    if tables
        .iter()
        .find(|(t, _)| t.name == "audit_head")
        .is_none_or(|(_, r)| r.is_empty())
    {
        return Err(bad(0, "缺少审计链头，文件可能不完整".into()));
    }
    store.import_tables(tables).await?;
    Ok(n)
}

/// `INSERT INTO t (a, b) VALUES ($1, $2)` for a table.
pub fn insert_sql(t: &Table) -> String {
    let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        t.name,
        cols.join(", "),
        params.join(", ")
    )
}

/// `SELECT a, b FROM t ORDER BY …` for a table.
pub fn select_sql(t: &Table) -> String {
    let cols: Vec<&str> = t.columns.iter().map(|(c, _)| *c).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        t.name,
        t.order_by
    )
}
