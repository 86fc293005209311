//! The new-request page: the form with what the catalog, the communities and the mandate register
//! offer, the dry run (「检查是否可以准入」), the submission (asking first when the check refuses),
//! every problem beside its field, and a refused or withdrawn request copied into a new one.

use super::decision::{DecisionView, decision_view};
use super::form::RequestForm;
use crate::App;
use crate::http::error::PageError;
use crate::service::assignments::{RequestInput, case_path};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::Org;
use jianfu_domain::gate::{BurdenKind, CheckInPurpose, ItemKind, RankingMeasure};
use jianfu_domain::permission::Permission;

pub struct ItemGroup {
    pub label: &'static str,
    pub items: Vec<(String, String)>,
}

pub struct CommunityGroup {
    pub street: Org,
    pub communities: Vec<Org>,
}

#[derive(Template)]
#[template(path = "assignment_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: RequestForm,
    pub department: String,
    pub item_groups: Vec<ItemGroup>,
    pub community_groups: Vec<CommunityGroup>,
    pub burden_kinds: Vec<(&'static str, &'static str)>,
    pub measures: Vec<(&'static str, &'static str)>,
    pub purposes: Vec<(&'static str, &'static str)>,
    /// Registered documents in force today, for the 文号 field's suggestions: (文号, title).
    pub mandates: Vec<(String, String)>,
    pub decision: Option<DecisionView>,
    pub error: Option<String>,
    pub catalog_version: String,
    /// The refused or withdrawn request this one was copied from: (title, its page).
    pub copied_from: Option<(String, String)>,
    /// 提交 was pressed while the check says 不予准入: ask before saving it as refused.
    pub confirm_refused: bool,
    /// Every problem in what was typed, (form field id, message), in the order of the fields.
    pub problems: Vec<(String, String)>,
}

impl NewPage {
    /// Whether a select option is the one typed.
    pub fn is(&self, typed: &str, option: &str) -> bool {
        typed == option
    }
    /// The problem in a field, if any.
    pub fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
    /// The field id of the n-th requirement row's type.
    pub fn row_field(&self, n: &usize) -> String {
        format!("bk{n}")
    }
    /// The problem in the n-th requirement row, if any.
    pub fn row_problem(&self, n: &usize) -> Option<&str> {
        self.problem(&self.row_field(n))
    }
    /// The field with the first problem gets the focus.
    pub fn first_problem(&self, field: &str) -> bool {
        self.problems.first().is_some_and(|(f, _)| f == field)
    }
    /// `aria-invalid`, `aria-describedby` (its message, then its help text) and the focus for a
    /// field, written into the input tag.
    pub fn invalid(&self, field: &str, help: &str) -> String {
        match self.problem(field) {
            Some(_) => format!(
                " aria-invalid=\"true\" aria-describedby=\"{field}-error{}{help}\"{}",
                if help.is_empty() { "" } else { " " },
                if self.first_problem(field) {
                    " autofocus"
                } else {
                    ""
                }
            ),
            None if help.is_empty() => String::new(),
            None => format!(" aria-describedby=\"{help}\""),
        }
    }
}

/// Each problem the form's fields have, with the field's id on the form (the n-th requirement
/// sent is the n-th row with a type chosen).
async fn problems_of(
    app: &App,
    actor: &crate::service::Actor,
    form: &RequestForm,
    input: &RequestInput,
) -> Result<Vec<(String, String)>, PageError> {
    let rows: Vec<usize> = form
        .burdens
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.kind.trim().is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    Ok(app
        .request_problems(actor, input)
        .await?
        .into_iter()
        .map(|p| {
            let field = match p.field.strip_prefix("burden-") {
                Some(n) => {
                    let sent: usize = n.parse().unwrap_or(1);
                    format!("bk{}", rows.get(sent - 1).copied().unwrap_or(sent))
                }
                None => p.field,
            };
            (field, p.error.message())
        })
        .collect())
}

