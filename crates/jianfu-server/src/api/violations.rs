//! 违规下派 API: communities report work that bypassed the gate, supervisors confirm or dismiss,
//! anyone reads the public register of revoked work.

use super::extract::{ApiCaller, ApiPath, ApiQuery, decode_base64_file};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::listing::{ListKind, Listing};
use crate::service::violations::{NewViolation, PublicRevocation, ViolationDetail, ViolationView};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use jianfu_domain::violation::{self, Decision};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Five files of 5 MB in base64 (4/3 larger), plus the text fields.
pub const API_UPLOAD_LIMIT: usize =
    violation::MAX_FILES * violation::MAX_FILE_BYTES / 3 * 4 + 2 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<App> {
    let (schemas, paths, upload) = routes!(list_violations, report_violation);
    OpenApiRouter::new()
        // Only this path accepts large bodies; every other route keeps the global limit.
        .routes((
            schemas,
            paths,
            upload.layer(DefaultBodyLimit::max(API_UPLOAD_LIMIT)),
        ))
        .routes(routes!(get_violation))
        .routes(routes!(confirm_violation))
        .routes(routes!(dismiss_violation))
        .routes(routes!(violation_counts))
        .routes(routes!(public_revocations))
}

/// 一个证据文件。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceIn {
    /// 文件内容的 Base64 编码（标准字母表，可带或不带末尾的 =）。只接受 PDF、JPEG、PNG，按文件内容判断类型；每个不超过 5 MB。
    pub content_base64: String,
}

/// 举报一项违规下派的工作。举报社区总是调用者所在社区，不能指定。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewViolationRequest {
    /// 下派工作的区级部门或街道（镇）的机构代码，例如 `110115-MZJ`。
    pub department: String,
    /// 工作名称：收到的是什么工作。
    pub title: String,
    /// 说明（选填）。
    #[serde(default)]
    pub description: String,
    /// 收到方式：`document`（公文）、`phone`（电话）、`wechat`（微信群）、`app`（App）、`other`（其他）。
    pub channel: String,
    /// 收到日期，`YYYY-MM-DD`，不能晚于今天。
    pub received_on: String,
    /// 证据材料，最多 5 个。
    #[serde(default)]
    pub evidence: Vec<EvidenceIn>,
}

/// 证据文件的说明（不含内容）。
#[derive(Serialize, ToSchema)]
pub struct EvidenceOut {
    /// 序号，从 1 开始。
    pub seq: i64,
    /// `pdf`、`jpeg` 或 `png`（按内容检测）。
    pub kind: String,
    /// 字节数。
    pub size: i64,
    /// 内容的 SHA-256（十六进制），可用于核对证据未被改动。
    pub sha256: String,
}

/// 一条违规下派举报。
#[derive(Serialize, ToSchema)]
pub struct ViolationOut {
    /// 举报社区的机构代码。
    pub community: String,
    pub community_name: String,
    pub id: String,
    /// 下派部门（或街道、镇）的机构代码。
    pub department: String,
    pub department_name: String,
    pub title: String,
    pub description: String,
    /// `document` | `phone` | `wechat` | `app` | `other`。
    pub channel: String,
    /// `YYYY-MM-DD`。
    pub received_on: String,
    /// 举报人用户名；被举报部门查看时为 null（保护举报人）。
    pub reported_by: Option<String>,
    /// 举报人姓名（仅查询单条举报、且可以显示举报人时）。
    pub reporter_name: Option<String>,
    /// 毫秒时间戳。
    pub reported_at: i64,
    /// `reported`（待核实）| `confirmed`（已确认，工作已撤销）| `dismissed`（不予认定）。
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_comment: Option<String>,
    /// 工作是否已撤销、终止。
    pub revoked: bool,
    /// 被举报部门的情况说明。
    pub department_response: Option<String>,
    /// 证据材料列表（仅在查询单条举报时返回）。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<EvidenceOut>>,
}

impl From<ViolationView> for ViolationOut {
    fn from(v: ViolationView) -> Self {
        Self {
            community: v.community,
            community_name: v.community_name,
            id: v.id,
            department: v.department,
            department_name: v.department_name,
            title: v.title,
            description: v.description,
            channel: v.channel.as_str().into(),
            received_on: v.received_on,
            reported_by: v.reported_by,
            reporter_name: v.reporter_name,
            reported_at: v.reported_at,
            status: v.status.as_str().into(),
            decided_by: v.decided_by,
            decided_at: v.decided_at,
            decision_comment: v.decision_comment,
            revoked: v.revoked,
            department_response: v.department_response,
            evidence: None,
        }
    }
}

impl From<ViolationDetail> for ViolationOut {
    fn from(d: ViolationDetail) -> Self {
        let mut out = ViolationOut::from(d.report);
        out.evidence = Some(
            d.evidence
                .into_iter()
                .map(|e| EvidenceOut {
                    seq: e.seq,
                    kind: e.kind,
                    size: e.size,
                    sha256: e.sha256,
                })
                .collect(),
        );
        out
    }
}

