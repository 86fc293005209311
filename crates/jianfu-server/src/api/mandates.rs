//! The mandate register API (上级文件登记). Reading is public (no token), like the pages;
//! registering and ending documents need the district approver's token.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::mandates::{MandateEntry, MandateFilter, MandateInput};
use crate::service::{RequestMeta, ServiceError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_mandates, register_mandate))
        .routes(routes!(get_mandate))
        .routes(routes!(end_mandate))
}

/// 查询条件。
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MandatesQuery {
    /// 关键词：按文号（〔〕[]（）写法均可）、标题、发文机关、要求内容查找；多个词用空格分开，须全部出现。
    #[serde(default)]
    pub q: String,
    /// 层级：central（中央）、municipal（市委市政府），也可写中文名称。
    #[serde(default)]
    #[param(pattern = "^(central|municipal|中央|市委市政府|市级)?$")]
    pub level: String,
    /// 今天（北京时间）的状态：in_force（有效）、future（尚未生效）、ended（已失效）。
    #[serde(default)]
    #[param(pattern = "^(in_force|future|ended)?$")]
    pub status: String,
}

/// 文件要求社区承担的一类事项。
#[derive(Debug, Serialize, ToSchema)]
pub struct BurdenKindOut {
    /// 代码，如 creation，与准入检查的 burdens[].kind 相同。
    pub kind: String,
    /// 名称，如 达标、检查评比、示范创建活动。
    pub label: String,
}

/// 一份登记的上级文件。
#[derive(Debug, Serialize, ToSchema)]
pub struct MandateOut {
    /// 文号（登记时的写法），如 中办发〔2010〕33号。
    pub number: String,
    /// 统一写法的文号（去空格、年份括号一律为〔〕），用于比对。
    pub number_key: String,
    /// 发文机关。
    pub issuer: String,
    /// 标题（不带书名号）。
    pub title: String,
    /// 印发日期（YYYY-MM-DD）。
    pub issued_on: String,
    /// 层级：central（中央）或 municipal（市委市政府）。
    pub level: String,
    /// 层级名称。
    pub level_label: String,
    /// 文件明确要求社区承担的事项：只有这些事项可以按上级要求例外准入。
    pub requires: Vec<BurdenKindOut>,
    /// 生效日期（YYYY-MM-DD）。
    pub valid_from: String,
    /// 失效日期（YYYY-MM-DD，当天仍有效），空表示长期有效。
    pub valid_to: String,
    /// 要求内容。
    pub summary: String,
    /// 失效说明（废止、被取代等）。
    pub end_note: String,
    /// 今天（北京时间）的状态：in_force、future、ended。
    pub status: String,
    /// 登记时间（毫秒时间戳）。
    pub created_at: i64,
    /// 最后更正时间（毫秒时间戳）。
    pub updated_at: i64,
}

impl MandateOut {
    fn of(e: &MandateEntry, today: &str) -> Self {
        let d = &e.doc;
        MandateOut {
            number: d.number.clone(),
            number_key: jianfu_domain::gate::mandate::normalise_number(&d.number),
            issuer: d.issuer.clone(),
            title: d.title.clone(),
            issued_on: d.issued_on.clone(),
            level: d.level.as_str().into(),
            level_label: d.level.label_zh().into(),
            requires: d
                .requires
                .iter()
                .map(|k| BurdenKindOut {
                    kind: k.as_str().into(),
                    label: k.label_zh().into(),
                })
                .collect(),
            valid_from: d.valid_from.clone(),
            valid_to: d.valid_to.clone(),
            summary: d.summary.clone(),
            end_note: e.end_note.clone(),
            status: e.status_on(today).as_str().into(),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

fn unknown_mandate(number: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_mandate",
        format!(
            "登记簿中没有文号为“{}”的文件，可用 GET /api/v1/mandates 查看全部登记",
            number.trim()
        ),
    )
}

/// `NotFound` of a document becomes `unknown_mandate`.
fn mapped(number: &str) -> impl Fn(ServiceError) -> ApiError + '_ {
    move |e| match e {
        ServiceError::NotFound(_) => unknown_mandate(number),
        other => other.into(),
    }
}

/// 查询登记的上级文件（公开，无需令牌）。
///
/// 按印发日期从新到旧。未知层级返回 422 `unknown_level`，未知状态返回 422 `unknown_status`。
#[utoipa::path(get, path = "/api/v1/mandates", tag = "mandates", params(MandatesQuery),
    responses((status = 200, body = Vec<MandateOut>, description = "符合条件的文件"),
              (status = 422, body = ErrorBody, description = "unknown_level、unknown_status")))]
pub async fn list_mandates(
    State(app): State<App>,
    ApiQuery(q): ApiQuery<MandatesQuery>,
) -> Result<Json<Vec<MandateOut>>, ApiError> {
    let list = app
        .list_mandates(&MandateFilter {
            q: q.q,
            level: q.level,
            status: q.status,
        })
        .await?;
    let today = app.today_beijing();
    Ok(Json(
        list.iter().map(|e| MandateOut::of(e, &today)).collect(),
    ))
}

