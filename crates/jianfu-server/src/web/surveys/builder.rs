//! The questionnaire builder: start a draft (from the standard template or as the next version
//! of a published one), edit it one change at a time, publish it with its dates. Every form
//! works without JavaScript; a refusal re-shows the page with what was typed.

use super::detail_page;
use crate::App;
use crate::http::error::PageError;
use crate::service::surveys::DraftEdit;
use crate::service::{RequestMeta, ServiceError};
use crate::web::confirm::{ConfirmPage, Question, Step};
use crate::web::{PageContext, PageForm, form_value, render};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

/// The add-question form as typed.
#[derive(Debug, Clone, Default)]
pub struct AddForm {
    pub text: String,
    pub kind: String,
    pub options: String,
    pub scale: String,
    pub required: bool,
    pub show_if: String,
}

pub(super) async fn create(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let revise = form_value(&fields, "revise");
    let revise = (!revise.is_empty()).then_some(revise.as_str());
    let s = app.create_survey(&actor, &meta, revise).await?;
    Ok(Redirect::to(&s.path()).into_response())
}

pub(super) async fn edit(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let revision = field("revision").parse::<i64>().unwrap_or(-1);
    let number = |name: &str| field(name).parse::<usize>().unwrap_or(0);
    let add = AddForm {
        text: field("text"),
        kind: field("kind"),
        options: field("options"),
        scale: field("scale"),
        required: !field("required").is_empty(),
        show_if: field("show_if"),
    };
    let edit = match field("action").as_str() {
        "heading" => DraftEdit::Heading {
            title: field("title"),
            intro: field("intro"),
        },
        "add" => DraftEdit::Add {
            text: add.text.clone(),
            kind: add.kind.clone(),
            options: add.options.clone(),
            scale: add.scale.clone(),
            required: add.required,
            show_if: add.show_if.clone(),
        },
        "remove" => DraftEdit::Remove(number("number")),
        "up" => DraftEdit::MoveUp(number("number")),
        _ => {
            return Err(ServiceError::Rejected {
                code: "unknown_action",
                message: "无法识别的操作，请刷新页面后重试。".into(),
            }
            .into());
        }
    };
    match app.edit_survey(&actor, &meta, &id, revision, &edit).await {
        Ok(s) => Ok(Redirect::to(&format!("{}#questions", s.path())).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            let kept = if matches!(edit, DraftEdit::Add { .. }) {
                add
            } else {
                AddForm::default()
            };
            detail_page(&app, ctx, &id, Some(message), kept, Default::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn publish(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let revision = field("revision").parse::<i64>().unwrap_or(-1);
    let (opens, closes) = (field("opens_on"), field("closes_on"));
    match Step::of(&fields) {
        Step::Confirmed => {}
        Step::Back => {
            return detail_page(&app, ctx, &id, None, AddForm::default(), (opens, closes)).await;
        }
        Step::Ask => {
            let s = app.survey(&id).await?;
            let q = Question {
                subject: s.title().to_string(),
                title: "确认发布问卷？".into(),
                consequences: vec![
                    "题目从此冻结，不能再改；要改只能另起新版本。".into(),
                    format!(
                        "居民在 {} 至 {}（含当天）填写，结束后第二天公布结果。",
                        opens.trim(),
                        closes.trim()
                    ),
                    "街道可以为各社区打印入户码纸条。".into(),
                ],
                typed: vec![
                    ("开始日期".into(), opens.clone()),
                    ("结束日期".into(), closes.clone()),
                ],
                action: format!("/surveys/{id}/publish"),
                confirm_label: "确认发布".into(),
                danger: false,
            };
            return Ok(render(&ConfirmPage::new(ctx, q, &fields)));
        }
    }
    match app
        .publish_survey(&actor, &meta, &id, revision, &opens, &closes)
        .await
    {
        Ok(s) => Ok(Redirect::to(&s.path()).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            detail_page(
                &app,
                ctx,
                &id,
                Some(message),
                AddForm::default(),
                (opens, closes),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
