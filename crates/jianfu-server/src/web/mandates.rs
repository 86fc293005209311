//! The mandate register pages (上级文件登记). Reading needs no login (政务公开): the list with
//! search, level and status filters, one document whole, the Excel download. The district
//! approver registers and corrects documents in a form, ends them (失效) on the detail page, and
//! imports a workbook: upload, see what will be added and changed, confirm.

use super::{PageContext, PageForm, render};
use crate::App;
use crate::http::error::PageError;
use crate::service::catalog_xlsx::MAX_XLSX_BYTES;
use crate::service::mandates::{
    ImportPlan, MandateEntry, MandateFilter, MandateInput, MandateStatus, parse_input,
};
use crate::service::{RequestMeta, ServiceError, mandates_xlsx};
use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_domain::gate::mandate::{MandateField, MandateProblem};
use jianfu_domain::gate::{BurdenKind, MandateDoc, MandateLevel};
use jianfu_domain::permission::Permission;
use serde::Deserialize;

const UPLOAD_BODY_LIMIT: usize = MAX_XLSX_BYTES + 1024 * 1024;
const CONFIRM_BODY_LIMIT: usize = 4 * MAX_XLSX_BYTES;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/mandates", get(list))
        .route("/mandates/new", get(new_form).post(new_submit))
        .route("/mandates/export.xlsx", get(export))
        .route(
            "/mandates/import",
            get(import_form)
                .post(import_upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/mandates/import/confirm",
            post(import_confirm).layer(DefaultBodyLimit::max(CONFIRM_BODY_LIMIT)),
        )
        .route("/mandates/{number}", get(detail))
        .route("/mandates/{number}/edit", get(edit_form).post(edit_submit))
        .route("/mandates/{number}/end", post(end_submit))
}

/// A 文号 as one path segment (brackets and CJK percent-encoded).
pub fn mandate_href(number: &str) -> String {
    let seg: String = number
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("/mandates/{seg}")
}

fn with_status(mut resp: Response, status: StatusCode) -> Response {
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    resp
}

fn can_manage(ctx: &PageContext) -> bool {
    ctx.caller.is_some() && ctx.actor().may(Permission::ManageCatalog)
}

/// A document as listed.
pub struct Row {
    pub entry: MandateEntry,
    pub status: MandateStatus,
    pub href: String,
}

fn rows(entries: Vec<MandateEntry>, today: &str) -> Vec<Row> {
    entries
        .into_iter()
        .map(|e| Row {
            status: e.status_on(today),
            href: mandate_href(&e.doc.number),
            entry: e,
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// GET /mandates

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "mandates.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub q: String,
    pub levels: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub rows: Vec<Row>,
    pub error: Option<String>,
    pub can_manage: bool,
    pub notice: Option<String>,
    pub filtered: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub status: String,
    /// After an import: how many were added, changed and left as they were.
    pub added: Option<u32>,
    pub changed: Option<u32>,
    pub unchanged: Option<u32>,
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = query.ok().map(|Query(q)| q).unwrap_or_default();
    let filter = MandateFilter {
        q: q.q.clone(),
        level: q.level.clone(),
        status: q.status.clone(),
    };
    let (found, error) = match app.list_mandates(&filter).await {
        Ok(v) => (v, None),
        Err(e @ ServiceError::Rejected { .. }) => (
            app.list_mandates(&MandateFilter {
                q: q.q.clone(),
                ..Default::default()
            })
            .await?,
            Some(e.message()),
        ),
        Err(e) => return Err(e.into()),
    };
    let today = app.today_beijing();
    let mut levels = vec![Choice {
        value: "",
        label: "全部层级",
        selected: q.level.trim().is_empty(),
    }];
    levels.extend(MandateLevel::ALL.iter().map(|l| Choice {
        value: l.as_str(),
        label: l.label_zh(),
        selected: q.level.trim() == l.as_str(),
    }));
    let mut statuses = vec![Choice {
        value: "",
        label: "全部状态",
        selected: q.status.trim().is_empty(),
    }];
    statuses.extend(MandateStatus::ALL.iter().map(|s| Choice {
        value: s.as_str(),
        label: s.label_zh(),
        selected: q.status.trim() == s.as_str(),
    }));
    let notice = match (q.added, q.changed, q.unchanged) {
        (Some(a), Some(c), Some(u)) => Some(format!(
            "导入完成：新登记 {a} 份，更正 {c} 份，未变 {u} 份。"
        )),
        _ => None,
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        can_manage: can_manage(&ctx),
        filtered: !q.q.trim().is_empty() || !q.level.is_empty() || !q.status.is_empty(),
        ctx,
        q: q.q,
        levels,
        statuses,
        rows: rows(found, &today),
        error,
        notice,
    };
    Ok(with_status(render(&page), status))
}

// ------------------------------------------------------------------------------------------------
// GET /mandates/{number}

#[derive(Template)]
#[template(path = "mandate_detail.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub row: Row,
    /// Who registered and who last corrected it, by name and role.
    pub created_by: String,
    pub updated_by: String,
    pub can_manage: bool,
    pub end_to: String,
    pub end_note: String,
    pub end_error: Option<String>,
    pub saved: bool,
    pub today: String,
}

impl DetailPage {
    fn when(&self, ms: &i64) -> String {
        super::when(ms)
    }
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    pub saved: String,
}

async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path(number): Path<String>,
    query: Result<Query<DetailQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let saved = query.ok().is_some_and(|Query(q)| !q.saved.is_empty());
    let entry = app.mandate_or_404(&number).await?;
    detail_page(&app, ctx, entry, String::new(), String::new(), None, saved).await
}

