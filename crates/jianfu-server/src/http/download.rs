//! One way to answer with a file (evidence, materials, certificate PDFs): the content type comes
//! from what jianfu detected or made, the file name is built by jianfu (never the uploader's), the
//! browser must not guess the type, and nothing is cached on the way.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// `Attachment` downloads; `Inline` opens in the browser (PDFs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Attachment,
    Inline,
}

pub fn file_response(
    content_type: &'static str,
    disposition: Disposition,
    file_name: &str,
    bytes: Vec<u8>,
) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Names are made of letters, digits, '-' and '.'; anything else is dropped, not escaped.
    let safe: String = file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .collect();
    let kind = match disposition {
        Disposition::Attachment => "attachment",
        Disposition::Inline => "inline",
    };
    if let Ok(v) = HeaderValue::from_str(&format!("{kind}; filename=\"{safe}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    resp
}
