//! 志愿者登记表（居民本人）与社区确认。被拒的表单原样回显所填内容。

use super::super::confirm::{ConfirmPage, Question, Step};
use super::super::{PageContext, PageForm, form_value, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::volunteers::VolunteerInput;
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_domain::volunteer::rules::{VolunteerRules, rules};

#[derive(Template)]
#[template(path = "volunteer_register.html")]
pub struct RegisterPage {
    pub ctx: PageContext,
    pub form: VolunteerInput,
    pub error: Option<String>,
    pub error_code: String,
    pub rules: &'static VolunteerRules,
}

fn page(
    ctx: PageContext,
    form: VolunteerInput,
    error: Option<(String, String)>,
) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::RegisterVolunteer)?;
    let refused = error.is_some();
    let (error_code, error) = match error {
        Some((c, m)) => (c, Some(m)),
        None => (String::new(), None),
    };
    let mut resp = render(&RegisterPage {
        ctx,
        form,
        error,
        error_code,
        rules: rules(),
    });
    if refused {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn form(ctx: PageContext) -> Result<Response, PageError> {
    page(ctx, VolunteerInput::default(), None)
}

pub(super) async fn submit(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let form = VolunteerInput {
        name: field("name"),
        phone: field("phone"),
        id_number: field("id_number"),
        skills: field("skills"),
        availability: field("availability"),
        consent: !field("consent").is_empty(),
        guardian_name: field("guardian_name"),
        guardian_relation: field("guardian_relation"),
        guardian_consent: !field("guardian_consent").is_empty(),
    };
    match app.register_volunteer(&actor, &meta, &form).await {
        Ok(_) => Ok(Redirect::to("/volunteers?done=registered").into_response()),
        Err(e @ (ServiceError::Rejected { .. } | ServiceError::Invalid(_))) => {
            page(ctx, form, Some((e.code().to_string(), e.message())))
        }
        Err(e) => Err(e.into()),
    }
}

/// The community confirms a registration, after a confirmation page.
pub(super) async fn confirm(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    match Step::of(&fields) {
        Step::Back => Ok(Redirect::to("/volunteers").into_response()),
        Step::Ask => {
            let v = match app.check_confirm_volunteer(&actor, &community, &id).await {
                Ok(v) => v,
                Err(e @ ServiceError::Rejected { .. }) => {
                    return super::home_page(&app, ctx, None, Some(e.message()), None).await;
                }
                Err(e) => return Err(e.into()),
            };
            let q = Question {
                subject: format!("志愿者 {}（电话 {}）", v.name, v.phone),
                title: "确认这位志愿者的登记？".into(),
                consequences: vec![
                    "确认后，这位志愿者可以报名本社区的志愿服务活动，社区为其记录服务时间。".into(),
                    "请先核对本人身份（实名登记，《志愿服务条例》第七条）；未成年人须有监护人同意。".into(),
                    "确认不能撤回。".into(),
                ],
                typed: vec![],
                action: format!("/volunteers/{community}/{id}/confirm"),
                confirm_label: "确认登记".into(),
                danger: false,
            };
            Ok(render(&ConfirmPage::new(ctx, q, &fields)))
        }
        Step::Confirmed => match app.confirm_volunteer(&actor, &meta, &community, &id).await {
            Ok(_) => Ok(Redirect::to("/volunteers?done=confirmed").into_response()),
            Err(e @ ServiceError::Rejected { .. }) => {
                super::home_page(&app, ctx, None, Some(e.message()), None).await
            }
            Err(e) => Err(e.into()),
        },
    }
}
