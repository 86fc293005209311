//! 违规下派: a community reports work that reached it outside the gate (with evidence files), the
//! department concerned and the supervisors read the reports in their scope, supervisors confirm
//! or dismiss them; and the public register of revoked work (no login).

use super::list_query::{ExtraFilter, ListArgs, ListView};
use super::{PageContext, PageForm, confirm, render};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::PageError;
use crate::service::listing::ListKind;
use crate::service::violations::{
    DepartmentTally, NewViolation, PublicRevocation, ViolationDetail, ViolationView,
};
use crate::service::{RequestMeta, ServiceError};
use askama::Template;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jianfu_domain::Org;
use jianfu_domain::permission::Permission;
use jianfu_domain::violation::{self, Channel, Decision, EvidenceKind, Status};
use jianfu_store::EvidenceMeta;
use serde::Deserialize;

/// The upload form carries up to five files of 5 MB each, plus the text fields.
pub const UPLOAD_BODY_LIMIT: usize = violation::MAX_FILES * violation::MAX_FILE_BYTES + 1024 * 1024;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/violations", get(list))
        .route(
            "/violations/new",
            get(new_form)
                .post(create)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/violations/{community}/{id}", get(detail))
        .route("/violations/{community}/{id}/decide", post(decide))
        .route("/violations/{community}/{id}/respond", post(respond))
        .route("/violations/{community}/{id}/evidence/{seq}", get(evidence))
        .route("/public/revocations", get(public_register))
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Reported => "warn",
        Status::Confirmed => "on",
        Status::Dismissed => "off",
    }
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}

fn kind_label(kind: &str) -> &'static str {
    EvidenceKind::parse(kind).map_or("文件", |k| k.label_zh())
}

/// Sets 422 on a page that shows a refused form.
fn with_status(mut resp: Response, refused: bool) -> Response {
    if refused && resp.status() == StatusCode::OK {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

// ---------------------------------------------------------------------------------------------
// List

#[derive(Template)]
#[template(path = "violations.html")]
pub struct ListPage {
    pub ctx: PageContext,
    pub reports: Vec<ViolationView>,
    pub can_report: bool,
    pub is_supervisor: bool,
    pub is_department: bool,
    pub tallies: Vec<DepartmentTally>,
    pub created: bool,
    pub list: ListView,
}

impl ListPage {
    pub fn status_class(&self, s: &Status) -> &'static str {
        status_class(*s)
    }
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }
}

async fn list(
    State(app): State<App>,
    ctx: PageContext,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let is_supervisor = actor.may(Permission::ConfirmViolations);
    let args = ListArgs::from_query(query.as_deref());
    let (listing, mut fell_back) = args.listing(ListKind::Violations);
    // Only supervisors choose a department; the others' scope is one community or one department.
    let (tallies, targets) = if is_supervisor {
        (
            app.violation_tallies(&actor).await?,
            app.violation_targets().await?,
        )
    } else {
        (vec![], vec![])
    };
    let department = match args.get("department") {
        "" => String::new(),
        d if targets.iter().any(|o| o.code.as_str() == d) => d.to_string(),
        _ => {
            fell_back |= is_supervisor;
            String::new()
        }
    };
    let page = app.violations(&actor, &listing, Some(&department)).await?;
    let extra = if is_supervisor {
        vec![ExtraFilter {
            name: "department",
            label: "下派部门",
            choices: targets
                .iter()
                .map(|o| {
                    (
                        o.code.to_string(),
                        format!("{}（{}）", o.name, o.kind.label_zh()),
                    )
                })
                .collect(),
            chosen: department,
        }]
    } else {
        vec![]
    };
    let list = ListView::new(
        "/violations",
        ListKind::Violations,
        &listing,
        &page,
        extra,
        fell_back,
        "没有符合条件的举报。",
    );
    Ok(render(&ListPage {
        can_report: actor.may(Permission::ReportViolations),
        is_department: !is_supervisor && actor.may(Permission::SubmitAssignments),
        is_supervisor,
        ctx,
        reports: page.items,
        tallies,
        created: !args.get("created").is_empty(),
        list,
    }))
}

// ---------------------------------------------------------------------------------------------
// New report (multipart form; works without JavaScript)

/// The text fields as typed. Files cannot be kept by a browser across a refusal; the page says so.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub received_on: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Template)]
#[template(path = "violation_new.html")]
pub struct NewPage {
    pub ctx: PageContext,
    pub form: ReportForm,
    pub targets: Vec<Org>,
    pub error: Option<String>,
    pub max_files: usize,
}

impl NewPage {
    pub fn channels(&self) -> [Channel; 5] {
        Channel::ALL
    }
}

async fn new_page(
    app: &App,
    ctx: PageContext,
    form: ReportForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ReportViolations)?;
    let targets = app.violation_targets().await?;
    let refused = error.is_some();
    Ok(with_status(
        render(&NewPage {
            ctx,
            form,
            targets,
            error,
            max_files: violation::MAX_FILES,
        }),
        refused,
    ))
}

