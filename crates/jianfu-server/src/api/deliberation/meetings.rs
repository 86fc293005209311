//! Meetings: prepare, the steps (notice, open, attendance, tallies, close, adjourn, sign),
//! online votes and the minutes.

use super::views::*;
use super::*;
use crate::service::deliberation::NoticeExtras;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibMeetingRequest {
    /// `residents_meeting`、`representatives_meeting`、`deliberation`。
    pub kind: String,
    pub title: String,
    /// 开会日期，如 `2026-12-10`。
    pub held_on: String,
    #[serde(default)]
    pub held_at: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub material: String,
    /// [类别, 名称]。
    pub participants: Vec<(String, String)>,
    /// `person` 或 `household`。
    pub voter_basis: String,
    /// `in_room` 或 `online`。
    pub vote_mode: String,
    /// 应到人数（户数、代表数）。
    pub base: i64,
    /// 列入议程的已采纳议题 id。
    pub topics: Vec<String>,
    /// 特殊情况说明：居民会议不足 10 天通知（组织法第二十六条“遇有特殊情况的，可以临时通知居民”）时必填，随通知公开。
    #[serde(default)]
    pub notice_reason: String,
    /// 社区党组织研究讨论的日期 `YYYY-MM-DD`：议程中有须由居民会议或居民代表会议决定的事项时必填（组织法第三十条第四款）。
    #[serde(default)]
    pub party_reviewed_on: String,
}