/// 新建举报的结果。
#[derive(Serialize, ToSchema)]
pub struct ViolationCreated {
    pub community: String,
    pub id: String,
    /// 总是 `reported`。
    pub status: String,
}

/// 督查意见。
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// 确认时选填；不予认定时必填。
    #[serde(default)]
    pub comment: String,
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 按状态筛选：`reported`（待核实）、`confirmed`（已确认·已撤销）、`dismissed`（不予认定）。
    /// 其他值返回 422 `invalid_status`。
    pub status: Option<String>,
    /// 按下派部门筛选（机构代码）。部门账号只能看到针对本部门的举报，此参数对其无效。
    pub department: Option<String>,
    /// 排序：`newest`（最新在前，默认）、`oldest`（最早在前）。其他值返回 422 `invalid_sort`。
    pub sort: Option<String>,
    /// 页码，从 1 起，默认 1。超过末页时返回空数组。小于 1 返回 422 `invalid_page`。
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 500，默认 500（与不分页时的上限相同）。超出范围返回 422 `invalid_page`。
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// 各部门的违规下派次数。
#[derive(Serialize, ToSchema)]
pub struct DepartmentCountOut {
    pub department: String,
    pub department_name: String,
    /// 经督查确认的违规下派次数（计入部门）。
    pub confirmed: i64,
    /// 待核实的举报数。
    pub pending: i64,
    /// 不予认定的举报数。
    pub dismissed: i64,
}

/// 撤销公示中的一条记录，不含任何个人信息。
#[derive(Serialize, ToSchema)]
pub struct PublicRevocationOut {
    /// 撤销日期（北京时间），`YYYY-MM-DD`。
    pub revoked_on: String,
    pub department_name: String,
    pub title: String,
    pub community_name: String,
    /// 下派方式：`document` | `phone` | `wechat` | `app` | `other`。
    pub channel: String,
    /// 社区收到日期。
    pub received_on: String,
}

impl From<PublicRevocation> for PublicRevocationOut {
    fn from(p: PublicRevocation) -> Self {
        Self {
            revoked_on: p.revoked_on,
            department_name: p.department_name,
            title: p.title,
            community_name: p.community_name,
            channel: p.channel.as_str().into(),
            received_on: p.received_on,
        }
    }
}

fn body_error(r: JsonRejection) -> ApiError {
    match r {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请求体须为 JSON，并带有 Content-Type: application/json",
        ),
        JsonRejection::JsonDataError(e) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            format!("JSON 字段不符合要求：{}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "JSON 格式不正确，请检查括号、引号和逗号",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "请求体过大：证据材料最多 {} 个，每个不超过 5 MB",
                violation::MAX_FILES
            ),
        ),
        other => ApiError::new(other.status(), "invalid_body", "无法读取请求体"),
    }
}

/// 举报违规下派（社区工作者、社区书记）：未经准入交由社区落实的工作。证据以 Base64 随请求提交，最多 5 个，每个不超过 5 MB，只接受 PDF、JPEG、PNG（按内容判断，改扩展名无效）。提交后，被举报部门和督查人员会收到站内通知。
///
/// 错误码：`unknown_department`、`empty_title`、`invalid_channel`、`invalid_date`、`date_in_future`、`too_many_files`、`file_too_large`、`file_type_not_allowed`、`invalid_base64`。
#[utoipa::path(post, path = "/api/v1/violations", tag = "violations", security(("bearer" = [])),
    request_body = NewViolationRequest,
    responses((status = 201, body = ViolationCreated), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report_violation(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    body: Result<Json<NewViolationRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ViolationCreated>), ApiError> {
    let Json(req) = body.map_err(body_error)?;
    if req.evidence.len() > violation::MAX_FILES {
        // Refuse before decoding anything.
        let e = violation::ViolationError::TooManyFiles(req.evidence.len());
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            e.to_string(),
        ));
    }
    let files = req
        .evidence
        .iter()
        .enumerate()
        .map(|(i, e)| decode_base64_file(&format!("第 {} 个证据文件", i + 1), &e.content_base64))
        .collect::<Result<Vec<_>, _>>()?;
    let input = NewViolation {
        department: req.department,
        title: req.title,
        description: req.description,
        channel: req.channel,
        received_on: req.received_on,
        files,
    };
    let r = app.report_violation(&caller.actor, &meta, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(ViolationCreated {
            community: r.community,
            id: r.id,
            status: "reported".into(),
        }),
    ))
}

/// 列出调用者可见的违规下派举报，默认最新在前：督查人员看到全部；社区看到本社区的举报；区级部门（或街道）只看到针对本单位的举报，且看不到举报人。
///
/// 返回数组（与以前相同）；分页信息在响应头 `X-Total-Count`（筛选后的总条数）、`X-Page`、
/// `X-Per-Page` 里。不带参数时返回前 500 条，与以前相同。
#[utoipa::path(get, path = "/api/v1/violations", tag = "violations", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = Vec<ViolationOut>, headers(("X-Total-Count" = i64, description = "筛选后的总条数（全部页）"),
                       ("X-Page" = i64, description = "本页页码"),
                       ("X-Per-Page" = i64, description = "每页条数"))),
              (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody,
               description = "`invalid_status`、`invalid_sort`、`invalid_page`：查询参数不是列出的值")))]
