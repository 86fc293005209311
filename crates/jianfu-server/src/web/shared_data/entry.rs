//! A community's figures: the entry form (last period beside each element, corrections with a
//! reason), the workbook to fill, its import, and one figure's history.

use super::refused;
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::shared_data::import::entry_workbook;
use crate::service::shared_data::{EntryResult, EntrySheet, ValueInput};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::shared_data::PeriodType;
use jianfu_domain::shared_data::element::ValueProblem;
use jianfu_store::ChangeRow;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    period: String,
    #[serde(default)]
    saved: String,
}

/// One line of the form as shown: the sheet's row plus what was typed and its problem.
pub struct Line {
    pub row: crate::service::shared_data::EntrySheetRow,
    pub typed: String,
    pub reason: String,
    pub problem: Option<String>,
    /// The revision the user read (carried through a refused save, so a correction made by
    /// someone else meanwhile is still caught).
    pub revision: Option<i32>,
    /// For a figure someone else changed meanwhile: what it is now.
    pub now: Option<String>,
}

#[derive(Template)]
#[template(path = "shared_data_entry.html")]
pub struct EntryPage {
    pub ctx: PageContext,
    pub sheet: EntrySheet,
    pub lines: Vec<Line>,
    pub problems: Vec<ValueProblem>,
    pub saved: Option<String>,
    /// (key, label) of the period-type tabs: this month, this quarter, this year.
    pub tabs: Vec<(String, String, bool)>,
}

fn tabs(app: &App, current: &str) -> Vec<(String, String, bool)> {
    let d = app.today();
    PeriodType::ALL
        .iter()
        .map(|k| {
            let p = jianfu_domain::shared_data::Period::containing(*k, d.year(), d.month() as u32);
            let key = p.key();
            let sel = key == current;
            (key, format!("{}（{}）", p.label_zh(), k.label_zh()), sel)
        })
        .collect()
}

fn page(
    app: &App,
    ctx: PageContext,
    sheet: EntrySheet,
    typed: &HashMap<String, (String, String)>,
    read: &HashMap<String, i32>,
    problems: Vec<ValueProblem>,
    saved: Option<String>,
) -> Response {
    let lines = sheet
        .rows
        .iter()
        .map(|r| {
            let (t, reason) = typed.get(&r.code).cloned().unwrap_or_default();
            let problem = problems.iter().find(|p| p.element == r.code);
            Line {
                typed: if typed.contains_key(&r.code) {
                    t
                } else {
                    r.current.clone().unwrap_or_default()
                },
                reason,
                problem: problem.map(|p| p.message.clone()),
                revision: read.get(&r.code).copied().or(r.revision),
                now: problem
                    .filter(|p| p.code == "stale_value")
                    .map(|_| r.current.clone().unwrap_or_else(|| "（未填）".into())),
                row: r.clone(),
            }
        })
        .collect();
    let had_problems = !problems.is_empty();
    let tabs = tabs(app, &sheet.period);
    refused(
        render(&EntryPage {
            ctx,
            sheet,
            lines,
            problems,
            saved,
            tabs,
        }),
        had_problems,
    )
}

pub(super) async fn form(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let sheet = app.entry_sheet(&actor, Some(&q.period)).await?;
    let saved = (!q.saved.is_empty()).then(|| format!("已保存 {} 项。", q.saved));
    Ok(page(
        &app,
        ctx,
        sheet,
        &HashMap::new(),
        &HashMap::new(),
        vec![],
        saved,
    ))
}

