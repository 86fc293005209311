//! 志愿服务活动的页面：发布（社区）、活动页（报名、取消；组织者记录到场、服务时间和服务质量
//! 评价）、公开的
//! 活动列表（不含志愿者姓名和服务时间，无需登录）。

use super::super::{PageContext, PageForm, form_value, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::volunteers::{
    ActivityInput, ActivityPage, ActivityView, AttendeeView, HoursEntry,
};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_domain::volunteer::rules::{VolunteerRules, rules};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "volunteer_activity_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: ActivityInput,
    pub error: Option<String>,
    pub rules: &'static VolunteerRules,
    /// A deliberation decision the activity carries out, as it reads (and its public page):
    /// shown instead of the raw `deliberation:<id>` source key, which stays in a hidden field.
    pub decision: Option<(String, Option<String>)>,
}

async fn new_page(
    app: &App,
    ctx: PageContext,
    form: ActivityInput,
    error: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageVolunteers)?;
    // Only a decided topic of this community reads as a decision; any other key stays
    // editable (and is refused on submit with `unknown_source`), so the form never traps.
    let decision = match actor.org.as_ref() {
        Some(org) => app.decided_source(org.as_str(), &form.source).await?,
        None => None,
    };
    let refused = error.is_some();
    let mut resp = render(&NewPage {
        ctx,
        form,
        error,
        rules: rules(),
        decision,
    });
    if refused {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    source: String,
    #[serde(default)]
    title: String,
}

pub(super) async fn new_form(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    new_page(
        &app,
        ctx,
        ActivityInput {
            source: q.source,
            title: q.title,
            ..Default::default()
        },
        None,
    )
    .await
}

pub(super) async fn create(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let form = ActivityInput {
        title: field("title"),
        place: field("place"),
        needs: field("needs"),
        organiser: field("organiser"),
        source: field("source"),
        starts: field("starts"),
        ends: field("ends"),
        capacity: field("capacity"),
    };
    match app.post_activity(&actor, &meta, &form).await {
        Ok(a) => Ok(Redirect::to(&format!("{}?done=posted", a.path())).into_response()),
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            new_page(&app, ctx, form, Some(e.message())).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "volunteer_activity.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub p: ActivityPage,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// What the organiser typed in the hours form, by volunteer id (shown again on a refusal).
    pub typed: HashMap<String, Typed>,
    pub rules: &'static VolunteerRules,
}

/// One attendee's row of the hours form as typed.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    pub attended: bool,
    pub hours: String,
    /// The level key chosen ('' = 不评价).
    pub evaluation: String,
    pub remark: String,
}

