//! 通知: what other people's actions ask of this account, its roles and its organisation, and
//! what happened to the account's own applications.

use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::notices::NoticeView;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/notices", get(list))
        .route("/notices/{id}/read", post(read))
        .route("/notices/read-all", post(read_all))
}

#[derive(Template)]
#[template(path = "notices.html")]
pub struct NoticesPage {
    pub ctx: PageContext,
    pub notices: Vec<NoticeView>,
    /// Reads the organisation's notices (staff), or only his own (a resident).
    pub staff: bool,
}

impl NoticesPage {
    pub fn unread(&self) -> usize {
        self.notices.iter().filter(|n| n.unread()).count()
    }
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }
}

async fn list(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let notices = app.my_notice_views(&actor).await?;
    let staff = app.reads_organisation_notices(&actor);
    Ok(render(&NoticesPage {
        ctx,
        notices,
        staff,
    }))
}

#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    csrf: String,
}

async fn read(
    State(app): State<App>,
    ctx: PageContext,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReadForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    app.mark_notice_read(&actor, &id).await?;
    Ok(Redirect::to("/notices").into_response())
}

async fn read_all(
    State(app): State<App>,
    ctx: PageContext,
    PageForm(form): PageForm<ReadForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    app.mark_all_notices_read(&actor).await?;
    Ok(Redirect::to("/notices").into_response())
}