async fn detail_page(
    app: &App,
    ctx: PageContext,
    entry: MandateEntry,
    end_to: String,
    end_note: String,
    end_error: Option<String>,
    saved: bool,
) -> Result<Response, PageError> {
    let today = app.today_beijing();
    let status = if end_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let created_by = app.person_label(&entry.created_by).await;
    let updated_by = app.person_label(&entry.updated_by).await;
    let page = DetailPage {
        created_by,
        updated_by,
        can_manage: can_manage(&ctx),
        ctx,
        row: rows(vec![entry], &today).remove(0),
        end_to: if end_to.is_empty() {
            today.clone()
        } else {
            end_to
        },
        end_note,
        end_error,
        saved,
        today,
    };
    Ok(with_status(render(&page), status))
}

#[derive(Deserialize, Default)]
pub struct EndForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub note: String,
}

async fn end_submit(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(number): Path<String>,
    PageForm(f): PageForm<EndForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageCatalog)?;
    match app
        .end_mandate(&actor, &meta, &number, &f.valid_to, &f.note)
        .await
    {
        Ok(e) => {
            Ok(Redirect::to(&format!("{}?saved=1", mandate_href(&e.doc.number))).into_response())
        }
        Err(e @ ServiceError::Rejected { .. }) => {
            let entry = app.mandate_or_404(&number).await?;
            detail_page(
                &app,
                ctx,
                entry,
                f.valid_to,
                f.note,
                Some(e.message()),
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------------------------
// Register and correct (district approver)

pub struct KindOption {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "mandate_form.html")]
pub struct FormPage {
    pub ctx: PageContext,
    pub form: MandateInput,
    /// The 文号 being corrected, or `None` for a new registration.
    pub editing: Option<String>,
    pub updated_at: String,
    pub problems: Vec<MandateProblem>,
    pub error: Option<String>,
}

impl FormPage {
    fn problem(&self, field: &str) -> Option<String> {
        let msgs: Vec<&str> = self
            .problems
            .iter()
            .filter(|p| p.field.as_str() == field)
            .map(|p| p.message.as_str())
            .collect();
        (!msgs.is_empty()).then(|| msgs.join("；"))
    }
    fn action(&self) -> String {
        match &self.editing {
            Some(n) => format!("{}/edit", mandate_href(n)),
            None => "/mandates/new".into(),
        }
    }
    fn kinds(&self) -> Vec<KindOption> {
        BurdenKind::ALL
            .iter()
            .map(|k| KindOption {
                code: k.as_str(),
                label: k.label_zh(),
                checked: self.form.requires.iter().any(|r| r == k.as_str()),
            })
            .collect()
    }
    fn levels(&self) -> Vec<Choice> {
        MandateLevel::ALL
            .iter()
            .map(|l| Choice {
                value: l.as_str(),
                label: l.label_zh(),
                selected: self.form.level == l.as_str(),
            })
            .collect()
    }
    fn cancel_href(&self) -> String {
        match &self.editing {
            Some(n) => mandate_href(n),
            None => "/mandates".into(),
        }
    }
}

fn form_page(
    ctx: PageContext,
    form: MandateInput,
    editing: Option<String>,
    updated_at: String,
    problems: Vec<MandateProblem>,
    error: Option<String>,
) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::ManageCatalog)?;
    let status = if problems.is_empty() && error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = FormPage {
        ctx,
        form,
        editing,
        updated_at,
        problems,
        error,
    };
    Ok(with_status(render(&page), status))
}

