use super::extract::{ApiCaller, ApiPath, ApiQuery};
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use crate::service::listing::{ListKind, Listing};
use crate::service::notices::NoticeView;
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_notices))
        .routes(routes!(read_notice))
        .routes(routes!(read_all_notices))
}

/// 一条站内通知。
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// 相关页面的路径（调用者可以打开的页面）。
    pub link: String,
    /// 毫秒时间戳。
    pub created_at: i64,
    /// 调用者本人是否已读（已读状态按人记录：同事读过不算您读过）。
    pub read: bool,
    /// 只发给调用者本人的通知（如本人证明申请的进展）；否则发给所在机构或其某一角色。
    pub personal: bool,
    /// 通知要求办理的事（待审批、待核实、待签批用印等）已经办理，事项已进入下一状态。
    pub handled: bool,
    /// 已办理时事项现在的状态，如“已办理（现为：已批准准入）”；未办理或无需办理时为空。
    pub handled_note: Option<String>,
}

impl From<NoticeView> for NoticeOut {
    fn from(v: NoticeView) -> Self {
        let n = v.row;
        Self {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read: n.read_at.is_some(),
            personal: n.user_id.is_some(),
            handled: v.handled.is_some(),
            handled_note: v.handled,
        }
    }
}

/// 通知列表的查询参数。
#[derive(Deserialize, IntoParams)]
pub struct NoticeListParams {
    /// 按调用者本人的已读状态筛选：`unread`（未读）、`read`（已读）。其他值返回 422 `invalid_status`。
    pub status: Option<String>,
    /// 排序：`newest`（最新在前，默认）、`oldest`（最早在前）。其他值返回 422 `invalid_sort`。
    pub sort: Option<String>,
    /// 页码，从 1 起，默认 1。超过末页时返回空数组。小于 1 返回 422 `invalid_page`。
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// 每页条数，1 到 500，默认 500。超出范围返回 422 `invalid_page`。
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<i64>,
}

/// 列出调用者读得到的通知，默认最新在前：发给本人的、发给所在机构的（居民不读机构内部通知）、
/// 发给其所任角色的。别人的个人通知不在其中。
///
/// 返回数组；分页信息在响应头 `X-Total-Count`（筛选后的总条数）、`X-Page`、`X-Per-Page` 里。
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices", security(("bearer" = [])),
    params(NoticeListParams),
    responses((status = 200, body = Vec<NoticeOut>, headers(("X-Total-Count" = i64, description = "筛选后的总条数（全部页）"),
                       ("X-Page" = i64, description = "本页页码"),
                       ("X-Per-Page" = i64, description = "每页条数"))),
              (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody,
               description = "`invalid_status`、`invalid_sort`、`invalid_page`：查询参数不是列出的值")))]
pub async fn list_notices(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(p): ApiQuery<NoticeListParams>,
) -> Result<(axum::http::HeaderMap, Json<Vec<NoticeOut>>), ApiError> {
    let listing = Listing::strict(
        ListKind::Notices,
        p.status.as_deref(),
        p.sort.as_deref(),
        p.page,
        p.per_page,
    )?;
    Ok(super::paged_json(
        app.my_notice_views(&caller.actor, &listing).await?,
    ))
}

/// 标记已读的结果。
#[derive(Serialize, ToSchema)]
pub struct ReadOut {
    /// 这次新标为已读的条数（已读过的不计）。
    pub marked: u64,
}

/// 把一条通知标为调用者本人已读（不影响其他人的已读状态；不写审计）。
#[utoipa::path(post, path = "/api/v1/notices/{id}/read", tag = "notices", security(("bearer" = [])),
    params(("id" = String, Path, description = "通知 id")),
    responses((status = 204, description = "已标为已读"),
              (status = 404, body = ErrorBody, description = "not_found：没有这条通知，或它不是发给调用者的")))]
pub async fn read_notice(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    app.mark_notice_read(&caller.actor, &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// 把调用者读得到的全部通知标为本人已读。
#[utoipa::path(post, path = "/api/v1/notices/read-all", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = ReadOut, description = "已全部标为已读")))]
pub async fn read_all_notices(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<ReadOut>, ApiError> {
    let marked = app.mark_all_notices_read(&caller.actor).await?;
    Ok(Json(ReadOut { marked }))
}
