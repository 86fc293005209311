//! The baseline for "authenticated reads ≥ 0.5× a bare axum handler on the same machine"
//! (issue 10 §5): a plain axum server with no middleware, no authentication and no database,
//! answering `GET /api/v1/orgs` with the same JSON a community worker gets from jianfu (one
//! organisation). Measure both with wrk in one run (docs/performance.md, 议题 10).
//!
//! `cargo run --release -p jianfu-server --example bare_axum -- 127.0.0.1:8182`

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

async fn orgs() -> Json<Value> {
    Json(json!([{
        "code": "110115001901",
        "name": "兴丰街道演示第一社区居委会",
        "kind": "community",
        "parent": "110115001"
    }]))
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8182".into());
    let app = Router::new().route("/api/v1/orgs", get(orgs));
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
    eprintln!("bare axum on http://{addr}/api/v1/orgs");
    axum::serve(listener, app).await.expect("serve");
}
