//! 考核评比登记 API: departments, streets and the district register activities aimed at
//! communities; the register (what is kept, what was cancelled and why) is public.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::evaluations::{EvaluationInput, EvaluationView};
use crate::service::listing::{ListKind, Listing};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_evaluations, register_evaluation))
        .routes(routes!(get_evaluation))
}

/// 登记一项面向社区的达标、检查评比、示范创建活动。组织单位总是调用者所在单位。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRequest {
    pub title: String,
    /// `standard`（达标）、`inspection`（检查评比）、`demonstration`（示范创建）、`department_assessment`（部门考核），或中文名。
    pub kind: String,
    /// 要求开展的中央、市级文件文号，按区级上级文件登记核对（选填）。
    #[serde(default)]
    pub mandate_document: String,
    /// 评比或考核的标准。
    pub criteria: String,
    /// 是否设有一票否决（登记后一律取消）。
    #[serde(default)]
    pub one_vote_veto: bool,
    /// 所评价的、本单位经准入的工作的准入编号（选填；须是本单位正在生效的准入事项）。
    #[serde(default)]
    pub admitted_work: String,
}

/// 登记结论的一条理由。
#[derive(Serialize, ToSchema)]
pub struct EvaluationReasonOut {
    pub rule: String,
    pub citation: String,
    pub message: String,
}

/// 考核评比登记中的一项活动。
#[derive(Serialize, ToSchema)]
pub struct EvaluationOut {
    pub organiser: String,
    pub organiser_name: String,
    pub id: String,
    pub title: String,
    pub kind: String,
    pub mandate_document: Option<String>,
    pub criteria: String,
    pub one_vote_veto: bool,
    pub admitted_work: Option<String>,
    /// `kept`（保留）| `cancelled`（取消）| `refused`（不予登记：部门单独组织的考核）| `folded_in`（纳入综合考评）。
    pub outcome: String,
    pub reasons: Vec<EvaluationReasonOut>,
    /// 原设的一票否决已取消。
    pub veto_removed: bool,
    /// 登记日期（北京时间）。
    pub registered_on: String,
}

impl From<EvaluationView> for EvaluationOut {
    fn from(v: EvaluationView) -> Self {
        Self {
            organiser: v.organiser,
            organiser_name: v.organiser_name,
            id: v.id,
            title: v.title,
            kind: v.kind.as_str().into(),
            mandate_document: v.mandate_document,
            criteria: v.criteria,
            one_vote_veto: v.one_vote_veto,
            admitted_work: v.admitted_work,
            outcome: v.outcome.as_str().into(),
            reasons: v
                .reasons
                .into_iter()
                .map(|r| EvaluationReasonOut {
                    rule: r.rule,
                    citation: r.citation,
                    message: r.message,
                })
                .collect(),
            veto_removed: v.veto_removed,
            registered_on: v.registered_on,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// 按结论筛选：`kept`、`cancelled`、`refused`、`folded_in`。其他值返回 422 `invalid_status`。
    pub status: Option<String>,
    /// 按组织单位筛选（机构代码）。
    pub organiser: Option<String>,
    /// `newest`（默认）或 `oldest`。
    pub sort: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// 考核评比登记（公开，无需令牌）：保留了什么、取消了什么、为什么。分页信息在 `X-Total-Count`、`X-Page`、`X-Per-Page`。
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "evaluations", params(ListParams),
    responses((status = 200, body = Vec<EvaluationOut>, headers(("X-Total-Count" = i64, description = "筛选后的总条数"),
                       ("X-Page" = i64, description = "本页页码"), ("X-Per-Page" = i64, description = "每页条数"))),
              (status = 422, body = ErrorBody)))]
pub async fn list_evaluations(
    State(app): State<App>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<(axum::http::HeaderMap, Json<Vec<EvaluationOut>>), ApiError> {
    let listing = Listing::strict(
        ListKind::Evaluations,
        p.status.as_deref(),
        p.sort.as_deref(),
        p.page,
        p.per_page,
    )?;
    Ok(super::paged_json(
        app.evaluations(&listing, p.organiser.as_deref()).await?,
    ))
}

/// 一项活动及其登记结论（公开）。
#[utoipa::path(get, path = "/api/v1/evaluations/{organiser}/{id}", tag = "evaluations",
    params(("organiser" = String, Path, description = "组织单位机构代码"), ("id" = String, Path, description = "活动 id")),
    responses((status = 200, body = EvaluationOut), (status = 404, body = ErrorBody)))]
pub async fn get_evaluation(
    State(app): State<App>,
    ApiPath((organiser, id)): ApiPath<(String, String)>,
) -> Result<Json<EvaluationOut>, ApiError> {
    Ok(Json(app.evaluation(&organiser, &id).await?.into()))
}

/// 登记本单位面向社区的达标、检查评比、示范创建活动（区级部门、街道、区级审批人），当即得出结论：没有已登记的中央、市级文件的取消；部门单独组织的社区层面考核不予登记；评价经准入工作的纳入综合考评；一票否决一律取消（《大兴区进一步开展社区减负工作实施意见》三(三)）。
///
/// 错误码：`unknown_activity_kind`、`title_missing`、`criteria_missing`、`unknown_access_number`、`text_too_long`、`control_character`、`line_break_not_allowed`。
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluations", security(("bearer" = [])),
    request_body = EvaluationRequest,
    responses((status = 201, body = EvaluationOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_evaluation(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<EvaluationRequest>,
) -> Result<(StatusCode, Json<EvaluationOut>), ApiError> {
    let input = EvaluationInput {
        title: r.title,
        kind: r.kind,
        mandate_document: r.mandate_document,
        criteria: r.criteria,
        one_vote_veto: r.one_vote_veto,
        admitted_work: r.admitted_work,
    };
    let v = app
        .register_evaluation(&caller.actor, &meta, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}
