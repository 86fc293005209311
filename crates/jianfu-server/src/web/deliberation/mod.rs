//! 议事协商 pages. Public, no account (居务公开): a community's topics, meetings and decisions
//! (`public`). Logged in: the hub `/deliberation` (propose, support, accept or decline, new
//! meetings, the household roster; a department's requests), one meeting for its committee
//! (notice, open, attendance, tallies, minutes, close and sign with a confirm step, carrying
//! out, requests to departments), the resident's ballot and feedback on the public meeting
//! page, and the departments' answer figures for supervisors (`departments`). Every refused
//! form comes back with what was typed.

mod departments;
mod meeting;
mod public;

use super::{PageContext, PageForm, form_value, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::deliberation::{
    DepartmentFigures, MeetingInput, MeetingView, RequestView, TopicInput, TopicPage, TopicView,
};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_domain::deliberation::{MeetingKind, ParticipantCategory, TopicState, rules};
use jianfu_domain::permission::Permission;
use std::collections::HashMap;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/public/deliberation/{community}", get(public::page))
        .route(
            "/public/deliberation/{community}/meetings/{id}",
            get(public::meeting),
        )
        .route("/deliberation", get(hub))
        .route("/deliberation/departments", get(departments::page))
        .route("/deliberation/topics", post(propose))
        .route("/deliberation/topics/{id}/support", post(support))
        .route("/deliberation/topics/{id}/decide", post(decide))
        .route("/deliberation/meetings", post(create_meeting))
        .route("/deliberation/households", post(household))
        .route("/deliberation/meetings/{id}", get(meeting::page))
        .route("/deliberation/meetings/{id}/step", post(meeting::step))
        .route("/deliberation/meetings/{id}/close", post(meeting::close))
        .route("/deliberation/meetings/{id}/cancel", post(meeting::cancel))
        .route("/deliberation/meetings/{id}/sign", post(meeting::sign))
        .route("/deliberation/meetings/{id}/vote", post(public::vote))
        .route(
            "/deliberation/decisions/{topic}/feedback",
            post(public::feedback),
        )
        .route(
            "/deliberation/requests/{community}/{id}/answer",
            post(answer),
        )
}

/// The posted fields, for putting a refused form back as typed.
pub struct Typed {
    pub form: String,
    pub fields: Vec<(String, String)>,
}

impl Typed {
    pub fn none() -> Self {
        Typed {
            form: String::new(),
            fields: Vec::new(),
        }
    }
    pub fn of(form: &str, fields: &[(String, String)]) -> Self {
        Typed {
            form: form.into(),
            fields: fields
                .iter()
                .filter(|(k, _)| k != "csrf")
                .cloned()
                .collect(),
        }
    }
    /// What was typed in `name` if the refused form was `form`.
    pub fn get(&self, form: &str, name: &str) -> String {
        if self.form == form {
            form_value(&self.fields, name)
        } else {
            String::new()
        }
    }
    pub fn has(&self, form: &str, name: &str, value: &str) -> bool {
        self.form == form && self.fields.iter().any(|(k, v)| k == name && v == value)
    }
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// The community the caller works or lives in.
fn home(app: &App, ctx: &PageContext) -> Result<String, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    app.home_community(&actor)
        .ok_or(PageError(ServiceError::Forbidden))
}

#[derive(Template)]
#[template(path = "deliberation_hub.html")]
pub struct HubPage {
    pub ctx: PageContext,
    pub community: String,
    pub community_name: String,
    pub can_run: bool,
    pub can_propose: bool,
    pub can_answer: bool,
    /// Topics awaiting the committee's acceptance (征集中), paged by `pp`.
    pub proposed: TopicPage,
    /// Accepted topics awaiting a meeting (已采纳待上会), paged by `ap`.
    pub waiting: TopicPage,
    pub supported: Vec<String>,
    pub accepted: Vec<TopicView>,
    pub meetings: Vec<MeetingView>,
    pub households: Vec<(String, String)>,
    pub requests: Vec<RequestView>,
    pub figures: Option<DepartmentFigures>,
    pub error: Option<String>,
    pub typed: Typed,
}

