//! After a decision: carrying out and progress, residents' feedback, requests to departments,
//! their answers and the departments' figures; the household roster.

use super::views::*;
use super::*;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibActionRequest {
    pub what: String,
    pub owner: String,
    /// 完成时限，如 `2026-12-31`。
    pub due_on: String,
}

/// 为已通过的决定安排落实事项（社区）。
///
/// 错误码：`not_decided`、`what_missing`、`owner_missing`、`bad_date`、`due_in_the_past`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/deliberation/decisions/{topic}/actions", tag = "deliberation", security(("bearer" = [])),
    params(("topic" = String, Path, description = "决定（议题）id")), request_body = DelibActionRequest,
    responses((status = 201, body = DelibAction), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_action(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(topic): ApiPath<String>,
    ApiJson(r): ApiJson<DelibActionRequest>,
) -> Result<(StatusCode, Json<DelibAction>), ApiError> {
    let c = community_of(&app, &caller.actor)?;
    let a = app
        .add_decision_action(
            &caller.actor,
            &meta,
            &c,
            &topic,
            &r.what,
            &r.owner,
            &r.due_on,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibProgressRequest {
    pub note: String,
    /// true：这项事已完成。
    #[serde(default)]
    pub done: bool,
}

/// 已记录。
#[derive(Serialize, ToSchema)]
pub struct DelibOk {
    pub ok: bool,
}

/// 记录落实进展（社区）。
///
/// 错误码：`note_missing`、`action_done`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/deliberation/actions/{id}/progress", tag = "deliberation", security(("bearer" = [])),
    params(("id" = String, Path, description = "落实事项 id")), request_body = DelibProgressRequest,
    responses((status = 200, body = DelibOk), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_progress(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<DelibProgressRequest>,
) -> Result<Json<DelibOk>, ApiError> {
    let c = community_of(&app, &caller.actor)?;
    app.add_action_progress(&caller.actor, &meta, &c, &id, &r.note, r.done)
        .await?;
    Ok(Json(DelibOk { ok: true }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibFeedbackRequest {
    /// `done`（已办好）| `partly`（部分办好）| `not_done`（没有办）。
    pub verdict: String,
}

/// 居民对决定落实情况的反馈（每人一条，再次提交替换）。
///
/// 错误码：`not_decided`、`bad_feedback`、`nothing_to_judge`。
#[utoipa::path(post, path = "/api/v1/deliberation/decisions/{topic}/feedback", tag = "deliberation", security(("bearer" = [])),
    params(("topic" = String, Path, description = "决定（议题）id")), request_body = DelibFeedbackRequest,
    responses((status = 200, body = DelibOk), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn give_feedback(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(topic): ApiPath<String>,
    ApiJson(r): ApiJson<DelibFeedbackRequest>,
) -> Result<Json<DelibOk>, ApiError> {
    let c = community_of(&app, &caller.actor)?;
    app.give_decision_feedback(&caller.actor, &meta, &c, &topic, &r.verdict)
        .await?;
    Ok(Json(DelibOk { ok: true }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibAskRequest {
    /// 部门或街道的机构代码。
    pub department: String,
    pub asked: String,
}

/// 把已通过的决定转请部门办理（社区）。部门的答复用时计入其指标。
///
/// 错误码：`not_decided`、`unknown_department`、`asked_missing`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/deliberation/decisions/{topic}/requests", tag = "deliberation", security(("bearer" = [])),
    params(("topic" = String, Path, description = "决定（议题）id")), request_body = DelibAskRequest,
    responses((status = 201, body = DelibRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ask_department(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(topic): ApiPath<String>,
    ApiJson(r): ApiJson<DelibAskRequest>,
) -> Result<(StatusCode, Json<DelibRequest>), ApiError> {
    let c = community_of(&app, &caller.actor)?;
    let v = app
        .ask_department(&caller.actor, &meta, &c, &topic, &r.department, &r.asked)
        .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// 请求列表：部门看到发给本单位的，社区看到本社区提出的。
#[utoipa::path(get, path = "/api/v1/deliberation/requests", tag = "deliberation", security(("bearer" = [])),
    responses((status = 200, body = Vec<DelibRequest>), (status = 403, body = ErrorBody)))]
pub async fn list_requests(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<DelibRequest>>, ApiError> {
    Ok(Json(
        app.delib_requests(&caller.actor)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// 一个部门（或街道）答复议事协商请求的情况：部门的指标。
#[derive(Serialize, ToSchema)]
pub struct DelibDepartmentFigures {
    /// 部门或街道的机构代码。
    pub department: String,
    pub department_name: String,
    /// 收到的请求数。
    pub received: i64,
    pub answered: i64,
    pub pending: i64,
    /// 已答复请求的平均答复用时（工作日，保留一位小数）；没有已答复的为空。
    pub average_answer_days: Option<f64>,
    /// 全部请求的平均用时（工作日，保留一位小数）：待答复的按到今天已过的工作日计，不答复不会让数字变好看。
    pub average_days_with_pending: Option<f64>,
    /// 最久的待答复请求的提出日期（`YYYY-MM-DD`）。
    pub oldest_pending_on: Option<String>,
    /// 最久的待答复请求到今天已过的工作日（不含提出当天）。
    pub oldest_pending_days: Option<i64>,
}

impl From<DepartmentFigures> for DelibDepartmentFigures {
    fn from(f: DepartmentFigures) -> Self {
        let days = |t: Option<i64>| t.map(|t| t as f64 / 10.0);
        Self {
            average_answer_days: days(f.average_days_tenths),
            average_days_with_pending: days(f.overall_days_tenths),
            department: f.department,
            department_name: f.department_name,
            received: f.received,
            answered: f.answered,
            pending: f.pending,
            oldest_pending_on: f.oldest_pending_on,
            oldest_pending_days: f.oldest_pending_days,
        }
    }
}

/// 各部门答复议事协商请求的情况（部门指标）：督查和区社会办看全区，部门、街道只看本单位的一行；
/// 其他角色 403。用时最长的在前。
#[utoipa::path(get, path = "/api/v1/deliberation/department-figures", tag = "deliberation", security(("bearer" = [])),
    responses((status = 200, body = Vec<DelibDepartmentFigures>), (status = 403, body = ErrorBody)))]
pub async fn department_figures(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<DelibDepartmentFigures>>, ApiError> {
    Ok(Json(
        app.department_figures(&caller.actor)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibAnswerRequest {
    pub answer: String,
}

/// 部门答复发给本单位的请求；别的单位的请求返回 404。
///
/// 错误码：`answer_missing`、`already_answered`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/deliberation/requests/{community}/{id}/answer", tag = "deliberation", security(("bearer" = [])),
    params(("community" = String, Path, description = "提出请求的社区代码"), ("id" = String, Path, description = "请求 id")),
    request_body = DelibAnswerRequest,
    responses((status = 200, body = DelibRequest), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_request(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    ApiJson(r): ApiJson<DelibAnswerRequest>,
) -> Result<Json<DelibRequest>, ApiError> {
    Ok(Json(
        app.answer_delib_request(&caller.actor, &meta, &community, &id, &r.answer)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibHouseholdRequest {
    /// 本社区居民的用户名。
    pub username: String,
    /// 楼-单元-室，如 `3-2-501`（全角数字也可以）。
    pub household: String,
}

/// 登记居民的门牌（社区；每户一票的会议用）。
///
/// 错误码：`bad_household`、`unknown_resident`。
#[utoipa::path(post, path = "/api/v1/deliberation/households", tag = "deliberation", security(("bearer" = [])),
    request_body = DelibHouseholdRequest,
    responses((status = 200, body = DelibOk), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_household(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<DelibHouseholdRequest>,
) -> Result<Json<DelibOk>, ApiError> {
    let c = community_of(&app, &caller.actor)?;
    app.set_resident_household(&caller.actor, &meta, &c, &r.username, &r.household)
        .await?;
    Ok(Json(DelibOk { ok: true }))
}
