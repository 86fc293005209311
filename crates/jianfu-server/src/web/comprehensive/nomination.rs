//! One nomination: the self-report, the scorecard with what drove it, the survey questions its
//! residents rated lowest; the street's nomination form and the district's score form.

use super::cycle::{Typed, cycle_page};
use crate::App;
use crate::http::error::PageError;
use crate::service::comprehensive::{CycleView, NominationView, SurveyDriver};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::evaluation::comprehensive::{Part, Phase};
use jianfu_domain::permission::Permission;

pub(super) async fn nominate(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(year): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let (community, report) = (
        form_value(&fields, "community"),
        form_value(&fields, "self_report"),
    );
    match app.nominate(&actor, &meta, year, &community, &report).await {
        Ok(n) => Ok(Redirect::to(&n.path()).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            let typed = Typed {
                form: None,
                report,
                community,
                error: Some(message),
            };
            cycle_page(&app, ctx, year, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "comprehensive_nomination.html")]
pub struct NominationPage {
    pub ctx: PageContext,
    pub c: CycleView,
    pub n: NominationView,
    pub survey: Vec<SurveyDriver>,
    pub can_score: bool,
    /// The score form as typed (key → text).
    pub typed: Vec<(String, String)>,
    pub error: Option<String>,
}

impl NominationPage {
    pub fn drivers(&self) -> Vec<&Part> {
        self.n
            .scorecard
            .as_ref()
            .map(|c| c.drivers())
            .unwrap_or_default()
    }
    pub fn typed_score(&self, key: &str) -> String {
        self.typed
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                self.n
                    .criterion_scores
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| format!("{v}"))
            })
            .unwrap_or_default()
    }
}

async fn nomination_page(
    app: &App,
    ctx: PageContext,
    year: i64,
    community: &str,
    typed: Vec<(String, String)>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.caller.as_ref().map(|c| c.actor.clone());
    let c = app.comprehensive_cycle(year).await?;
    let n = app.nomination(actor.as_ref(), year, community).await?;
    let survey = app.satisfaction_drivers(year, &n.community_code).await?;
    let can_score = c.phase == Phase::Scoring
        && actor
            .as_ref()
            .is_some_and(|a| a.may(Permission::RunComprehensiveEvaluation));
    let refused = error.is_some();
    let mut resp = render(&NominationPage {
        ctx,
        c,
        n,
        survey,
        can_score,
        typed,
        error,
    });
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn page(
    State(app): State<App>,
    ctx: PageContext,
    Path((year, community)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    nomination_page(&app, ctx, year, &community, Vec::new(), None).await
}

pub(super) async fn score(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((year, community)): Path<(i64, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let typed: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("score_").map(|k| (k.to_string(), v.clone())))
        .collect();
    match app
        .score_nomination(&actor, &meta, year, &community, &typed)
        .await
    {
        Ok(n) => Ok(Redirect::to(&n.path()).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            nomination_page(&app, ctx, year, &community, typed, Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}
