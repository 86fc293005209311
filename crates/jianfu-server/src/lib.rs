//! jianfu's application layer and HTTP interface.
//!
//! - [`service`]: the use cases (log in, create an account, verify the audit trail, load the demo
//!   district). The CLI and the HTTP handlers both call these; neither talks to storage directly.
//! - [`web`]: server-rendered Chinese pages (askama templates in `templates/`).
//! - [`api`]: the JSON API under `/api/v1`, whose OpenAPI document is generated from the code.
//! - [`http`]: what both share: errors, security headers, assets, the router.

pub mod api;
pub mod config;
pub mod http;
pub mod service;
pub mod web;

pub use config::Config;
pub use http::router::router;
pub use service::App;
