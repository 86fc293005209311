//! One cycle: its page (scheme, nominations, the forms of its phase), the scheme form, publishing,
//! and the published results printed on one page or exported.

use super::{SchemeChoices, criterion_rows, list_page, phase_class, scheme_choices};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::comprehensive::{CriterionInput, CycleInput, CycleView, NominationView};
use crate::service::{RequestMeta, ServiceError};
use crate::web::confirm::{ConfirmPage, Question, Step};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::evaluation::comprehensive::Phase;
use jianfu_domain::permission::Permission;
use jianfu_domain::{OrgKind, scope::Scope};

/// The scheme form as typed.
pub(super) fn read_form(fields: &[(String, String)]) -> CycleInput {
    let f = |name: &str| form_value(fields, name);
    CycleInput {
        year: f("year"),
        nominations_close: f("nominations_close"),
        scoring_close: f("scoring_close"),
        survey_id: f("survey_id"),
        satisfaction_weight: f("satisfaction_weight"),
        criteria: (1..=6)
            .map(|i| CriterionInput {
                name: f(&format!("name_{i}")),
                weight: f(&format!("weight_{i}")),
                evaluation: f(&format!("evaluation_{i}")),
            })
            .collect(),
    }
}

pub(super) async fn create(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let form = read_form(&fields);
    match app.create_cycle(&actor, &meta, &form).await {
        Ok(c) => Ok(Redirect::to(&c.path()).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            list_page(&app, ctx, Some(form), Some(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "comprehensive_cycle.html")]
pub struct CyclePage {
    pub ctx: PageContext,
    pub c: CycleView,
    /// None: not visible to this caller yet.
    pub nominations: Option<Vec<NominationView>>,
    pub can_run: bool,
    /// The street's communities not yet nominated, when the caller may nominate now.
    pub nominable: Vec<(String, String)>,
    pub form: CycleInput,
    pub choices: SchemeChoices,
    pub report: String,
    pub community: String,
    pub error: Option<String>,
}

impl CyclePage {
    pub fn phase_class(&self) -> &'static str {
        phase_class(self.c.phase)
    }
    pub fn rows(&self) -> Vec<CriterionInput> {
        criterion_rows(&self.form)
    }
    pub fn nominating(&self) -> bool {
        self.c.phase == Phase::Nominating
    }
    pub fn publishable(&self) -> bool {
        self.c.phase == Phase::AwaitingPublication
    }
    pub fn extendable(&self) -> bool {
        matches!(self.c.phase, Phase::Scoring | Phase::AwaitingPublication)
    }
    pub fn evaluation_name(&self, id: &Option<String>) -> String {
        id.as_ref()
            .and_then(|id| self.choices.evaluations.iter().find(|(v, _)| v == id))
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    }
}

pub(super) struct Typed {
    pub form: Option<CycleInput>,
    pub report: String,
    pub community: String,
    pub error: Option<String>,
}

impl Typed {
    /// Nothing typed to keep: the page as it is.
    fn none() -> Self {
        Typed {
            form: None,
            report: String::new(),
            community: String::new(),
            error: None,
        }
    }
    /// A refusal of an action whose form carries nothing to keep.
    fn refused(message: String) -> Self {
        Typed {
            error: Some(message),
            ..Self::none()
        }
    }
}

pub(super) async fn cycle_page(
    app: &App,
    ctx: PageContext,
    year: i64,
    typed: Typed,
) -> Result<Response, PageError> {
    let c = app.comprehensive_cycle(year).await?;
    let actor = ctx.caller.as_ref().map(|c| c.actor.clone());
    let nominations = match app.nominations(actor.as_ref(), year).await {
        Ok(n) => Some(n),
        Err(ServiceError::Forbidden) => None,
        Err(e) => return Err(e.into()),
    };
    let can_run = actor
        .as_ref()
        .is_some_and(|a| a.may(Permission::RunComprehensiveEvaluation));
    let mut nominable = Vec::new();
    if let Some(a) = actor
        .as_ref()
        .filter(|a| a.may(Permission::NominateCommunities))
        && c.phase == Phase::Nominating
        && let Scope::Subtree(street) = a.scope()
    {
        let tree = app.org_tree().await?;
        let taken: Vec<&str> = nominations
            .iter()
            .flatten()
            .map(|n| n.community_code.as_str())
            .collect();
        nominable = tree
            .all()
            .iter()
            .filter(|o| o.kind == OrgKind::Community && tree.is_within(&o.code, &street))
            .filter(|o| !taken.contains(&o.code.as_str()))
            .map(|o| (o.code.to_string(), o.name.clone()))
            .collect();
    }
    let refused = typed.error.is_some();
    let mut resp = render(&CyclePage {
        form: typed.form.unwrap_or_else(|| CycleInput::from_view(&c)),
        choices: scheme_choices(app).await?,
        c,
        nominations,
        can_run,
        nominable,
        report: typed.report,
        community: typed.community,
        error: typed.error,
        ctx,
    });
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn page(
    State(app): State<App>,
    ctx: PageContext,
    Path(year): Path<i64>,
) -> Result<Response, PageError> {
    cycle_page(&app, ctx, year, Typed::none()).await
}

pub(super) async fn update(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(year): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let revision = form_value(&fields, "revision").parse().unwrap_or(-1);
    let form = read_form(&fields);
    match app.update_cycle(&actor, &meta, year, revision, &form).await {
        Ok(c) => Ok(Redirect::to(&c.path()).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            let typed = Typed {
                form: Some(form),
                ..Typed::refused(message)
            };
            cycle_page(&app, ctx, year, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn publish(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(year): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let revision = form_value(&fields, "revision").parse().unwrap_or(-1);
    match Step::of(&fields) {
        Step::Confirmed => {}
        Step::Back => return page(State(app), ctx, Path(year)).await,
        Step::Ask => {
            let q = Question {
                subject: format!("{year} 年度社区工作综合考评"),
                title: "确认公布结果？".into(),
                consequences: vec![
                    "申报名单、各社区得分和失分项向社会公开，任何人可以查看、导出和打印。".into(),
                    "公布后不能再改分，也不能再延长评分。".into(),
                ],
                typed: Vec::new(),
                action: format!("/comprehensive/{year}/publish"),
                confirm_label: "确认公布".into(),
                danger: false,
            };
            return Ok(render(&ConfirmPage::new(ctx, q, &fields)));
        }
    }
    match app.publish_cycle(&actor, &meta, year, revision).await {
        Ok(c) => Ok(Redirect::to(&c.path()).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            cycle_page(&app, ctx, year, Typed::refused(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn extend(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(year): Path<i64>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let revision = form_value(&fields, "revision").parse().unwrap_or(-1);
    let day = form_value(&fields, "scoring_close");
    match app
        .extend_scoring(&actor, &meta, year, revision, &day)
        .await
    {
        Ok(c) => Ok(Redirect::to(&c.path()).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            cycle_page(&app, ctx, year, Typed::refused(message)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "comprehensive_print.html")]
pub struct PrintPage {
    pub ctx: PageContext,
    pub c: CycleView,
    pub nominations: Vec<NominationView>,
}

pub(super) async fn print(
    State(app): State<App>,
    ctx: PageContext,
    Path(year): Path<i64>,
) -> Result<Response, PageError> {
    let c = app.comprehensive_cycle(year).await?;
    let actor = ctx.caller.as_ref().map(|c| c.actor.clone());
    let nominations = app.nominations(actor.as_ref(), year).await?;
    Ok(render(&PrintPage {
        ctx,
        c,
        nominations,
    }))
}

pub(super) async fn export(
    State(app): State<App>,
    ctx: PageContext,
    Path(year): Path<i64>,
) -> Result<Response, PageError> {
    let actor = ctx.caller.as_ref().map(|c| c.actor.clone());
    let bytes = app.comprehensive_xlsx(actor.as_ref(), year).await?;
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Disposition::Attachment,
        &format!("comprehensive-{year}.xlsx"),
        bytes,
    ))
}
