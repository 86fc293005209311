//! 议事协商 API (issue 13, 三(五)). Public, no token: a community's topics, meetings and
//! decisions, and one meeting. With a token: residents propose, support, vote online and say
//! whether a decision was done; the community committee accepts or declines topics, runs
//! meetings (notice, open, attendance, tallies, minutes, close, sign) and carries decisions out;
//! departments answer the requests addressed to them.

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::deliberation::{
    ActionView, DecisionView, DepartmentFigures, MeetingInput, MeetingView, PublicMeeting, PublicPage, RequestView,
    TopicInput, TopicView,
};
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
        .routes(routes!(public_page))
        .routes(routes!(public_meeting))
        .routes(routes!(propose_topic))
        .routes(routes!(support_topic))
        .routes(routes!(decide_topic))
        .routes(routes!(create_meeting))
        .routes(routes!(meeting_step))
        .routes(routes!(cast_vote))
        .routes(routes!(add_voice))
        .routes(routes!(add_action))
        .routes(routes!(add_progress))
        .routes(routes!(give_feedback))
        .routes(routes!(ask_department))
        .routes(routes!(list_requests))
        .routes(routes!(department_figures))
        .routes(routes!(answer_request))
        .routes(routes!(set_household))
}

/// 一个议题。
#[derive(Serialize, ToSchema)]
pub struct DelibTopic {
    pub community: String,
    pub id: String,
    pub title: String,
    pub body: String,
    /// 必须由居民会议决定的事项类别（数据文件里的键），没有则为空。
    pub matter: Option<String>,
    pub proposer_name: String,
    pub by_committee: bool,
    /// `proposed`（征集中）| `accepted`（已采纳待上会）| `declined`（未采纳）| `on_agenda`（已列入议程）| `decided`（已表决通过）| `not_adopted`（表决未通过）。
    pub state: String,
    /// 不采纳的理由（提议人可见，公开）。
    pub decline_reason: Option<String>,
    pub meeting_id: Option<String>,
    pub supports: i64,
    /// 提出时间（北京时间）。
    pub proposed_at: String,
}

impl From<TopicView> for DelibTopic {
    fn from(t: TopicView) -> Self {
        Self {
            state: t.state.as_str().into(),
            community: t.community,
            id: t.id,
            title: t.title,
            body: t.body,
            matter: t.matter,
            proposer_name: t.proposer_name,
            by_committee: t.by_committee,
            decline_reason: t.decline_reason,
            meeting_id: t.meeting_id,
            supports: t.supports,
            proposed_at: t.proposed_at,
        }
    }
}

/// 会议的一项表决。
#[derive(Serialize, ToSchema)]
pub struct DelibMotion {
    pub topic_id: String,
    pub title: String,
    pub votes_for: i64,
    pub votes_against: i64,
    pub votes_abstain: i64,
    /// `passed`、`not_passed`；未表决为空。
    pub outcome: Option<String>,
}

/// 一次会议。
#[derive(Serialize, ToSchema)]
pub struct DelibMeeting {
    pub community: String,
    pub id: String,
    /// `residents_meeting`（居民会议）| `representatives_meeting`（居民代表会议）| `deliberation`（议事协商会）。
    pub kind: String,
    pub title: String,
    pub held_on: String,
    pub held_at: String,
    pub place: String,
    pub material: String,
    /// [参加方类别, 名称]；类别：`residents`、`representatives`、`property_company`、`owners_committee`、`local_units`、`department`。
    pub participants: Vec<(String, String)>,
    /// `person`（每人一票）| `household`（每户一票）。
    pub voter_basis: String,
    /// `in_room`（现场表决，社区录入）| `online`（网上投票）。一次会议只用一种。
    pub vote_mode: String,
    pub base: i64,
    pub present: i64,
    pub ballots: i64,
    /// `draft` | `noticed` | `open` | `closed`。
    pub state: String,
    pub adjourned: bool,
    pub signed_by: Option<String>,
    pub signed_at: Option<String>,
    pub quorum_rule: String,
    pub majority_rule: String,
    pub motions: Vec<DelibMotion>,
}

impl From<MeetingView> for DelibMeeting {
    fn from(m: MeetingView) -> Self {
        Self {
            kind: m.kind.as_str().into(),
            voter_basis: m.voter_basis.as_str().into(),
            vote_mode: m.vote_mode.as_str().into(),
            state: m.state.as_str().into(),
            motions: m
                .motions
                .into_iter()
                .map(|x| DelibMotion {
                    topic_id: x.topic_id,
                    title: x.title,
                    votes_for: x.votes_for,
                    votes_against: x.votes_against,
                    votes_abstain: x.votes_abstain,
                    outcome: x.outcome,
                })
                .collect(),
            community: m.community,
            id: m.id,
            title: m.title,
            held_on: m.held_on,
            held_at: m.held_at,
            place: m.place,
            material: m.material,
            participants: m.participants,
            base: m.base,
            present: m.present,
            ballots: m.ballots,
            adjourned: m.adjourned,
            signed_by: m.signed_by,
            signed_at: m.signed_at,
            quorum_rule: m.quorum_rule,
            majority_rule: m.majority_rule,
        }
    }
}

