//! 通知: what other people's actions ask of this account, its roles and its organisation, and
//! what happened to the account's own applications.

use super::list_query::{ListArgs, ListView};
use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::listing::ListKind;
use crate::service::notices::NoticeView;
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
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
    pub list: ListView,
    /// This page's address (filter, order, page), where marking read comes back to.
    pub here: String,
}

impl NoticesPage {
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let (listing, fell_back) = ListArgs::from_query(query.as_deref()).listing(ListKind::Notices);
    let page = app.my_notice_views(&actor, &listing).await?;
    let staff = app.reads_organisation_notices(&actor);
    let list = ListView::new(
        "/notices",
        ListKind::Notices,
        &listing,
        &page,
        vec![],
        fell_back,
        "暂无通知。",
    );
    let here = match query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("/notices?{q}"),
        None => "/notices".into(),
    };
    Ok(render(&NoticesPage {
        ctx,
        notices: page.items,
        staff,
        list,
        here,
    }))
}

#[derive(Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    csrf: String,
    /// The list page the button was on (its filter and page), to come back to.
    #[serde(default)]
    back: String,
}

impl ReadForm {
    /// Back to the notices list the form was on; anything else (another site, another page)
    /// goes to the list itself.
    fn back(&self) -> Redirect {
        let ok = (self.back == "/notices" || self.back.starts_with("/notices?"))
            && self.back.bytes().all(|b| b.is_ascii_graphic());
        Redirect::to(if ok { &self.back } else { "/notices" })
    }
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
    Ok(form.back().into_response())
}

async fn read_all(
    State(app): State<App>,
    ctx: PageContext,
    PageForm(form): PageForm<ReadForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    app.mark_all_notices_read(&actor).await?;
    Ok(form.back().into_response())
}
