//! 志愿服务 API（三(五)）：居民登记为志愿者、报名和取消活动、查看本人记录、申请志愿服务记录
//! 证明；社区确认志愿者、发布活动、记录到场和服务时间、为志愿者出具证明；公开的活动列表
//! （不含志愿者姓名和服务时间）和证明核验。依据《志愿服务条例》（国务院令第685号）和
//! 《志愿服务记录与证明出具办法（试行）》（民政部令第67号）。

use super::extract::{ApiCaller, ApiJson, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::RequestMeta;
use crate::service::volunteers::{
    ActivityInput, ActivityView, AttendeeView, HoursEntry, HoursRecorded, MyVolunteering,
    VerifiedVolunteerCertificate, VolunteerCertificateView, VolunteerInput, VolunteerView,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_volunteers, register_volunteer))
        .routes(routes!(my_volunteering))
        .routes(routes!(request_certificate))
        .routes(routes!(confirm_volunteer))
        .routes(routes!(issue_certificate))
        .routes(routes!(post_activity))
        .routes(routes!(public_activities))
        .routes(routes!(get_activity))
        .routes(routes!(sign_up))
        .routes(routes!(cancel_sign_up))
        .routes(routes!(attendees))
        .routes(routes!(record_hours))
        .routes(routes!(verify_certificate))
}

/// 志愿者登记（本人）。姓名、电话、身份证号加密存放，只显示后 4 位。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolRegisterRequest {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    #[serde(default)]
    pub skills: String,
    #[serde(default)]
    pub availability: String,
    /// 本人同意社区记录其个人基本信息和志愿服务情况（办法第六条），必须为 true。
    #[serde(default)]
    pub consent: bool,
    /// 未成年人（年龄界限见数据文件 `data/self_governance/volunteer_rules.toml` 的 `guardian_consent.required_below_age`）：监护人姓名、与本人关系、监护人同意（依据同一文件的 `cite`）。
    #[serde(default)]
    pub guardian_name: String,
    #[serde(default)]
    pub guardian_relation: String,
    #[serde(default)]
    pub guardian_consent: bool,
}

