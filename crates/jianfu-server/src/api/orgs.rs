use super::extract::ApiCaller;
use crate::App;
use crate::http::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// An organisation: the district, a street or town, a community or a district department.
#[derive(Serialize, ToSchema)]
pub struct OrgOut {
    /// Statistical division code (e.g. `110115001901`) or department code (e.g. `110115-MZJ`).
    pub code: String,
    pub name: String,
    /// `district`, `street`, `town`, `community` or `department`.
    pub kind: String,
    /// Code of the parent organisation; `null` for the district.
    pub parent: Option<String>,
}

/// The organisations the caller may see: a community's accounts see their community, a street
/// officer their street, a department itself and the district's streets, towns and communities.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrgOut>), (status = 401, body = ErrorBody)))]
pub async fn list_orgs(
    State(app): State<App>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<OrgOut>>, ApiError> {
    let orgs = app.visible_orgs(&caller.actor).await?;
    Ok(Json(
        orgs.into_iter()
            .map(|o| OrgOut {
                code: o.code.to_string(),
                name: o.name,
                kind: o.kind.as_str().to_string(),
                parent: o.parent.map(|p| p.to_string()),
            })
            .collect(),
    ))
}
