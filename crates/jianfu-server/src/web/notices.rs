//! 通知: what other people's actions ask of this account's organisation.

use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_store::NoticeRow;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/notices", get(list))
        .route("/notices/{id}/read", post(read))
}

#[derive(Template)]
#[template(path = "notices.html")]
pub struct NoticesPage {
    pub ctx: PageContext,
    pub notices: Vec<NoticeRow>,
}

impl NoticesPage {
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }
}

async fn list(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let notices = app.my_notices(&actor).await?;
    Ok(render(&NoticesPage { ctx, notices }))
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