/// 登记为本社区的志愿者（居民本人），待社区确认。
///
/// 错误码：`consent_required`、`guardian_consent_required`（未成年人缺监护人姓名、关系或同意）、`name_required`、`phone_invalid`、`id_number_invalid`（身份证号的格式、出生日期或校验位不对，消息说明是哪一项）、`already_registered`、`not_a_community`、`text_too_long`、`control_character`、`line_break_not_allowed`。
#[utoipa::path(post, path = "/api/v1/volunteers", tag = "volunteers", security(("bearer" = [])),
    request_body = VolRegisterRequest,
    responses((status = 201, body = VolunteerView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register_volunteer(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<VolRegisterRequest>,
) -> Result<(StatusCode, Json<VolunteerView>), ApiError> {
    let input = VolunteerInput {
        name: r.name,
        phone: r.phone,
        id_number: r.id_number,
        skills: r.skills,
        availability: r.availability,
        consent: r.consent,
        guardian_name: r.guardian_name,
        guardian_relation: r.guardian_relation,
        guardian_consent: r.guardian_consent,
    };
    let v = app.register_volunteer(&caller.actor, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// 本社区的志愿者名单（社区工作者、书记），待确认的在前；姓名、电话、身份证号均脱敏。
#[utoipa::path(get, path = "/api/v1/volunteers", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = Vec<VolunteerView>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_volunteers(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<VolunteerView>>, ApiError> {
    Ok(Json(app.community_volunteers(&caller.actor).await?))
}

/// 本人的志愿者登记、每次活动的到场、服务时间和服务质量评价（档次、说明、评价人、评价日期）、合计、已出具的证明。服务时间和评价只给本人和组织者看。未登记时返回 404 `not_found`。
#[utoipa::path(get, path = "/api/v1/volunteers/me", tag = "volunteers", security(("bearer" = [])),
    responses((status = 200, body = MyVolunteering), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_volunteering(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<MyVolunteering>, ApiError> {
    app.my_volunteering(&caller.actor)
        .await?
        .map(Json)
        .ok_or_else(|| crate::service::ServiceError::NotFound("志愿者登记".into()).into())
}

/// 申请本人的志愿服务记录证明：依据记录无偿、如实出具（条例第十九条第二款；办法第三条、第十四条、第十五条），写入用印登记，返回编号和核验码（PDF 在 `/volunteers/certificates/{社区}/{编号}.pdf`）。用印登记簿的批准人、经办人记为“系统（志愿者本人申请）”。
///
/// 服务记录自最近一份证明以来没有变化时，返回那一份（200，`already_issued: true`），不重复出具、不再用印；出具新证明时 201。
///
/// 错误码：`not_registered`、`volunteer_not_confirmed`、`no_service_record`。
#[utoipa::path(post, path = "/api/v1/volunteers/me/certificate", tag = "volunteers", security(("bearer" = [])),
    responses((status = 201, body = VolunteerCertificateView), (status = 200, body = VolunteerCertificateView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_certificate(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
) -> Result<(StatusCode, Json<VolunteerCertificateView>), ApiError> {
    let c = app
        .request_volunteer_certificate(&caller.actor, &meta)
        .await?;
    Ok((issued_status(&c), Json(c)))
}

/// 201 for a new certificate, 200 for the unchanged one returned again.
fn issued_status(c: &VolunteerCertificateView) -> StatusCode {
    if c.already_issued {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

/// 确认一位志愿者的登记（本社区的社区工作者、书记）。错误码：`wrong_state`（已确认）。
#[utoipa::path(post, path = "/api/v1/volunteers/{community}/{id}/confirm", tag = "volunteers", security(("bearer" = [])),
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "志愿者 id")),
    responses((status = 200, body = VolunteerView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm_volunteer(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<VolunteerView>, ApiError> {
    Ok(Json(
        app.confirm_volunteer(&caller.actor, &meta, &community, &id)
            .await?,
    ))
}

/// 应志愿者的要求为其出具志愿服务记录证明（本社区的社区工作者、书记；用印登记簿的批准人、经办人记为出具的工作人员）。服务记录没有变化时返回最近一份（200），同 `POST /api/v1/volunteers/me/certificate`；错误码也相同。
#[utoipa::path(post, path = "/api/v1/volunteers/{community}/{id}/certificate", tag = "volunteers", security(("bearer" = [])),
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "志愿者 id")),
    responses((status = 201, body = VolunteerCertificateView), (status = 200, body = VolunteerCertificateView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_certificate(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<(StatusCode, Json<VolunteerCertificateView>), ApiError> {
    let c = app
        .issue_volunteer_certificate(&caller.actor, &meta, &community, &id)
        .await?;
    Ok((issued_status(&c), Json(c)))
}

/// 发布一项志愿服务活动（本社区）。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolActivityRequest {
    pub title: String,
    pub place: String,
    /// 需要什么（技能、分工、自带物品）。
    #[serde(default)]
    pub needs: String,
    /// 组织者：空为本社区居委会；也可写社区指定的社会组织。
    #[serde(default)]
    pub organiser: String,
    /// 来源，例如 `deliberation:<决定 id>`（议事协商决定转为志愿服务活动）。
    #[serde(default)]
    pub source: String,
    /// 开始时间（北京时间），如 `2026-12-05 09:00` 或 `2026-12-05T09:00`。
    pub starts: String,
    pub ends: String,
    /// 名额：1 到数据文件 `activity.max_capacity`（本区设定，非法律规定）。
    pub capacity: String,
}

/// 发布志愿服务活动（社区工作者、书记）。错误码：`title_required`、`place_required`、`start_invalid`、`end_invalid`、`start_in_past`、`end_before_start`、`activity_too_long`、`capacity_invalid`、`unknown_source`、`text_too_long`。时间须正好是 `YYYY-MM-DD HH:MM`（或 `YYYY-MM-DDTHH:MM`），带秒或多余部分的按 `start_invalid`/`end_invalid` 拒绝。
#[utoipa::path(post, path = "/api/v1/volunteer-activities", tag = "volunteers", security(("bearer" = [])),
    request_body = VolActivityRequest,
    responses((status = 201, body = ActivityView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_activity(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiJson(r): ApiJson<VolActivityRequest>,
) -> Result<(StatusCode, Json<ActivityView>), ApiError> {
    let input = ActivityInput {
        title: r.title,
        place: r.place,
        needs: r.needs,
        organiser: r.organiser,
        source: r.source,
        starts: r.starts,
        ends: r.ends,
        capacity: r.capacity,
    };
    let a = app.post_activity(&caller.actor, &meta, &input).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// 一个社区即将开始和进行中的志愿服务活动（公开，无需令牌）：时间、地点、剩余名额；不含志愿者姓名和服务时间（条例第二十条）。
#[utoipa::path(get, path = "/api/v1/volunteer-activities/{community}", tag = "volunteers",
    params(("community" = String, Path, description = "社区代码")),
    responses((status = 200, body = Vec<ActivityView>), (status = 404, body = ErrorBody)))]
pub async fn public_activities(
    State(app): State<App>,
    ApiPath(community): ApiPath<String>,
) -> Result<Json<Vec<ActivityView>>, ApiError> {
    Ok(Json(app.public_activities(&community).await?))
}

/// 一项活动（公开）。
#[utoipa::path(get, path = "/api/v1/volunteer-activities/{community}/{id}", tag = "volunteers",
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "活动 id")),
    responses((status = 200, body = ActivityView), (status = 404, body = ErrorBody)))]
pub async fn get_activity(
    State(app): State<App>,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<ActivityView>, ApiError> {
    Ok(Json(app.public_activity(&community, &id).await?))
}

/// 报名（已确认的本社区志愿者，活动开始前）。名额在数据库中原子地占，不会超员。
///
/// 错误码：`activity_full`（名额已满）、`already_signed_up`（重复报名）、`activity_started`、`activity_cancelled`、`not_registered`、`volunteer_not_confirmed`、`other_community`。
#[utoipa::path(post, path = "/api/v1/volunteer-activities/{community}/{id}/sign-up", tag = "volunteers", security(("bearer" = [])),
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "活动 id")),
    responses((status = 204, description = "已报名"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_up(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.sign_up(&caller.actor, &meta, &community, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 取消报名（活动开始前），名额退回。错误码：`not_signed_up`、`activity_started`、`activity_cancelled`、`not_registered`、`volunteer_not_confirmed`、`other_community`。
#[utoipa::path(post, path = "/api/v1/volunteer-activities/{community}/{id}/cancel", tag = "volunteers", security(("bearer" = [])),
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "活动 id")),
    responses((status = 204, description = "已取消报名"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_sign_up(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    app.cancel_sign_up(&caller.actor, &meta, &community, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 报名名单、服务时间和服务质量评价（只给本社区的组织者；姓名脱敏）。
#[utoipa::path(get, path = "/api/v1/volunteer-activities/{community}/{id}/attendees", tag = "volunteers", security(("bearer" = [])),
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "活动 id")),
    responses((status = 200, body = Vec<AttendeeView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attendees(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
) -> Result<Json<Vec<AttendeeView>>, ApiError> {
    app.require_organiser(&caller.actor, &community).await?;
    let page = app.activity_page(&caller.actor, &community, &id).await?;
    Ok(Json(page.attendees.unwrap_or_default()))
}

/// 一位报名者的到场、服务时间和服务质量评价。不带 `evaluation` 字段时已有的评价保持不变（只记服务时间的客户端不会抹掉评价）；带空字符串为不评价，已有的评价随之清除；未到场的人已有的评价一律清除。
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolHoursEntry {
    pub volunteer_id: String,
    pub attended: bool,
    /// 服务时间（小时，半小时一档），如 `2` 或 `2.5`；未到场时忽略。
    #[serde(default)]
    pub hours: String,
    /// 服务质量评价的档次（办法第十条；档次为本区设定，见数据文件 `evaluation.levels`）：`excellent`（优秀）| `good`（良好）| `satisfactory`（合格）| `needs_improvement`（有待改进），也认中文档次名；空字符串为不评价（清除已有的评价）；不带此字段为保持原评价。只能评价到场并记录了服务时间的人。
    #[serde(default)]
    pub evaluation: Option<String>,
    /// 评价说明（一行，最多数据文件 `evaluation.remark_max_chars` 个字，按字符计），须同时给出档次 `evaluation`；可不填。
    #[serde(default)]
    pub remark: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VolHoursRequest {
    pub entries: Vec<VolHoursEntry>,
}

/// 记录到场、服务时间和服务质量评价（组织者，活动开始后）。不用定位签到、不要截图。评价（办法第十条）连同评价人和评价日期记入志愿服务记录，只给志愿者本人和组织者看，不公开，也不写进志愿服务记录证明；未到场的人已有的评价被清除。过了记录期限（活动结束后若干个工作日，数见数据文件 `record.deadline_working_days`，办法第十一条）才首次记录或首次评价的照常记录并标为逾期；与已记录的相同的不再写，原记录人、记录时间、评价人、评价日期和是否逾期不变（只改评价时服务时间的记录时间不变）。全部检查通过才写入，任何一行有误都什么也不写。
///
/// 错误码：`hours_exceed_activity`（超过活动时长）、`hours_invalid`、`not_signed_up`、`duplicate_entry`（同一位志愿者在一次提交中出现两次）、`activity_not_started`、`activity_cancelled`、`no_entries`、`evaluation_without_service`（评价了未到场或没有服务时间的人）、`unknown_evaluation_level`（档次不是上列之一）、`evaluation_level_missing`（有评价说明而没有档次）、`evaluation_remark_too_long`（评价说明超过字数）、`line_break_not_allowed`、`control_character`（评价说明中）。评价的错误消息点出是哪位志愿者（脱敏姓名）。
#[utoipa::path(post, path = "/api/v1/volunteer-activities/{community}/{id}/hours", tag = "volunteers", security(("bearer" = [])),
    params(("community" = String, Path, description = "社区代码"), ("id" = String, Path, description = "活动 id")),
    request_body = VolHoursRequest,
    responses((status = 200, body = HoursRecorded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_hours(
    State(app): State<App>,
    meta: RequestMeta,
    ApiCaller(caller): ApiCaller,
    ApiPath((community, id)): ApiPath<(String, String)>,
    ApiJson(r): ApiJson<VolHoursRequest>,
) -> Result<Json<HoursRecorded>, ApiError> {
    let entries: Vec<HoursEntry> = r
        .entries
        .into_iter()
        .map(|e| HoursEntry {
            volunteer_id: e.volunteer_id,
            attended: e.attended,
            hours: e.hours,
            evaluation: match (e.evaluation, e.remark) {
                (None, None) => None,
                (level, remark) => Some((level.unwrap_or_default(), remark.unwrap_or_default())),
            },
        })
        .collect();
    Ok(Json(
        app.record_hours(&caller.actor, &meta, &community, &id, &entries)
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct VolVerifyParams {
    /// 证明编号（ZY 开头）。缺少时返回 422 `verification_input_missing`。
    pub number: Option<String>,
    /// 8 位核验码。
    pub code: Option<String>,
}

/// 公开核验志愿服务记录证明（无需令牌，办法第十七条）。编号或核验码不对一律返回 422 `certificate_not_found`；错误次数过多返回 429 `too_many_attempts`。
#[utoipa::path(get, path = "/api/v1/volunteer-certificates/verify", tag = "volunteers", params(VolVerifyParams),
    responses((status = 200, body = VerifiedVolunteerCertificate), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify_certificate(
    State(app): State<App>,
    meta: RequestMeta,
    ApiQuery(p): ApiQuery<VolVerifyParams>,
) -> Result<Json<VerifiedVolunteerCertificate>, ApiError> {
    Ok(Json(
        app.verify_volunteer_certificate(
            &meta,
            p.number.as_deref().unwrap_or(""),
            p.code.as_deref().unwrap_or(""),
        )
        .await?,
    ))
}
