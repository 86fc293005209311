//! The element register, and a department's proposal of a new element (through the gate).

use super::refused;
use crate::App;
use crate::http::error::PageError;
use crate::service::shared_data::{ElementInput, ElementView};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_domain::shared_data::PeriodType;

#[derive(Template)]
#[template(path = "shared_data_elements.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub elements: Vec<ElementView>,
    pub can_propose: bool,
}

impl ListPage {
    pub fn period_label(&self, p: &str) -> &'static str {
        PeriodType::parse(p).map_or("", |p| p.label_zh())
    }
    pub fn status_label(&self, s: &str) -> &'static str {
        match s {
            "in_force" => "在用",
            "pending_approval" => "待区级审批",
            _ => "未准入",
        }
    }
}

pub(super) async fn list(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let elements = app.element_views(&actor).await?;
    Ok(render(&ListPage {
        ctx,
        elements,
        can_propose: actor.may(Permission::DefineReports),
    }))
}

#[derive(Template)]
#[template(path = "shared_data_element_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: ElementInput,
    pub error: Option<String>,
}

impl NewPage {
    pub fn periods(&self) -> [PeriodType; 3] {
        PeriodType::ALL
    }
}

pub(super) async fn new_form(ctx: PageContext) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::DefineReports)?;
    let form = ElementInput {
        value_type: "count".into(),
        period: "monthly".into(),
        aggregation: "stock".into(),
        ..Default::default()
    };
    Ok(render(&NewPage {
        ctx,
        form,
        error: None,
    }))
}

pub(super) async fn propose(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = |n: &str| form_value(&fields, n);
    ctx.check_csrf(&f("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let form = ElementInput {
        name: f("name"),
        definition: f("definition"),
        unit: f("unit"),
        value_type: f("value_type"),
        scale: f("scale").trim().parse().unwrap_or(0),
        period: f("period"),
        aggregation: f("aggregation"),
        min: f("min"),
        max: f("max"),
        legal_basis: f("legal_basis"),
        reason: f("reason"),
        amount_yuan: f("amount_yuan"),
        channel: f("channel"),
    };
    match app.propose_element(&actor, &meta, &form).await {
        Ok(out) => Ok(Redirect::to(&format!("/assignments/{}", out.assignment)).into_response()),
        Err(ServiceError::Rejected { message, .. }) => Ok(refused(
            render(&NewPage {
                ctx,
                form,
                error: Some(message),
            }),
            true,
        )),
        Err(e) => Err(e.into()),
    }
}
