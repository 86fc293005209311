//! One case: its page with the decision, the events and the viewer's actions; the old address
//! redirected; an action posted (asked first when irreversible) and, when refused, the page
//! again with the reason and what was typed.

use super::decision::{DecisionView, decision_view};
use super::{fen, pairs};
use crate::App;
use crate::http::error::PageError;
use crate::service::assignments::deadline_day;
use crate::service::assignments::{CaseActions, CaseOut, case_path};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, confirm, render, when};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_domain::scope::Scope;

pub struct EventView {
    pub at: String,
    pub who: String,
    pub action: String,
    pub status: String,
    pub comment: String,
}

#[derive(Template)]
#[template(path = "assignment_detail.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub c: CaseOut,
    pub decision: DecisionView,
    pub events: Vec<EventView>,
    pub actions: CaseActions,
    pub deadline: String,
    pub submitted_at: String,
    pub funding_request: String,
    pub role_label: String,
    pub burdens: Vec<String>,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// What was typed into the action that was refused: (action, comment).
    pub typed: (String, String),
    pub community_viewer: bool,
    /// The department may start a new request from this refused or withdrawn one.
    pub may_copy: bool,
}

impl DetailPage {
    pub fn tone(&self) -> &'static str {
        jianfu_domain::assignment::CaseState::parse(&self.c.status)
            .map(|s| s.tone())
            .unwrap_or("off")
    }
    pub fn typed_for(&self, action: &str) -> &str {
        if self.typed.0 == action {
            &self.typed.1
        } else {
            ""
        }
    }
}

