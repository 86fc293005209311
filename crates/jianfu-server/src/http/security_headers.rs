//! Headers every response carries. Pages load nothing from outside (no CDN), so the content
//! security policy can be strict.

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn layers() -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let fixed = [
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
    let mut v: Vec<_> = fixed
        .into_iter()
        .map(|(k, val)| SetResponseHeaderLayer::overriding(k, HeaderValue::from_static(val)))
        .collect();
    // Pages hold personal data: never cached, unless a handler (assets) says otherwise.
    v.push(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    ));
    v
}
