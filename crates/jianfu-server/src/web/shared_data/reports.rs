//! Report definition and viewing: a department picks elements and functions; anyone with
//! shared-data access reads the report at their level and drills down a level at a time.

use super::refused;
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::shared_data::reports::report_xlsx;
use crate::service::shared_data::{ColumnInput, ElementView, ReportInput, ReportTable};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, PageForm, form_value, render};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jianfu_domain::permission::Permission;
use jianfu_domain::shared_data::report::Func;
use serde::Deserialize;

const BLANK_COLUMNS: usize = 8;

#[derive(Template)]
#[template(path = "shared_data_report_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: ReportInput,
    pub elements: Vec<ElementView>,
    pub error: Option<String>,
}

impl NewPage {
    pub fn funcs(&self) -> [Func; 5] {
        Func::ALL
    }
}

fn with_blank_rows(mut form: ReportInput) -> ReportInput {
    while form.columns.len() < BLANK_COLUMNS {
        form.columns.push(ColumnInput::default());
    }
    form
}

async fn in_force(app: &App, actor: &crate::service::Actor) -> Result<Vec<ElementView>, PageError> {
    Ok(app
        .element_views(actor)
        .await?
        .into_iter()
        .filter(|e| e.status == "in_force")
        .collect())
}

pub(super) async fn new_form(
    State(app): State<App>,
    ctx: PageContext,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::DefineReports)?;
    let elements = in_force(&app, &actor).await?;
    Ok(render(&NewPage {
        ctx,
        form: with_blank_rows(ReportInput::default()),
        elements,
        error: None,
    }))
}

pub(super) async fn define(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let list = |name: &str| -> Vec<String> {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let (labels, funcs, elements, dens) = (
        list("label"),
        list("func"),
        list("element"),
        list("denominator"),
    );
    let columns = (0..labels.len().max(elements.len()).min(80))
        .map(|i| ColumnInput {
            label: labels.get(i).cloned().unwrap_or_default(),
            func: funcs.get(i).cloned().unwrap_or_default(),
            element: elements.get(i).cloned().unwrap_or_default(),
            denominator: dens.get(i).cloned().filter(|d| !d.is_empty()),
        })
        .collect();
    let form = ReportInput {
        title: form_value(&fields, "title"),
        replaces: form_value(&fields, "replaces"),
        columns,
    };
    match app.define_report(&actor, &meta, &form).await {
        Ok(v) => Ok(Redirect::to(&format!("/shared-data/reports/{}", v.code)).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            let elements = in_force(&app, &actor).await?;
            Ok(refused(
                render(&NewPage {
                    ctx,
                    form: with_blank_rows(form),
                    elements,
                    error: Some(message),
                }),
                true,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ViewQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    period: String,
}

#[derive(Template)]
#[template(path = "shared_data_report.html")]
pub struct ReportPage {
    pub ctx: PageContext,
    pub t: ReportTable,
    pub period_input: String,
    pub error: Option<String>,
    pub can_withdraw: bool,
    pub query: String,
}

pub(super) async fn view(
    State(app): State<App>,
    ctx: PageContext,
    Path(code): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    // A period that does not read (or is finer than the report) is said, and the default shown.
    let (t, error) = match app
        .generate_report(&actor, &code, Some(&q.org), Some(&q.period))
        .await
    {
        Ok(t) => (t, None),
        Err(ServiceError::Rejected { message, .. }) => (
            app.generate_report(&actor, &code, None, None).await?,
            Some(message),
        ),
        Err(e) => return Err(e.into()),
    };
    let can_withdraw = !t.report.withdrawn
        && actor.may(Permission::DefineReports)
        && actor.org.as_ref().map(|o| o.as_str()) == Some(t.report.department.as_str());
    let query = format!("org={}&period={}", t.org, t.period);
    let period_input = if error.is_some() {
        q.period.clone()
    } else {
        t.period.clone()
    };
    let failed = error.is_some();
    Ok(refused(
        render(&ReportPage {
            ctx,
            t,
            period_input,
            error,
            can_withdraw,
            query,
        }),
        failed,
    ))
}

pub(super) async fn workbook(
    State(app): State<App>,
    ctx: PageContext,
    Path(code): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let t = app
        .generate_report(&actor, &code, Some(&q.org), Some(&q.period))
        .await?;
    let bytes = report_xlsx(&t)?;
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Disposition::Attachment,
        &format!("report-{}-{}-{}.xlsx", t.report.code, t.org, t.period),
        bytes,
    ))
}

pub(super) async fn withdraw(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(code): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    use crate::web::confirm::{ConfirmPage, Question, Step};
    ctx.check_csrf(&form_value(&fields, "csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let back = format!("/shared-data/reports/{}", code.trim());
    match Step::of(&fields) {
        Step::Back => Ok(Redirect::to(&back).into_response()),
        Step::Ask => {
            let t = app.generate_report(&actor, &code, None, None).await?;
            let q = Question {
                subject: t.report.title.clone(),
                title: "确认停用这张报表？".into(),
                consequences: vec![
                    "停用后不再计入在用报表和部门得到的单元格数，不能恢复；需要时重新定义一张。"
                        .into(),
                    "社区已填的数不受影响，其他报表照常使用。".into(),
                ],
                typed: vec![],
                action: format!("{back}/withdraw"),
                confirm_label: "确认停用".into(),
                danger: true,
            };
            Ok(render(&ConfirmPage::new(ctx, q, &fields)))
        }
        Step::Confirmed => {
            app.withdraw_report(&actor, &meta, &code).await?;
            Ok(Redirect::to(&back).into_response())
        }
    }
}
