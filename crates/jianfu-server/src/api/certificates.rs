//! 证明 API: residents (or workers at the window) apply, workers check and issue, the director
//! approves the seal and revokes; anyone verifies a certificate by number and code.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery, decode_base64_file};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::certificates::{
    ApplicationDetail, ApplicationInput, ApplicationView, MAX_MATERIAL_BYTES, MAX_MATERIALS,
    Upload, VerifiedCertificate,
};
use crate::service::listing::{ListKind, Listing};
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jianfu_store::CertificateRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// All materials in base64 (4/3 larger), plus the text fields.
pub const API_UPLOAD_LIMIT: usize = MAX_MATERIALS * MAX_MATERIAL_BYTES / 3 * 4 + 1024 * 1024;

pub fn routes() -> OpenApiRouter<App> {
    let (schemas, paths, upload) = routes!(list_applications, apply);
    OpenApiRouter::new()
        .routes((
            schemas,
            paths,
            upload.layer(DefaultBodyLimit::max(API_UPLOAD_LIMIT)),
        ))
        .routes(routes!(get_application))
        .routes(routes!(verify_application))
        .routes(routes!(approve_application))
        .routes(routes!(refuse_application))
        .routes(routes!(withdraw_application))
        .routes(routes!(issue))
        .routes(routes!(public_verify))
        .routes(routes!(get_certificate))
        .routes(routes!(certificate_pdf))
        .routes(routes!(revoke))
}

/// 一份申请材料。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialIn {
    /// 材料类别：`id_card`（身份证）、`hukou`（户口本）、`evidence`（其他证明材料），以证明事项的材料清单为准。
    pub material: String,
    /// 文件内容的 Base64 编码。只接受 PDF、JPEG、PNG（按内容判断，改扩展名无效），每个不超过 5 MB。
    pub content_base64: String,
}

/// 证明申请。
#[derive(Deserialize, ToSchema)]
pub struct ApplyRequest {
    #[serde(flatten)]
    pub input: ApplicationInput,
    /// 申请材料，最多 6 个。
    #[serde(default)]
    pub materials: Vec<MaterialIn>,
}

/// 证明申请（个人信息已脱敏）。
#[derive(Serialize, ToSchema)]
pub struct ApplicationOut {
    /// 受理社区的机构代码。
    pub community: String,
    pub community_name: String,
    pub id: String,
    /// 证明事项编码与名称。
    pub item_code: String,
    pub item_name: String,
    /// 申请人姓名（脱敏，如 张*）。
    pub applicant_name: String,
    /// 身份证号（只显示后 4 位）。
    pub id_number_masked: String,
    /// 户籍所在社区。
    pub household_community: String,
    pub reason: String,
    pub purpose: String,
    pub asking_unit: String,
    pub asking_article: String,
    /// `online`（居民网上申请）或 `window`（窗口代录）。
    pub channel: String,
    /// `submitted`（待核实）| `verified`（待审批用印）| `approved`（待出具）| `issued`（已出具）| `refused`（不予出具）| `withdrawn`（已撤回）。
    pub status: String,
    pub status_label: String,
    /// 提交时间（毫秒时间戳）。
    pub submitted_at: i64,
    /// 办结期限（YYYY-MM-DD，按工作日计算）。
    pub due_on: String,
    pub overdue: bool,
    /// 提醒，如 `calendar_missing`：办结期限跨到尚未载入节假日安排的年份。
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::service::calendar::Warning>,
    /// 不予出具的说明（含应到何处办理）。
    pub refusal_reason: Option<String>,
    /// 证明模板中的事实（仅本社区工作人员可见）：auto 为 true 的由系统填写，其余由社区工作者在核实时填写。
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<FactOut>,
}

/// 证明模板中的一项事实。
#[derive(Serialize, ToSchema)]
pub struct FactOut {
    /// 占位符名称，如 关系。
    pub name: String,
    /// 当前内容（身份证号只显示后 4 位）。
    pub value: String,
    /// 是否由系统根据申请自动填写。
    pub auto: bool,
}

