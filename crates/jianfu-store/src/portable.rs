//! Portable export and import: a whole database as JSON Lines, so a district can move from SQLite
//! to PostgreSQL (or back) without hand-written SQL. Sessions are not exported: they are
//! short-lived and users simply log in again.
//!
//! Format: the first line is a header `{"format":"jianfu-export","version":1,...}`; each further
//! line is `{"table": "...", "row": {...}}`. IDs, audit sequence numbers and hashes are kept, so the
//! audit chain still verifies after the move.

use crate::{ApiTokenRow, AuditRecord, MetaRow, OrgRow, Store, StoreError, UserRow};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

pub const FORMAT: &str = "jianfu-export";
pub const VERSION: u32 = 1;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tables {
    pub orgs: Vec<OrgRow>,
    pub users: Vec<UserRow>,
    pub api_tokens: Vec<ApiTokenRow>,
    pub meta: Vec<MetaRow>,
    pub audit: Vec<AuditRecord>,
    pub audit_head: (i64, String),
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    source_backend: String,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "table", content = "row", rename_all = "snake_case")]
enum Line {
    Org(OrgRow),
    User(UserRow),
    ApiToken(ApiTokenRow),
    Meta(MetaRow),
    Audit(AuditRecord),
    AuditHead { seq: i64, hash: String },
}

/// Writes every table to `out`. Reads the audit trail in pages, so memory stays flat.
pub async fn export(store: &dyn Store, out: &mut dyn Write) -> Result<u64, StoreError> {
    let io = |e: std::io::Error| StoreError::BadImport {
        line: 0,
        reason: e.to_string(),
    };
    let mut n = 0u64;
    let mut put = |out: &mut dyn Write, line: &Line| -> Result<(), StoreError> {
        serde_json::to_writer(&mut *out, line).map_err(|e| StoreError::BadImport {
            line: 0,
            reason: e.to_string(),
        })?;
        out.write_all(b"\n").map_err(io)?;
        n += 1;
        Ok(())
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
    // The head is read first: records appended while exporting are then simply not included.
    let (head_seq, head_hash) = store.audit_head().await?;
    // Sorted here, not by the database, whose collation may differ between backends: the same
    // content always gives the same file.
    let mut orgs = store.list_orgs().await?;
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    for o in orgs {
        put(out, &Line::Org(o))?;
    }
    let mut users = store.list_users().await?;
    users.sort_by(|a, b| a.id.cmp(&b.id));
    for u in users {
        put(out, &Line::User(u))?;
    }
    let mut tokens = store.list_api_tokens().await?;
    tokens.sort_by(|a, b| a.id.cmp(&b.id));
    for t in tokens {
        put(out, &Line::ApiToken(t))?;
    }
    let mut meta = store.list_meta().await?;
    meta.sort_by(|a, b| a.key.cmp(&b.key));
    for m in meta {
        put(out, &Line::Meta(m))?;
    }
    let mut after = 0;
    while after < head_seq {
        let page = store.audit_after(after, 5000.min(head_seq - after)).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in page {
            put(out, &Line::Audit(r))?;
        }
    }
    put(
        out,
        &Line::AuditHead {
            seq: head_seq,
            hash: head_hash,
        },
    )?;
    out.flush().map_err(io)?;
    Ok(n)
}

/// Reads an export and loads it into `store`, which must be freshly migrated and empty.
pub async fn import(store: &dyn Store, input: &mut dyn BufRead) -> Result<u64, StoreError> {
    let mut t = Tables::default();
    let mut lines = input.lines().enumerate();
    let bad = |line: usize, reason: String| StoreError::BadImport { line, reason };
    let (_, first) = lines.next().ok_or_else(|| bad(1, "文件为空".into()))?;
    let first = first.map_err(|e| bad(1, e.to_string()))?;
    let header: Header =
        serde_json::from_str(&first).map_err(|_| bad(1, "不是 jianfu 导出文件".into()))?;
    if header.format != FORMAT || header.version != VERSION {
        return Err(bad(
            1,
            format!("不支持的格式 {} v{}", header.format, header.version),
        ));
    }
    let mut head = None;
    let mut n = 0;
    for (i, line) in lines {
        let line = line.map_err(|e| bad(i + 1, e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line).map_err(|e| bad(i + 1, e.to_string()))? {
            Line::Org(o) => t.orgs.push(o),
            Line::User(u) => t.users.push(u),
            Line::ApiToken(x) => t.api_tokens.push(x),
            Line::Meta(m) => t.meta.push(m),
            Line::Audit(r) => t.audit.push(r),
            Line::AuditHead { seq, hash } => head = Some((seq, hash)),
        }
        n += 1;
    }
    t.audit_head = head.ok_or_else(|| bad(0, "缺少审计链头，文件可能不完整".into()))?;
    store.import_rows(t).await?;
    Ok(n)
}
