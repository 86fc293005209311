//! The mandate register (上级文件登记). 三(二) and 三(三) open exceptions only for what the centre or
//! the municipal Party committee and government explicitly require; a burden that claims such a
//! mandate names a document registered here, instead of declaring a level on its own word.
//!
//! Reading is public (政务公开). Registering, correcting and ending a document need
//! `ManageCatalog`: the district approver keeps the register as they keep the lists. Documents
//! are never deleted (decisions refer to them); ending one sets its 失效日期. Every write is
//! audited (`mandate.register`, `mandate.update` with the old values, `mandate.end`).
//!
//! The gate reads the register through [`App::mandates_in_force`].

use super::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::gate::catalog::is_iso_date;
use jianfu_domain::gate::mandate::{MandateField, MandateProblem, normalise_number};
use jianfu_domain::gate::{BurdenKind, MandateDoc, MandateLevel, MandateRegister};
use jianfu_domain::permission::Permission;
use jianfu_store::MandateRow;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};

/// How long the register is trusted before it is read again (another server process on the same
/// database may have changed it). Writes in this process forget it at once.
const REGISTER_TTL_MS: i64 = 30_000;

/// The register as last read, briefly.
#[derive(Default)]
pub struct MandateCache {
    list: RwLock<Option<(i64, Arc<Vec<MandateEntry>>)>>,
}

impl MandateCache {
    pub fn invalidate(&self) {
        *self.list.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// A registered document with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateEntry {
    pub id: String,
    pub doc: MandateDoc,
    /// Why it was ended, when it was.
    pub end_note: String,
    pub created_at: i64,
    pub created_by: String,
    pub updated_at: i64,
    pub updated_by: String,
}

impl MandateEntry {
    pub fn status_on(&self, date: &str) -> MandateStatus {
        if self.doc.in_force_on(date) {
            MandateStatus::InForce
        } else if self.doc.valid_from.as_str() > date {
            MandateStatus::Future
        } else {
            MandateStatus::Ended
        }
    }
    /// The burden kinds it requires, in Chinese, 、-separated.
    pub fn requires_zh(&self) -> String {
        requires_label(&self.doc.requires)
    }
}

/// Burden kinds in Chinese, 、-separated.
pub fn requires_label(kinds: &[BurdenKind]) -> String {
    kinds
        .iter()
        .map(|k| k.label_zh())
        .collect::<Vec<_>>()
        .join("、")
}

/// Where a document stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MandateStatus {
    /// 有效
    InForce,
    /// 尚未生效
    Future,
    /// 已失效（废止、到期或被取代）
    Ended,
}

impl MandateStatus {
    pub const ALL: [MandateStatus; 3] = [Self::InForce, Self::Future, Self::Ended];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InForce => "in_force",
            Self::Future => "future",
            Self::Ended => "ended",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::InForce => "有效",
            Self::Future => "尚未生效",
            Self::Ended => "已失效",
        }
    }
    pub fn css(self) -> &'static str {
        match self {
            Self::InForce => "on",
            Self::Future => "warn",
            Self::Ended => "off",
        }
    }
}

/// A document as typed in a form, an API request or a spreadsheet row, before parsing.
/// `level` is `central`/`municipal` or 中央/市委市政府; `requires` holds burden kind codes or their
/// Chinese labels.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandateInput {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub issued_on: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub summary: String,
}

impl MandateInput {
    pub fn of(d: &MandateDoc) -> Self {
        Self {
            number: d.number.clone(),
            issuer: d.issuer.clone(),
            title: d.title.clone(),
            issued_on: d.issued_on.clone(),
            level: d.level.as_str().into(),
            requires: d.requires.iter().map(|k| k.as_str().to_string()).collect(),
            valid_from: d.valid_from.clone(),
            valid_to: d.valid_to.clone(),
            summary: d.summary.clone(),
        }
    }
}

