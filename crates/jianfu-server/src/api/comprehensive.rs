//! 社区工作综合考评 API: the district sets up the year's cycle and scores, streets nominate their
//! communities, the published results are public.

use super::extract::{ApiCaller, ApiJson, ApiPath};
use crate::App;
use crate::http::download::{Disposition, file_response};
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::comprehensive::{CriterionInput, CycleInput, CycleView, NominationView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_cycles, create_cycle))
        .routes(routes!(get_cycle))
        .routes(routes!(update_scheme))
        .routes(routes!(publish_cycle))
        .routes(routes!(extend_scoring))
        .routes(routes!(list_nominations, nominate))
        .routes(routes!(score_nomination))
        .routes(routes!(export_results))
}

/// 一项考评内容。
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleCriterionBody {
    pub name: String,
    /// 权重（%）。
    pub weight: u32,
    /// 纳入的考核评比（`组织单位/活动 id`，须是登记结论为“纳入综合考评”的活动）。
    #[serde(default)]
    pub evaluation: Option<String>,
}

/// 建立或修改年度综合考评。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleRequest {
    /// 建立时必填；修改时忽略（以路径为准）。
    #[serde(default)]
    pub year: i32,
    /// 修改时必填：读到的 `revision`。
    #[serde(default)]
    pub revision: i64,
    pub nominations_close: String,
    pub scoring_close: String,
    /// 满意度取自的调查（已发布的问卷 id）。
    #[serde(default)]
    pub survey_id: Option<String>,
    /// 居民满意度权重（%），不得低于 50，默认 60。
    #[serde(default = "default_weight")]
    pub satisfaction_weight: u32,
    pub criteria: Vec<CycleCriterionBody>,
}

fn default_weight() -> u32 {
    jianfu_domain::evaluation::comprehensive::DEFAULT_SATISFACTION_WEIGHT
}