pub(super) async fn save(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let period = form_value(&fields, "period");
    // Fields are v_<code>, r_<code> (reason), n_<code> (revision read).
    let mut typed: HashMap<String, (String, String)> = HashMap::new();
    let mut revisions: HashMap<String, i32> = HashMap::new();
    for (k, v) in &fields {
        if let Some(code) = k.strip_prefix("v_") {
            typed.entry(code.to_string()).or_default().0 = v.clone();
        } else if let Some(code) = k.strip_prefix("r_") {
            typed.entry(code.to_string()).or_default().1 = v.clone();
        } else if let Some(code) = k.strip_prefix("n_")
            && let Ok(n) = v.parse()
        {
            revisions.insert(code.to_string(), n);
        }
    }
    let inputs: Vec<ValueInput> = typed
        .iter()
        .map(|(code, (value, reason))| ValueInput {
            element: code.clone(),
            value: value.clone(),
            reason: reason.clone(),
            revision: revisions.get(code).copied(),
        })
        .collect();
    match app
        .enter_values(&actor, &meta, &period, &inputs, "form")
        .await
    {
        Ok(EntryResult::Saved { written, .. }) => Ok(Redirect::to(&format!(
            "/shared-data/entry?period={}&saved={written}",
            period_key(&period)
        ))
        .into_response()),
        Ok(EntryResult::Problems(problems)) => {
            let sheet = app.entry_sheet(&actor, Some(&period)).await?;
            Ok(page(&app, ctx, sheet, &typed, &revisions, problems, None))
        }
        Err(ServiceError::Rejected { code, message }) => {
            // The period asked for if it reads (the figures typed belong to it), else this month.
            let sheet = match app.entry_sheet(&actor, Some(&period)).await {
                Ok(s) => s,
                Err(_) => app.entry_sheet(&actor, None).await?,
            };
            let p = ValueProblem {
                element: String::new(),
                other: None,
                code,
                message,
            };
            Ok(page(&app, ctx, sheet, &typed, &revisions, vec![p], None))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn workbook(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let sheet = app.entry_sheet(&actor, Some(&q.period)).await?;
    let bytes = entry_workbook(&sheet)?;
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Disposition::Attachment,
        &format!("shared-data-{}-{}.xlsx", sheet.community, sheet.period),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "shared_data_import.html")]
pub struct ImportPage {
    pub ctx: PageContext,
    pub period: String,
    pub problems: Vec<String>,
}

pub(super) async fn import_form(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let sheet = app.entry_sheet(&actor, Some(&q.period)).await?;
    Ok(render(&ImportPage {
        ctx,
        period: sheet.period,
        problems: vec![],
    }))
}

pub(super) async fn import(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let Ok(mut multipart) = multipart else {
        return Ok(crate::web::error_page(
            StatusCode::BAD_REQUEST,
            "提交的表单无法读取，请返回上一页刷新后重试。",
        ));
    };
    let (mut csrf, mut period, mut file) = (String::new(), String::new(), Vec::new());
    while let Ok(Some(f)) = multipart.next_field().await {
        let name = f.name().unwrap_or_default().to_string();
        let Ok(b) = f.bytes().await else {
            return Ok(crate::web::error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "文件超过 2 MB 或上传中断，请检查后重新上传。",
            ));
        };
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
            "period" => period = String::from_utf8_lossy(&b).into_owned(),
            "file" => file = b.to_vec(),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let again = |ctx, problems: Vec<String>| {
        refused(
            render(&ImportPage {
                ctx,
                period: period.clone(),
                problems,
            }),
            true,
        )
    };
    if file.is_empty() {
        return Ok(again(
            ctx,
            vec!["请选择要上传的文件（.xlsx 或 CSV）。".into()],
        ));
    }
    match app.import_values(&actor, &meta, &period, &file).await {
        Ok(EntryResult::Saved { written, .. }) => Ok(Redirect::to(&format!(
            "/shared-data/entry?period={}&saved={written}",
            period_key(&period)
        ))
        .into_response()),
        Ok(EntryResult::Problems(ps)) => {
            Ok(again(ctx, ps.into_iter().map(|p| p.message).collect()))
        }
        Err(ServiceError::Rejected { message, .. }) => Ok(again(ctx, vec![message])),
        Err(e) => Err(e.into()),
    }
}

/// The stored key of a period the service accepted (only such a key goes into a redirect).
fn period_key(period: &str) -> String {
    jianfu_domain::shared_data::Period::parse(period)
        .map(|p| p.key())
        .unwrap_or_default()
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    community: String,
    #[serde(default)]
    element: String,
    #[serde(default)]
    period: String,
}

pub struct HistoryLine {
    pub when: String,
    pub old: String,
    pub new: String,
    pub reason: String,
    pub by: String,
    pub source: &'static str,
}

#[derive(Template)]
#[template(path = "shared_data_history.html")]
pub struct HistoryPage {
    pub ctx: PageContext,
    pub element: String,
    pub period: String,
    pub changes: Vec<HistoryLine>,
}

fn source_label(s: &str) -> &'static str {
    match s {
        "form" => "页面填报",
        "import" => "表格导入",
        "api" => "接口",
        _ => "其他",
    }
}

pub(super) async fn history(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let community = if q.community.is_empty() {
        actor
            .org
            .as_ref()
            .map(|o| o.to_string())
            .unwrap_or_default()
    } else {
        q.community.clone()
    };
    let changes: Vec<ChangeRow> = app
        .value_history(&actor, &community, &q.element, &q.period)
        .await?;
    let reg = app.shared_elements().await?;
    let e = reg.get(q.element.trim());
    let show = |v: i64| e.map_or(v.to_string(), |e| e.show(v));
    Ok(render(&HistoryPage {
        ctx,
        element: e.map_or(q.element.clone(), |e| format!("{}（{}）", e.name, e.unit)),
        period: q.period.clone(),
        changes: changes
            .iter()
            .map(|c| HistoryLine {
                when: jianfu_domain::clock::format_beijing(c.changed_at),
                old: c.old_value.map_or("（首次填报）".into(), show),
                new: show(c.new_value),
                reason: c.reason.clone(),
                by: c.changed_by.clone(),
                source: source_label(&c.source),
            })
            .collect(),
    }))
}