/// A level by code or Chinese name.
pub fn parse_level(s: &str) -> Option<MandateLevel> {
    let s = s.trim();
    MandateLevel::parse(s).or_else(|| {
        MandateLevel::ALL
            .into_iter()
            .find(|l| l.label_zh() == s || (s == "市级" && *l == MandateLevel::Municipal))
    })
}

/// A burden kind by code or Chinese label.
pub fn parse_burden_kind(s: &str) -> Option<BurdenKind> {
    let s = s.trim();
    BurdenKind::parse(s).or_else(|| BurdenKind::ALL.into_iter().find(|k| k.label_zh() == s))
}

fn levels_allowed() -> String {
    MandateLevel::ALL
        .iter()
        .map(|l| format!("{}（{}）", l.label_zh(), l.as_str()))
        .collect::<Vec<_>>()
        .join("、")
}

/// Parses and checks typed input: the document, or every problem found (field, code, message).
/// Dates are also checked against `today`: a document cannot be issued in the future.
pub fn parse_input(input: &MandateInput, today: &str) -> Result<MandateDoc, Vec<MandateProblem>> {
    let mut problems = Vec::new();
    let level = match input.level.trim() {
        "" => {
            problems.push(MandateProblem::new(
                MandateField::Level,
                "unknown_level",
                format!("请选择层级：{}", levels_allowed()),
            ));
            None
        }
        s => {
            let l = parse_level(s);
            if l.is_none() {
                problems.push(MandateProblem::new(
                    MandateField::Level,
                    "unknown_level",
                    format!("未知的层级“{s}”，可选：{}", levels_allowed()),
                ));
            }
            l
        }
    };
    let mut requires = Vec::new();
    for r in input
        .requires
        .iter()
        .map(|r| r.trim())
        .filter(|r| !r.is_empty())
    {
        match parse_burden_kind(r) {
            Some(k) if !requires.contains(&k) => requires.push(k),
            Some(_) => {}
            None => problems.push(MandateProblem::new(
                MandateField::Requires,
                "unknown_burden_kind",
                format!("未知的事项“{r}”，可选：{}", burden_kinds_allowed()),
            )),
        }
    }
    requires.sort();
    let doc = MandateDoc {
        number: input.number.trim().to_string(),
        issuer: input.issuer.trim().to_string(),
        title: input.title.trim().to_string(),
        issued_on: input.issued_on.trim().to_string(),
        level: level.unwrap_or(MandateLevel::Central),
        requires,
        valid_from: input.valid_from.trim().to_string(),
        valid_to: input.valid_to.trim().to_string(),
        summary: input.summary.trim().to_string(),
    };
    let unknown_kind = problems.iter().any(|p| p.field == MandateField::Requires);
    for p in doc.problems() {
        // "choose at least one" says nothing new after "unknown kind".
        if !(unknown_kind && p.code() == "no_burden_kinds") {
            problems.push(p);
        }
    }
    if is_iso_date(&doc.issued_on) && doc.issued_on.as_str() > today {
        problems.push(MandateProblem::new(
            MandateField::IssuedOn,
            "bad_date",
            format!("印发日期 {} 晚于今天（{today}）", doc.issued_on),
        ));
    }
    problems.sort_by_key(|p| MandateField::ALL.iter().position(|f| *f == p.field));
    if problems.is_empty() {
        Ok(doc)
    } else {
        Err(problems)
    }
}

/// Every burden kind as 代码（名称）, for messages.
pub fn burden_kinds_allowed() -> String {
    BurdenKind::ALL
        .iter()
        .map(|k| format!("{}（{}）", k.label_zh(), k.as_str()))
        .collect::<Vec<_>>()
        .join("；")
}

fn rejected(p: MandateProblem) -> ServiceError {
    ServiceError::Rejected {
        code: p.code(),
        message: format!("{}：{}", p.field.label_zh(), p.message),
    }
}

fn first_problem(mut problems: Vec<MandateProblem>) -> ServiceError {
    if problems.is_empty() {
        return ServiceError::Invalid("上级文件信息有误".into());
    }
    rejected(problems.swap_remove(0))
}

