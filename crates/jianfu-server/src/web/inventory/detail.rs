//! One entry: what it is, what the rules say to do, its steps; the forms of whoever may act on
//! it (the community's next step, the owner's answer, the street's confirmation).

use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::inventory::{AnswerInput, EntryDetail, StepInput};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::inventory::status::convertible;
use jianfu_domain::inventory::{Action, Status};
use serde::Deserialize;

/// What was typed into one of the page's forms, kept across a refusal.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub action: String,
    pub note: String,
    pub on_date: String,
    pub law_basis: String,
    pub mandate_document: String,
}

#[derive(Template)]
#[template(path = "inventory_entry.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub d: EntryDetail,
    pub typed: Typed,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub today: String,
}

impl DetailPage {
    pub fn status_class(&self) -> &'static str {
        super::status_class(self.d.entry.status)
    }
    pub fn time_of(&self, ms: &i64) -> String {
        crate::web::when(ms)
    }
    /// The steps the community may take from here.
    pub fn actions(&self) -> Vec<Action> {
        let e = &self.d.entry;
        Action::ALL
            .into_iter()
            .filter(|a| match a {
                Action::Keep => {
                    matches!(e.status, Status::Found | Status::ToRemove) && e.findings.is_empty()
                }
                Action::MarkToRemove => matches!(e.status, Status::Found | Status::Kept),
                Action::Remove => e.status.is_carried(),
                Action::Convert => e.status.is_carried() && convertible(e.kind),
                Action::Reopen => !e.status.is_carried(),
            })
            .collect()
    }
    pub fn size_of(&self, bytes: &i64) -> String {
        format!("{:.1} KB", *bytes as f64 / 1024.0)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

async fn show(
    app: &App,
    ctx: PageContext,
    community: &str,
    id: &str,
    typed: Typed,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let d = app.inventory_entry(&actor, community, id).await?;
    let refused = error.is_some();
    let mut resp = render(&DetailPage {
        ctx,
        d,
        typed,
        error,
        notice,
        today: app.today_beijing(),
    });
    if refused {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn page(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_str() {
        "record" => Some("已登记。主管单位已收到通知；规则提示（如有）说明了应当怎么做。"),
        "step" => Some("已记录。街道工作人员已收到待确认通知。"),
        "answer" => Some("答复已提交，社区已收到通知。"),
        "confirm" => Some("已确认。"),
        _ => None,
    };
    show(
        &app,
        ctx,
        &community,
        &id,
        Typed::default(),
        None,
        notice.map(str::to_string),
    )
    .await
}

fn refused_or(e: ServiceError) -> Result<String, PageError> {
    match e {
        ServiceError::Rejected { message, .. } => Ok(message),
        other => Err(other.into()),
    }
}

/// The community's next step (multipart: it may carry an evidence file).
pub(super) async fn step(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let Ok(mut multipart) = multipart else {
        return Ok(crate::web::error_page(
            StatusCode::BAD_REQUEST,
            "提交的表单无法读取，请返回上一页刷新后重试。",
        ));
    };
    let mut typed = Typed::default();
    let (mut csrf, mut expected, mut file) = (String::new(), String::new(), None);
    let mut read_error = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                read_error =
                    Some("上传过程中断或文件超过 5 MB，请重新选择证据后再提交。".to_string());
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        let Ok(data) = field.bytes().await else {
            read_error = Some("上传过程中断或文件超过 5 MB，请重新选择证据后再提交。".to_string());
            break;
        };
        let text = || String::from_utf8_lossy(&data).into_owned();
        match name.as_str() {
            "csrf" => csrf = text(),
            "expected_steps" => expected = text(),
            "action" => typed.action = text(),
            "note" => typed.note = text(),
            "on_date" => typed.on_date = text(),
            "evidence" if is_file && !data.is_empty() => file = Some(data.to_vec()),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if let Some(msg) = read_error {
        return show(&app, ctx, &community, &id, typed, Some(msg), None).await;
    }
    let input = StepInput {
        action: typed.action.clone(),
        note: typed.note.clone(),
        on_date: typed.on_date.clone(),
        evidence: file,
        expected_steps: expected.trim().parse().unwrap_or(-1),
    };
    match app
        .inventory_step(&actor, &meta, &community, &id, &input)
        .await
    {
        Ok(path) => Ok(Redirect::to(&format!("{path}?done=step")).into_response()),
        Err(e) => {
            let msg = refused_or(e)?;
            let msg = format!("{msg}（所填内容已保留；证据文件需重新选择。）");
            show(&app, ctx, &community, &id, typed, Some(msg), None).await
        }
    }
}

/// The owner's answer.
pub(super) async fn answer(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let typed = Typed {
        note: field("note"),
        law_basis: field("law_basis"),
        mandate_document: field("mandate_document"),
        ..Typed::default()
    };
    let input = AnswerInput {
        note: typed.note.clone(),
        law_basis: typed.law_basis.clone(),
        mandate_document: typed.mandate_document.clone(),
        expected_steps: field("expected_steps").trim().parse().unwrap_or(-1),
    };
    match app
        .answer_inventory(&actor, &meta, &community, &id, &input)
        .await
    {
        Ok(path) => Ok(Redirect::to(&format!("{path}?done=answer")).into_response()),
        Err(e) => {
            let msg = refused_or(e)?;
            show(&app, ctx, &community, &id, typed, Some(msg), None).await
        }
    }
}

/// The street's confirmation.
pub(super) async fn confirm(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let expected = field("expected_steps").trim().parse().unwrap_or(-1);
    match app
        .confirm_inventory(&actor, &meta, &community, &id, expected)
        .await
    {
        Ok(path) => Ok(Redirect::to(&format!("{path}?done=confirm")).into_response()),
        Err(e) => {
            let msg = refused_or(e)?;
            show(
                &app,
                ctx,
                &community,
                &id,
                Typed::default(),
                Some(msg),
                None,
            )
            .await
        }
    }
}

pub(super) async fn evidence(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id, seq)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let seq: i64 = seq
        .parse()
        .map_err(|_| PageError(ServiceError::NotFound("该证据材料不存在".into())))?;
    let (kind, bytes) = app.inventory_evidence(&actor, &community, &id, seq).await?;
    Ok(file_response(
        kind.content_type(),
        Disposition::Attachment,
        &format!("inventory-evidence-{seq}.{}", kind.extension()),
        bytes,
    ))
}