async fn detail_page(
    app: &App,
    ctx: PageContext,
    department: &str,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
    typed: (String, String),
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let c = app.assignment(&actor, department, id).await?;
    let actions = app.case_actions(&actor, &c).await;
    let titles: Vec<String> = c.burdens.iter().map(|b| b.title.clone()).collect();
    let status_label = |s: &str| {
        jianfu_domain::assignment::CaseState::parse(s)
            .map(|x| x.label_zh())
            .unwrap_or("")
            .to_string()
    };
    let mut decision = decision_view(&c.decision, &titles);
    // The gate's guidance is for the department, and only while the case can be reworked.
    let own =
        actor.is_console() || actor.org.as_ref().map(|o| o.as_str()) == Some(c.department.as_str());
    let rework =
        jianfu_domain::assignment::CaseState::parse(&c.status).is_some_and(|s| s.invites_rework());
    let may_copy = own && rework && actor.may(Permission::SubmitAssignments);
    if !(own && rework) {
        decision.required_changes.clear();
        for r in &mut decision.reasons {
            r.change.clear();
        }
    }
    let page = DetailPage {
        may_copy,
        decision,
        events: c
            .events
            .iter()
            .map(|e| EventView {
                at: when(&e.at),
                who: e.actor_name.clone(),
                action: e.action_label.clone(),
                status: status_label(&e.to_status),
                comment: e.comment.clone(),
            })
            .collect(),
        actions,
        deadline: c.deadline_at.map(deadline_day).unwrap_or_default(),
        submitted_at: when(&c.submitted_at),
        funding_request: match (&c.funding_fen, &c.funding_channel) {
            (Some(f), Some(ch)) if *f > 0 => format!("每个社区 {} 元，经费渠道：{ch}", fen(*f)),
            (Some(f), Some(ch)) => format!(
                "每个社区 {} 元，经费渠道：{}",
                fen(*f),
                if ch.is_empty() { "未写明" } else { ch }
            ),
            _ => "未安排经费".into(),
        },
        role_label: if c.community_role == "responsible" {
            "责任主体".into()
        } else {
            "协助".into()
        },
        burdens: c
            .burdens
            .iter()
            .map(|b| {
                format!(
                    "{}：{}{}{}",
                    b.kind.label_zh(),
                    b.title,
                    b.mandate_document
                        .as_deref()
                        .map(|n| format!("（依据文件 {n}）"))
                        .unwrap_or_default(),
                    if b.one_vote_veto {
                        "，设一票否决"
                    } else {
                        ""
                    }
                )
            })
            .collect(),
        community_viewer: matches!(actor.scope(), Scope::Community(_)),
        c,
        ctx,
        notice,
        error,
        typed,
    };
    let mut resp = render(&page);
    if page.error.is_some() {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(serde::Deserialize, Default)]
struct DetailQuery {
    #[serde(default)]
    submitted: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// `/assignments/{id}`, the address before it carried the department: looked up by id alone
/// (every shard on a distributed engine) and redirected to `/assignments/{department}/{id}`.
/// Kept because notices already stored in databases hold such links. A case the viewer may not
/// see is the same 404 as on the new address.
pub(super) async fn old_address(
    State(app): State<App>,
    ctx: PageContext,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let department = app.assignment_department(&actor, &id).await?;
    Ok(Redirect::to(&case_path(&department, &id)).into_response())
}

pub(super) async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path((department, id)): Path<(String, String)>,
    query: axum::extract::RawQuery,
) -> Result<Response, PageError> {
    let q: DetailQuery = query
        .0
        .as_deref()
        .and_then(|s| serde_urlencoded::from_str(s).ok())
        .unwrap_or_default();
    let notice = if q.submitted.is_some() {
        Some("申请已提交，准入检查结果见下方。".to_string())
    } else if let Some(action) = q.done {
        let actor = ctx.require_caller()?.actor.clone();
        let c = app.assignment(&actor, &department, &id).await?;
        Some(crate::web::assignment_actions::done_message(&action, &c))
    } else {
        None
    };
    detail_page(
        &app,
        ctx,
        &department,
        &id,
        notice,
        None,
        Default::default(),
    )
    .await
}

pub(super) async fn act(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((department, id, action)): Path<(String, String, String)>,
    body: String,
) -> Result<Response, PageError> {
    let mut csrf = String::new();
    let (mut comment, mut agree, mut add_to_list) = (String::new(), None, false);
    for (k, v) in pairs(&body) {
        match k.as_str() {
            "csrf" => csrf = v,
            "comment" | "reason" => comment = v,
            "agree" => agree = Some(v == "yes"),
            "add_to_next_catalog" => add_to_list = v == "yes",
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    let d = &department;
    if crate::web::assignment_actions::is_irreversible(&action) {
        let fields = pairs(&body);
        match confirm::Step::of(&fields) {
            confirm::Step::Confirmed => {}
            confirm::Step::Back => {
                return detail_page(&app, ctx, d, &id, None, None, (action, comment)).await;
            }
            confirm::Step::Ask => {
                // Ask only about what would be done: a refusal (no reason, wrong state) is said now.
                if let Err(e) = app
                    .check_case_action(&actor, d, &id, &action, &comment, add_to_list)
                    .await
                {
                    return refused(&app, ctx, d, &id, e, (action, comment)).await;
                }
                let c = app.assignment(&actor, d, &id).await?;
                let q = crate::web::assignment_actions::question(&action, &c, &comment);
                return Ok(render(&confirm::ConfirmPage::new(ctx, q, &fields)));
            }
        }
    }
    let result = match action.as_str() {
        "review" => {
            app.review_assignment(&actor, &meta, d, &id, agree.unwrap_or(true), &comment)
                .await
        }
        "approve" => app
            .approve_assignment(&actor, &meta, d, &id, &comment, add_to_list)
            .await
            .map(|_| ()),
        "refuse" => app.refuse_assignment(&actor, &meta, d, &id, &comment).await,
        "withdraw" => {
            app.withdraw_assignment(&actor, &meta, d, &id, &comment)
                .await
        }
        "revoke" => app.revoke_assignment(&actor, &meta, d, &id, &comment).await,
        _ => {
            return Err(PageError(ServiceError::NotFound("页面".into())));
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{}?done={action}", case_path(d, &id))).into_response()),
        Err(e) => refused(&app, ctx, d, &id, e, (action, comment)).await,
    }
}

/// A refused action: the case page again with the reason and what was typed; other errors
/// (not found, forbidden) are the error page.
async fn refused(
    app: &App,
    ctx: PageContext,
    department: &str,
    id: &str,
    e: ServiceError,
    typed: (String, String),
) -> Result<Response, PageError> {
    match e {
        ServiceError::Rejected { .. } | ServiceError::Invalid(_) => {
            detail_page(app, ctx, department, id, None, Some(e.message()), typed).await
        }
        e => Err(PageError(e)),
    }
}