/// 决定的一项落实事项。
#[derive(Serialize, ToSchema)]
pub struct DelibAction {
    pub id: String,
    pub topic_id: String,
    pub what: String,
    pub owner: String,
    pub due_on: String,
    /// `open`（落实中）| `done`（已完成）。
    pub state: String,
}

impl From<ActionView> for DelibAction {
    fn from(a: ActionView) -> Self {
        Self {
            state: a.state.as_str().into(),
            id: a.id,
            topic_id: a.topic_id,
            what: a.what,
            owner: a.owner,
            due_on: a.due_on,
        }
    }
}

/// 一项决定及其落实情况。
#[derive(Serialize, ToSchema)]
pub struct DelibDecision {
    pub topic: DelibTopic,
    /// `not_started`（待落实）| `in_progress`（落实中）| `overdue`（已逾期）| `done`（已落实）。
    pub progress: String,
    pub actions: Vec<DelibAction>,
    pub feedback_done: i64,
    pub feedback_partly: i64,
    pub feedback_not_done: i64,
}

impl From<DecisionView> for DelibDecision {
    fn from(d: DecisionView) -> Self {
        Self {
            progress: d.progress.as_str().into(),
            feedback_done: d.feedback.done,
            feedback_partly: d.feedback.partly,
            feedback_not_done: d.feedback.not_done,
            actions: d.actions.into_iter().map(Into::into).collect(),
            topic: d.topic.into(),
        }
    }
}

/// 各状态的议题数。
#[derive(Serialize, ToSchema)]
pub struct DelibStateCount {
    pub state: String,
    pub label: String,
    pub count: i64,
}

/// 一个社区的议事协商公开页。
#[derive(Serialize, ToSchema)]
pub struct DelibPublicPage {
    pub community: String,
    pub community_name: String,
    pub counts: Vec<DelibStateCount>,
    /// 本页议题（每页 20 个，最新在前）。
    pub topics: Vec<DelibTopic>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub meetings: Vec<DelibMeeting>,
    pub decisions: Vec<DelibDecision>,
    pub publicity_basis: String,
}

impl From<PublicPage> for DelibPublicPage {
    fn from(p: PublicPage) -> Self {
        Self {
            counts: p
                .counts
                .into_iter()
                .map(|(state, label, count)| DelibStateCount {
                    state,
                    label,
                    count,
                })
                .collect(),
            topics: p.topics.into_iter().map(Into::into).collect(),
            meetings: p.meetings.into_iter().map(Into::into).collect(),
            decisions: p.decisions.into_iter().map(Into::into).collect(),
            community: p.community,
            community_name: p.community_name,
            total: p.total,
            page: p.page,
            pages: p.pages,
            publicity_basis: p.publicity_basis,
        }
    }
}

/// 会议记录的一条发言。
#[derive(Serialize, ToSchema)]
pub struct DelibVoice {
    pub seq: i64,
    pub speaker: String,
    pub category: String,
    pub said: String,
}

/// 一次会议的公开内容：通知、材料、签署后的会议记录、决定及落实。
#[derive(Serialize, ToSchema)]
pub struct DelibPublicMeeting {
    pub community_name: String,
    pub meeting: DelibMeeting,
    /// 主持人签署后才公开。
    pub voices: Vec<DelibVoice>,
    pub decisions: Vec<DelibDecision>,
}

impl From<PublicMeeting> for DelibPublicMeeting {
    fn from(p: PublicMeeting) -> Self {
        Self {
            community_name: p.community_name,
            meeting: p.meeting.into(),
            voices: p
                .voices
                .into_iter()
                .map(|v| DelibVoice {
                    seq: v.seq,
                    speaker: v.speaker,
                    category: v.category,
                    said: v.said,
                })
                .collect(),
            decisions: p.decisions.into_iter().map(Into::into).collect(),
        }
    }
}

/// 请部门办理的一件事。
#[derive(Serialize, ToSchema)]
pub struct DelibRequest {
    pub community: String,
    pub id: String,
    pub topic_id: String,
    pub topic_title: String,
    pub department: String,
    pub asked: String,
    pub asked_on: String,
    /// `pending`（待部门答复）| `answered`（部门已答复）。
    pub state: String,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
    /// 答复用了几个工作日（不含提出当天）。
    pub answer_days: Option<i64>,
}

