//! 清单更新候选 for the district approver: the off-list work approved "for the next catalog
//! draft", and the draft of the next version (.xlsx) to edit and publish at /catalog/publish.

use super::{PageContext, render, when};
use crate::App;
use crate::http::download;
use crate::http::error::PageError;
use crate::service::catalog_candidates::CandidateOut;
use crate::service::catalog_xlsx;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/catalog/candidates", get(page))
        .route("/catalog/candidates/draft.xlsx", get(draft))
}

#[derive(Template)]
#[template(path = "catalog_candidates.html")]
pub struct CandidatesPage {
    pub ctx: PageContext,
    pub candidates: Vec<CandidateOut>,
    pub current_version: String,
}

impl CandidatesPage {
    pub fn when(&self, ms: &i64) -> String {
        when(ms)
    }
}

async fn page(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let candidates = app.catalog_candidates(&actor).await?;
    let current_version = app.current_catalog().await?.version.id.clone();
    Ok(render(&CandidatesPage {
        ctx,
        candidates,
        current_version,
    }))
}

async fn draft(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let draft = app.catalog_draft_with_candidates(&actor).await?;
    let bytes = catalog_xlsx::export_xlsx(&draft)?;
    Ok(download::file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        download::Disposition::Attachment,
        &format!("catalog-{}.xlsx", draft.version.id),
        bytes,
    ))
}