impl From<ApplicationDetail> for ApplicationOut {
    fn from(d: ApplicationDetail) -> Self {
        let mut out = ApplicationOut::from(d.view);
        out.facts = d
            .facts
            .into_iter()
            .map(|f| FactOut {
                name: f.name,
                value: f.value,
                auto: f.auto,
            })
            .collect();
        out
    }
}

impl From<ApplicationView> for ApplicationOut {
    fn from(v: ApplicationView) -> Self {
        Self {
            community: v.community_code,
            community_name: v.community_name,
            id: v.id,
            item_code: v.item_code,
            item_name: v.item_name,
            applicant_name: v.applicant_name,
            id_number_masked: v.id_number_masked,
            household_community: v.household_community,
            reason: v.reason,
            purpose: v.purpose,
            asking_unit: v.asking_unit,
            asking_article: v.asking_article,
            channel: v.channel,
            status: v.status,
            status_label: v.status_label.into(),
            submitted_at: v.submitted_at,
            due_on: v.due_on,
            overdue: v.overdue,
            warnings: v.warnings,
            refusal_reason: v.refusal_reason,
            facts: Vec::new(),
        }
    }
}

/// 已出具的证明（不含正文）。
#[derive(Serialize, ToSchema)]
pub struct CertificateOut {
    /// 证明编号，如 ZM110115001901-2026-000001。
    pub number: String,
    pub community: String,
    pub application_id: String,
    pub item_code: String,
    pub title: String,
    /// 开具日期（YYYY-MM-DD）。
    pub issued_on: String,
    pub issued_by: String,
    /// 批准用印的书记/主任。
    pub approved_by: String,
    /// 用印所在的登记簿：出具社区的代码；`seal` 为分社区前的区登记簿。
    pub seal_log: String,
    /// 在所在登记簿中的序号。
    pub seal_seq: i64,
    /// `valid`（有效）或 `revoked`（已作废）。
    pub status: String,
    pub revoke_reason: Option<String>,
}

impl From<CertificateRow> for CertificateOut {
    fn from(c: CertificateRow) -> Self {
        Self {
            number: c.number,
            community: c.community_code,
            application_id: c.application_id,
            item_code: c.item_code,
            title: c.title,
            issued_on: c.issued_on,
            issued_by: c.issued_by,
            approved_by: c.approved_by,
            seal_log: c.seal_log,
            seal_seq: c.seal_seq,
            status: c.status,
            revoke_reason: c.revoke_reason,
        }
    }
}

/// 核实结果：证明模板中需要社区工作者填写的事实。
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    /// 模板占位符 → 内容，如 {"关系": "父子"}。申请人、身份证号、社区名称、事由、用途、要求开具单位由系统填写。
    #[serde(default)]
    pub facts: BTreeMap<String, String>,
    /// 已核对户口本，确认户籍（或原户籍）在本社区（要求户籍在本社区的证明必须为 true）。
    #[serde(default)]
    pub household_checked: bool,
    /// 核实情况说明（选填）。
    #[serde(default)]
    pub note: String,
}

