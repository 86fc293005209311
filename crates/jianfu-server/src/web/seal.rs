//! 用印登记: the seal-use log of the community (workers, the director) or of the whole district
//! (supervisors), the director's form for recording a use of the seal on a work document, and the
//! latest signed checkpoint with the district key's fingerprint.

use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::seal::{CheckpointView, NewSealUse, SealEntryView};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jianfu_domain::permission::Permission;
use jianfu_store::SealCursor;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new().route("/seal", get(list).post(record))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Show entries before this one (older page).
    #[serde(default)]
    before: Option<String>,
    /// The entry just recorded.
    #[serde(default)]
    recorded: Option<String>,
}

/// The director's form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SealForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub copies: String,
    #[serde(default)]
    pub handler: String,
    #[serde(default)]
    pub applicant: String,
    #[serde(default)]
    pub contact: String,
}

#[derive(Template)]
#[template(path = "seal.html")]
pub struct SealPage {
    pub ctx: PageContext,
    pub entries: Vec<SealEntryView>,
    pub older: Option<String>,
    pub paged: bool,
    pub district: bool,
    pub can_record: bool,
    pub handlers: Vec<(String, String)>,
    pub form: SealForm,
    pub error: Option<String>,
    pub recorded: Option<i64>,
    pub checkpoint: CheckpointView,
}

impl SealPage {
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }
    /// Whether the page lists entries of the district log from before logs per community.
    pub fn shows_legacy(&self) -> bool {
        self.entries
            .iter()
            .any(|e| e.log == jianfu_domain::seal::LEGACY_LOG)
    }
    pub fn root_short(&self) -> String {
        self.checkpoint
            .checkpoint
            .as_ref()
            .map(|c| c.root.chars().take(16).collect())
            .unwrap_or_default()
    }
}

async fn page(
    app: &App,
    ctx: PageContext,
    before: Option<SealCursor>,
    form: SealForm,
    error: Option<String>,
    recorded: Option<i64>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let paged = before.is_some();
    let log = app.seal_log(&actor, before).await?;
    let can_record = actor.may(Permission::ApproveSealUse);
    let handlers = if can_record {
        app.seal_handlers(&actor).await?
    } else {
        vec![]
    };
    let checkpoint = app.seal_checkpoint_view().await?;
    let refused = error.is_some();
    let mut resp = render(&SealPage {
        district: matches!(actor.scope(), jianfu_domain::scope::Scope::District),
        ctx,
        entries: log.entries,
        older: log.older,
        paged,
        can_record,
        handlers,
        form,
        error,
        recorded,
        checkpoint,
    });
    if refused && resp.status() == StatusCode::OK {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let before = q
        .before
        .as_deref()
        .and_then(|s| SealCursor::parse(s.trim()));
    let recorded = q.recorded.as_deref().and_then(|s| s.trim().parse().ok());
    let form = SealForm {
        copies: "1".into(),
        ..Default::default()
    };
    page(&app, ctx, before, form, None, recorded).await
}

async fn record(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(form): PageForm<SealForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    let input = NewSealUse {
        content: form.content.clone(),
        copies: form.copies.clone(),
        handler: form.handler.clone(),
        applicant: form.applicant.clone(),
        contact: form.contact.clone(),
    };
    match app.record_seal_use(&actor, &meta, &input).await {
        Ok(e) => Ok(Redirect::to(&format!("/seal?recorded={}", e.seq)).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            page(&app, ctx, None, form, Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}
