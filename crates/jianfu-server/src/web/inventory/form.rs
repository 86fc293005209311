//! Recording one entry: an ordinary form (no JavaScript), refused input shown again as typed.

use crate::App;
use crate::http::error::PageError;
use crate::service::inventory::EntryInput;
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::Org;
use jianfu_domain::gate::{BurdenKind, CheckInPurpose, RankingMeasure};
use jianfu_domain::inventory::ReportFrequency;
use jianfu_domain::permission::Permission;

#[derive(Template)]
#[template(path = "inventory_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: EntryInput,
    pub owners: Vec<Org>,
    pub error: Option<String>,
}

impl NewPage {
    pub fn kinds(&self) -> [BurdenKind; 16] {
        BurdenKind::ALL
    }
    pub fn frequencies(&self) -> [ReportFrequency; 6] {
        ReportFrequency::ALL
    }
    pub fn purposes(&self) -> [CheckInPurpose; 3] {
        CheckInPurpose::ALL
    }
    pub fn measures(&self) -> [RankingMeasure; 8] {
        RankingMeasure::ALL
    }
}

async fn page(
    app: &App,
    ctx: PageContext,
    form: EntryInput,
    error: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::RecordInventory)?;
    let refused = error.is_some();
    let mut resp = render(&NewPage {
        ctx,
        form,
        owners: app.inventory_owners(&actor).await?,
        error,
    });
    if refused {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub(super) async fn new_form(
    State(app): State<App>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    let form = EntryInput {
        found_on: app.today_beijing(),
        ..EntryInput::default()
    };
    page(&app, ctx, form, None).await
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
    let form = EntryInput {
        kind: field("kind"),
        title: field("title"),
        owner: field("owner"),
        law_basis: field("law_basis"),
        mandate_document: field("mandate_document"),
        found_on: field("found_on"),
        frequency: field("frequency"),
        field_count: field("field_count"),
        check_in: field("check_in"),
        ranking: field("ranking"),
        screenshots: !field("screenshots").is_empty(),
        one_vote_veto: !field("one_vote_veto").is_empty(),
        note: field("note"),
    };
    match app.record_inventory(&actor, &meta, &form).await {
        Ok(v) => Ok(Redirect::to(&format!("{}?done=record", v.path())).into_response()),
        Err(ServiceError::Rejected { message, .. }) => page(&app, ctx, form, Some(message)).await,
        Err(e) => Err(e.into()),
    }
}