fn duplicate(number: &str, existing: &MandateEntry) -> ServiceError {
    ServiceError::Rejected {
        code: "duplicate_mandate",
        message: format!(
            "文号“{number}”已登记为{}（{}），不能重复登记；需要更正请修改原记录",
            existing.doc.cite(),
            existing.doc.number
        ),
    }
}

fn unknown(number: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "上级文件“{}”（登记簿中没有这个文号）",
        number.trim()
    ))
}

fn to_row(id: &str, d: &MandateDoc, end_note: &str) -> MandateRow {
    MandateRow {
        id: id.to_string(),
        number_key: normalise_number(&d.number),
        number: d.number.clone(),
        issuer: d.issuer.clone(),
        title: d.title.clone(),
        issued_on: d.issued_on.clone(),
        level: d.level.as_str().into(),
        requires: serde_json::to_string(&d.requires.iter().map(|k| k.as_str()).collect::<Vec<_>>())
            .unwrap_or_else(|_| "[]".into()),
        valid_from: d.valid_from.clone(),
        valid_to: d.valid_to.clone(),
        summary: d.summary.clone(),
        end_note: end_note.to_string(),
        created_at: 0,
        created_by: String::new(),
        updated_at: 0,
        updated_by: String::new(),
    }
}

fn from_row(r: MandateRow) -> Result<MandateEntry, ServiceError> {
    let codes: Vec<String> = serde_json::from_str(&r.requires)
        .map_err(|e| ServiceError::Internal(format!("mandate {}: requires: {e}", r.id)))?;
    let mut requires = Vec::new();
    for c in codes {
        match BurdenKind::parse(&c) {
            Some(k) => requires.push(k),
            None => tracing::warn!(mandate = %r.id, kind = %c, "unknown burden kind in register"),
        }
    }
    let level = MandateLevel::parse(&r.level)
        .ok_or_else(|| ServiceError::Internal(format!("mandate {}: level {}", r.id, r.level)))?;
    Ok(MandateEntry {
        doc: MandateDoc {
            number: r.number,
            issuer: r.issuer,
            title: r.title,
            issued_on: r.issued_on,
            level,
            requires,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            summary: r.summary,
        },
        id: r.id,
        end_note: r.end_note,
        created_at: r.created_at,
        created_by: r.created_by,
        updated_at: r.updated_at,
        updated_by: r.updated_by,
    })
}

/// The fields that differ between two versions of a document: (field, old, new) as shown.
pub fn changed_fields(old: &MandateDoc, new: &MandateDoc) -> FieldChanges {
    use MandateField as F;
    let mut out = Vec::new();
    let mut cmp = |f: F, a: String, b: String| {
        if a != b {
            out.push((f, a, b));
        }
    };
    cmp(F::Number, old.number.clone(), new.number.clone());
    cmp(F::Issuer, old.issuer.clone(), new.issuer.clone());
    cmp(F::Title, old.title.clone(), new.title.clone());
    cmp(F::IssuedOn, old.issued_on.clone(), new.issued_on.clone());
    cmp(
        F::Level,
        old.level.label_zh().into(),
        new.level.label_zh().into(),
    );
    cmp(
        F::Requires,
        requires_label(&old.requires),
        requires_label(&new.requires),
    );
    cmp(F::ValidFrom, old.valid_from.clone(), new.valid_from.clone());
    cmp(F::ValidTo, old.valid_to.clone(), new.valid_to.clone());
    cmp(F::Summary, old.summary.clone(), new.summary.clone());
    out
}

/// Search and filters for the public list. Empty fields do not filter.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MandateFilter {
    /// Words that must all appear in the 文号 (any bracket spelling), title, issuer or summary.
    #[serde(default)]
    pub q: String,
    /// `central` / `municipal` (or 中央 / 市委市政府).
    #[serde(default)]
    pub level: String,
    /// `in_force` / `future` / `ended`.
    #[serde(default)]
    pub status: String,
}

/// Fields that differ: (field, old value, new value) as shown.
pub type FieldChanges = Vec<(MandateField, String, String)>;

