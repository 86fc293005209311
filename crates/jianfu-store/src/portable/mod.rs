//! Portable export and import: a whole database as JSON Lines, so a district can move from SQLite
//! to PostgreSQL (or back) without hand-written SQL.
//!
//! Every table is described once in [`TABLES`] (`tables.rs`: columns and their portable types); export and
//! import are generic over that list, and a test compares it with the real schema, so a new table
//! or column cannot be forgotten. Sessions are not exported: they are short-lived.
//!
//! Format: the first line is a header `{"format":"jianfu-export","version":4,...}` ([`VERSION`]); each further
//! line is `{"table": "...", "row": {column: value, ...}}`. Binary columns are base64. IDs, audit
//! sequence numbers and hashes are kept, so the audit chain still verifies after the move.

use crate::{Store, StoreError};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

pub const FORMAT: &str = "jianfu-export";
/// 3: one seal log per community (the seal tables carry `log`).
/// 4: volunteer evaluations (0026) and meeting notice reasons and Party review dates (0027), new
/// required columns: an older file is refused with the way to bring it over, not half read.
pub const VERSION: u32 = 4;

mod tables;

use Col::*;
pub use tables::{Col, NOT_EXPORTED, TABLES, Table};

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