async fn new_form(
    State(app): State<App>,
    ctx: PageContext,
    Query(prefill): Query<ReportForm>,
) -> Result<Response, PageError> {
    // Prefilled from links such as the admitted-work page (?title=&department=).
    let form = ReportForm {
        title: prefill
            .title
            .chars()
            .take(violation::MAX_TITLE_CHARS)
            .collect(),
        department: prefill.department.chars().take(32).collect(),
        // Most reports are made the day the work arrives.
        received_on: violation::format_date(jianfu_domain::clock::beijing(app.clock.now()).date()),
        ..Default::default()
    };
    new_page(&app, ctx, form, None).await
}

async fn create(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    actor.require(Permission::ReportViolations)?;
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(_) => {
            return Ok(super::error_page(
                StatusCode::BAD_REQUEST,
                "提交的表单无法读取，请返回上一页刷新后重试。",
            ));
        }
    };
    let mut form = ReportForm::default();
    let mut csrf = String::new();
    let mut files: Vec<Vec<u8>> = Vec::new();
    let mut read_error: Option<String> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                read_error = Some(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "上传的内容总量过大：证据材料最多 {} 个，每个不超过 5 MB。请删减或压缩后重新选择文件。",
                        violation::MAX_FILES
                    )
                } else {
                    "上传过程中断，表单未能完整读取，请重新选择证据材料后再提交。".into()
                });
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field.file_name().is_some();
        let data = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                read_error = Some(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "上传的内容总量过大：证据材料最多 {} 个，每个不超过 5 MB。请删减或压缩后重新选择文件。",
                        violation::MAX_FILES
                    )
                } else {
                    "上传过程中断，表单未能完整读取，请重新选择证据材料后再提交。".into()
                });
                break;
            }
        };
        let text = || String::from_utf8_lossy(&data).into_owned();
        match name.as_str() {
            "csrf" => csrf = text(),
            "title" => form.title = text(),
            "department" => form.department = text(),
            "channel" => form.channel = text(),
            "received_on" => form.received_on = text(),
            "description" => form.description = text(),
            // An empty file input still sends a part with no name and no content: not a file.
            "evidence" if is_file && !data.is_empty() => files.push(data.to_vec()),
            "evidence" if is_file => {}
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if let Some(msg) = read_error {
        return new_page(&app, ctx, form, Some(msg)).await;
    }
    let input = NewViolation {
        department: form.department.clone(),
        title: form.title.clone(),
        description: form.description.clone(),
        channel: form.channel.clone(),
        received_on: form.received_on.clone(),
        files,
    };
    match app.report_violation(&actor, &meta, &input).await {
        Ok(r) => Ok(Redirect::to(&format!("{}?created=1", r.path())).into_response()),
        Err(ServiceError::Rejected { message, .. }) => {
            let msg = format!("{message}（其余内容已保留；证据材料需重新选择。）");
            new_page(&app, ctx, form, Some(msg)).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One report

#[derive(Template)]
#[template(path = "violation_detail.html")]
pub struct DetailPage {
    pub ctx: PageContext,
    pub d: ViolationDetail,
    pub can_decide: bool,
    pub can_respond: bool,
    pub comment: String,
    pub response: String,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub citation: String,
}

impl DetailPage {
    pub fn status_class(&self) -> &'static str {
        status_class(self.d.report.status)
    }
    pub fn is_open(&self) -> bool {
        self.d.report.status == Status::Reported
    }
    pub fn time_of(&self, ms: &i64) -> String {
        super::when(ms)
    }
    pub fn size_of(&self, e: &EvidenceMeta) -> String {
        size_label(e.size)
    }
    pub fn kind_of(&self, e: &EvidenceMeta) -> &'static str {
        kind_label(&e.kind)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    created: String,
    #[serde(default)]
    done: String,
}

#[allow(clippy::too_many_arguments)]
async fn detail_page(
    app: &App,
    ctx: PageContext,
    community: &str,
    id: &str,
    comment: String,
    response: String,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let d = app.violation(&actor, community, id).await?;
    let refused = error.is_some();
    let can_respond = d.report.department.as_str()
        == actor.org.as_ref().map(|o| o.as_str()).unwrap_or_default()
        && actor.may(Permission::SubmitAssignments);
    Ok(with_status(
        render(&DetailPage {
            can_decide: actor.may(Permission::ConfirmViolations),
            can_respond,
            ctx,
            d,
            comment,
            response,
            error,
            notice,
            citation: violation::REVOKE_CITATION.to_string(),
        }),
        refused,
    ))
}

async fn detail(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id)): Path<(String, String)>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let notice = if !q.created.is_empty() {
        Some("举报已提交。区级部门（或街道）和督查人员已收到通知，核查结论会通知本社区。".into())
    } else if q.done == "confirm" {
        Some("已确认违规下派：该工作已撤销、终止，并已通知社区和下派部门。".into())
    } else if q.done == "dismiss" {
        Some("已作出不予认定的结论，并已通知社区和下派部门。".into())
    } else if q.done == "respond" {
        Some("情况说明已提交。".into())
    } else {
        None
    };
    detail_page(
        &app,
        ctx,
        &community,
        &id,
        String::new(),
        String::new(),
        None,
        notice,
    )
    .await
}

