//! Request context for the audit trail: client address and request id.

use crate::App;
use crate::service::RequestMeta;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

pub const REQUEST_ID: &str = "x-request-id";

impl FromRequestParts<App> for RequestMeta {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &App) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip());
        Ok(RequestMeta {
            client_addr: peer.map(|ip| client_ip(ip, &parts.headers).to_string()),
            request_id: parts
                .headers
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(64).collect()),
        })
    }
}

/// The client's address. A reverse proxy on the same machine (the usual deployment, see
/// docs/configuration.md) connects from loopback; only then is its `X-Forwarded-For` believed,
/// and only the entry it appended itself (the last), which a client cannot forge.
fn client_ip(peer: IpAddr, headers: &axum::http::HeaderMap) -> IpAddr {
    if !peer.is_loopback() {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer)
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_a_local_proxy_is_believed_and_only_its_own_entry() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let remote: IpAddr = "203.0.113.9".parse().unwrap();
        // The client forged the first entry; the proxy appended the real one.
        let h = headers(&["6.6.6.6, 198.51.100.7"]);
        assert_eq!(client_ip(local, &h).to_string(), "198.51.100.7");
        assert_eq!(
            client_ip(remote, &h),
            remote,
            "a remote peer is not a proxy"
        );
        assert_eq!(client_ip(local, &headers(&[])), local);
        assert_eq!(client_ip(local, &headers(&["garbage"])), local);
        let two = headers(&["6.6.6.6", "198.51.100.8"]);
        assert_eq!(client_ip(local, &two).to_string(), "198.51.100.8");
    }
}
