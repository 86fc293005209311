//! Request context for the audit trail: client address and request id.

use crate::App;
use crate::service::RequestMeta;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::SocketAddr;

pub const REQUEST_ID: &str = "x-request-id";

impl FromRequestParts<App> for RequestMeta {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &App) -> Result<Self, Self::Rejection> {
        Ok(RequestMeta {
            client_addr: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| a.ip().to_string()),
            request_id: parts
                .headers
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(64).collect()),
        })
    }
}

/// Gives every request an id (UUIDv7); any id the client sent was removed before (router.rs).
#[derive(Clone, Copy, Default)]
pub struct MakeRequestId;

impl tower_http::request_id::MakeRequestId for MakeRequestId {
    fn make_request_id<B>(
        &mut self,
        _: &axum::http::Request<B>,
    ) -> Option<tower_http::request_id::RequestId> {
        uuid::Uuid::now_v7()
            .to_string()
            .parse()
            .ok()
            .map(tower_http::request_id::RequestId::new)
    }
}
