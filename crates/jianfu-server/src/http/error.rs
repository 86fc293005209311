//! One error type per interface, both built from [`ServiceError`]:
//! - [`ApiError`] for `/api/v1`: `{"code": "stable_machine_code", "message": "中文说明"}`;
//! - [`PageError`] for pages: a Chinese error page, or a redirect to the login page when the
//!   session is missing or expired.

use crate::service::ServiceError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

/// The one JSON error shape of the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `wrong_credentials`.
    pub code: String,
    /// Explanation in Chinese for people.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

pub fn status_of(e: &ServiceError) -> StatusCode {
    match e {
        ServiceError::WrongCredentials { .. }
        | ServiceError::SessionExpired
        | ServiceError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ServiceError::Locked { .. } => StatusCode::LOCKED,
        ServiceError::Disabled | ServiceError::Forbidden | ServiceError::CsrfFailed => {
            StatusCode::FORBIDDEN
        }
        ServiceError::Invalid(_) | ServiceError::Rejected { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ServiceError::Conflict(_) => StatusCode::CONFLICT,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        ServiceError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        ServiceError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ServiceError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        Self {
            status: status_of(&e),
            code: e.code(),
            message: e.message(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                code: self.code.into(),
                message: self.message,
            }),
        )
            .into_response()
    }
}

/// An error on a page.
#[derive(Debug)]
pub struct PageError(pub ServiceError);

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        Self(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self.0 {
            ServiceError::Unauthenticated => Redirect::to("/login").into_response(),
            ServiceError::SessionExpired => Redirect::to("/login?expired=1").into_response(),
            ServiceError::Disabled => Redirect::to("/login?disabled=1").into_response(),
            e => crate::web::error_page(status_of(&e), &e.message()),
        }
    }
}

impl From<jianfu_store::StoreError> for PageError {
    fn from(e: jianfu_store::StoreError) -> Self {
        Self(e.into())
    }
}