/// 按文号查询一份上级文件（公开，无需令牌）。
///
/// 文号须 URL 编码，如 `中办发〔2010〕33号` 写成 `%E4%B8%AD%E5%8A%9E%E5%8F%91%E3%80%942010%E3%80%9533%E5%8F%B7`；
/// 〔〕、[]、（）等括号写法和空格不影响查找。未登记返回 404 `unknown_mandate`。
#[utoipa::path(get, path = "/api/v1/mandates/{number}", tag = "mandates",
    params(("number" = String, Path, description = "文号（URL 编码）")),
    responses((status = 200, body = MandateOut),
              (status = 404, body = ErrorBody, description = "unknown_mandate：登记簿中没有该文号")))]
pub async fn get_mandate(
    State(app): State<App>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<MandateOut>, ApiError> {
    let e = app.mandate_or_404(&number).await.map_err(mapped(&number))?;
    Ok(Json(MandateOut::of(&e, &app.today_beijing())))
}

/// 登记一份上级文件。
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MandateIn {
    /// 文号，如 中办发〔2010〕33号（[]、（）写法也可，比对时视为同一文号）。
    pub number: String,
    /// 发文机关，如 中共中央办公厅、国务院办公厅。
    pub issuer: String,
    /// 标题（不带书名号）。
    pub title: String,
    /// 印发日期（YYYY-MM-DD），不晚于今天。
    pub issued_on: String,
    /// 层级：central（中央）或 municipal（市委市政府），也可写中文名称。
    pub level: String,
    /// 文件明确要求社区承担的事项（准入检查 burdens[].kind 的代码，如 creation、ledger、institution，
    /// 也可写中文名称），至少一项。
    pub requires: Vec<String>,
    /// 生效日期（YYYY-MM-DD）。
    pub valid_from: String,
    /// 失效日期（YYYY-MM-DD），不填表示长期有效。
    #[serde(default)]
    pub valid_to: String,
    /// 要求内容（可摘录原文条款）。
    #[serde(default)]
    pub summary: String,
}

/// 登记一份上级文件（区审批人员的令牌）。
///
/// 错误码（422）：`invalid_mandate_doc`（文号、发文机关、标题为空或过长）、`bad_date`（日期格式有误或印发日期晚于今天）、
/// `period_reversed`（失效日期早于生效日期）、`unknown_level`、`unknown_burden_kind`、`no_burden_kinds`、
/// `duplicate_mandate`（同一文号已登记，括号写法不同也算同一文号）。其他角色返回 403 `forbidden`。
#[utoipa::path(post, path = "/api/v1/mandates", tag = "mandates", security(("bearer" = [])),
    request_body = MandateIn,
    responses((status = 201, body = MandateOut, description = "已登记"),
              (status = 403, body = ErrorBody, description = "forbidden：不是区审批人员"),
              (status = 422, body = ErrorBody, description = "见上方错误码")))]
pub async fn register_mandate(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<MandateIn>,
) -> Result<(StatusCode, Json<MandateOut>), ApiError> {
    let input = MandateInput {
        number: body.number,
        issuer: body.issuer,
        title: body.title,
        issued_on: body.issued_on,
        level: body.level,
        requires: body.requires,
        valid_from: body.valid_from,
        valid_to: body.valid_to,
        summary: body.summary,
    };
    let e = app.register_mandate(&caller.actor, &meta, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(MandateOut::of(&e, &app.today_beijing())),
    ))
}

/// 标记失效。
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndIn {
    /// 失效日期（YYYY-MM-DD，当天仍有效），不填为今天（北京时间）。
    #[serde(default)]
    pub valid_to: String,
    /// 失效说明，如 已被某某文件废止。
    #[serde(default)]
    pub note: String,
}

/// 标记一份上级文件失效（区审批人员的令牌）。
///
/// 登记不会删除：已作出的准入决定仍引用它，失效日期之后不再作为上级要求。
/// 错误码：404 `unknown_mandate`；422 `bad_date`、`period_reversed`（早于生效日期）、`already_ended`（已在该日或更早失效）。
#[utoipa::path(post, path = "/api/v1/mandates/{number}/end", tag = "mandates", security(("bearer" = [])),
    params(("number" = String, Path, description = "文号（URL 编码）")),
    request_body = EndIn,
    responses((status = 200, body = MandateOut, description = "已标记失效"),
              (status = 403, body = ErrorBody, description = "forbidden"),
              (status = 404, body = ErrorBody, description = "unknown_mandate"),
              (status = 422, body = ErrorBody, description = "bad_date、period_reversed、already_ended")))]
pub async fn end_mandate(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
    ApiJson(body): ApiJson<EndIn>,
) -> Result<Json<MandateOut>, ApiError> {
    let e = app
        .end_mandate(&caller.actor, &meta, &number, &body.valid_to, &body.note)
        .await
        .map_err(mapped(&number))?;
    Ok(Json(MandateOut::of(&e, &app.today_beijing())))
}