impl From<RequestView> for DelibRequest {
    fn from(r: RequestView) -> Self {
        Self {
            state: r.state.as_str().into(),
            community: r.community,
            id: r.id,
            topic_id: r.topic_id,
            topic_title: r.topic_title,
            department: r.department,
            asked: r.asked,
            asked_on: r.asked_on,
            answer: r.answer,
            answered_on: r.answered_on,
            answer_days: r.answer_days,
        }
    }
}

#[derive(Deserialize, IntoParams)]
pub struct PublicParams {
    /// 按状态筛选（`proposed`、`accepted`、`declined`、`on_agenda`、`decided`、`not_adopted`）；其他值返回 422 `invalid_status`。
    pub state: Option<String>,
    /// 页码，从 1 起；小于 1 返回 422 `invalid_page`。
    #[param(minimum = 1)]
    pub page: Option<i64>,
}

/// 一个社区的议事协商公开页（无需令牌）：议题（每页 20 个）、各状态数、会议、决定及落实情况。
///
/// 错误码：`invalid_status`、`invalid_page`。
#[utoipa::path(get, path = "/api/v1/public/deliberation/{community}", tag = "deliberation",
    params(("community" = String, Path, description = "社区代码"), PublicParams),
    responses((status = 200, body = DelibPublicPage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn public_page(
    State(app): State<App>,
    ApiPath(community): ApiPath<String>,
    ApiQuery(p): ApiQuery<PublicParams>,
) -> Result<Json<DelibPublicPage>, ApiError> {
    if let Some(s) = &p.state
        && jianfu_domain::deliberation::TopicState::parse(s).is_none()
    {
        return Err(ServiceError::Rejected {
            code: "invalid_status",
            message: "state 只能是 proposed、accepted、declined、on_agenda、decided、not_adopted。"
                .into(),
        }
        .into());
    }
    let page = p.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        return Err(ServiceError::Rejected {
            code: "invalid_page",
            message: "page 须为 1 到 100000 的整数。".into(),
        }
        .into());
    }
    Ok(Json(
        app.public_deliberation(&community, p.state.as_deref(), page)
            .await?
            .into(),
    ))
}

/// 一次会议的公开内容（无需令牌；筹备中的会议不公开）。
#[utoipa::path(get, path = "/api/v1/public/deliberation/{community}/meetings/{id}", tag = "deliberation",
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "会议 id")),
    responses((status = 200, body = DelibPublicMeeting), (status = 404, body = ErrorBody)))]
pub async fn public_meeting(
    State(app): State<App>,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<DelibPublicMeeting>, ApiError> {
    Ok(Json(app.public_meeting(&community, &id).await?.into()))
}

fn community_of(app: &App, actor: &crate::service::Actor) -> Result<String, ApiError> {
    app.home_community(actor)
        .ok_or_else(|| ServiceError::Forbidden.into())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibTopicRequest {
    /// 想商量的事（一句话，60 字以内）。
    pub title: String,
    #[serde(default)]
    pub body: String,
    /// 必须由居民会议决定的事项类别：`common_interest`、`committee_members`、`residents_compact`、`public_welfare_funding`。
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
}

/// 筹备会议（社区）：议程中的议题变为“已列入议程”。
///
/// 错误码：`unknown_meeting_kind`、`title_missing`、`bad_date`、`unknown_voter_basis`、`unknown_vote_mode`、`bad_number`、`unknown_participant`、`participants_missing`、`agenda_empty`、`reserved_for_residents`、`topic_not_accepted`、`text_too_long`。
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
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelibStepRequest {
    /// `notice`（发布通知）| `open`（开会）| `attendance`（登记实到，填 present）| `tally`（录入现场票数，填 topic_id 和三个票数）| `close`（结束并按法定人数和多数判定）| `adjourn`（流会）| `sign`（主持人签署会议记录）。
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
}

/// 会议的一步（社区；签署须书记/主任）。
///
/// 错误码：`unknown_action`、`notice_too_late`、`material_missing`、`notice_not_published`、`meeting_wrong_state`、`meeting_not_open`、`meeting_changed`、`bad_number`、`attendance_exceeds_base`、`online_meeting`、`tally_exceeds_attendance`、`below_quorum`、`meeting_not_closed`、`minutes_empty`、`minutes_signed`。
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
        "notice" => app.publish_meeting_notice(a, &meta, &c, &id).await?,
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
        "sign" => {
            app.sign_minutes(a, &meta, &c, &id).await?;
            app.delib_meeting(&c, &id).await?
        }
        _ => {
            return Err(ServiceError::Rejected {
                code: "unknown_action",
                message: "action 只能是 notice、open、attendance、tally、close、adjourn、sign。"
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