/// 说明或原因。
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 按状态筛选：`open`（办理中：待核实、待签批用印、待出具）、`overdue`（办理中且已超过办结期限）、
    /// `submitted`、`verified`、`approved`、`issued`、`refused`、`withdrawn`、`revoked`。
    /// 其他值返回 422 `invalid_status`。
    pub status: Option<String>,
    /// 排序：`newest`（最新在前，默认）、`oldest`（最早在前）、`deadline`（办结期限最近在前）。其他值返回 422 `invalid_sort`。
    pub sort: Option<String>,
    /// 页码，从 1 起，默认 1。超过末页时返回空数组。小于 1 返回 422 `invalid_page`。
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 500，默认 500（与不分页时的上限相同）。超出范围返回 422 `invalid_page`。
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct VerifyParams {
    /// 证明编号。
    #[serde(default)]
    pub number: String,
    /// 核验码（8 位，字母不区分大小写，可带或不带连字符）。
    #[serde(default)]
    pub code: String,
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn decode_materials(materials: &[MaterialIn]) -> Result<Vec<Upload>, ApiError> {
    if materials.len() > MAX_MATERIALS {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_materials",
            format!("最多上传 {MAX_MATERIALS} 个材料文件"),
        ));
    }
    materials
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(Upload {
                material: m.material.trim().to_string(),
                bytes: decode_base64_file(&format!("第 {} 个材料", i + 1), &m.content_base64)?,
            })
        })
        .collect()
}

/// 申请开具证明（居民为本人申请；社区工作者在窗口代录）。
///
/// 申请先按清单甄别，以下情形立即不予受理，并在 message 中说明应到何处办理：`certificate_not_chosen`（没有选择事项，证明名称为空或只有标点）、
/// `certificate_name_too_long`（证明名称超过 100 个字）、`certificate_not_on_list`（不在社区出具证明清单上）、
/// `certificate_other_body`（不在任何清单上，但属于银行等金融机构、供水供电燃气供热单位、工作单位、医疗机构、公安机关、残联或人社部门掌握的情况：说明找哪个单位、怎么办）、
/// `certificate_on_negative_list`（属于不应由社区出具的证明；填写的证明名称按名称、别称、子项和甄别词识别，繁体、全角、标点和“证明”等字不影响）、
/// `asking_unit_missing`（没有填写要求开具的单位，也没有选择居民自用 `self_use`）、`asking_unit_conflict`（既填了单位又选了居民自用）、
/// `unit_own_matter`（要求开具的单位不在该证明的使用单位之列，属其自身应核查的事项）、
/// `unit_cites_no_article`（单位要求开具但未写明法律依据条款）、`pledge_not_confirmed`、`outside_community`（户籍不在本社区）、
/// `reason_missing`、`purpose_missing`、`materials_missing`。其他错误码：`id_number_invalid`、`phone_invalid`、`name_missing`、
/// `household_missing`、`unknown_community`、`unknown_material`、`too_many_materials`、`material_too_large`、
/// `material_type_not_allowed`、`invalid_base64`、`too_long`。
///
/// 可带请求头 `Idempotency-Key`：同一社区内同一个键只受理一次，重试返回第一次的申请。
#[utoipa::path(post, path = "/api/v1/certificates/applications", tag = "certificates",
    security(("bearer" = [])), request_body = ApplyRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "幂等键（选填）")),
    responses((status = 201, body = ApplicationOut), (status = 403, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply(
    State(app): State<App>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiCaller(caller): ApiCaller,
    ApiJson(req): ApiJson<ApplyRequest>,
) -> Result<(StatusCode, Json<ApplicationOut>), ApiError> {
    let uploads = decode_materials(&req.materials)?;
    let key = idempotency_key(&headers);
    let row = app
        .apply_certificate(&caller.actor, &meta, &req.input, uploads, key.as_deref())
        .await?;
    Ok((StatusCode::CREATED, answer(&app, &caller.actor, row).await?))
}

/// 证明申请列表：社区工作者、书记看到本社区的申请；居民看到本人的申请。默认最新在前。
///
/// 返回数组（与以前相同）；分页信息在响应头 `X-Total-Count`（筛选后的总条数）、`X-Page`、
/// `X-Per-Page` 里。不带参数时返回前 500 条，与以前相同。
#[utoipa::path(get, path = "/api/v1/certificates/applications", tag = "certificates",
    security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = Vec<ApplicationOut>, headers(("X-Total-Count" = i64, description = "筛选后的总条数（全部页）"),
                       ("X-Page" = i64, description = "本页页码"),
                       ("X-Per-Page" = i64, description = "每页条数"))),
              (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody,
               description = "`invalid_status`、`invalid_sort`、`invalid_page`：查询参数不是列出的值")))]