impl HubPage {
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        MeetingKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect()
    }
    pub fn categories(&self) -> Vec<(&'static str, &'static str)> {
        ParticipantCategory::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_zh()))
            .collect()
    }
    pub fn matters(&self) -> Vec<(String, String)> {
        rules()
            .reserved
            .iter()
            .map(|m| (m.key.clone(), m.name.clone()))
            .collect()
    }
    /// The hub with the proposed list on page `pp` and the accepted list on page `ap`.
    pub fn pages_link(
        &self,
        pp: impl std::fmt::Display,
        ap: impl std::fmt::Display,
        anchor: &str,
    ) -> String {
        format!("/deliberation?pp={pp}&ap={ap}#{anchor}")
    }
    pub fn supported_it(&self, id: &str) -> bool {
        self.supported.iter().any(|s| s == id)
    }
    pub fn t(&self, form: &str, name: &str) -> String {
        self.typed.get(form, name)
    }
    pub fn checked(&self, form: &str, name: &str, value: &str) -> bool {
        self.typed.has(form, name, value)
    }
    pub fn public_path(&self) -> String {
        format!("/public/deliberation/{}", self.community)
    }
    pub fn residents_notice_days(&self) -> i64 {
        rules().kind(MeetingKind::ResidentsMeeting).notice.days
    }
    /// Each kind's notice period, as the form's hint: "居民会议提前 10 天……".
    pub fn notice_periods(&self) -> String {
        MeetingKind::ALL
            .iter()
            .map(|k| format!("{}提前 {} 天", k.label_zh(), rules().kind(*k).notice.days))
            .collect::<Vec<_>>()
            .join("，")
    }
}

/// Which page of the hub's two topic lists to show (read leniently: a bad number is page 1).
#[derive(Debug, Clone, Copy)]
pub(super) struct HubPages {
    proposed: i64,
    accepted: i64,
}

impl HubPages {
    pub(super) fn first() -> Self {
        HubPages {
            proposed: 1,
            accepted: 1,
        }
    }
    fn of(q: &HashMap<String, String>) -> Self {
        let read = |k: &str| {
            q.get(k)
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| (1..=100_000).contains(p))
                .unwrap_or(1)
        };
        HubPages {
            proposed: read("pp"),
            accepted: read("ap"),
        }
    }
}

pub(super) async fn hub_page(
    app: &App,
    ctx: PageContext,
    error: Option<String>,
    typed: Typed,
) -> Result<Response, PageError> {
    hub_page_at(app, ctx, error, typed, HubPages::first()).await
}

async fn hub_page_at(
    app: &App,
    ctx: PageContext,
    error: Option<String>,
    typed: Typed,
    pages: HubPages,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let can_answer = actor.may(Permission::AnswerDeliberationRequests);
    let refused = error.is_some();
    let mut page = HubPage {
        can_run: actor.may(Permission::RunDeliberation),
        can_propose: actor.may(Permission::ProposeTopics),
        can_answer,
        community: String::new(),
        community_name: String::new(),
        proposed: TopicPage::default(),
        waiting: TopicPage::default(),
        supported: Vec::new(),
        accepted: Vec::new(),
        meetings: Vec::new(),
        households: Vec::new(),
        requests: Vec::new(),
        figures: None,
        error,
        typed,
        ctx,
    };
    if let Some(c) = app.home_community(&actor) {
        let (code, name) = app.delib_community(&c).await?;
        page.proposed = app
            .hub_topics(&actor, &code, TopicState::Proposed, pages.proposed)
            .await?;
        page.waiting = app
            .hub_topics(&actor, &code, TopicState::Accepted, pages.accepted)
            .await?;
        page.supported = app.supported_topics(&actor, &code).await?;
        page.meetings = app.delib_meetings(&code, page.can_run).await?;
        if page.can_run {
            page.accepted = app.accepted_topics(&code).await?;
            page.households = app.resident_households(&actor, &code).await?;
            page.requests = app.delib_requests(&actor).await?;
        }
        page.community = code;
        page.community_name = name;
    } else if can_answer {
        page.requests = app.delib_requests(&actor).await?;
        page.figures = Some(
            app.department_figures(&actor)
                .await?
                .into_iter()
                .next()
                .unwrap_or_default(),
        );
    } else {
        return Err(ServiceError::Forbidden.into());
    }
    let r = render(&page);
    Ok(if refused { unprocessable(r) } else { r })
}

