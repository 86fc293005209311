//! Electronic ledgers (电子台账): a community's records from templates, and the form to add one.

use super::refused;
use crate::App;
use crate::http::error::PageError;
use crate::service::RequestMeta;
use crate::service::shared_data::ledgers::{LedgerRecordOut, PAGE, RecordResult, templates};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::shared_data::ledger::{FieldProblem, Template as LedgerTemplate};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    template: String,
    #[serde(default)]
    page: i64,
    #[serde(default)]
    saved: String,
}

#[derive(Template)]
#[template(path = "shared_data_ledgers.html")]
pub struct LedgerPage {
    pub ctx: PageContext,
    pub templates: Vec<LedgerTemplate>,
    pub current: LedgerTemplate,
    pub typed: BTreeMap<String, String>,
    pub problems: Vec<FieldProblem>,
    pub records: Vec<LedgerRecordOut>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub saved: bool,
}

impl LedgerPage {
    pub fn typed(&self, key: &str) -> String {
        self.typed.get(key).cloned().unwrap_or_default()
    }
    pub fn problem(&self, key: &str) -> Option<String> {
        self.problems
            .iter()
            .find(|p| p.field == key)
            .map(|p| p.message.clone())
    }
}

async fn page(
    app: &App,
    ctx: PageContext,
    template: &str,
    page_no: i64,
    typed: BTreeMap<String, String>,
    problems: Vec<FieldProblem>,
    saved: bool,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let all = templates();
    let current = all
        .get(template)
        .or_else(|| all.templates.first())
        .cloned()
        .ok_or_else(|| crate::service::ServiceError::Internal("没有电子台账模板".into()))?;
    let (records, total) = app
        .ledger_records(&actor, Some(&current.code), page_no)
        .await?;
    let failed = !problems.is_empty();
    Ok(refused(
        render(&LedgerPage {
            ctx,
            templates: all.templates.clone(),
            current,
            typed,
            problems,
            records,
            total,
            page: page_no.clamp(0, crate::service::shared_data::ledgers::MAX_PAGE),
            pages: (total + PAGE - 1) / PAGE,
            saved,
        }),
        failed,
    ))
}

pub(super) async fn list(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    page(
        &app,
        ctx,
        &q.template,
        q.page,
        BTreeMap::new(),
        vec![],
        !q.saved.is_empty(),
    )
    .await
}

pub(super) async fn add(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let template = form_value(&fields, "template");
    let typed: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f_").map(|k| (k.to_string(), v.clone())))
        .collect();
    match app
        .add_ledger_record(&actor, &meta, &template, &typed)
        .await?
    {
        RecordResult::Saved(_) => Ok(Redirect::to(&format!(
            "/shared-data/ledgers?template={}&saved=1",
            template.trim()
        ))
        .into_response()),
        RecordResult::Problems(p) => page(&app, ctx, &template, 0, typed, p, false).await,
    }
}