pub async fn list_violations(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<(axum::http::HeaderMap, Json<Vec<ViolationOut>>), ApiError> {
    let listing = Listing::strict(
        ListKind::Violations,
        p.status.as_deref(),
        p.sort.as_deref(),
        p.page,
        p.per_page,
    )?;
    Ok(super::paged_json(
        app.violations(&caller.actor, &listing, p.department.as_deref())
            .await?,
    ))
}

/// 查看一条举报及其证据材料列表。不在调用者可见范围内的举报一律返回 404。
#[utoipa::path(get, path = "/api/v1/violations/{community}/{id}", tag = "violations",
    security(("bearer" = [])),
    params(("community" = String, Path, description = "举报社区的机构代码"),
           ("id" = String, Path, description = "举报 id")),
    responses((status = 200, body = ViolationOut), (status = 404, body = ErrorBody)))]
pub async fn get_violation(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<ViolationOut>, ApiError> {
    let d = app.violation(&caller.actor, &community, &id).await?;
    Ok(Json(ViolationOut::from(d)))
}

async fn decide(
    app: App,
    meta: RequestMeta,
    caller: crate::service::auth::Caller,
    community: String,
    id: String,
    body: axum::body::Bytes,
    decision: Decision,
) -> Result<Json<ViolationOut>, ApiError> {
    // The body is optional: an empty one means no comment.
    let req: DecisionRequest = if body.iter().all(u8::is_ascii_whitespace) {
        DecisionRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            if e.classify() == serde_json::error::Category::Data {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_field",
                    format!("JSON 字段不符合要求：应为 {{\"comment\": \"…\"}}（{e}）"),
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!(
                        "JSON 格式不正确：应为 {{\"comment\": \"…\"}}（第 {} 行第 {} 列）",
                        e.line(),
                        e.column()
                    ),
                )
            }
        })?
    };
    let v = app
        .decide_violation(
            &caller.actor,
            &meta,
            &community,
            &id,
            decision,
            &req.comment,
        )
        .await?;
    Ok(Json(ViolationOut::from(v)))
}

/// 确认违规下派（督查人员）：该工作即撤销、终止（《大兴区进一步开展社区减负工作实施意见》三(一)），计入下派部门的违规次数，并进入撤销公示。社区和下派部门会收到通知。已处理过的举报返回 `already_decided`。
#[utoipa::path(post, path = "/api/v1/violations/{community}/{id}/confirm", tag = "violations",
    security(("bearer" = [])), request_body = DecisionRequest,
    params(("community" = String, Path, description = "举报社区的机构代码"),
           ("id" = String, Path, description = "举报 id")),
    responses((status = 200, body = ViolationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_violation(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ViolationOut>, ApiError> {
    decide(app, meta, caller, community, id, body, Decision::Confirm).await
}

/// 不予认定（督查人员），必须填写理由（`comment_required`）。社区和下派部门会收到通知。
#[utoipa::path(post, path = "/api/v1/violations/{community}/{id}/dismiss", tag = "violations",
    security(("bearer" = [])), request_body = DecisionRequest,
    params(("community" = String, Path, description = "举报社区的机构代码"),
           ("id" = String, Path, description = "举报 id")),
    responses((status = 200, body = ViolationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dismiss_violation(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<ViolationOut>, ApiError> {
    decide(app, meta, caller, community, id, body, Decision::Dismiss).await
}

/// 各部门（及街道、镇）的违规下派次数（督查人员），确认次数多的在前，用于部门排名。
#[utoipa::path(get, path = "/api/v1/violations/counts", tag = "violations",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<DepartmentCountOut>), (status = 403, body = ErrorBody)))]
pub async fn violation_counts(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<DepartmentCountOut>>, ApiError> {
    let list = app.violation_tallies(&caller.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|t| DepartmentCountOut {
                department: t.department,
                department_name: t.department_name,
                confirmed: t.confirmed,
                pending: t.pending,
                dismissed: t.dismissed,
            })
            .collect(),
    ))
}

/// 违规下派工作撤销公示（公开，无需令牌）：经督查确认并已撤销的工作，最新在前。不含举报人等任何个人信息。
#[utoipa::path(get, path = "/api/v1/public/revocations", tag = "violations",
    responses((status = 200, body = Vec<PublicRevocationOut>)))]
pub async fn public_revocations(
    State(app): State<App>,
) -> Result<Json<Vec<PublicRevocationOut>>, ApiError> {
    let list = app.public_revocations().await?;
    Ok(Json(
        list.into_iter().map(PublicRevocationOut::from).collect(),
    ))
}
