//! Slips and links: print a batch of one-time codes for a community (a PDF), void a batch, and
//! the community's link with its QR code (a poster to put up or send to the residents' group).

use super::detail_page;
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::surveys::SurveyView;
use crate::service::{RequestMeta, ServiceError};
use crate::web::confirm::{ConfirmPage, Question, Step};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_store::CodeBatchRow;

pub(super) async fn print(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let community = field("community");
    match app
        .print_survey_codes(&actor, &meta, &id, &community, &field("count"))
        .await
    {
        Ok(pdf) => Ok(file_response(
            "application/pdf",
            Disposition::Attachment,
            &pdf.filename,
            pdf.bytes,
        )),
        Err(ServiceError::Rejected { message, .. }) => {
            link_page(&app, ctx, &id, &community, Some(message), field("count")).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn void(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let community = field("community");
    let batch = field("batch").parse::<i64>().unwrap_or(0);
    match Step::of(&fields) {
        Step::Confirmed => {}
        Step::Back => return link_page(&app, ctx, &id, &community, None, String::new()).await,
        Step::Ask => {
            let q = Question {
                subject: format!("第 {batch} 批入户码"),
                title: "确认作废这一批入户码？".into(),
                consequences: vec![
                    "本批还没有用过的码从此不能再提交答卷。".into(),
                    "已经收到的答卷照常计入，不受影响。".into(),
                    "需要时可以为这个社区再打印一批。".into(),
                ],
                typed: Vec::new(),
                action: format!("/surveys/{id}/codes/void"),
                confirm_label: "确认作废".into(),
                danger: true,
            };
            return Ok(render(&ConfirmPage::new(ctx, q, &fields)));
        }
    }
    match app
        .void_survey_codes(&actor, &meta, &id, &community, batch)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/surveys/{id}/link/{community}")).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            link_page(&app, ctx, &id, &community, Some(message), String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "survey_link.html")]
pub struct LinkPage {
    pub ctx: PageContext,
    pub s: SurveyView,
    pub community_code: String,
    pub community_name: String,
    pub url: String,
    pub qr: String,
    pub batches: Vec<CodeBatchRow>,
    pub can_print: bool,
    /// Per-batch use shows only after closing: while open it would tell who just answered.
    pub closed: bool,
    pub error: Option<String>,
    pub count: String,
}

async fn link_page(
    app: &App,
    ctx: PageContext,
    id: &str,
    community: &str,
    error: Option<String>,
    count: String,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let s = app.survey(id).await?;
    if s.phase == jianfu_domain::survey::Phase::Draft {
        return detail_page(app, ctx, id, None, Default::default(), Default::default()).await;
    }
    let batches = app.survey_code_batches(&actor, &s, community).await?;
    let form = app.survey_answer_form(id, community).await?;
    let url = format!(
        "{}{}",
        app.public_base_url(),
        s.answer_path(&form.community_code)
    );
    let refused = error.is_some();
    let mut resp = render(&LinkPage {
        qr: crate::web::chart::qr_svg(&url, &format!("{}问卷二维码", form.community_name)),
        ctx,
        url,
        community_code: form.community_code,
        community_name: form.community_name,
        batches,
        can_print: actor.may(Permission::PrintSurveyCodes),
        closed: s.phase.results_open(),
        error,
        count: if count.is_empty() { "50".into() } else { count },
        s,
    });
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn link(
    State(app): State<App>,
    ctx: PageContext,
    Path((id, community)): Path<(String, String)>,
) -> Result<Response, PageError> {
    link_page(&app, ctx, &id, &community, None, String::new()).await
}
