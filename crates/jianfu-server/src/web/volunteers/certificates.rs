//! 志愿服务记录证明：本人申请（先确认，说明无偿出具、写入用印登记），PDF 下载，公开核验页。

use super::super::confirm::{ConfirmPage, Question, Step};
use super::super::{PageContext, PageForm, form_value, render};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::volunteers::{VerifiedVolunteerCertificate, VolunteerCertificateView};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub(super) async fn request(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    match Step::of(&fields) {
        Step::Back => super::home_page(&app, ctx, None, None, None).await,
        Step::Ask => match app.check_request_volunteer_certificate(&actor).await {
            // Nothing new to certify: show the certificate already issued, without asking.
            Ok(c) if c.already_issued => Ok(issued_redirect(&c)),
            Ok(_) => {
                let q = Question {
                    subject: "志愿服务记录证明".into(),
                    title: "出具本人的志愿服务记录证明？".into(),
                    consequences: vec![
                        "社区依据您的志愿服务记录如实出具，无偿，不收取任何费用（《志愿服务条例》第十九条第二款）。".into(),
                        "证明载明服务时间、服务内容和记录单位（《志愿服务记录与证明出具办法（试行）》第十五条），带编号和核验码，任何人可在核验页面查验。".into(),
                        "出具记入社区的用印登记簿，不能撤回；记录有误请先联系社区更正。".into(),
                    ],
                    typed: vec![],
                    action: "/volunteers/certificate".into(),
                    confirm_label: "确认出具".into(),
                    danger: false,
                };
                Ok(render(&ConfirmPage::new(ctx, q, &fields)))
            }
            Err(e @ ServiceError::Rejected { .. }) => {
                super::home_page(&app, ctx, None, Some(e.message()), None).await
            }
            Err(e) => Err(e.into()),
        },
        // Post/redirect/get: refreshing the page that follows does not ask again.
        Step::Confirmed => match app.request_volunteer_certificate(&actor, &meta).await {
            Ok(c) => Ok(issued_redirect(&c)),
            Err(e @ ServiceError::Rejected { .. }) => {
                super::home_page(&app, ctx, None, Some(e.message()), None).await
            }
            Err(e) => Err(e.into()),
        },
    }
}

/// 303 to `/volunteers`, which shows the certificate just issued (or the unchanged one).
fn issued_redirect(c: &VolunteerCertificateView) -> Response {
    let again = if c.already_issued { "&again=1" } else { "" };
    Redirect::to(&format!("/volunteers?issued={}{again}", c.number)).into_response()
}

/// The community issues a volunteer's certificate on their request, after a confirmation page.
pub(super) async fn issue_for(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let refused = |e: ServiceError| match e {
        e @ ServiceError::Rejected { .. } => Ok(Some(e.message())),
        e => Err(PageError(e)),
    };
    match Step::of(&fields) {
        Step::Back => super::home_page(&app, ctx, None, None, None).await,
        Step::Ask => match app
            .check_issue_volunteer_certificate(&actor, &community, &id)
            .await
        {
            Ok(c) if c.already_issued => Ok(issued_redirect(&c)),
            Ok(c) => {
                let q = Question {
                    subject: format!("志愿者 {}，已记录服务时间 {} 小时", c.holder, c.total_hours),
                    title: "为这位志愿者出具志愿服务记录证明？".into(),
                    consequences: vec![
                        "应志愿者本人的要求，依据记录如实、无偿出具（《志愿服务条例》第十九条第二款），不收取任何费用。".into(),
                        "证明载明服务时间、服务内容和记录单位（《志愿服务记录与证明出具办法（试行）》第十五条），带编号和核验码。".into(),
                        "出具记入本社区的用印登记簿，不能撤回。".into(),
                    ],
                    typed: vec![],
                    action: format!("/volunteers/{community}/{id}/certificate"),
                    confirm_label: "确认出具".into(),
                    danger: false,
                };
                Ok(render(&ConfirmPage::new(ctx, q, &fields)))
            }
            Err(e) => {
                let m = refused(e)?;
                super::home_page(&app, ctx, None, m, None).await
            }
        },
        Step::Confirmed => match app
            .issue_volunteer_certificate(&actor, &meta, &community, &id)
            .await
        {
            Ok(c) => Ok(issued_redirect(&c)),
            Err(e) => {
                let m = refused(e)?;
                super::home_page(&app, ctx, None, m, None).await
            }
        },
    }
}

pub(super) async fn pdf(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let number = file.trim_end_matches(".pdf");
    let bytes = app
        .volunteer_certificate_pdf(&actor, &community, number)
        .await?;
    Ok(file_response(
        "application/pdf",
        Disposition::Inline,
        &format!("{number}.pdf"),
        bytes,
    ))
}

#[derive(Template)]
#[template(path = "volunteer_verify.html")]
pub struct VerifyPage {
    pub ctx: PageContext,
    pub number: String,
    pub code: String,
    pub result: Option<VerifiedVolunteerCertificate>,
    pub problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn verify(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    let asked = !q.number.trim().is_empty() || !q.code.trim().is_empty();
    let (result, problem, status) = if asked {
        match app
            .verify_volunteer_certificate(&meta, &q.number, &q.code)
            .await
        {
            Ok(v) => (Some(v), None, StatusCode::OK),
            Err(e @ (ServiceError::Rejected { .. } | ServiceError::RateLimited(_))) => {
                let status = if matches!(e, ServiceError::RateLimited(_)) {
                    StatusCode::TOO_MANY_REQUESTS
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                (None, Some(e.message()), status)
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (None, None, StatusCode::OK)
    };
    let mut resp = render(&VerifyPage {
        ctx,
        number: q.number,
        code: q.code,
        result,
        problem,
    });
    *resp.status_mut() = status;
    Ok(resp)
}