/// The posted form: fields, the checked kinds, the CSRF token and (when editing) the version.
fn read_form(pairs: Vec<(String, String)>) -> (MandateInput, String, String) {
    let mut f = MandateInput::default();
    let (mut csrf, mut updated_at) = (String::new(), String::new());
    for (k, v) in pairs {
        match k.as_str() {
            "csrf" => csrf = v,
            "updated_at" => updated_at = v,
            "number" => f.number = v,
            "issuer" => f.issuer = v,
            "title" => f.title = v,
            "issued_on" => f.issued_on = v,
            "level" => f.level = v,
            "requires" => f.requires.push(v),
            "valid_from" => f.valid_from = v,
            "valid_to" => f.valid_to = v,
            "summary" => f.summary = v,
            _ => {}
        }
    }
    (f, csrf, updated_at)
}

/// A refusal from the service placed next to its field where it has one.
fn placed(e: &ServiceError) -> (Vec<MandateProblem>, Option<String>) {
    let field = match e.code() {
        "duplicate_mandate" => Some(MandateField::Number),
        _ => None,
    };
    match field {
        Some(f) => (vec![MandateProblem::new(f, e.code(), e.message())], None),
        None => (vec![], Some(e.message())),
    }
}

async fn new_form(ctx: PageContext) -> Result<Response, PageError> {
    form_page(
        ctx,
        MandateInput::default(),
        None,
        String::new(),
        vec![],
        None,
    )
}

