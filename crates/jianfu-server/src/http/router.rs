//! All routes in one place: pages, the API, assets, health, and what every response shares.

use crate::App;
use crate::http::{assets, context::MakeRequestId, input_text, security_headers};
use crate::{api, web};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub fn router(app: App) -> Router {
    let (api_routes, openapi) = api::routes();
    let openapi = Arc::new(openapi);
    let limit = app.config.max_json_bytes;
    let r = Router::new()
        .merge(web::routes())
        .merge(api_routes)
        .route("/assets/{*path}", get(assets::serve))
        .route(
            "/api/v1/openapi.json",
            get({
                let doc = openapi.clone();
                move || async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route(
            "/api/v1/docs",
            get({
                let doc = openapi.clone();
                move |page: web::PageContext| async move { web::api_docs::page(page, &doc) }
            }),
        )
        .fallback(web::not_found)
        .method_not_allowed_fallback(web::method_not_allowed)
        // Control characters in any query string, JSON body or form are refused before a
        // handler runs (http/input_text.rs).
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            input_text::check,
        ))
        .with_state(app)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::map_response(security_headers::set));
    r.layer(CatchPanicLayer::custom(web::panic_page))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                // Path only: query strings may carry personal data.
                let id = req
                    .headers()
                    .get(crate::http::context::REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), id)
            }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestId))
        // The audit trail records the request id; a client must not choose it.
        .layer(axum::middleware::map_request(strip_request_id))
}

async fn strip_request_id(mut req: axum::extract::Request) -> axum::extract::Request {
    req.headers_mut().remove(crate::http::context::REQUEST_ID);
    req
}