pub async fn list_applications(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<(axum::http::HeaderMap, Json<Vec<ApplicationOut>>), ApiError> {
    let listing = Listing::strict(
        ListKind::Certificates,
        p.status.as_deref(),
        p.sort.as_deref(),
        p.page,
        p.per_page,
    )?;
    Ok(super::paged_json(
        app.list_certificate_applications(&caller.actor, &listing)
            .await?,
    ))
}

/// 查看一份证明申请（个人信息已脱敏）。
#[utoipa::path(get, path = "/api/v1/certificates/applications/{community}/{id}", tag = "certificates",
    security(("bearer" = [])),
    params(("community" = String, Path, description = "受理社区的机构代码"), ("id" = String, Path, description = "申请 id")),
    responses((status = 200, body = ApplicationOut), (status = 404, body = ErrorBody)))]
pub async fn get_application(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let d = app
        .certificate_application_brief(&caller.actor, &community, &id)
        .await?;
    Ok(Json(d.into()))
}

/// The answer to a step: the application as the step left it (the row its update returned).
async fn answer(
    app: &App,
    actor: &crate::service::Actor,
    row: jianfu_store::CertificateApplicationRow,
) -> Result<Json<ApplicationOut>, ApiError> {
    let d = app.certificate_application_brief_of(actor, row).await?;
    Ok(Json(d.into()))
}