async fn new_page(
    app: &App,
    ctx: PageContext,
    form: RequestForm,
    decision: Option<DecisionView>,
    error: Option<String>,
) -> Result<NewPage, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let cat = app.current_catalog().await?;
    let groups = app.addressable_communities(&actor).await?;
    let mandates = app.mandates_in_force(&app.today_beijing()).await?;
    let item_groups = [ItemKind::Duty, ItemKind::Assist]
        .into_iter()
        .map(|k| ItemGroup {
            label: k.label_zh(),
            items: cat
                .items_of(k)
                .map(|i| (i.code.clone(), i.name.clone()))
                .collect(),
        })
        .collect();
    Ok(NewPage {
        department: ctx.org_name.clone(),
        ctx,
        form,
        item_groups,
        community_groups: groups
            .into_iter()
            .map(|(street, communities)| CommunityGroup {
                street,
                communities,
            })
            .collect(),
        burden_kinds: BurdenKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect(),
        measures: RankingMeasure::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect(),
        purposes: CheckInPurpose::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect(),
        mandates: mandates
            .docs
            .iter()
            .map(|d| (d.number.clone(), d.title.clone()))
            .collect(),
        decision,
        error,
        catalog_version: cat.version.id.clone(),
        copied_from: None,
        confirm_refused: false,
        problems: Vec::new(),
    })
}

/// The form again, answered 422, with every problem beside its field; a refusal that is no
/// field's (none found) is shown as one message.
async fn refused_form(
    app: &App,
    ctx: PageContext,
    form: RequestForm,
    input: &RequestInput,
    e: ServiceError,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let problems = problems_of(app, &actor, &form, input).await?;
    let error = problems.is_empty().then(|| e.message());
    let mut page = new_page(app, ctx, form, None, error).await?;
    page.problems = problems;
    let mut resp = render(&page);
    *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(resp)
}

/// A new request filled in from a refused or withdrawn one of the same department, with the
/// check run on it at once, so the department sees what to change.
pub(super) async fn copy_form(
    State(app): State<App>,
    ctx: PageContext,
    Path((department, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let input = app.request_to_copy(&actor, &department, &id).await?;
    let form = RequestForm::from_input(&input);
    let titles: Vec<String> = input.burdens.iter().map(|b| b.title.clone()).collect();
    let (decision, error) = match app.evaluate_request(&actor, &input).await {
        Ok(d) => (Some(decision_view(&d, &titles)), None),
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            (None, Some(e.message()))
        }
        Err(e) => return Err(PageError(e)),
    };
    let mut page = new_page(&app, ctx, form, decision, error).await?;
    page.copied_from = Some((input.title.clone(), case_path(&department, &id)));
    Ok(render(&page))
}

pub(super) async fn new_form(
    State(app): State<App>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::SubmitAssignments)?;
    let form = RequestForm {
        community_role: "assist".into(),
        ..Default::default()
    };
    Ok(render(&new_page(&app, ctx, form, None, None).await?))
}

pub(super) async fn new_post(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    body: String,
) -> Result<Response, PageError> {
    let (form, csrf, action) = RequestForm::parse(&body);
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::SubmitAssignments)?;
    let department = actor
        .org
        .as_ref()
        .map(|o| o.to_string())
        .unwrap_or_default();
    let input = form.input(&department);
    let titles: Vec<String> = input
        .burdens
        .iter()
        .map(|b| b.title.trim().to_string())
        .collect();
    // 提交 on a request the check refuses asks first: submitted, it is kept as refused for good
    // (issue 10 §2). 仍然提交 (`submit_anyway`) submits as it is.
    if action == "submit" {
        match app.evaluate_request(&actor, &input).await {
            Ok(d) if d.outcome == jianfu_domain::gate::Outcome::Refused => {
                let view = decision_view(&d, &titles);
                let mut page = new_page(&app, ctx, form, Some(view), None).await?;
                page.confirm_refused = true;
                return Ok(render(&page));
            }
            Ok(_) => {}
            Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
                return refused_form(&app, ctx, form, &input, e).await;
            }
            Err(other) => return Err(PageError(other)),
        }
    }
    let result = if action == "submit" || action == "submit_anyway" {
        match app.submit_assignment(&actor, &meta, &input).await {
            Ok(r) => {
                return Ok(Redirect::to(&format!(
                    "{}?submitted=1",
                    case_path(&r.department, &r.id)
                ))
                .into_response());
            }
            Err(e) => Err(e),
        }
    } else {
        app.evaluate_request(&actor, &input).await
    };
    match result {
        Ok(d) => {
            let view = decision_view(&d, &titles);
            Ok(render(&new_page(&app, ctx, form, Some(view), None).await?))
        }
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            refused_form(&app, ctx, form, &input, e).await
        }
        Err(other) => Err(PageError(other)),
    }
}
