//! 负担台账 pages: the community's inventory with the rules' advice, a form to record an entry,
//! one entry with its steps, the supervisor's before/after overview, workbook import and export.

mod detail;
mod form;
mod import;
mod overview;

use super::list_query::{ExtraFilter, ListArgs, ListView};
use super::{PageContext, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::inventory::{EntryView, GateWork};
use crate::service::listing::ListKind;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::response::Response;
use axum::routing::{get, post};
use jianfu_domain::gate::BurdenKind;
use jianfu_domain::inventory::Status;
use jianfu_domain::permission::Permission;

/// One evidence file of 5 MB plus the text fields.
const UPLOAD_BODY_LIMIT: usize = 6 * 1024 * 1024;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/inventory", get(list))
        .route("/inventory/new", get(form::new_form).post(form::create))
        .route("/inventory/overview", get(overview::page))
        .route(
            "/inventory/import",
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/inventory/export.xlsx", get(import::export))
        .route("/inventory/{community}/{id}", get(detail::page))
        .route(
            "/inventory/{community}/{id}/step",
            post(detail::step).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/inventory/{community}/{id}/answer", post(detail::answer))
        .route("/inventory/{community}/{id}/confirm", post(detail::confirm))
        .route(
            "/inventory/{community}/{id}/evidence/{seq}",
            get(detail::evidence),
        )
}

pub(super) fn status_class(s: Status) -> &'static str {
    match s {
        Status::Found => "info",
        Status::Kept => "on",
        Status::ToRemove => "warn",
        Status::Removed | Status::Converted => "off",
    }
}

#[derive(Template)]
#[template(path = "inventory.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub entries: Vec<EntryView>,
    pub gate_work: Vec<GateWork>,
    pub can_record: bool,
    pub can_confirm: bool,
    pub is_owner: bool,
    pub can_overview: bool,
    pub imported: Option<String>,
    pub list: ListView,
}

impl ListPage {
    pub fn status_class(&self, s: &Status) -> &'static str {
        status_class(*s)
    }
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ViewInventory)?;
    let args = ListArgs::from_query(query.as_deref());
    let (listing, mut fell_back) = args.listing(ListKind::Inventory);
    let kind = match args.get("kind") {
        "" => String::new(),
        k if BurdenKind::parse(k).is_some() => k.to_string(),
        _ => {
            fell_back = true;
            String::new()
        }
    };
    let unconfirmed = args.get("confirm") == "pending";
    // From the overview's links (a department's entries); a department's own scope wins anyway.
    let owner = args.get("owner").to_string();
    let page = match app
        .inventory(&actor, &listing, Some(&owner), Some(&kind), unconfirmed)
        .await
    {
        Err(crate::service::ServiceError::Rejected { .. }) => {
            fell_back = true;
            app.inventory(&actor, &listing, None, Some(&kind), unconfirmed)
                .await?
        }
        other => other?,
    };
    let can_record = actor.may(Permission::RecordInventory);
    let can_confirm = actor.may(Permission::ConfirmInventory);
    let gate_work = match (&actor.org, can_record) {
        (Some(c), true) => app.gate_work(&actor, c.as_str()).await?,
        _ => Vec::new(),
    };
    let mut extra = vec![ExtraFilter {
        name: "kind",
        label: "类型",
        choices: BurdenKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), k.label_zh().to_string()))
            .collect(),
        chosen: kind,
    }];
    if can_confirm {
        extra.push(ExtraFilter {
            name: "confirm",
            label: "街道确认",
            choices: vec![("pending".into(), "有待确认的步骤".into())],
            chosen: if unconfirmed {
                "pending".into()
            } else {
                String::new()
            },
        });
    }
    let list = ListView::new(
        "/inventory",
        ListKind::Inventory,
        &listing,
        &page,
        extra,
        fell_back,
        "没有符合条件的条目。",
    );
    let imported = match args.get("imported") {
        "" => None,
        n => Some(n.chars().filter(char::is_ascii_digit).collect()),
    };
    Ok(render(&ListPage {
        can_record,
        can_confirm,
        is_owner: actor.may(Permission::AnswerInventory) && !can_confirm,
        can_overview: !can_record,
        ctx,
        entries: page.items,
        gate_work,
        imported,
        list,
    }))
}
