//! The list: a resident's own applications, or the community's queue with its issued
//! certificates.

use super::{date_of, status_class};
use crate::App;
use crate::http::error::PageError;
use crate::service::certificates::{ApplicationView, status_label};
use crate::service::listing::{ListKind, Listing};
use crate::web::list_query::{ListArgs, ListView};
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use jianfu_domain::permission::Permission;
use jianfu_store::CertificateRow;

#[derive(Template)]
#[template(path = "certificates.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub staff: bool,
    pub apps: Vec<ApplicationView>,
    /// Open applications past their due day (the community's queue).
    pub overdue: i64,
    pub certificates: Vec<CertificateRow>,
    pub list: ListView,
}

impl ListPage {
    pub fn status_class(&self, s: &str) -> &'static str {
        status_class(s)
    }
    pub fn cert_label(&self, s: &str) -> &'static str {
        status_label(s)
    }
    pub fn time_of(&self, ms: &i64) -> String {
        date_of(*ms)
    }
    pub fn href(&self, a: &ApplicationView) -> String {
        format!("/certificates/a/{}/{}", a.community_code, a.id)
    }
}

pub(super) async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let staff = actor.may(Permission::HandleCertificates);
    let kind = ListKind::Certificates;
    let (listing, fell_back) = ListArgs::from_query(query.as_deref()).listing(kind);
    let page = app.list_certificate_applications(&actor, &listing).await?;
    let (overdue, certificates) = if staff {
        let overdue = app
            .list_certificate_applications(&actor, &Listing::count_of("overdue"))
            .await?
            .total;
        (overdue, app.list_certificates(&actor).await?)
    } else {
        (0, vec![])
    };
    let list = ListView::new(
        "/certificates",
        kind,
        &listing,
        &page,
        vec![],
        fell_back,
        "没有符合条件的申请。",
    );
    Ok(render(&ListPage {
        ctx,
        staff,
        apps: page.items,
        overdue,
        certificates,
        list,
    }))
}
