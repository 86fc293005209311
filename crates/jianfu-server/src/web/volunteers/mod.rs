//! 志愿服务页面（三(五)）：`/volunteers` 本人的登记、报名、服务记录和证明（居民），或待确认的
//! 登记和本社区的活动（社区）；`register.rs` 登记表；`activities.rs` 发布活动、活动页（报名、
//! 取消、组织者记录服务时间）、公开的活动列表；`certificates.rs` 申请证明（先确认）、PDF、
//! 公开核验。手机优先：单栏、大按钮、没有宽表格。

mod activities;
mod certificates;
mod register;

use super::{PageContext, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::volunteers::{ActivityView, MyVolunteering, VolunteerView};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use jianfu_domain::permission::Permission;
use jianfu_domain::volunteer::rules::{VolunteerRules, rules};
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/volunteers", get(home))
        .route(
            "/volunteers/register",
            get(register::form).post(register::submit),
        )
        .route(
            "/volunteers/{community}/{id}/confirm",
            post(register::confirm),
        )
        .route(
            "/volunteers/{community}/{id}/certificate",
            post(certificates::issue_for),
        )
        .route(
            "/volunteers/activities/new",
            get(activities::new_form).post(activities::create),
        )
        .route(
            "/volunteers/activities/{community}/{id}",
            get(activities::detail),
        )
        .route(
            "/volunteers/activities/{community}/{id}/sign-up",
            post(activities::sign_up),
        )
        .route(
            "/volunteers/activities/{community}/{id}/cancel",
            post(activities::cancel),
        )
        .route(
            "/volunteers/activities/{community}/{id}/hours",
            post(activities::hours),
        )
        .route(
            "/public/volunteers/{community}",
            get(activities::public_list),
        )
        .route("/volunteers/certificate", post(certificates::request))
        .route(
            "/volunteers/certificates/{community}/{file}",
            get(certificates::pdf),
        )
        .route("/verify/volunteer", get(certificates::verify))
}

#[derive(Template)]
#[template(path = "volunteers.html")]
pub struct HomePage {
    pub ctx: PageContext,
    /// Resident: their record (None when not registered).
    pub mine: Option<MyVolunteering>,
    pub resident: bool,
    /// Worker: registrations and activities.
    pub organiser: bool,
    pub volunteers: Vec<VolunteerView>,
    pub activities: Vec<ActivityView>,
    pub community: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// A certificate just issued: number and code.
    pub issued: Option<(String, String, String)>,
    /// The numbers and their sources, from the rules data file.
    pub rules: &'static VolunteerRules,
}

#[derive(Debug, Default, Deserialize)]
pub struct HomeQuery {
    #[serde(default)]
    done: String,
    /// A certificate just issued (the number), after the issuing form's redirect.
    #[serde(default)]
    issued: String,
    /// `1`: the record had not changed, so it is the certificate issued before.
    #[serde(default)]
    again: String,
}

fn notice_of(done: &str) -> Option<String> {
    match done {
        "registered" => Some("已提交志愿者登记，社区确认后即可报名活动。".into()),
        "confirmed" => Some("已确认这位志愿者的登记。".into()),
        "posted" => Some("活动已发布，居民可以在公开页面看到并报名。".into()),
        _ => None,
    }
}

pub(super) async fn home_page(
    app: &App,
    ctx: PageContext,
    notice: Option<String>,
    error: Option<String>,
    issued: Option<(String, String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let resident = actor.may(Permission::RegisterVolunteer);
    let organiser = actor.may(Permission::ManageVolunteers);
    if !resident && !organiser {
        return Err(PageError(crate::service::ServiceError::Forbidden));
    }
    let community = app.volunteer_community(&actor).await?;
    let mine = if resident {
        app.my_volunteering(&actor).await?
    } else {
        None
    };
    let (volunteers, activities) = if organiser {
        (
            app.community_volunteers(&actor).await?,
            app.organiser_activities(&actor).await?,
        )
    } else {
        (Vec::new(), app.public_activities(&community).await?)
    };
    let has_error = error.is_some();
    let mut resp = render(&HomePage {
        ctx,
        mine,
        resident,
        organiser,
        volunteers,
        activities,
        community,
        notice,
        error,
        issued,
        rules: rules(),
    });
    if has_error {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn home(
    State(app): State<App>,
    ctx: PageContext,
    Query(q): Query<HomeQuery>,
) -> Result<Response, PageError> {
    if q.issued.is_empty() {
        return home_page(&app, ctx, notice_of(&q.done), None, None).await;
    }
    let actor = ctx.require_caller()?.actor.clone();
    let c = app.issued_volunteer_certificate(&actor, &q.issued).await?;
    let notice = if q.again == "1" {
        format!(
            "服务记录自 {} 出具的这份证明以来没有变化，仍是这份证明，没有重复出具。",
            c.issued_on
        )
    } else {
        "志愿服务记录证明已出具（无偿）。".to_string()
    };
    let issued = (
        c.number.clone(),
        c.verify_code.clone().unwrap_or_default(),
        c.pdf_path(),
    );
    home_page(&app, ctx, Some(notice), None, Some(issued)).await
}
