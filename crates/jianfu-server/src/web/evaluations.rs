//! 考核评比登记 pages: the public register (what is kept, what was cancelled and why), one
//! activity, and the registration form for departments, streets and the district.

use super::list_query::{ListArgs, ListView};
use super::{PageContext, PageForm, form_value, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::RequestMeta;
use crate::service::ServiceError;
use crate::service::evaluations::{EvaluationInput, EvaluationView};
use crate::service::listing::ListKind;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jianfu_domain::evaluation::{ActivityKind, Outcome};
use jianfu_domain::permission::Permission;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/evaluations", get(list))
        .route("/evaluations/new", get(new_form).post(create))
        .route("/evaluations/{organiser}/{id}", get(detail))
}

fn outcome_class(o: Outcome) -> &'static str {
    match o {
        Outcome::Kept => "on",
        Outcome::FoldedIn => "info",
        Outcome::Cancelled | Outcome::Refused => "off",
    }
}

#[derive(Template)]
#[template(path = "evaluations.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub items: Vec<EvaluationView>,
    pub can_register: bool,
    pub list: ListView,
}

impl ListPage {
    pub fn outcome_class(&self, o: &Outcome) -> &'static str {
        outcome_class(*o)
    }
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let args = ListArgs::from_query(query.as_deref());
    let (listing, fell_back) = args.listing(ListKind::Evaluations);
    let page = app.evaluations(&listing, None).await?;
    let can_register = ctx
        .caller
        .as_ref()
        .is_some_and(|c| c.actor.may(Permission::RegisterEvaluations));
    let list = ListView::new(
        "/evaluations",
        ListKind::Evaluations,
        &listing,
        &page,
        vec![],
        fell_back,
        "没有符合条件的活动。",
    );
    Ok(render(&ListPage {
        ctx,
        items: page.items,
        can_register,
        list,
    }))
}

#[derive(Template)]
#[template(path = "evaluation.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub e: EvaluationView,
    pub created: bool,
}

impl DetailPage {
    pub fn outcome_class(&self) -> &'static str {
        outcome_class(self.e.outcome)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    created: String,
}

async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path((organiser, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let e = app.evaluation(&organiser, &id).await?;
    Ok(render(&DetailPage {
        ctx,
        e,
        created: !q.created.is_empty(),
    }))
}

#[derive(Template)]
#[template(path = "evaluation_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: EvaluationInput,
    pub error: Option<String>,
}

impl NewPage {
    pub fn kinds(&self) -> [ActivityKind; 4] {
        ActivityKind::ALL
    }
}

fn new_page(
    ctx: PageContext,
    form: EvaluationInput,
    error: Option<String>,
) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::RegisterEvaluations)?;
    let refused = error.is_some();
    let mut resp = render(&NewPage { ctx, form, error });
    if refused {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn new_form(ctx: PageContext) -> Result<Response, PageError> {
    new_page(ctx, EvaluationInput::default(), None)
}

async fn create(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let form = EvaluationInput {
        title: field("title"),
        kind: field("kind"),
        mandate_document: field("mandate_document"),
        criteria: field("criteria"),
        one_vote_veto: !field("one_vote_veto").is_empty(),
        admitted_work: field("admitted_work"),
    };
    match app.register_evaluation(&actor, &meta, &form).await {
        Ok(v) => Ok(Redirect::to(&format!("{}?created=1", v.path())).into_response()),
        Err(ServiceError::Rejected { message, .. }) => new_page(ctx, form, Some(message)),
        Err(e) => Err(e.into()),
    }
}
