//! Headers every response carries. Pages load nothing from outside (no CDN), so the content
//! security policy can be strict. One response mapping sets them all (one layer instead of
//! seven: each tower layer wraps every request's future; issue 10 §5).

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;

const FIXED: [(HeaderName, &str); 6] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
    (
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    ),
];

/// Sets the fixed headers (overriding any a handler set) and, unless a handler (assets) said
/// otherwise, `Cache-Control: no-store`: pages hold personal data.
pub async fn set(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    for (name, value) in FIXED {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
