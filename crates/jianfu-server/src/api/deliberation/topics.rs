//! Topics: propose, support, accept or decline.

use super::views::*;
use super::*;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibTopicRequest {
    /// 想商量的事（一句话，60 字以内）。
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// 须由居民会议（或经其授权的居民代表会议）决定的事项类别，取自数据文件 `meeting_rules.toml` 的 `[[reserved]]`（组织法 2025 年修订第三十条等）：`common_interest`（涉及全体居民利益的重要事项）、`residents_compact`（居民自治章程、居民公约）、`annual_report`（年度工作报告、评议成员）、`committee_members`（补选成员、审议辞职）；空为不属于。
    #[serde(default)]
    pub matter: String,
}

/// 提出议题（本社区居民、社区工作人员）。
///
/// 错误码：`title_missing`、`unknown_matter`、`text_too_long`、`control_character`、`line_break_not_allowed`。
#[utoipa::path(post, path = "/api/v1/deliberation/topics", tag = "deliberation", security(("bearer" = [])),
    request_body = DelibTopicRequest,
    responses((status = 201, body = DelibTopic), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose_topic(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<DelibTopicRequest>,
) -> Result<(StatusCode, Json<DelibTopic>), ApiError> {
    let c = community_of(&app, &caller.actor)?;
    let t = app
        .propose_topic(
            &caller.actor,
            &meta,
            &c,
            &TopicInput {
                title: r.title,
                body: r.body,
                matter: r.matter,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

/// 附议（每人一次，不能附议自己的议题）。
///
/// 错误码：`already_supported`、`own_topic`、`topic_not_open`。
#[utoipa::path(post, path = "/api/v1/deliberation/topics/{id}/support", tag = "deliberation", security(("bearer" = [])),
    params(("id" = String, Path, description = "议题 id")),
    responses((status = 200, body = DelibTopic), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn support_topic(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DelibTopic>, ApiError> {
    let c = community_of(&app, &caller.actor)?;
    Ok(Json(
        app.support_topic(&caller.actor, &meta, &c, &id)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibDecideRequest {
    /// true 采纳；false 不采纳（须写理由）。
    pub accept: bool,
    #[serde(default)]
    pub reason: String,
}

/// 采纳或不采纳议题（社区）。
///
/// 错误码：`decline_reason_missing`、`topic_wrong_state`、`topic_changed`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/deliberation/topics/{id}/decision", tag = "deliberation", security(("bearer" = [])),
    params(("id" = String, Path, description = "议题 id")), request_body = DelibDecideRequest,
    responses((status = 200, body = DelibTopic), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_topic(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<DelibDecideRequest>,
) -> Result<Json<DelibTopic>, ApiError> {
    let c = community_of(&app, &caller.actor)?;
    Ok(Json(
        app.decide_topic(&caller.actor, &meta, &c, &id, r.accept, &r.reason)
            .await?
            .into(),
    ))
}
