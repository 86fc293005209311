//! The gate on the API: dry run, submission, district approval, what communities see, and the
//! funding ledger. Department systems integrate with `POST /api/v1/gate/evaluate`; its request
//! and response shapes are stable.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::assignments::{
    CaseOut, CaseSummary, FundingLedger, RequestInput, SubmitResult,
};
use crate::service::listing::{ListKind, Listing};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jianfu_domain::gate::Decision;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(evaluate))
        .routes(routes!(list_assignments, submit))
        .routes(routes!(get_assignment))
        .routes(routes!(explain))
        .routes(routes!(review))
        .routes(routes!(approve))
        .routes(routes!(refuse))
        .routes(routes!(withdraw))
        .routes(routes!(revoke))
        .routes(routes!(funding))
}

/// 一条理由。
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonOut {
    /// 规则编号，例如 `negative_terms`。
    pub rule: String,
    /// 所依据的文件条款或法律条文。
    pub citation: String,
    /// 中文说明。
    pub message: String,
    /// `null` 表示事项本身，数字表示第几项附带要求（从 0 开始）。
    pub part: Option<usize>,
    /// 这条理由对结论的作用：`admit`、`needs_approval`、`refuse`、`advice`。
    pub effect: String,
    /// 需要申请单位做的修改（如有）。
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// 准入检查的结论。
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    /// `admitted` 准入、`needs_approval` 须经区级审批、`refused` 不予准入。
    pub outcome: String,
    /// 所依据的清单版本。
    pub catalog_version: String,
    /// 逐项理由（事项本身和每项附带要求）。
    pub reasons: Vec<ReasonOut>,
    /// 未准入时，申请单位需要做的修改。
    pub required_changes: Vec<String>,
}

impl From<Decision> for DecisionOut {
    fn from(d: Decision) -> Self {
        DecisionOut {
            outcome: d.outcome.as_str().into(),
            catalog_version: d.catalog_version,
            reasons: d
                .reasons
                .into_iter()
                .map(|r| ReasonOut {
                    effect: serde_json::to_value(r.effect)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    rule: r.rule,
                    citation: r.citation,
                    message: r.message,
                    part: r.part,
                    change: r.change,
                })
                .collect(),
            required_changes: d.required_changes,
        }
    }
}

/// 准入检查（试算）：按当前清单判断一份申请能否准入，并逐项给出理由和需要的修改。**不保存任何内容。**
///
/// 区级部门、街道可以调用（只能以本单位名义）；区级审批人员可以代任何部门试算。
/// 输入有误时返回 422 和稳定的错误代码：`unknown_item`、`unknown_community`、`unknown_department`、
/// `department_mismatch`、`negative_amount`、`invalid_amount`、`period_reversed`、`invalid_date`、
/// `citation_without_article`、`citation_without_law`、`empty_title`、`invalid_role`、
/// `no_communities`、`invalid_burden_kind`、`invalid_mandate`。
#[utoipa::path(post, path = "/api/v1/gate/evaluate", tag = "gate", security(("bearer" = [])),
    request_body = RequestInput,
    responses((status = 200, body = DecisionOut), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evaluate(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<RequestInput>,
) -> Result<Json<DecisionOut>, ApiError> {
    let d = app.evaluate_request(&caller.actor, &input).await?;
    Ok(Json(d.into()))
}

/// 提交准入申请：与试算相同的检查，结果连同申请、理由和清单版本一起保存。
///
/// 准入的事项立即获得准入编号（有效期即工作期限）；须经审批的进入 `pending_approval`，
/// 审批期限为提交日起若干个工作日（默认 15 个，跳过周末和法定节假日）；不予准入的也保存，
/// 便于申请单位查看理由。只能以本单位名义提交（否则 `department_mismatch`）。
#[utoipa::path(post, path = "/api/v1/assignments", tag = "gate", security(("bearer" = [])),
    request_body = RequestInput,
    responses((status = 201, body = SubmitResult), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<RequestInput>,
) -> Result<(StatusCode, Json<SubmitResult>), ApiError> {
    let r = app.submit_assignment(&caller.actor, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// 查询参数：按状态筛选、排序、分页。
#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 按状态筛选：`in_force`（生效中：已准入、已批准准入）、`pending_approval`（待区级审批）、
    /// `overdue`（待区级审批且已超过审批期限）、`admitted`、`approved`、`refused`、`withdrawn`、
    /// `revoked`、`expired`；社区只能用 `in_force`、`admitted`、`approved`。其他值返回 422
    /// `invalid_status`。
    pub status: Option<String>,
    /// 排序：`newest`（最新在前，默认）、`oldest`（最早在前）、`deadline`（审批期限最近在前）。其他值返回 422 `invalid_sort`。
    pub sort: Option<String>,
    /// 页码，从 1 起，默认 1。超过末页时返回空数组。小于 1 返回 422 `invalid_page`。
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 500，默认 500（与不分页时的上限相同）。超出范围返回 422 `invalid_page`。
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// 列出调用者可见的准入事项，默认最新在前。
///
/// 区级部门只看到本部门的；街道看到本街道提交的和发往本街道社区的；社区只看到发给本社区、
/// 已准入或已批准的事项（本社区准入事项）；区级审批和督查看到全部。
///
/// 返回数组（与以前相同）；分页信息在响应头 `X-Total-Count`（筛选后的总条数）、`X-Page`、
/// `X-Per-Page` 里。不带参数时返回前 500 条，与以前相同。
#[utoipa::path(get, path = "/api/v1/assignments", tag = "gate", security(("bearer" = [])),
    params(ListParams),
    responses((status = 200, body = Vec<CaseSummary>, headers(("X-Total-Count" = i64, description = "筛选后的总条数（全部页）"),
                       ("X-Page" = i64, description = "本页页码"),
                       ("X-Per-Page" = i64, description = "每页条数"))),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody,
               description = "`invalid_status`、`invalid_sort`、`invalid_page`：查询参数不是列出的值")))]
