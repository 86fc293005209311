//! 居民满意度调查 pages. Staff: the list of questionnaires, one questionnaire (the builder while a
//! draft; links, QR codes and slips per community once published), its results. Residents: the
//! public form of their community's survey (`answer`), with no account.

mod answer;
mod builder;
mod codes;
mod results;

use super::{PageContext, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::ServiceError;
use crate::service::surveys::SurveyView;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use jianfu_domain::permission::Permission;
use jianfu_domain::survey::{Phase, Question, QuestionKind, Questionnaire};
use jianfu_domain::{OrgKind, scope::Scope};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/surveys", get(list).post(builder::create))
        .route("/surveys/{id}", get(detail))
        .route("/surveys/{id}/edit", post(builder::edit))
        .route("/surveys/{id}/publish", post(builder::publish))
        .route("/surveys/{id}/codes", post(codes::print))
        .route("/surveys/{id}/codes/void", post(codes::void))
        .route("/surveys/{id}/link/{community}", get(codes::link))
        .route("/surveys/{id}/results", get(results::page))
        .route(
            "/s/{id}/{community}",
            get(answer::form).post(answer::submit),
        )
}

fn phase_class(p: Phase) -> &'static str {
    match p {
        Phase::Draft => "warn",
        Phase::Scheduled => "info",
        Phase::Open => "on",
        Phase::Closed => "off",
    }
}

/// How a question is described in lists.
pub fn describe(q: &Question, all: &Questionnaire) -> String {
    let mut s = q.kind.label_zh().to_string();
    if q.kind == QuestionKind::Rating {
        s.push_str(&format!("（1–{} 分）", q.scale));
    }
    if q.kind.is_choice() {
        s.push_str(&format!("：{}", q.options.join(" / ")));
    }
    if !q.required {
        s.push_str("；选答");
    }
    if let Some((n, option)) = all.condition_of(q) {
        s.push_str(&format!("；第 {n} 题选“{option}”时才问"));
    }
    s
}

#[derive(Template)]
#[template(path = "surveys.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub items: Vec<SurveyView>,
    pub can_manage: bool,
    pub can_results: bool,
}

impl ListPage {
    pub fn phase_class(&self, p: &Phase) -> &'static str {
        phase_class(*p)
    }
}

async fn list(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let can_manage = actor.may(Permission::ManageSurveys);
    let can_results = actor.may(Permission::ViewSurveyResults);
    if !(can_manage || can_results || actor.may(Permission::PrintSurveyCodes)) {
        return Err(ServiceError::Forbidden.into());
    }
    // Drafts are the district's work in progress.
    let items = app
        .surveys()
        .await?
        .into_iter()
        .filter(|s| can_manage || s.phase != Phase::Draft)
        .collect();
    Ok(render(&ListPage {
        ctx,
        items,
        can_manage,
        can_results,
    }))
}

/// A community the caller may print for or look at, with its public link.
pub struct CommunityRow {
    pub code: String,
    pub name: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "survey.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub s: SurveyView,
    pub can_manage: bool,
    pub can_print: bool,
    pub communities: Vec<CommunityRow>,
    pub error: Option<String>,
    /// The add-question form as typed, kept on a refusal.
    pub add: builder::AddForm,
    pub opens_on: String,
    pub closes_on: String,
}

impl DetailPage {
    pub fn phase_class(&self) -> &'static str {
        phase_class(self.s.phase)
    }
    pub fn describe(&self, q: &Question) -> String {
        describe(q, &self.s.questionnaire)
    }
    pub fn kinds(&self) -> [QuestionKind; 4] {
        QuestionKind::ALL
    }
    /// Conditions a new question may take: each option of each choice question so far.
    pub fn conditions(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, q) in self.s.questionnaire.questions.iter().enumerate() {
            if q.kind.is_choice() {
                for (o, label) in q.options.iter().enumerate() {
                    out.push((
                        format!("{}-{}", i + 1, o + 1),
                        format!("第 {} 题选“{label}”时", i + 1),
                    ));
                }
            }
        }
        out
    }
}

pub(super) async fn detail_page(
    app: &App,
    ctx: PageContext,
    id: &str,
    error: Option<String>,
    add: builder::AddForm,
    dates: (String, String),
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let s = app.survey(id).await?;
    let can_manage = actor.may(Permission::ManageSurveys);
    let can_print = actor.may(Permission::PrintSurveyCodes);
    if !(can_manage || can_print || actor.may(Permission::ViewSurveyResults)) {
        return Err(ServiceError::Forbidden.into());
    }
    if s.phase == Phase::Draft && !can_manage {
        return Err(ServiceError::NotFound("该问卷不存在".into()).into());
    }
    let tree = app.org_tree().await?;
    let scope = actor.scope();
    let communities = if s.phase == Phase::Draft {
        Vec::new()
    } else {
        tree.all()
            .iter()
            .filter(|o| o.kind == OrgKind::Community && scope.can_read_records_of(&o.code, &tree))
            .filter(|_| !matches!(scope, Scope::Department(_)))
            .map(|o| CommunityRow {
                code: o.code.to_string(),
                name: o.name.clone(),
                link: s.answer_path(o.code.as_str()),
            })
            .collect()
    };
    let refused = error.is_some();
    let today = app.today();
    let (opens_on, closes_on) = if dates.0.is_empty() && dates.1.is_empty() {
        (
            today.to_string(),
            (today + time::Duration::days(30)).to_string(),
        )
    } else {
        dates
    };
    let mut resp = render(&DetailPage {
        ctx,
        s,
        can_manage,
        can_print,
        communities,
        error,
        add,
        opens_on,
        closes_on,
    });
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    detail_page(&app, ctx, &id, None, Default::default(), Default::default()).await
}
