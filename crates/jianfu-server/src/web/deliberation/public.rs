//! The public pages (no account) and the resident's ballot and feedback, which post from them.

use super::{Typed, home, unprocessable};
use crate::App;
use crate::http::error::PageError;
use crate::service::deliberation::{PublicMeeting, PublicPage};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::Role;
use jianfu_domain::deliberation::carrying_out::Feedback;
use jianfu_domain::deliberation::vote::Choice;
use jianfu_domain::permission::Permission;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "deliberation_public.html")]
pub struct PublicView {
    pub ctx: PageContext,
    pub p: PublicPage,
}

impl PublicView {
    pub fn page_link(&self, page: &i64) -> String {
        match &self.p.state {
            Some(s) => format!(
                "/public/deliberation/{}?state={s}&page={page}",
                self.p.community
            ),
            None => format!("/public/deliberation/{}?page={page}", self.p.community),
        }
    }
    pub fn state_link(&self, state: &str) -> String {
        format!("/public/deliberation/{}?state={state}", self.p.community)
    }
    pub fn is_state(&self, state: &str) -> bool {
        self.p.state.as_deref() == Some(state)
    }
    pub fn prev(&self) -> Option<i64> {
        (self.p.page > 1).then(|| self.p.page - 1)
    }
    pub fn next(&self) -> Option<i64> {
        (self.p.page < self.p.pages).then(|| self.p.page + 1)
    }
}

pub(super) async fn page(
    State(app): State<App>,
    ctx: PageContext,
    Path(community): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    // Read leniently: an unknown state shows all, a bad page number the first.
    let state = q.get("state").map(String::as_str).filter(|s| !s.is_empty());
    let page = q
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=100_000).contains(p))
        .unwrap_or(1);
    let p = app.public_deliberation(&community, state, page).await?;
    Ok(render(&PublicView { ctx, p }))
}

#[derive(Template)]
#[template(path = "deliberation_public_meeting.html")]
pub struct PublicMeetingView {
    pub ctx: PageContext,
    pub p: PublicMeeting,
    /// A resident of this community may vote now.
    pub can_vote: bool,
    pub voted: bool,
    pub can_feedback: bool,
    pub error: Option<String>,
    pub typed: Typed,
}

impl PublicMeetingView {
    pub fn choices(&self) -> [(&'static str, &'static str); 3] {
        [Choice::For, Choice::Against, Choice::Abstain].map(|c| (c.as_str(), c.label_zh()))
    }
    pub fn chose(&self, topic: &str, choice: &str) -> bool {
        self.typed.has("vote", &format!("m_{topic}"), choice)
    }
    pub fn feedback_labels(&self) -> [(&'static str, &'static str); 3] {
        Feedback::ALL.map(|f| (f.as_str(), f.label_zh()))
    }
}

async fn meeting_view(
    app: &App,
    ctx: PageContext,
    community: &str,
    id: &str,
    error: Option<String>,
    typed: Typed,
) -> Result<Response, PageError> {
    let p = app.public_meeting(community, id).await?;
    let actor = ctx.actor();
    let resident_here = actor.roles.contains(&Role::Resident)
        && actor.may(Permission::VoteOnline)
        && actor.org.as_ref().map(|o| o.as_str()) == Some(p.meeting.community.as_str());
    let voted = resident_here && app.has_voted(&actor, community, id).await?;
    let refused = error.is_some();
    let r = render(&PublicMeetingView {
        can_vote: resident_here && p.meeting.online() && p.meeting.is_open(),
        can_feedback: resident_here,
        voted,
        p,
        ctx,
        error,
        typed,
    });
    Ok(if refused { unprocessable(r) } else { r })
}

pub(super) async fn meeting(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    meeting_view(&app, ctx, &community, &id, None, Typed::none()).await
}

pub(super) async fn vote(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(id): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let choices: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("m_").map(|t| (t.to_string(), v.clone())))
        .collect();
    match app
        .cast_online_vote(&ctx.actor(), &meta, &community, &id, &choices)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/public/deliberation/{community}/meetings/{id}?voted=1#ballot"
        ))
        .into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            meeting_view(
                &app,
                ctx,
                &community,
                &id,
                Some(message),
                Typed::of("vote", &fields),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn feedback(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(topic): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let community = home(&app, &ctx)?;
    let meeting = form_value(&fields, "meeting");
    match app
        .give_decision_feedback(
            &ctx.actor(),
            &meta,
            &community,
            &topic,
            &form_value(&fields, "verdict"),
        )
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "/public/deliberation/{community}/meetings/{meeting}?feedback=1#decisions"
        ))
        .into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            meeting_view(
                &app,
                ctx,
                &community,
                &meeting,
                Some(message),
                Typed::of(&format!("feedback-{topic}"), &fields),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
