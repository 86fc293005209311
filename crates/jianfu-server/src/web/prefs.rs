//! Display preferences (适老化): a large-text mode that works without JavaScript.

use crate::App;
use crate::http::cookies;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn routes() -> Router<App> {
    Router::new().route("/prefs/text", get(text_size))
}

#[derive(Deserialize)]
pub struct TextQuery {
    size: Option<String>,
    back: Option<String>,
}

/// Only local paths: never an open redirect.
fn safe_back(back: Option<String>) -> String {
    match back {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b,
        _ => "/".into(),
    }
}

async fn text_size(State(app): State<App>, Query(q): Query<TextQuery>) -> Response {
    let large = q.size.as_deref() == Some("large");
    let cookie = if large {
        cookies::set_persistent(cookies::TEXT_SIZE, "large", app.config.secure_cookies)
    } else {
        cookies::clear(cookies::TEXT_SIZE)
    };
    let mut resp = Redirect::to(&safe_back(q.back)).into_response();
    if let Ok(v) = cookie.parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