async fn decide(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let field = |name: &str| super::form_value(&fields, name);
    ctx.check_csrf(&field("csrf"))?;
    let actor = ctx.require_caller()?.actor.clone();
    let (chosen, comment) = (field("decision"), field("comment"));
    let again = |ctx, error| {
        detail_page(
            &app,
            ctx,
            &community,
            &id,
            comment.clone(),
            String::new(),
            error,
            None,
        )
    };
    let decision = match chosen.as_str() {
        "confirm" => Decision::Confirm,
        "dismiss" => Decision::Dismiss,
        _ => {
            let msg = "请选择“确认违规并撤销”或“不予认定”".to_string();
            return again(ctx, Some(msg)).await;
        }
    };
    // A decision is final (issue 10 §3): it asks first, saying what will follow.
    match confirm::Step::of(&fields) {
        confirm::Step::Confirmed => {}
        confirm::Step::Back => return again(ctx, None).await,
        confirm::Step::Ask => {
            match app
                .check_violation_decision(&actor, &community, &id, decision, &comment)
                .await
            {
                Err(ServiceError::Rejected { message, .. }) => {
                    return again(ctx, Some(message)).await;
                }
                other => other?,
            }
            let d = app.violation(&actor, &community, &id).await?;
            let q = decision_question(&d.report, decision, &comment);
            return Ok(render(&confirm::ConfirmPage::new(ctx, q, &fields)));
        }
    }
    match app
        .decide_violation(&actor, &meta, &community, &id, decision, &comment)
        .await
    {
        Ok(v) => Ok(Redirect::to(&format!("{}?done={chosen}", v.path())).into_response()),
        Err(ServiceError::Rejected { message, .. }) => again(ctx, Some(message)).await,
        Err(e) => Err(e.into()),
    }
}

/// The question before a decision on a report; who is told is what `decide_violation` tells.
fn decision_question(
    r: &crate::service::violations::ViolationView,
    decision: Decision,
    comment: &str,
) -> confirm::Question {
    let (title, consequences, label) = match decision {
        Decision::Confirm => (
            "确认违规下派并撤销这项工作？",
            vec![
                format!(
                    "{}下派的这项工作即被撤销、终止，{}不再承担。",
                    r.department_name, r.community_name
                ),
                "通知本社区和下派部门，并在撤销公示中公开（不显示举报人）。".to_string(),
                format!("依据：{}", violation::REVOKE_CITATION),
            ],
            "确认违规并撤销",
        ),
        Decision::Dismiss => (
            "确认不予认定？",
            vec![
                format!("这项工作不撤销，{}仍按原安排办理。", r.community_name),
                "不予认定的理由会通知本社区和下派部门。".to_string(),
            ],
            "确认不予认定",
        ),
    };
    confirm::Question {
        subject: format!("举报：{}（{}）", r.title, r.department_name),
        title: title.into(),
        consequences,
        typed: vec![("核查意见".into(), comment.into())],
        action: format!("{}/decide", r.path()),
        confirm_label: label.into(),
        danger: true,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RespondForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    response: String,
}

async fn respond(
    State(app): State<App>,
    ctx: PageContext,
    meta: RequestMeta,
    Path((community, id)): Path<(String, String)>,
    PageForm(form): PageForm<RespondForm>,
) -> Result<Response, PageError> {
    ctx.check_csrf(&form.csrf)?;
    let actor = ctx.require_caller()?.actor.clone();
    match app
        .respond_violation(&actor, &meta, &community, &id, &form.response)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/violations/{community}/{id}?done=respond")).into_response())
        }
        Err(ServiceError::Rejected { message, .. }) => {
            detail_page(
                &app,
                ctx,
                &community,
                &id,
                String::new(),
                form.response,
                Some(message),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// An evidence file, for readers of the report. Served as a download with the type detected at
/// upload, never sniffed by the browser; the URL and the file name carry no original name.
async fn evidence(
    State(app): State<App>,
    ctx: PageContext,
    Path((community, id, seq)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.require_caller()?.actor.clone();
    let seq: i64 = seq
        .parse()
        .map_err(|_| PageError(ServiceError::NotFound("该证据材料不存在".into())))?;
    let (kind, bytes) = app.violation_evidence(&actor, &community, &id, seq).await?;
    Ok(file_response(
        kind.content_type(),
        Disposition::Attachment,
        &format!("evidence-{seq}.{}", kind.extension()),
        bytes,
    ))
}

// ---------------------------------------------------------------------------------------------
// Public register

#[derive(Template)]
#[template(path = "public_revocations.html")]
pub struct PublicPage {
    pub ctx: PageContext,
    pub entries: Vec<PublicRevocation>,
    pub citation: String,
}

async fn public_register(State(app): State<App>, ctx: PageContext) -> Result<Response, PageError> {
    let entries = app.public_revocations().await?;
    Ok(render(&PublicPage {
        ctx,
        entries,
        citation: violation::REVOKE_CITATION.to_string(),
    }))
}