impl CycleRequest {
    fn input(self) -> CycleInput {
        CycleInput {
            year: self.year.to_string(),
            nominations_close: self.nominations_close,
            scoring_close: self.scoring_close,
            survey_id: self.survey_id.unwrap_or_default(),
            satisfaction_weight: self.satisfaction_weight.to_string(),
            criteria: self
                .criteria
                .into_iter()
                .map(|c| CriterionInput {
                    name: c.name,
                    weight: c.weight.to_string(),
                    evaluation: c.evaluation.unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// 一项考评内容（含代码，评分时按代码给分）。
#[derive(Serialize, ToSchema)]
pub struct CycleCriterionOut {
    pub key: String,
    pub name: String,
    pub weight: u32,
    pub evaluation: Option<String>,
}

/// 一个年度的综合考评。
#[derive(Serialize, ToSchema)]
pub struct CycleOut {
    pub year: i64,
    /// `nominating`（自荐申报中）| `scoring`（评分中）| `awaiting_publication`（待公布）| `published`（已公布）。
    pub phase: String,
    pub satisfaction_weight: u32,
    pub criteria: Vec<CycleCriterionOut>,
    pub survey_id: Option<String>,
    pub survey_title: Option<String>,
    pub nominations_close: String,
    pub scoring_close: String,
    pub revision: i64,
}

impl From<CycleView> for CycleOut {
    fn from(c: CycleView) -> Self {
        Self {
            year: c.year,
            phase: c.phase.as_str().into(),
            satisfaction_weight: c.scheme.satisfaction_weight,
            criteria: c
                .scheme
                .criteria
                .into_iter()
                .map(|k| CycleCriterionOut {
                    key: k.key,
                    name: k.name,
                    weight: k.weight,
                    evaluation: k.evaluation,
                })
                .collect(),
            survey_id: c.survey_id,
            survey_title: c.survey_title,
            nominations_close: c.nominations_close,
            scoring_close: c.scoring_close,
            revision: c.revision,
        }
    }
}

/// 得分的一部分。
#[derive(Serialize, ToSchema)]
pub struct ScorePartOut {
    pub key: String,
    pub name: String,
    pub weight: u32,
    pub score: f64,
    pub contribution: f64,
    pub lost: f64,
}

/// 一个社区的申报和得分。
#[derive(Serialize, ToSchema)]
pub struct NominationOut {
    pub year: i64,
    pub community: String,
    pub community_name: String,
    pub street_name: String,
    pub self_report: String,
    pub nominated_on: String,
    /// 综合得分（未评分为空）。
    pub total: Option<f64>,
    /// 名次：只排满意度足以评判的社区，得分相同名次相同。
    pub rank: Option<u32>,
    /// 满意度答卷不足，综合得分暂不成立。
    pub satisfaction_missing: bool,
    /// 居民满意度在前，然后按方案顺序。
    pub parts: Vec<ScorePartOut>,
    /// 失分从多到少的说明：是什么拉低了得分。
    pub drivers: Vec<String>,
    pub warnings: Vec<String>,
}

impl From<NominationView> for NominationOut {
    fn from(n: NominationView) -> Self {
        let card = n.scorecard;
        Self {
            year: n.year,
            community: n.community_code,
            community_name: n.community_name,
            street_name: n.street_name,
            self_report: n.self_report,
            nominated_on: n.nominated_on,
            total: card.as_ref().map(|c| c.total),
            rank: n.rank.map(|r| r as u32),
            satisfaction_missing: card.as_ref().is_some_and(|c| c.satisfaction_missing),
            drivers: card
                .as_ref()
                .map(|c| c.drivers().into_iter().map(|p| p.describe()).collect())
                .unwrap_or_default(),
            warnings: card
                .as_ref()
                .map(|c| c.warnings.clone())
                .unwrap_or_default(),
            parts: card
                .map(|c| {
                    c.parts
                        .into_iter()
                        .map(|p| ScorePartOut {
                            lost: p.lost(),
                            key: p.key,
                            name: p.name,
                            weight: p.weight,
                            score: p.score,
                            contribution: p.contribution,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// 各年度综合考评（公开）。
#[utoipa::path(get, path = "/api/v1/comprehensive", tag = "comprehensive",
    responses((status = 200, body = Vec<CycleOut>)))]
pub async fn list_cycles(State(app): State<App>) -> Result<Json<Vec<CycleOut>>, ApiError> {
    Ok(Json(
        app.comprehensive_cycles()
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// 建立一个年度的综合考评（区级审批人）。满意度权重低于 50% 拒绝（`satisfaction_weight_too_low`），各项权重合计须为 100%，不得设一票否决。
///
/// 错误码：`bad_year`、`bad_date`、`year_out_of_range`、`scoring_closes_before_nominations`、`nominations_close_past`、`cycle_exists`、`not_a_whole_number`、`criterion_name_too_long`、`criterion_key_invalid`、`satisfaction_weight_too_low`、`satisfaction_weight_too_high`、`weights_do_not_sum_to_100`、`criterion_name_empty`、`criterion_name_duplicate`、`criterion_weight_zero`、`one_vote_veto`、`too_many_criteria`、`evaluation_not_folded_in`、`evaluation_folded_twice`、`unknown_survey`。
#[utoipa::path(post, path = "/api/v1/comprehensive", tag = "comprehensive", security(("bearer" = [])),
    request_body = CycleRequest,
    responses((status = 201, body = CycleOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_cycle(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<CycleRequest>,
) -> Result<(StatusCode, Json<CycleOut>), ApiError> {
    let c = app.create_cycle(&caller.actor, &meta, &r.input()).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// 一个年度的综合考评（公开）。
#[utoipa::path(get, path = "/api/v1/comprehensive/{year}", tag = "comprehensive",
    params(("year" = i64, Path, description = "年度")),
    responses((status = 200, body = CycleOut), (status = 404, body = ErrorBody)))]
pub async fn get_cycle(
    State(app): State<App>,
    ApiPath(year): ApiPath<i64>,
) -> Result<Json<CycleOut>, ApiError> {
    Ok(Json(app.comprehensive_cycle(year).await?.into()))
}

/// 修改考评方案、调查和日期（区级审批人，仅在自荐申报截止前：`scheme_frozen`）。
///
/// 错误码：同建立，另有 `scheme_frozen`、`cycle_changed`。
#[utoipa::path(post, path = "/api/v1/comprehensive/{year}/scheme", tag = "comprehensive", security(("bearer" = [])),
    params(("year" = i64, Path, description = "年度")), request_body = CycleRequest,
    responses((status = 200, body = CycleOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_scheme(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(year): ApiPath<i64>,
    ApiJson(r): ApiJson<CycleRequest>,
) -> Result<Json<CycleOut>, ApiError> {
    let revision = r.revision;
    let c = app
        .update_cycle(&caller.actor, &meta, year, revision, &r.input())
        .await?;
    Ok(Json(c.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleExtendBody {
    pub revision: i64,
    /// 新的评分截止日（晚于原截止日，不早于今天）。
    pub scoring_close: String,
}

/// 延长评分截止日（区级审批人，评分中或待公布时）：有社区来不及评分时用，方案不变。
///
/// 错误码：`not_extendable`、`bad_date`、`scoring_close_not_later`、`cycle_changed`。
#[utoipa::path(post, path = "/api/v1/comprehensive/{year}/extend", tag = "comprehensive", security(("bearer" = [])),
    params(("year" = i64, Path, description = "年度")), request_body = CycleExtendBody,
    responses((status = 200, body = CycleOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn extend_scoring(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(year): ApiPath<i64>,
    ApiJson(b): ApiJson<CycleExtendBody>,
) -> Result<Json<CycleOut>, ApiError> {
    let c = app
        .extend_scoring(&caller.actor, &meta, year, b.revision, &b.scoring_close)
        .await?;
    Ok(Json(c.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CyclePublishBody {
    pub revision: i64,
}

/// 公布结果（区级审批人）：评分截止后、全部申报社区都已评分才能公布。
///
/// 错误码：`scoring_not_closed`、`not_all_scored`、`already_published`、`cycle_changed`。
#[utoipa::path(post, path = "/api/v1/comprehensive/{year}/publish", tag = "comprehensive", security(("bearer" = [])),
    params(("year" = i64, Path, description = "年度")), request_body = CyclePublishBody,
    responses((status = 200, body = CycleOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_cycle(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(year): ApiPath<i64>,
    ApiJson(b): ApiJson<CyclePublishBody>,
) -> Result<Json<CycleOut>, ApiError> {
    let c = app
        .publish_cycle(&caller.actor, &meta, year, b.revision)
        .await?;
    Ok(Json(c.into()))
}

/// 申报名单和得分：公布后公开（可不带令牌）；公布前要令牌：区级审批人看全部，街道看本街道的（其他人 403）。按名次。
#[utoipa::path(get, path = "/api/v1/comprehensive/{year}/nominations", tag = "comprehensive",
    security((), ("bearer" = [])),
    params(("year" = i64, Path, description = "年度")),
    responses((status = 200, body = Vec<NominationOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_nominations(
    State(app): State<App>,
    caller: Option<ApiCaller>,
    ApiPath(year): ApiPath<i64>,
) -> Result<Json<Vec<NominationOut>>, ApiError> {
    let actor = caller.map(|c| c.0.actor);
    Ok(Json(
        app.nominations(actor.as_ref(), year)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominationBody {
    /// 本街道的社区机构代码。
    pub community: String,
    /// 自评报告，20 至 2000 字。
    pub self_report: String,
}

/// 街道自荐申报本街道的社区（自荐申报截止前，每个社区每年一次）。
///
/// 错误码：`nominations_closed`、`not_your_community`、`already_nominated`、`self_report_too_short`、`self_report_too_long`。
#[utoipa::path(post, path = "/api/v1/comprehensive/{year}/nominations", tag = "comprehensive", security(("bearer" = [])),
    params(("year" = i64, Path, description = "年度")), request_body = NominationBody,
    responses((status = 201, body = NominationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn nominate(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(year): ApiPath<i64>,
    ApiJson(b): ApiJson<NominationBody>,
) -> Result<(StatusCode, Json<NominationOut>), ApiError> {
    let n = app
        .nominate(&caller.actor, &meta, year, &b.community, &b.self_report)
        .await?;
    Ok((StatusCode::CREATED, Json(n.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NominationScoreBody {
    /// 各项考评内容的得分（0–100），按代码：`{"c1": 88, "c2": 92}`。居民满意度按调查自动计入。
    pub scores: BTreeMap<String, f64>,
}

/// 评分（区级审批人，评分期内）：居民满意度由调查得出，其余各项按代码给分；返回得分构成和失分项。
///
/// 错误码：`scoring_not_open`、`scoring_closed`、`survey_still_open`、`missing_score`、`duplicate_score`、`unknown_criterion`、`score_not_a_number`、`score_out_of_range`、`already_published`。
#[utoipa::path(post, path = "/api/v1/comprehensive/{year}/nominations/{community}/score", tag = "comprehensive", security(("bearer" = [])),
    params(("year" = i64, Path, description = "年度"), ("community" = String, Path, description = "社区机构代码")),
    request_body = NominationScoreBody,
    responses((status = 200, body = NominationOut), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn score_nomination(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((year, community)): ApiPath<(i64, String)>,
    ApiJson(b): ApiJson<NominationScoreBody>,
) -> Result<Json<NominationOut>, ApiError> {
    let typed: Vec<(String, String)> = b
        .scores
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let n = app
        .score_nomination(&caller.actor, &meta, year, &community, &typed)
        .await?;
    Ok(Json(n.into()))
}

/// 结果导出为 Excel：公布后公开（可不带令牌）；公布前同申报名单的权限。
#[utoipa::path(get, path = "/api/v1/comprehensive/{year}/export.xlsx", tag = "comprehensive",
    security((), ("bearer" = [])),
    params(("year" = i64, Path, description = "年度")),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "工作簿"),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_results(
    State(app): State<App>,
    caller: Option<ApiCaller>,
    ApiPath(year): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let actor = caller.map(|c| c.0.actor);
    let bytes = app.comprehensive_xlsx(actor.as_ref(), year).await?;
    Ok(file_response(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Disposition::Attachment,
        &format!("comprehensive-{year}.xlsx"),
        bytes,
    ))
}