pub async fn list_assignments(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<(axum::http::HeaderMap, Json<Vec<CaseSummary>>), ApiError> {
    let scope = caller.actor.scope();
    let kind = ListKind::Assignments {
        community: matches!(scope, jianfu_domain::scope::Scope::Community(_)),
    };
    let listing = Listing::strict(
        kind,
        p.status.as_deref(),
        p.sort.as_deref(),
        p.page,
        p.per_page,
    )?;
    Ok(super::paged_json(
        app.list_assignments(&caller.actor, &listing).await?,
    ))
}

/// 一件准入事项：申请内容、检查结论和理由、目标社区、办理过程、准入编号和经费台账。
/// 不在调用者可见范围内的事项返回 404。
///
/// 事项的地址由申请单位的机构代码和 id 组成（`/api/v1/assignments/{department}/{id}`，
/// 提交结果和列表里都有这两项）：事项按申请单位分布存放，带上单位代码只问一处。
/// 机构代码不是该事项的申请单位时，与事项不存在一样返回 404。只带 id 的旧地址
/// （`/api/v1/assignments/{id}`、`…/{id}/explain`、`…/{id}/review` 等）已不再提供。
#[utoipa::path(get, path = "/api/v1/assignments/{department}/{id}", tag = "gate", security(("bearer" = [])),
    params(("department" = String, Path, description = "申请单位的机构代码（提交结果和列表里的 `department`）"),
           ("id" = String, Path, description = "准入事项 id")),
    responses((status = 200, body = CaseOut), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn get_assignment(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath((department, id)): ApiPath<(String, String)>,
) -> Result<Json<CaseOut>, ApiError> {
    Ok(Json(app.assignment(&caller.actor, &department, &id).await?))
}

/// 解释：按该事项当时所用的清单版本重新运行准入检查，给出结论和理由。
#[utoipa::path(get, path = "/api/v1/assignments/{department}/{id}/explain", tag = "gate", security(("bearer" = [])),
    params(("department" = String, Path, description = "申请单位的机构代码（提交结果和列表里的 `department`）"),
           ("id" = String, Path, description = "准入事项 id")),
    responses((status = 200, body = DecisionOut), (status = 401, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn explain(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath((department, id)): ApiPath<(String, String)>,
) -> Result<Json<DecisionOut>, ApiError> {
    Ok(Json(
        app.explain_assignment(&caller.actor, &department, &id)
            .await?
            .into(),
    ))
}

/// 街道预审意见。
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// 是否同意。
    pub agree: bool,
    /// 预审意见；不同意时必填。
    #[serde(default)]
    pub comment: String,
}

/// 审批意见。
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// 意见或理由（不予准入时必填）。
    #[serde(default)]
    pub comment: String,
}

/// 撤销理由。
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    /// 撤销理由，必填。
    #[serde(default)]
    pub reason: String,
}

/// 街道预审（可选）：街道对发往本辖区社区、待区级审批的事项提出同意或不同意的意见，
/// 事项仍待区级审批。
#[utoipa::path(post, path = "/api/v1/assignments/{department}/{id}/review", tag = "gate", security(("bearer" = [])),
    params(("department" = String, Path, description = "申请单位的机构代码（提交结果和列表里的 `department`）"),
           ("id" = String, Path, description = "准入事项 id")), request_body = ReviewBody,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((department, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Json<CaseOut>, ApiError> {
    app.review_assignment(
        &caller.actor,
        &meta,
        &department,
        &id,
        body.agree,
        &body.comment,
    )
    .await?;
    Ok(Json(app.assignment(&caller.actor, &department, &id).await?))
}

/// 批准意见。
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// 意见（可选）。
    #[serde(default)]
    pub comment: String,
    /// 列入下一版清单草稿：只对准入检查标了“清单更新候选”（`list_update_candidate`）的清单外事项有效，
    /// 否则返回 `not_a_list_candidate`。
    #[serde(default)]
    pub add_to_next_catalog: bool,
}

/// 区级批准：事项获得准入编号，有效期为工作期限，经费写入经费台账；申请单位收到通知。
/// 需落实经费的事项缺少任何一个社区的经费时拒绝（`funding_missing`）。清单更新候选可同时列入下一版清单草稿
/// （`add_to_next_catalog`，见 `GET /api/v1/catalog/candidates`）。
#[utoipa::path(post, path = "/api/v1/assignments/{department}/{id}/approve", tag = "gate", security(("bearer" = [])),
    params(("department" = String, Path, description = "申请单位的机构代码（提交结果和列表里的 `department`）"),
           ("id" = String, Path, description = "准入事项 id")), request_body = ApproveBody,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((department, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ApproveBody>,
) -> Result<Json<CaseOut>, ApiError> {
    app.approve_assignment(
        &caller.actor,
        &meta,
        &department,
        &id,
        &body.comment,
        body.add_to_next_catalog,
    )
    .await?;
    Ok(Json(app.assignment(&caller.actor, &department, &id).await?))
}

/// 区级不予准入：须写明理由（`comment_required`），申请单位收到通知并可查看理由。
#[utoipa::path(post, path = "/api/v1/assignments/{department}/{id}/refuse", tag = "gate", security(("bearer" = [])),
    params(("department" = String, Path, description = "申请单位的机构代码（提交结果和列表里的 `department`）"),
           ("id" = String, Path, description = "准入事项 id")), request_body = CommentBody,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((department, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<Json<CaseOut>, ApiError> {
    app.refuse_assignment(&caller.actor, &meta, &department, &id, &body.comment)
        .await?;
    Ok(Json(app.assignment(&caller.actor, &department, &id).await?))
}

/// 撤回申请：申请单位在审批结束前撤回自己的申请。
#[utoipa::path(post, path = "/api/v1/assignments/{department}/{id}/withdraw", tag = "gate", security(("bearer" = [])),
    params(("department" = String, Path, description = "申请单位的机构代码（提交结果和列表里的 `department`）"),
           ("id" = String, Path, description = "准入事项 id")), request_body = CommentBody,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((department, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<Json<CaseOut>, ApiError> {
    app.withdraw_assignment(&caller.actor, &meta, &department, &id, &body.comment)
        .await?;
    Ok(Json(app.assignment(&caller.actor, &department, &id).await?))
}

/// 撤销已准入的事项（区级审批或督查），须写明理由（`reason_required`）；申请单位和目标社区收到通知。
#[utoipa::path(post, path = "/api/v1/assignments/{department}/{id}/revoke", tag = "gate", security(("bearer" = [])),
    params(("department" = String, Path, description = "申请单位的机构代码（提交结果和列表里的 `department`）"),
           ("id" = String, Path, description = "准入事项 id")), request_body = RevokeBody,
    responses((status = 200, body = CaseOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((department, id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RevokeBody>,
) -> Result<Json<CaseOut>, ApiError> {
    app.revoke_assignment(&caller.actor, &meta, &department, &id, &body.reason)
        .await?;
    Ok(Json(app.assignment(&caller.actor, &department, &id).await?))
}

/// 经费台账（费随事转）：调用者可见范围内已准入事项的经费，逐条列出，并按社区、部门、年度合计。
#[utoipa::path(get, path = "/api/v1/funding", tag = "gate", security(("bearer" = [])),
    responses((status = 200, body = FundingLedger), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn funding(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<FundingLedger>, ApiError> {
    Ok(Json(app.funding_ledger(&caller.actor).await?))
}
