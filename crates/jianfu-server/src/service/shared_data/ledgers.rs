//! Electronic ledgers (电子台账, 三(二)): a community keeps the records its work needs on the
//! platform, from templates, instead of paper books and each department's own ledger.

use crate::service::{Actor, App, RequestMeta, ServiceError};
use jianfu_domain::shared_data::ledger::{FieldProblem, Template, Templates, check_record};
use jianfu_store::LedgerRecordRow;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;

static TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::shipped);

pub const PAGE: i64 = 50;
/// Pages past this are read as this one (a million records of one kind is not a ledger).
pub const MAX_PAGE: i64 = 20_000;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerRecordOut {
    pub id: String,
    pub template: String,
    pub template_name: String,
    pub day: String,
    /// 各栏：栏名 → 内容（按模板顺序）。
    pub fields: Vec<(String, String)>,
    pub entered_by: String,
    pub entered_at: String,
}

/// What adding a record came to.
#[derive(Debug, Clone)]
pub enum RecordResult {
    Saved(String),
    Problems(Vec<FieldProblem>),
}

pub fn templates() -> &'static Templates {
    &TEMPLATES
}

fn template(code: &str) -> Result<&'static Template, ServiceError> {
    TEMPLATES
        .get(code.trim())
        .ok_or_else(|| ServiceError::Rejected {
            code: "unknown_template",
            message: format!(
                "没有“{}”这种台账。可选：{}",
                code.chars().take(40).collect::<String>(),
                TEMPLATES
                    .templates
                    .iter()
                    .map(|t| format!("{}（{}）", t.code, t.name))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        })
}

fn out(r: &LedgerRecordRow) -> LedgerRecordOut {
    let values: BTreeMap<String, String> = serde_json::from_str(&r.fields_json).unwrap_or_default();
    let t = TEMPLATES.get(&r.template);
    LedgerRecordOut {
        id: r.id.clone(),
        template: r.template.clone(),
        template_name: t.map_or(r.template.clone(), |t| t.name.clone()),
        day: r.day.clone(),
        fields: t
            .map(|t| {
                t.fields
                    .iter()
                    .filter_map(|f| values.get(&f.key).map(|v| (f.label.clone(), v.clone())))
                    .collect()
            })
            .unwrap_or_default(),
        entered_by: r.entered_by.clone(),
        entered_at: jianfu_domain::clock::format_beijing(r.entered_at),
    }
}

impl App {
    /// Adds a record to the actor's community's ledger of `template`.
    pub async fn add_ledger_record(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
        template_code: &str,
        input: &BTreeMap<String, String>,
    ) -> Result<RecordResult, ServiceError> {
        let community = self.own_data_community(actor).await?;
        let t = template(template_code)?;
        let (values, day) = match check_record(t, input) {
            Ok(v) => v,
            Err(p) => return Ok(RecordResult::Problems(p)),
        };
        let id = uuid::Uuid::now_v7().to_string();
        let row = LedgerRecordRow {
            community: community.code.to_string(),
            id: id.clone(),
            template: t.code.clone(),
            day,
            fields_json: serde_json::to_string(&values).unwrap_or_else(|_| "{}".into()),
            entered_by: actor.username.clone().unwrap_or_default(),
            entered_at: self.now_ms(),
        };
        let mut audit = self.audit(
            actor,
            meta,
            "shared_data.ledger_record",
            format!("ledger:{}:{id}", community.code),
        );
        audit.detail = serde_json::json!({ "template": t.code }).to_string();
        self.store.add_ledger_record(&row, audit).await?;
        Ok(RecordResult::Saved(id))
    }

    /// The actor's community's records, newest day first, a page at a time.
    pub async fn ledger_records(
        &self,
        actor: &Actor,
        template_code: Option<&str>,
        page: i64,
    ) -> Result<(Vec<LedgerRecordOut>, i64), ServiceError> {
        let community = self.own_data_community(actor).await?;
        let t = match template_code.map(str::trim).filter(|s| !s.is_empty()) {
            Some(c) => Some(template(c)?.code.as_str()),
            None => None,
        };
        let p = self
            .store
            .ledger_records(
                community.code.as_str(),
                t,
                PAGE,
                page.clamp(0, MAX_PAGE).saturating_mul(PAGE),
            )
            .await?;
        Ok((p.rows.iter().map(out).collect(), p.total))
    }
}
