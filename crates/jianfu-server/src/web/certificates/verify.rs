//! Public verification (no login): a certificate's number and code, its status and the seal-log
//! inclusion proof.

use super::date_of;
use crate::App;
use crate::http::error::PageError;
use crate::service::certificates::{SealProof, VerifiedCertificate};
use crate::service::{RequestMeta, ServiceError};
use crate::web::{PageContext, render};
use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

/// Where the certificate's seal-log entry stands against the latest signed checkpoint.
pub struct ProofView {
    /// `included` (covered by a signed checkpoint, path and signature check out), `pending`
    /// (no checkpoint covers it yet) or `mismatch` (covered, but the proof fails).
    pub state: &'static str,
    pub checkpoint_size: i64,
    /// Logs the checkpoint commits to (1 for a checkpoint from before logs per community), and
    /// how many of this log's entries it covers.
    pub logs: i64,
    pub log_size: i64,
    pub signed_at: String,
    pub root_short: String,
    /// The seal service's explanation, in Chinese.
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub ctx: PageContext,
    pub number: String,
    pub code: String,
    pub result: Option<VerifiedCertificate>,
    /// Not found or wrong code: the same neutral answer either way.
    pub problem: Option<String>,
    /// Too many wrong codes.
    pub limited: Option<String>,
    /// The seal-log inclusion proof, once the seal service provides it.
    pub proof: Option<ProofView>,
}

impl VerifyPage {
    pub fn valid(&self) -> bool {
        self.result.as_ref().is_some_and(|r| r.status == "valid")
    }
}

pub(super) async fn verify(
    State(app): State<App>,
    ctx: Result<PageContext, PageError>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    meta: RequestMeta,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    // Public: an expired session must not send a resident's relative to the login page.
    let ctx = match ctx {
        Ok(c) => c,
        Err(_) => PageContext::anonymous(&app, &headers, uri.path()).await,
    };
    let number: String = q.number.trim().chars().take(64).collect();
    let code: String = q.code.trim().chars().take(32).collect();
    let mut page = VerifyPage {
        ctx,
        number,
        code,
        result: None,
        problem: None,
        limited: None,
        proof: None,
    };
    let mut status = StatusCode::OK;
    if !page.number.is_empty() || !page.code.is_empty() {
        match app
            .verify_certificate(&meta, &page.number, &page.code)
            .await
        {
            Ok(v) => {
                page.proof = inclusion_proof(v.seal_proof.as_ref());
                page.result = Some(v);
            }
            Err(ServiceError::RateLimited(m)) => {
                status = StatusCode::TOO_MANY_REQUESTS;
                page.limited = Some(m);
            }
            Err(ServiceError::Rejected { message, .. }) => {
                status = StatusCode::UNPROCESSABLE_ENTITY;
                page.problem = Some(message);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut resp = render(&page);
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    Ok(resp)
}

/// The seal log's inclusion proof that came with the verification, as the page shows it.
fn inclusion_proof(p: Option<&SealProof>) -> Option<ProofView> {
    let p = p?;
    let state = match (p.state.as_str(), p.verified) {
        ("covered", true) => "included",
        ("covered", false) => "mismatch",
        _ => "pending",
    };
    let (checkpoint_size, signed_at, root_short) = (
        p.checkpoint_size.unwrap_or(0),
        p.checkpoint_signed_at.map(date_of).unwrap_or_default(),
        p.checkpoint_root
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(16)
            .collect(),
    );
    Some(ProofView {
        state,
        checkpoint_size,
        logs: p.head_count.unwrap_or(1),
        log_size: p.log_size.or(p.checkpoint_size).unwrap_or(0),
        signed_at,
        root_short,
        message: p.message.clone(),
    })
}