/// 筹备会议（社区）：议程中的议题变为“已列入议程”。
///
/// 错误码：`unknown_meeting_kind`、`title_missing`、`bad_date`、`unknown_voter_basis`、`unknown_vote_mode`、`bad_number`、`unknown_participant`、`participants_missing`、`agenda_empty`、`unknown_topic`、`notice_too_late`（开会日期离今天不足该类会议的通知天数；居民会议可写明 `notice_reason` 特殊情况临时通知）、`material_missing`、`reserved_for_residents`、`party_review_missing`（须由居民会议或居民代表会议决定的事项未填社区党组织研究讨论日期 `party_reviewed_on`）、`party_review_in_future`、`topic_not_accepted`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/deliberation/meetings", tag = "deliberation", security(("bearer" = [])),
    request_body = DelibMeetingRequest,
    responses((status = 201, body = DelibMeeting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_meeting(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<DelibMeetingRequest>,
) -> Result<(StatusCode, Json<DelibMeeting>), ApiError> {
    let c = community_of(&app, &caller.actor)?;
    let m = app
        .create_meeting(
            &caller.actor,
            &meta,
            &c,
            &MeetingInput {
                kind: r.kind,
                title: r.title,
                held_on: r.held_on,
                held_at: r.held_at,
                place: r.place,
                material: r.material,
                participants: r.participants,
                voter_basis: r.voter_basis,
                vote_mode: r.vote_mode,
                base: r.base.to_string(),
                topics: r.topics,
                notice_reason: r.notice_reason,
                party_reviewed_on: r.party_reviewed_on,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibStepRequest {
    /// `notice`（发布通知）| `open`（开会）| `attendance`（登记实到，填 present）| `tally`（录入现场票数，填 topic_id 和三个票数）| `close`（结束并按法定人数和多数判定）| `adjourn`（流会）| `cancel`（取消筹备中或已发布通知的会议，议程上的议题回到已采纳待上会）| `sign`（主持人签署会议记录）。
    pub action: String,
    #[serde(default)]
    pub present: Option<i64>,
    #[serde(default)]
    pub topic_id: Option<String>,
    #[serde(default)]
    pub votes_for: Option<i64>,
    #[serde(default)]
    pub votes_against: Option<i64>,
    #[serde(default)]
    pub votes_abstain: Option<i64>,
    /// 仅 `notice`：特殊情况说明（居民会议不足 10 天通知时，组织法第二十六条）；不填沿用筹备时填的。
    #[serde(default)]
    pub notice_reason: Option<String>,
    /// 仅 `notice`：社区党组织研究讨论日期 `YYYY-MM-DD`（议程中有须由会议决定的事项时，组织法第三十条第四款）；不填沿用筹备时填的。
    #[serde(default)]
    pub party_reviewed_on: Option<String>,
}

/// 会议的一步（社区；签署须书记/主任）。
///
/// 错误码：`unknown_action`、`notice_too_late`、`material_missing`、`party_review_missing`、`party_review_in_future`、`bad_date`、`notice_not_published`、`meeting_not_yet`（通知上的开会日期还没到）、`meeting_wrong_state`、`meeting_not_open`、`meeting_changed`、`bad_number`、`unknown_motion`、`attendance_exceeds_base`、`online_meeting`、`tally_exceeds_attendance`、`below_quorum`、`meeting_not_closed`、`minutes_empty`、`minutes_signed`。
#[utoipa::path(post, path = "/api/v1/deliberation/meetings/{id}/steps", tag = "deliberation", security(("bearer" = [])),
    params(("id" = String, Path, description = "会议 id")), request_body = DelibStepRequest,
    responses((status = 200, body = DelibMeeting), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn meeting_step(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<DelibStepRequest>,
) -> Result<Json<DelibMeeting>, ApiError> {
    let a = &caller.actor;
    let c = community_of(&app, a)?;
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let m = match r.action.as_str() {
        "notice" => {
            let extras = NoticeExtras {
                notice_reason: r.notice_reason.clone().unwrap_or_default(),
                party_reviewed_on: r.party_reviewed_on.clone().unwrap_or_default(),
            };
            app.publish_meeting_notice_with(a, &meta, &c, &id, &extras)
                .await?
        }
        "open" => app.open_meeting(a, &meta, &c, &id).await?,
        "attendance" => {
            app.record_attendance(a, &meta, &c, &id, &n(r.present))
                .await?
        }
        "tally" => {
            app.enter_tally(
                a,
                &meta,
                &c,
                &id,
                r.topic_id.as_deref().unwrap_or(""),
                (&n(r.votes_for), &n(r.votes_against), &n(r.votes_abstain)),
            )
            .await?
        }
        "close" => app.close_meeting(a, &meta, &c, &id, false).await?,
        "adjourn" => app.close_meeting(a, &meta, &c, &id, true).await?,
        "cancel" => app.cancel_meeting(a, &meta, &c, &id).await?,
        "sign" => {
            app.sign_minutes(a, &meta, &c, &id).await?;
            app.delib_meeting(&c, &id).await?
        }
        _ => {
            return Err(ServiceError::Rejected {
                code: "unknown_action",
                message:
                    "action 只能是 notice、open、attendance、tally、close、adjourn、cancel、sign。"
                        .into(),
            }
            .into());
        }
    };
    Ok(Json(m.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibChoice {
    pub topic_id: String,
    /// `for`（同意）| `against`（反对）| `abstain`（弃权）。
    pub choice: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibVoteRequest {
    /// 每项表决一个选择。
    pub choices: Vec<DelibChoice>,
}

/// 投票结果。
#[derive(Serialize, ToSchema)]
pub struct DelibVoteOut {
    pub counted: bool,
}

/// 网上投票（本社区居民；每人或每户一票，按会议设定）。同一人（户）再次提交返回 `already_voted`，不重复计入。
///
/// 错误码：`already_voted`、`vote_closed`、`vote_not_open`、`not_online`、`no_household`、`ballot_incomplete`、`bad_choice`、`unknown_motion`。
#[utoipa::path(post, path = "/api/v1/deliberation/meetings/{id}/votes", tag = "deliberation", security(("bearer" = [])),
    params(("id" = String, Path, description = "会议 id")), request_body = DelibVoteRequest,
    responses((status = 201, body = DelibVoteOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn cast_vote(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<DelibVoteRequest>,
) -> Result<(StatusCode, Json<DelibVoteOut>), ApiError> {
    let c = community_of(&app, &caller.actor)?;
    let choices: Vec<(String, String)> = r
        .choices
        .into_iter()
        .map(|x| (x.topic_id, x.choice))
        .collect();
    app.cast_online_vote(&caller.actor, &meta, &c, &id, &choices)
        .await?;
    Ok((StatusCode::CREATED, Json(DelibVoteOut { counted: true })))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibVoiceRequest {
    pub speaker: String,
    /// 发言人代表哪一方（参加方类别）。
    pub category: String,
    pub said: String,
}

/// 记录的发言序号。
#[derive(Serialize, ToSchema)]
pub struct DelibVoiceOut {
    pub seq: i64,
}

/// 记录一条发言（社区；会议开始后、签署前）。
///
/// 错误码：`minutes_signed`、`meeting_not_open`、`speaker_missing`、`unknown_participant`、`said_missing`、`text_too_long`。
#[utoipa::path(post, path = "/api/v1/deliberation/meetings/{id}/voices", tag = "deliberation", security(("bearer" = [])),
    params(("id" = String, Path, description = "会议 id")), request_body = DelibVoiceRequest,
    responses((status = 201, body = DelibVoiceOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_voice(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(r): ApiJson<DelibVoiceRequest>,
) -> Result<(StatusCode, Json<DelibVoiceOut>), ApiError> {
    let c = community_of(&app, &caller.actor)?;
    let seq = app
        .add_voice(
            &caller.actor,
            &meta,
            &c,
            &id,
            &r.speaker,
            &r.category,
            &r.said,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(DelibVoiceOut { seq })))
}
