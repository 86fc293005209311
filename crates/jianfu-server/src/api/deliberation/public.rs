//! Public, no token: a community's deliberation page and one meeting.

use super::views::*;
use super::*;

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
