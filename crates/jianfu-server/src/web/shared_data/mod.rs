//! 一表通 pages: the hub (reports, the month's figures at a glance), a community's entry form
//! and workbook import, the element register and proposals, report definition and viewing,
//! electronic ledgers, and the burden figures.

mod burden;
mod elements;
mod entry;
mod ledgers;
mod reports;

use crate::App;
use crate::http::error::PageError;
use crate::service::shared_data::ReportView;
use crate::web::{PageContext, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use jianfu_domain::permission::Permission;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/shared-data", get(hub))
        .route("/shared-data/entry", get(entry::form).post(entry::save))
        .route("/shared-data/entry/xlsx", get(entry::workbook))
        .route(
            "/shared-data/import",
            get(entry::import_form).post(entry::import),
        )
        .route("/shared-data/history", get(entry::history))
        .route("/shared-data/elements", get(elements::list))
        .route(
            "/shared-data/elements/new",
            get(elements::new_form).post(elements::propose),
        )
        .route(
            "/shared-data/reports/new",
            get(reports::new_form).post(reports::define),
        )
        .route("/shared-data/reports/{code}", get(reports::view))
        .route("/shared-data/reports/{code}/xlsx", get(reports::workbook))
        .route(
            "/shared-data/reports/{code}/withdraw",
            axum::routing::post(reports::withdraw),
        )
        .route(
            "/shared-data/ledgers",
            get(ledgers::list).post(ledgers::add),
        )
        .route("/shared-data/burden", get(burden::page))
}

#[derive(Template)]
#[template(path = "shared_data.html")]
pub struct HubPage {
    pub ctx: PageContext,
    pub reports: Vec<ReportView>,
    pub can_enter: bool,
    pub can_define: bool,
    pub entered: Option<(usize, usize, String)>,
}

async fn hub(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ViewSharedData)?;
    let reports = app.report_views(&actor).await?;
    let can_enter = actor.may(Permission::EnterSharedData);
    let entered = if can_enter {
        let s = app.entry_sheet(&actor, None).await?;
        Some((s.entered, s.rows.len(), s.period_label))
    } else {
        None
    };
    Ok(render(&HubPage {
        ctx,
        reports,
        can_enter,
        can_define: actor.may(Permission::DefineReports),
        entered,
    }))
}

/// A rejected form: the page again with status 422.
fn refused(mut resp: Response, refused: bool) -> Response {
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}