async fn hub(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    hub_page_at(&app, ctx, None, Typed::none(), HubPages::of(&q)).await
}

/// Runs a hub form's action: on success back to the hub (or `to`), on a refusal the hub again
/// with the message and what was typed.
async fn on_hub(
    app: &App,
    ctx: PageContext,
    form: &str,
    fields: &[(String, String)],
    result: Result<String, ServiceError>,
) -> Result<Response, PageError> {
    match result {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            hub_page(app, ctx, Some(message), Typed::of(form, fields)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn propose(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let actor = ctx.actor();
    let input = TopicInput {
        title: form_value(&fields, "title"),
        body: form_value(&fields, "body"),
        matter: form_value(&fields, "matter"),
    };
    let r = app
        .propose_topic(&actor, &meta, &community, &input)
        .await
        .map(|_| "/deliberation?proposed=1#topics".to_string());
    on_hub(&app, ctx, "propose", &fields, r).await
}

async fn support(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let r = app
        .support_topic(&ctx.actor(), &meta, &community, &id)
        .await
        .map(|_| "/deliberation#topics".to_string());
    on_hub(&app, ctx, "support", &fields, r).await
}

async fn decide(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let accept = form_value(&fields, "action") == "accept";
    let reason = form_value(&fields, "reason");
    let r = app
        .decide_topic(&ctx.actor(), &meta, &community, &id, accept, &reason)
        .await
        .map(|_| "/deliberation#topics".to_string());
    on_hub(&app, ctx, &format!("decide-{id}"), &fields, r).await
}

async fn create_meeting(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let all = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let participants = all("category")
        .into_iter()
        .map(|c| {
            let names = form_value(&fields, &format!("names_{c}"));
            (c, names)
        })
        .collect();
    let input = MeetingInput {
        kind: form_value(&fields, "kind"),
        title: form_value(&fields, "title"),
        held_on: form_value(&fields, "held_on"),
        held_at: form_value(&fields, "held_at"),
        place: form_value(&fields, "place"),
        material: form_value(&fields, "material"),
        participants,
        voter_basis: form_value(&fields, "voter_basis"),
        vote_mode: form_value(&fields, "vote_mode"),
        base: form_value(&fields, "base"),
        topics: all("topic"),
        notice_reason: form_value(&fields, "notice_reason"),
        party_reviewed_on: form_value(&fields, "party_reviewed_on"),
    };
    let r = app
        .create_meeting(&ctx.actor(), &meta, &community, &input)
        .await
        .map(|m| m.path());
    on_hub(&app, ctx, "meeting", &fields, r).await
}

async fn household(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let r = app
        .set_resident_household(
            &ctx.actor(),
            &meta,
            &community,
            &form_value(&fields, "username"),
            &form_value(&fields, "household"),
        )
        .await
        .map(|_| "/deliberation#households".to_string());
    on_hub(&app, ctx, "household", &fields, r).await
}

async fn answer(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let r = app
        .answer_delib_request(
            &ctx.actor(),
            &meta,
            &community,
            &id,
            &form_value(&fields, "answer"),
        )
        .await
        .map(|_| "/deliberation#requests".to_string());
    on_hub(&app, ctx, &format!("answer-{id}"), &fields, r).await
}
