//! 社区工作综合考评 pages: the cycles (public), one cycle with its scheme, nominations and the
//! forms for whoever may act in its phase, one nomination with its scorecard, and the published
//! results as a one-page print and a workbook.

mod cycle;
mod nomination;

use super::{PageContext, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::comprehensive::{CycleInput, CycleView};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use jianfu_domain::evaluation::comprehensive::Phase;
use jianfu_domain::permission::Permission;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/comprehensive", get(list).post(cycle::create))
        .route("/comprehensive/{year}", get(cycle::page))
        .route("/comprehensive/{year}/scheme", post(cycle::update))
        .route("/comprehensive/{year}/publish", post(cycle::publish))
        .route("/comprehensive/{year}/extend", post(cycle::extend))
        .route(
            "/comprehensive/{year}/nominations",
            post(nomination::nominate),
        )
        .route("/comprehensive/{year}/print", get(cycle::print))
        .route("/comprehensive/{year}/export.xlsx", get(cycle::export))
        .route("/comprehensive/{year}/{community}", get(nomination::page))
        .route(
            "/comprehensive/{year}/{community}/score",
            post(nomination::score),
        )
}

pub(super) fn phase_class(p: Phase) -> &'static str {
    match p {
        Phase::Nominating => "info",
        Phase::Scoring => "warn",
        Phase::AwaitingPublication => "warn",
        Phase::Published => "on",
    }
}

/// The scheme form's rows: as typed, padded to six criteria.
pub(super) fn criterion_rows(
    input: &CycleInput,
) -> Vec<crate::service::comprehensive::CriterionInput> {
    let mut rows = input.criteria.clone();
    while rows.len() < 6 {
        rows.push(Default::default());
    }
    rows
}

/// Choices for the scheme form: published surveys and evaluations folded in.
pub struct SchemeChoices {
    pub surveys: Vec<(String, String)>,
    pub evaluations: Vec<(String, String)>,
}

pub(super) async fn scheme_choices(app: &App) -> Result<SchemeChoices, PageError> {
    let surveys = app
        .surveys()
        .await?
        .into_iter()
        .filter(|s| s.phase != jianfu_domain::survey::Phase::Draft)
        .map(|s| {
            (
                s.id.clone(),
                format!("{}（第 {} 版）", s.title(), s.version),
            )
        })
        .collect();
    let tree = app.org_tree().await?;
    let evaluations = app
        .folded_in_evaluations()
        .await?
        .into_iter()
        .map(|e| {
            (
                format!("{}/{}", e.organiser_code, e.id),
                format!("{}（{}）", e.title, tree.name_or_code(&e.organiser_code)),
            )
        })
        .collect();
    Ok(SchemeChoices {
        surveys,
        evaluations,
    })
}

#[derive(Template)]
#[template(path = "comprehensive.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub cycles: Vec<CycleView>,
    pub can_run: bool,
    pub form: CycleInput,
    pub choices: SchemeChoices,
    pub error: Option<String>,
}

impl ListPage {
    pub fn phase_class(&self, p: &Phase) -> &'static str {
        phase_class(*p)
    }
    pub fn rows(&self) -> Vec<crate::service::comprehensive::CriterionInput> {
        criterion_rows(&self.form)
    }
}

pub(super) async fn list_page(
    app: &App,
    ctx: PageContext,
    form: Option<CycleInput>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let can_run = ctx
        .caller
        .as_ref()
        .is_some_and(|c| c.actor.may(Permission::RunComprehensiveEvaluation));
    let refused = error.is_some();
    let mut resp = render(&ListPage {
        cycles: app.comprehensive_cycles().await?,
        can_run,
        form: form.unwrap_or_else(|| CycleInput::suggested(app.today())),
        choices: scheme_choices(app).await?,
        error,
        ctx,
    });
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn list(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    list_page(&app, ctx, None, None).await
}