/// 社区工作者核实：确认社区能够如实掌握所证明的事实（如户籍在本社区），填写证明中的事实。证明正文必须填写完整
/// （`blank_document`：不在空白或未填完的文书上用印）；要求户籍在本社区的证明须 `household_checked`（`household_not_checked`）。
#[utoipa::path(post, path = "/api/v1/certificates/applications/{community}/{id}/verify", tag = "certificates",
    security(("bearer" = [])), request_body = VerifyBody,
    params(("community" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ApplicationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn verify_application(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let row = app
        .verify_certificate_application(
            &caller.actor,
            &meta,
            &community,
            &id,
            body.facts,
            body.household_checked,
            &body.note,
        )
        .await?;
    answer(&app, &caller.actor, row).await
}

/// 社区书记/主任批准用印。核实人与批准人不能是同一人（`same_person`）。
#[utoipa::path(post, path = "/api/v1/certificates/applications/{community}/{id}/approve", tag = "certificates",
    security(("bearer" = [])), params(("community" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ApplicationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve_application(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let row = app
        .approve_certificate_application(&caller.actor, &meta, &community, &id)
        .await?;
    answer(&app, &caller.actor, row).await
}

/// 不予出具：须写明说明（`reason_required`），告诉申请人应到何处办理。
#[utoipa::path(post, path = "/api/v1/certificates/applications/{community}/{id}/refuse", tag = "certificates",
    security(("bearer" = [])), request_body = ReasonBody,
    params(("community" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ApplicationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse_application(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let row = app
        .refuse_certificate_application(&caller.actor, &meta, &community, &id, &body.reason)
        .await?;
    answer(&app, &caller.actor, row).await
}

/// 居民撤回尚未核实的申请。
#[utoipa::path(post, path = "/api/v1/certificates/applications/{community}/{id}/withdraw", tag = "certificates",
    security(("bearer" = [])), params(("community" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ApplicationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw_application(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<ApplicationOut>, ApiError> {
    let row = app
        .withdraw_certificate_application(&caller.actor, &meta, &community, &id)
        .await?;
    answer(&app, &caller.actor, row).await
}

/// 出具的结果：证明及其核验码（核验码印在证明上，仅返回给出具人）。
#[derive(Serialize, ToSchema)]
pub struct IssuedOut {
    #[serde(flatten)]
    pub certificate: CertificateOut,
    /// 核验码，如 7KQ2-M9XD。
    pub verify_code: String,
}

/// 出具已批准用印的证明：分配证明编号和核验码，写入用印登记簿（与证明在同一事务中）。必须带请求头
/// `Idempotency-Key`（`idempotency_key_required`）：用同一个键重试返回同一份证明，不会重复出具；同一个键用于另一份申请时返回 `idempotency_key_reused`。
#[utoipa::path(post, path = "/api/v1/certificates/applications/{community}/{id}/issue", tag = "certificates",
    security(("bearer" = [])),
    params(("community" = String, Path), ("id" = String, Path),
           ("Idempotency-Key" = String, Header, description = "幂等键（必填）")),
    responses((status = 201, body = IssuedOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(app): State<App>,
    meta: RequestMeta,
    headers: HeaderMap,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<(StatusCode, Json<IssuedOut>), ApiError> {
    let key = idempotency_key(&headers).unwrap_or_default();
    let c = app
        .issue_certificate(&caller.actor, &meta, &community, &id, &key)
        .await?;
    let verify_code = app.certificate_code_of(&caller.actor, &c).await?;
    Ok((
        StatusCode::CREATED,
        Json(IssuedOut {
            certificate: c.into(),
            verify_code,
        }),
    ))
}

/// 查看一份已出具的证明（本社区工作人员或申请人本人）。
#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "certificates",
    security(("bearer" = [])), params(("number" = String, Path, description = "证明编号")),
    responses((status = 200, body = CertificateOut), (status = 404, body = ErrorBody)))]
pub async fn get_certificate(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<CertificateOut>, ApiError> {
    Ok(Json(
        app.certificate_for(&caller.actor, &number).await?.into(),
    ))
}

/// 证明的 A4 PDF（嵌入中文字体，带核验二维码）。
#[utoipa::path(get, path = "/api/v1/certificates/{number}/pdf", tag = "certificates",
    security(("bearer" = [])), params(("number" = String, Path, description = "证明编号")),
    responses((status = 200, content_type = "application/pdf", description = "PDF 文件"),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn certificate_pdf(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
) -> Result<Response, ApiError> {
    let bytes = app.certificate_pdf(&caller.actor, &number).await?;
    Ok(file_response(
        "application/pdf",
        Disposition::Inline,
        &format!("{}.pdf", number.trim()),
        bytes,
    ))
}

/// 作废证明（社区书记/主任），须写明原因（`reason_required`）。作废后公开核验显示“已作废”。
#[utoipa::path(post, path = "/api/v1/certificates/{number}/revoke", tag = "certificates",
    security(("bearer" = [])), request_body = ReasonBody,
    params(("number" = String, Path, description = "证明编号")),
    responses((status = 200, body = CertificateOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> Result<Json<CertificateOut>, ApiError> {
    app.revoke_certificate(&caller.actor, &meta, &number, &body.reason)
        .await?;
    Ok(Json(
        app.certificate_for(&caller.actor, &number).await?.into(),
    ))
}

/// 公开核验证明（无需登录）：持有证明编号和核验码的任何人都可以查验真伪、是否有效、出具社区和日期；个人信息已脱敏。
/// 编号不存在与核验码错误返回同样的 `verification_failed`（422）；错误过多返回 429 `too_many_attempts`
/// （按来源计：同一来源错 10 次，暂停 15 分钟；不按证明编号锁定，别人猜错不会影响持证人）。
#[utoipa::path(get, path = "/api/v1/certificates/verify", tag = "certificates", params(VerifyParams),
    responses((status = 200, body = VerifiedCertificate), (status = 422, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn public_verify(
    State(app): State<App>,
    meta: RequestMeta,
    ApiQuery(p): ApiQuery<VerifyParams>,
) -> Result<Json<VerifiedCertificate>, ApiError> {
    Ok(Json(
        app.verify_certificate(&meta, &p.number, &p.code).await?,
    ))
}
