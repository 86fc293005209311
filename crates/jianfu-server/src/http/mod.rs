//! What pages and API share: request context, errors, cookies, security headers, assets, router.

pub mod assets;
pub mod context;
pub mod cookies;
pub mod download;
pub mod error;
pub mod input_text;
pub mod router;
pub mod security_headers;
pub mod serve;
