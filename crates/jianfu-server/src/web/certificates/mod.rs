//! 居民证明 (三(四)): the resident's applications and the community's queue, the application form
//! (online, or entered at the window by a worker), one application with its actions, the issued
//! certificate with its PDF, and the public verification page (no login). Every rule lives in
//! `service::certificates` and `jianfu_domain::certificate`; these handlers parse forms, call the
//! service and render. No JavaScript: a resident on a phone inside WeChat can use every page.
//!
//! One module per page: `list`, `apply` (the form, with `items` and `refusal` for what it shows),
//! `detail` (one application and its actions, with `timeline`), `certificate` (the issued
//! certificate, its PDF and voiding), `verify`. This file holds the routes and small helpers.

mod apply;
mod certificate;
mod detail;
mod items;
mod list;
mod refusal;
mod timeline;
mod verify;

pub use apply::{ApplyForm, ApplyPage, ApplyQuery, CommunityGroup, KeptView};
pub use certificate::{CertificatePage, CertificateQuery};
pub use detail::{DetailPage, DetailQuery, Typed};
pub use items::{ItemCard, MaterialNeed};
pub use list::ListPage;
pub use refusal::Refusal;
pub use timeline::Step;
pub use verify::{ProofView, VerifyPage, VerifyQuery};

use crate::App;
use crate::service::certificates::{MAX_MATERIAL_BYTES, MAX_MATERIALS};
use apply::{apply, apply_form};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use certificate::{certificate, pdf, revoke};
use detail::{act, detail, material};
use list::list;
use verify::verify;

/// Up to the service's file count at its size limit, plus the text fields: an oversized upload
/// then gets the service's Chinese message instead of a cut connection.
pub const UPLOAD_BODY_LIMIT: usize = MAX_MATERIALS * MAX_MATERIAL_BYTES + 1024 * 1024;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/certificates", get(list))
        .route(
            "/certificates/apply",
            get(apply_form)
                .post(apply)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/certificates/a/{community}/{id}", get(detail))
        .route("/certificates/a/{community}/{id}/{action}", post(act))
        .route(
            "/certificates/a/{community}/{id}/materials/{seq}",
            get(material),
        )
        .route("/certificates/c/{number}", get(certificate))
        .route("/certificates/c/{number}/pdf", get(pdf))
        .route("/certificates/c/{number}/revoke", post(revoke))
        .route("/verify", get(verify))
}

/// Colour of a status badge (CSS class).
fn status_class(status: &str) -> &'static str {
    match status {
        "submitted" | "verified" => "warn",
        "approved" => "info",
        "issued" | "valid" => "on",
        "refused" | "revoked" => "bad",
        _ => "off",
    }
}

/// Sets 422 on a page that shows a refused form.
fn with_status(mut resp: Response, refused: bool) -> Response {
    if refused && resp.status() == StatusCode::OK {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// A fresh idempotency key for one rendering of a form: a double click or a retried POST then
/// carries the same key and the service stores (or issues) once.
fn fresh_key() -> String {
    let mut b = [0u8; 16];
    // Without randomness the key is still unique enough per form: fall back to a v7 uuid.
    match getrandom::fill(&mut b) {
        Ok(()) => hex::encode(b),
        Err(_) => uuid::Uuid::now_v7().simple().to_string(),
    }
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KB", (bytes as f64 / 1024.0).max(1.0))
    }
}

fn date_of(ms: i64) -> String {
    super::when(&ms)
}