/// A registered document the import would correct.
#[derive(Debug, Clone)]
pub struct PlannedChange {
    pub current: MandateEntry,
    pub new: MandateDoc,
    pub fields: FieldChanges,
}

/// What an import would do, document by document.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub added: Vec<MandateDoc>,
    pub changed: Vec<PlannedChange>,
    pub unchanged: usize,
}

impl ImportPlan {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty()
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

impl App {
    /// The whole register (ended documents included), briefly cached.
    pub async fn mandate_register(&self) -> Result<Arc<Vec<MandateEntry>>, ServiceError> {
        let now = self.now_ms();
        if let Some((at, list)) = &*self.mandates.list.read().unwrap_or_else(|e| e.into_inner())
            && now >= *at
            && now - at < REGISTER_TTL_MS
        {
            return Ok(list.clone());
        }
        let list = Arc::new(
            self.store
                .list_mandates()
                .await?
                .into_iter()
                .map(from_row)
                .collect::<Result<Vec<_>, _>>()?,
        );
        *self
            .mandates
            .list
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some((now, list.clone()));
        Ok(list)
    }

    /// The documents in force on `date` (YYYY-MM-DD), for the gate. A malformed date is
    /// `bad_date`.
    pub async fn mandates_in_force(&self, date: &str) -> Result<MandateRegister, ServiceError> {
        let date = date.trim();
        if !is_iso_date(date) {
            return Err(ServiceError::Rejected {
                code: "bad_date",
                message: format!("日期“{date}”有误，应写成 2026-01-01 这样的格式"),
            });
        }
        Ok(MandateRegister::new(
            self.mandate_register()
                .await?
                .iter()
                .filter(|e| e.doc.in_force_on(date))
                .map(|e| e.doc.clone())
                .collect(),
        ))
    }

    /// The public list: newest issue first, filtered. Unknown level or status values are
    /// `unknown_level` / `unknown_status`.
    pub async fn list_mandates(
        &self,
        f: &MandateFilter,
    ) -> Result<Vec<MandateEntry>, ServiceError> {
        let level = match f.level.trim() {
            "" => None,
            s => Some(parse_level(s).ok_or_else(|| ServiceError::Rejected {
                code: "unknown_level",
                message: format!("未知的层级“{s}”，可选：{}", levels_allowed()),
            })?),
        };
        let status = match f.status.trim() {
            "" => None,
            s => Some(
                MandateStatus::parse(s).ok_or_else(|| ServiceError::Rejected {
                    code: "unknown_status",
                    message: format!(
                        "未知的状态“{s}”，可选：{}",
                        MandateStatus::ALL
                            .iter()
                            .map(|s| format!("{}（{}）", s.label_zh(), s.as_str()))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                })?,
            ),
        };
        let today = self.today_beijing();
        let words: Vec<String> = f.q.split_whitespace().map(str::to_lowercase).collect();
        let mut out: Vec<MandateEntry> = self
            .mandate_register()
            .await?
            .iter()
            .filter(|e| level.is_none_or(|l| e.doc.level == l))
            .filter(|e| status.is_none_or(|s| e.status_on(&today) == s))
            .filter(|e| {
                let key = normalise_number(&e.doc.number).to_lowercase();
                let text =
                    format!("{}\n{}\n{}", e.doc.title, e.doc.issuer, e.doc.summary).to_lowercase();
                words
                    .iter()
                    .all(|w| key.contains(&normalise_number(w)) || text.contains(w.as_str()))
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            b.doc
                .issued_on
                .cmp(&a.doc.issued_on)
                .then_with(|| a.doc.number.cmp(&b.doc.number))
        });
        Ok(out)
    }

    /// One document by its 文号 in any bracket spelling.
    pub async fn mandate(&self, number: &str) -> Result<Option<MandateEntry>, ServiceError> {
        let key = normalise_number(number);
        if key.is_empty() {
            return Ok(None);
        }
        if let Some(e) = self
            .mandate_register()
            .await?
            .iter()
            .find(|e| normalise_number(&e.doc.number) == key)
        {
            return Ok(Some(e.clone()));
        }
        // Registered by another process within the cache's lifetime.
        match self.store.mandate_by_key(&key).await? {
            Some(r) => Ok(Some(from_row(r)?)),
            None => Ok(None),
        }
    }

    /// One document, or `NotFound` (the API answers `unknown_mandate`).
    pub async fn mandate_or_404(&self, number: &str) -> Result<MandateEntry, ServiceError> {
        self.mandate(number).await?.ok_or_else(|| unknown(number))
    }

    /// Registers a document (district approver). `duplicate_mandate` when its 文号, in any
    /// spelling, is registered already.
    pub async fn register_mandate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        input: &MandateInput,
    ) -> Result<MandateEntry, ServiceError> {
        actor.require(Permission::ManageCatalog)?;
        let doc = parse_input(input, &self.today_beijing()).map_err(first_problem)?;
        self.insert_doc(actor, meta, &doc).await
    }