impl DetailPage {
    pub fn typed_hours(&self, id: &str, recorded: &str) -> String {
        self.typed
            .get(id)
            .map(|t| t.hours.clone())
            .unwrap_or_else(|| recorded.to_string())
    }
    pub fn typed_attended(&self, id: &str, attended: &bool, was_recorded: &bool) -> bool {
        match self.typed.get(id) {
            Some(t) => t.attended,
            None => *attended || !*was_recorded,
        }
    }
    /// A level of the current data file (a stored one may have been retired since).
    pub fn is_current_level(&self, key: &str) -> bool {
        self.rules.evaluation.levels.iter().any(|l| l.key == key)
    }
    /// The level to select: as typed, else the stored one.
    pub fn typed_evaluation(&self, a: &AttendeeView) -> String {
        match self.typed.get(&a.volunteer_id) {
            Some(t) => t.evaluation.clone(),
            None => a
                .evaluation
                .as_ref()
                .map(|e| e.level.clone())
                .unwrap_or_default(),
        }
    }
    pub fn typed_remark(&self, a: &AttendeeView) -> String {
        match self.typed.get(&a.volunteer_id) {
            Some(t) => t.remark.clone(),
            None => a
                .evaluation
                .as_ref()
                .map(|e| e.remark.clone())
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

async fn detail_page(
    app: &App,
    ctx: PageContext,
    community: &str,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
    typed: HashMap<String, Typed>,
) -> Result<Response, PageError> {
    let p = app.activity_page(&ctx.actor(), community, id).await?;
    let refused = error.is_some();
    let mut resp = render(&DetailPage {
        ctx,
        p,
        notice,
        error,
        typed,
        rules: rules(),
    });
    if refused {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_str() {
        "posted" => Some("活动已发布。".to_string()),
        "signed_up" => Some(
            "报名成功。请按时到场；如不能参加，请在活动开始前取消报名，把名额让给别人。".into(),
        ),
        "cancelled" => Some("已取消报名，名额已退回。".into()),
        "recorded" => {
            Some("已记录到场、服务时间和评价。志愿者本人可以在“我的志愿服务”中看到。".into())
        }
        _ => None,
    };
    detail_page(&app, ctx, &community, &id, notice, None, HashMap::new()).await
}

pub(super) async fn sign_up(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    match app.sign_up(&actor, &meta, &community, &id).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/volunteers/activities/{community}/{id}?done=signed_up"
        ))
        .into_response()),
        Err(e @ ServiceError::Rejected { .. }) => {
            detail_page(
                &app,
                ctx,
                &community,
                &id,
                None,
                Some(e.message()),
                HashMap::new(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn cancel(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    match app.cancel_sign_up(&actor, &meta, &community, &id).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/volunteers/activities/{community}/{id}?done=cancelled"
        ))
        .into_response()),
        Err(e @ ServiceError::Rejected { .. }) => {
            detail_page(
                &app,
                ctx,
                &community,
                &id,
                None,
                Some(e.message()),
                HashMap::new(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The organiser's hours form, per signed-up volunteer: `attended_<id>` (checkbox), `hours_<id>`,
/// `evaluation_<id>` (level key, '' = 不评价) and `remark_<id>`.
pub(super) async fn hours(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let mut typed: HashMap<String, Typed> = HashMap::new();
    let mut order = Vec::new();
    for (k, v) in &fields {
        if let Some(vid) = k.strip_prefix("hours_") {
            order.push(vid.to_string());
            typed.entry(vid.to_string()).or_default().hours = v.clone();
        } else if let Some(vid) = k.strip_prefix("attended_") {
            typed.entry(vid.to_string()).or_default().attended = !v.is_empty();
        } else if let Some(vid) = k.strip_prefix("evaluation_") {
            typed.entry(vid.to_string()).or_default().evaluation = v.clone();
        } else if let Some(vid) = k.strip_prefix("remark_") {
            typed.entry(vid.to_string()).or_default().remark = v.clone();
        }
    }
    let entries: Vec<HoursEntry> = order
        .iter()
        .map(|vid| {
            let t = typed.get(vid).cloned().unwrap_or_default();
            HoursEntry {
                volunteer_id: vid.clone(),
                attended: t.attended,
                hours: t.hours,
                // The form always shows the evaluation: what it posts is what is meant. Unticking
                // 到场 withdraws the evaluation with it (the select may still show the level).
                evaluation: Some(if t.attended {
                    (t.evaluation, t.remark)
                } else {
                    Default::default()
                }),
            }
        })
        .collect();
    match app
        .record_hours(&actor, &meta, &community, &id, &entries)
        .await
    {
        Ok(r) => match r.warning {
            Some(w) => {
                detail_page(
                    &app,
                    ctx,
                    &community,
                    &id,
                    Some(format!(
                        "已记录 {} 人的到场、服务时间或评价。{w}",
                        r.recorded
                    )),
                    None,
                    HashMap::new(),
                )
                .await
            }
            None => Ok(Redirect::to(&format!(
                "/volunteers/activities/{community}/{id}?done=recorded"
            ))
            .into_response()),
        },
        Err(e @ ServiceError::Rejected { .. }) => {
            detail_page(&app, ctx, &community, &id, None, Some(e.message()), typed).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "volunteer_public.html")]
pub struct PublicPage {
    pub ctx: PageContext,
    pub community_name: String,
    pub activities: Vec<ActivityView>,
}

pub(super) async fn public_list(
    State(app): State<App>,
    ctx: PageContext,
    Path(community): Path<String>,
) -> Result<Response, PageError> {
    let activities = app.public_activities(&community).await?;
    let community_name = app.org_tree().await?.name_or_code(&community);
    Ok(render(&PublicPage {
        ctx,
        community_name,
        activities,
    }))
}
