use super::extract::ApiCaller;
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(list_notices))
}

/// 一条站内通知。
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// 相关页面的路径。
    pub link: String,
    /// 毫秒时间戳。
    pub created_at: i64,
    pub read: bool,
}

/// 列出发给调用者所在机构（或其角色）的通知，最新在前。
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = Vec<NoticeOut>), (status = 401, body = ErrorBody)))]
pub async fn list_notices(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<NoticeOut>>, ApiError> {
    let list = app.my_notices(&caller.actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|n| NoticeOut {
                id: n.id,
                kind: n.kind,
                title: n.title,
                body: n.body,
                link: n.link,
                created_at: n.created_at,
                read: n.read_at.is_some(),
            })
            .collect(),
    ))
}