    async fn insert_doc(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        doc: &MandateDoc,
    ) -> Result<MandateEntry, ServiceError> {
        if let Some(existing) = self.mandate(&doc.number).await? {
            return Err(duplicate(&doc.number, &existing));
        }
        let now = self.now_ms();
        let who = actor.username.clone().unwrap_or_default();
        let id = uuid::Uuid::now_v7().to_string();
        let mut row = to_row(&id, doc, "");
        row.created_at = now;
        row.created_by = who.clone();
        row.updated_at = now;
        row.updated_by = who;
        let mut audit = self.audit(
            actor,
            meta,
            "mandate.register",
            format!("mandate:{}", row.number_key),
        );
        audit.detail = serde_json::json!({
            "id": id,
            "number": doc.number,
            "title": doc.title,
            "issuer": doc.issuer,
            "level": doc.level.as_str(),
            "requires": doc.requires,
            "valid_from": doc.valid_from,
            "valid_to": doc.valid_to,
        })
        .to_string();
        let result = self.store.insert_mandate(&row, audit).await;
        self.mandates.invalidate();
        match result {
            Ok(()) => from_row(row),
            Err(jianfu_store::StoreError::Conflict(_)) => {
                // Registered by someone else a moment ago.
                match self.mandate(&doc.number).await? {
                    Some(existing) => Err(duplicate(&doc.number, &existing)),
                    None => Err(ServiceError::Conflict(format!("上级文件 {}", doc.number))),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Corrects a registered document (district approver). The old values stay in the audit
    /// trail. `expected_updated_at` (from the form that was edited) refuses to overwrite a change
    /// made meanwhile (`stale_mandate`). Returns the document as stored; unchanged input writes
    /// nothing.
    pub async fn update_mandate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        number: &str,
        input: &MandateInput,
        expected_updated_at: Option<i64>,
    ) -> Result<MandateEntry, ServiceError> {
        actor.require(Permission::ManageCatalog)?;
        let current = self.mandate_or_404(number).await?;
        let doc = parse_input(input, &self.today_beijing()).map_err(first_problem)?;
        if let Some(at) = expected_updated_at
            && at != current.updated_at
        {
            return Err(stale(&current));
        }
        self.write_update(
            actor,
            meta,
            &current,
            doc,
            &current.end_note,
            "mandate.update",
        )
        .await
    }

    async fn write_update(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        current: &MandateEntry,
        doc: MandateDoc,
        end_note: &str,
        action: &str,
    ) -> Result<MandateEntry, ServiceError> {
        let changes = changed_fields(&current.doc, &doc);
        if changes.is_empty() && end_note == current.end_note {
            return Ok(current.clone());
        }
        let new_key = normalise_number(&doc.number);
        if new_key != normalise_number(&current.doc.number)
            && let Some(other) = self.mandate(&doc.number).await?
            && other.id != current.id
        {
            return Err(duplicate(&doc.number, &other));
        }
        let now = self.now_ms().max(current.updated_at + 1);
        let mut row = to_row(&current.id, &doc, end_note);
        row.created_at = current.created_at;
        row.created_by = current.created_by.clone();
        row.updated_at = now;
        row.updated_by = actor.username.clone().unwrap_or_default();
        let mut audit = self.audit(
            actor,
            meta,
            action,
            format!("mandate:{}", normalise_number(&current.doc.number)),
        );
        let mut before = serde_json::Map::new();
        let mut after = serde_json::Map::new();
        for (f, old, new) in &changes {
            before.insert(f.as_str().into(), old.clone().into());
            after.insert(f.as_str().into(), new.clone().into());
        }
        if end_note != current.end_note {
            before.insert("end_note".into(), current.end_note.clone().into());
            after.insert("end_note".into(), end_note.into());
        }
        audit.detail = serde_json::json!({
            "id": current.id,
            "number": doc.number,
            "before": before,
            "after": after,
        })
        .to_string();
        let result = self
            .store
            .update_mandate(&row, current.updated_at, audit)
            .await;
        self.mandates.invalidate();
        match result {
            Ok(true) => from_row(row),
            Ok(false) => Err(stale(current)),
            Err(jianfu_store::StoreError::Conflict(_)) => Err(ServiceError::Rejected {
                code: "duplicate_mandate",
                message: format!("文号“{}”已登记为另一份文件，不能改成这个文号", doc.number),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Ends a document (废止、被取代、到期): it stops opening exceptions after `valid_to`
    /// (YYYY-MM-DD; empty means today). It stays in the register, with `note` saying why.
    /// `already_ended` when it ended on or before that day already.
    pub async fn end_mandate(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        number: &str,
        valid_to: &str,
        note: &str,
    ) -> Result<MandateEntry, ServiceError> {
        actor.require(Permission::ManageCatalog)?;
        let current = self.mandate_or_404(number).await?;
        let today = self.today_beijing();
        let to = match valid_to.trim() {
            "" => today.clone(),
            d if is_iso_date(d) => d.to_string(),
            d => {
                return Err(ServiceError::Rejected {
                    code: "bad_date",
                    message: format!("失效日期“{d}”有误，应写成 2026-01-01 这样的格式"),
                });
            }
        };
        if to.as_str() < current.doc.valid_from.as_str() {
            return Err(ServiceError::Rejected {
                code: "period_reversed",
                message: format!("失效日期 {to} 早于生效日期 {}", current.doc.valid_from),
            });
        }
        let old_to = current.doc.valid_to.trim();
        if !old_to.is_empty() && old_to <= to.as_str() {
            return Err(ServiceError::Rejected {
                code: "already_ended",
                message: format!("该文件已登记为 {old_to} 失效，无需再次标记"),
            });
        }
        let note = note.trim();
        if note.chars().count() > 500 {
            return Err(ServiceError::Rejected {
                code: "invalid_mandate_doc",
                message: "失效说明过长（最多 500 个字）".into(),
            });
        }
        let mut doc = current.doc.clone();
        doc.valid_to = to;
        self.write_update(actor, meta, &current, doc, note, "mandate.end")
            .await
    }

    /// What importing these documents would change: new 文号 are added, registered ones whose
    /// fields differ are corrected. Documents missing from the file are left as they are.
    pub async fn plan_mandate_import(
        &self,
        actor: &Actor,
        docs: &[MandateDoc],
    ) -> Result<ImportPlan, ServiceError> {
        actor.require(Permission::ManageCatalog)?;
        let today = self.today_beijing();
        let mut plan = ImportPlan::default();
        let mut seen = std::collections::HashSet::new();
        for d in docs {
            parse_input(&MandateInput::of(d), &today).map_err(first_problem)?;
            if !seen.insert(normalise_number(&d.number)) {
                return Err(ServiceError::Rejected {
                    code: "duplicate_mandate",
                    message: format!("文号“{}”在文件中出现了不止一次", d.number),
                });
            }
            match self.mandate(&d.number).await? {
                None => plan.added.push(d.clone()),
                Some(e) => {
                    let fields = changed_fields(&e.doc, d);
                    if fields.is_empty() {
                        plan.unchanged += 1;
                    } else {
                        plan.changed.push(PlannedChange {
                            current: e,
                            new: d.clone(),
                            fields,
                        });
                    }
                }
            }
        }
        Ok(plan)
    }

    /// Imports documents (after [`App::plan_mandate_import`] was shown): each new one is
    /// registered and each changed one corrected, each with its own audit record.
    pub async fn import_mandates(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        docs: &[MandateDoc],
    ) -> Result<ImportOutcome, ServiceError> {
        let plan = self.plan_mandate_import(actor, docs).await?;
        let mut out = ImportOutcome {
            unchanged: plan.unchanged,
            ..Default::default()
        };
        for d in &plan.added {
            self.insert_doc(actor, meta, d).await?;
            out.added += 1;
        }
        for PlannedChange {
            current, new: d, ..
        } in plan.changed
        {
            self.write_update(
                actor,
                meta,
                &current,
                d,
                &current.end_note,
                "mandate.update",
            )
            .await?;
            out.changed += 1;
        }
        Ok(out)
    }

    /// The demo register (`serve --demo`): registered once, when the register is empty.
    pub async fn ensure_demo_mandates(&self, meta: &RequestMeta) -> Result<(), ServiceError> {
        if !self.store.list_mandates().await?.is_empty() {
            return Ok(());
        }
        let console = Actor::console();
        for d in demo_mandates() {
            match self.insert_doc(&console, meta, &d).await {
                Ok(_) | Err(ServiceError::Rejected { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn stale(current: &MandateEntry) -> ServiceError {
    ServiceError::Rejected {
        code: "stale_mandate",
        message: format!(
            "文件“{}”在您编辑期间已被他人修改，请重新打开后再改",
            current.doc.number
        ),
    }
}

/// Documents registered in the demo district. The first is a real central document (number,
/// title and issuer as published); what it is recorded as requiring of communities is
/// illustrative, and the others are invented. Every summary says so (【演示】).
pub fn demo_mandates() -> Vec<MandateDoc> {
    vec![
        MandateDoc {
            number: "厅字〔2022〕28号".into(),
            issuer: "中共中央办公厅、国务院办公厅".into(),
            title: "关于规范村级组织工作事务、机制牌子和证明事项的意见".into(),
            issued_on: "2022-08-01".into(),
            level: MandateLevel::Central,
            requires: vec![BurdenKind::Ledger, BurdenKind::Institution],
            valid_from: "2022-08-01".into(),
            valid_to: String::new(),
            summary: "【演示】文号、标题、发文机关为真实文件；印发日期为按公开报道填写的近似日期，\
                      “要求社区的事项”（业务台账、工作机构）为演示所设，用于展示准入闸口如何查验\
                      上级文件。实际使用时请由区审批人员对照原文逐项核定。"
                .into(),
        },
        MandateDoc {
            number: "京演示〔2026〕1号".into(),
            issuer: "（演示）中共北京市委办公厅、北京市人民政府办公厅".into(),
            title: "（演示）关于开展社区示范创建活动的通知".into(),
            issued_on: "2026-03-01".into(),
            level: MandateLevel::Municipal,
            requires: vec![BurdenKind::Creation],
            valid_from: "2026-03-01".into(),
            valid_to: String::new(),
            summary: "【演示】虚构的文件，并非真实文号，用于展示经市委市政府明确要求的示范创建活动\
                      如何通过准入闸口。"
                .into(),
        },
        MandateDoc {
            number: "京演示〔2019〕2号".into(),
            issuer: "（演示）北京市人民政府办公厅".into(),
            title: "（演示）关于社区配备专职人员的通知".into(),
            issued_on: "2019-05-01".into(),
            level: MandateLevel::Municipal,
            requires: vec![BurdenKind::Staff],
            valid_from: "2019-05-01".into(),
            valid_to: "2025-12-31".into(),
            summary: "【演示】虚构的文件，已失效，用于展示失效文件不再作为上级要求。".into(),
        },
    ]
}
