//! The issued certificate: its page, its PDF, and voiding it (asked first).

use super::{date_of, status_class, with_status};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::certificates::status_label;
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, certificate_actions, confirm, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_store::CertificateRow;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "certificate.html")]
pub struct CertificatePage {
    pub ctx: PageContext,
    pub c: CertificateRow,
    /// Who issued, approved and voided it, by name and role (not username).
    pub issued_by: String,
    pub approved_by: String,
    pub revoked_by: Option<String>,
    pub may_revoke: bool,
    pub may_view_seal: bool,
    pub reason: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

impl CertificatePage {
    pub fn status_class(&self) -> &'static str {
        status_class(&self.c.status)
    }
    pub fn status_text(&self) -> &'static str {
        status_label(&self.c.status)
    }
    pub fn time_of(&self, ms: &i64) -> String {
        date_of(*ms)
    }
    pub fn application_href(&self) -> String {
        format!(
            "/certificates/a/{}/{}",
            self.c.community_code, self.c.application_id
        )
    }
}

async fn certificate_page(
    app: &App,
    ctx: PageContext,
    number: &str,
    reason: String,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let c = app.certificate_for(&actor, number).await?;
    let refused = error.is_some();
    Ok(with_status(
        render(&CertificatePage {
            issued_by: app.person_label(&c.issued_by).await,
            approved_by: app.person_label(&c.approved_by).await,
            revoked_by: match &c.revoked_by {
                Some(u) => Some(app.person_label(u).await),
                None => None,
            },
            may_revoke: actor.may(Permission::ApproveSealUse) && c.status == "valid",
            may_view_seal: actor.may(Permission::ViewSealLog),
            ctx,
            c,
            reason,
            error,
            notice,
        }),
        refused,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct CertificateQuery {
    #[serde(default)]
    issued: String,
    #[serde(default)]
    revoked: String,
}

pub(super) async fn certificate(
    State(app): State<App>,
    ctx: PageContext,
    Path(number): Path<String>,
    Query(q): Query<CertificateQuery>,
) -> Result<Response, PageError> {
    let notice = if !q.issued.is_empty() {
        Some(
            "证明已出具，并已记入用印登记簿。请下载 PDF 打印，在用印处加盖社区印章后交给申请人。"
                .into(),
        )
    } else if !q.revoked.is_empty() {
        Some("证明已作废。公开核验时将显示“已作废”和作废原因。".into())
    } else {
        None
    };
    certificate_page(&app, ctx, &number, String::new(), None, notice).await
}

pub(super) async fn pdf(
    State(app): State<App>,
    ctx: PageContext,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let bytes = app.certificate_pdf(&actor, &number).await?;
    Ok(file_response(
        "application/pdf",
        Disposition::Inline,
        &format!("{}.pdf", number.trim()),
        bytes,
    ))
}

pub(super) async fn revoke(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(number): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| crate::web::form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let reason = field("reason");
    match confirm::Step::of(&fields) {
        confirm::Step::Confirmed => {}
        confirm::Step::Back => {
            return certificate_page(&app, ctx, &number, reason, None, None).await;
        }
        confirm::Step::Ask => {
            match app.check_certificate_revoke(&actor, &number, &reason).await {
                Err(ServiceError::Rejected { message, .. }) => {
                    return certificate_page(&app, ctx, &number, reason, Some(message), None).await;
                }
                other => other?,
            }
            let c = app.certificate_for(&actor, &number).await?;
            let q = certificate_actions::revoke_question(&c, &reason);
            return Ok(render(&confirm::ConfirmPage::new(ctx, q, &fields)));
        }
    }
    match app
        .revoke_certificate(&actor, &meta, &number, &reason)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/certificates/c/{number}?revoked=1")).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            certificate_page(&app, ctx, &number, reason, Some(message), None).await
        }
        Err(e) => Err(e.into()),
    }
}