async fn new_submit(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (form, csrf, _) = read_form(pairs);
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageCatalog)?;
    if let Err(problems) = parse_input(&form, &app.today_beijing()) {
        return form_page(ctx, form, None, String::new(), problems, None);
    }
    match app.register_mandate(&actor, &meta, &form).await {
        Ok(e) => {
            Ok(Redirect::to(&format!("{}?saved=1", mandate_href(&e.doc.number))).into_response())
        }
        Err(e @ ServiceError::Rejected { .. }) => {
            let (problems, error) = placed(&e);
            form_page(ctx, form, None, String::new(), problems, error)
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_form(
    State(app): State<App>,
    ctx: PageContext,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let e = app.mandate_or_404(&number).await?;
    form_page(
        ctx,
        MandateInput::of(&e.doc),
        Some(e.doc.number.clone()),
        e.updated_at.to_string(),
        vec![],
        None,
    )
}

async fn edit_submit(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path(number): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (form, csrf, updated_at) = read_form(pairs);
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageCatalog)?;
    let current = app.mandate_or_404(&number).await?;
    let editing = Some(current.doc.number.clone());
    if let Err(problems) = parse_input(&form, &app.today_beijing()) {
        return form_page(ctx, form, editing, updated_at, problems, None);
    }
    let expected = updated_at.trim().parse::<i64>().ok();
    match app
        .update_mandate(&actor, &meta, &number, &form, expected)
        .await
    {
        Ok(e) => {
            Ok(Redirect::to(&format!("{}?saved=1", mandate_href(&e.doc.number))).into_response())
        }
        Err(e @ ServiceError::Rejected { .. }) => {
            let (problems, error) = placed(&e);
            form_page(ctx, form, editing, updated_at, problems, error)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------------------------
// Excel

async fn export(State(app): State<App>) -> Result<Response, PageError> {
    let entries = app.list_mandates(&MandateFilter::default()).await?;
    let bytes = mandates_xlsx::export_xlsx(&entries)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"mandates-{}.xlsx\"",
                    app.today_beijing()
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// One changed document as shown on the preview.
pub struct ChangeView {
    pub number: String,
    pub title: String,
    pub fields: Vec<(&'static str, String, String)>,
}

#[derive(Template)]
#[template(path = "mandate_import.html")]
pub struct ImportPage {
    pub ctx: PageContext,
    pub error: Option<String>,
    pub added: Vec<MandateDoc>,
    pub changed: Vec<ChangeView>,
    pub unchanged: usize,
    /// The documents read from the file, as JSON, carried to the confirm step.
    pub json: String,
    pub previewed: bool,
}

impl ImportPage {
    fn requires(&self, d: &MandateDoc) -> String {
        crate::service::mandates::requires_label(&d.requires)
    }
}

fn import_page(
    ctx: PageContext,
    error: Option<String>,
    plan: Option<(ImportPlan, String)>,
) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::ManageCatalog)?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (plan, json, previewed) = match plan {
        Some((p, j)) => (p, j, true),
        None => (ImportPlan::default(), String::new(), false),
    };
    let page = ImportPage {
        ctx,
        error,
        added: plan.added,
        changed: plan
            .changed
            .into_iter()
            .map(|c| ChangeView {
                number: c.current.doc.number.clone(),
                title: c.new.title.clone(),
                fields: c
                    .fields
                    .into_iter()
                    .map(|(f, a, b)| (f.label_zh(), a, b))
                    .collect(),
            })
            .collect(),
        unchanged: plan.unchanged,
        json,
        previewed,
    };
    Ok(with_status(render(&page), status))
}

async fn import_form(ctx: PageContext) -> Result<Response, PageError> {
    import_page(ctx, None, None)
}

async fn import_upload(
    State(app): State<App>,
    ctx: PageContext,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    ctx.require_caller()?
        .actor
        .require(Permission::ManageCatalog)?;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut read_error: Option<String> = None;
    match multipart {
        Err(_) => read_error = Some("提交的表单无法读取，请返回上一页刷新后重新选择文件。".into()),
        Ok(mut mp) => loop {
            match mp.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_string();
                    let bytes = match field.bytes().await {
                        Ok(b) => b,
                        Err(e) => {
                            read_error = Some(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                                "文件过大，上级文件登记表不能超过 5 MB。".into()
                            } else {
                                "上传的内容无法读取，请重新选择文件后再提交。".into()
                            });
                            break;
                        }
                    };
                    match name.as_str() {
                        "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                        "file" if !bytes.is_empty() => file = Some(bytes.to_vec()),
                        _ => {}
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    read_error = Some("上传的内容无法读取，请重新选择文件后再提交。".into());
                    break;
                }
            }
        },
    }
    if let Some(msg) = read_error
        && csrf.is_empty()
    {
        return import_page(ctx, Some(msg), None);
    }
    ctx.check_csrf(&csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    let Some(bytes) = file else {
        return import_page(
            ctx,
            Some("请选择要上传的上级文件登记表（.xlsx）。可先“下载 Excel”作为模板修改。".into()),
            None,
        );
    };
    let docs = match mandates_xlsx::import_xlsx(&bytes, &app.today_beijing()) {
        Ok(d) => d,
        Err(e) => return import_page(ctx, Some(e.message()), None),
    };
    match app.plan_mandate_import(&actor, &docs).await {
        Ok(plan) => {
            let json =
                serde_json::to_string(&docs).map_err(|e| ServiceError::Internal(e.to_string()))?;
            import_page(ctx, None, Some((plan, json)))
        }
        Err(e @ ServiceError::Rejected { .. }) => import_page(ctx, Some(e.message()), None),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub docs: String,
}

async fn import_confirm(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    PageForm(f): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&f.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ManageCatalog)?;
    let Ok(docs) = serde_json::from_str::<Vec<MandateDoc>>(&f.docs) else {
        return import_page(
            ctx,
            Some("确认的内容无法读取，请重新上传文件。".into()),
            None,
        );
    };
    match app.import_mandates(&actor, &meta, &docs).await {
        Ok(o) => Ok(Redirect::to(&format!(
            "/mandates?added={}&changed={}&unchanged={}",
            o.added, o.changed, o.unchanged
        ))
        .into_response()),
        Err(e @ ServiceError::Rejected { .. }) => import_page(ctx, Some(e.message()), None),
        Err(e) => Err(e.into()),
    }
}
