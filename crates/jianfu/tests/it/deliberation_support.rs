//! Shared by the 议事协商 test modules (`deliberation`, `deliberation_votes`,
//! `deliberation_meetings`, `deliberation_forms`, `deliberation_demo`, `deliberation_pages`): the
//! community and meeting date the tests use, extra residents, raw SQL on the test database, and
//! the API steps every scenario takes (propose and accept a topic, draft a meeting and publish its
//! notice, run one of its steps). No tests.

use crate::helpers::{TestDb, TestServer, api_post, json_ok};
use jianfu_server::service::RequestMeta;
use jianfu_server::service::accounts::NewAccount;
use jianfu_store::DatabaseUrl;
use serde_json::{Value, json};
use sqlx::Connection;

pub(crate) const SANHE: &str = "110115001901";
/// The test clock starts on 2026-11-28; the notice must come 3 days ahead.
pub(crate) const HELD_ON: &str = "2026-12-01";

pub(crate) async fn second_resident(s: &TestServer, username: &str) {
    resident_of(s, username, SANHE).await;
}

/// One statement straight on the database, as anyone with write access could run it.
pub(crate) async fn raw_exec(db: &TestDb, sql: &str) -> Result<u64, String> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match &db.url {
        DatabaseUrl::Sqlite { path } => {
            let mut c = sqlx::SqliteConnection::connect_with(
                &sqlx::sqlite::SqliteConnectOptions::new().filename(path),
            )
            .await
            .unwrap();
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
        DatabaseUrl::Postgres { url } => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query(sql)
                .execute(&mut c)
                .await
                .map(|r| r.rows_affected())
                .map_err(|e| e.to_string())
        }
    }
}

pub(crate) async fn resident_of(s: &TestServer, username: &str, community: &str) {
    s.app
        .create_account_owned(
            &jianfu_server::service::Actor::console(),
            &RequestMeta::console(),
            &NewAccount {
                username: username.into(),
                display_name: "刘居民".into(),
                password: jianfu_server::service::demo::DEMO_PASSWORD.into(),
                roles: vec!["resident".into()],
                org: community.into(),
            },
        )
        .await
        .expect("second resident");
}

pub(crate) async fn topic(s: &TestServer, token: &str, title: &str) -> String {
    let t = json_ok(
        api_post(
            s,
            token,
            "/api/v1/deliberation/topics",
            &json!({ "title": title, "body": "情况说明" }),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(t["state"], "proposed");
    t["id"].as_str().unwrap().to_string()
}

pub(crate) async fn accept(s: &TestServer, token: &str, id: &str) {
    let t = json_ok(
        api_post(
            s,
            token,
            &format!("/api/v1/deliberation/topics/{id}/decision"),
            &json!({ "accept": true }),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(t["state"], "accepted");
}

pub(crate) fn meeting_body(
    kind: &str,
    mode: &str,
    basis: &str,
    base: i64,
    topics: &[&str],
) -> Value {
    meeting_on(HELD_ON, kind, mode, basis, base, topics)
}

pub(crate) fn meeting_on(
    held_on: &str,
    kind: &str,
    mode: &str,
    basis: &str,
    base: i64,
    topics: &[&str],
) -> Value {
    // A residents' meeting is noticed 10 days ahead (组织法第二十六条); these tests hold it
    // sooner under the law's special-circumstance clause, which `meeting_notice` tests itself.
    let reason = if kind == "residents_meeting" {
        "楼体外墙脱落须尽快决定维修方案（测试）"
    } else {
        ""
    };
    json!({
        "kind": kind, "title": "测试会议", "held_on": held_on, "held_at": "19:00",
        "place": "居委会会议室", "material": "议题材料",
        "participants": [["residents", "各楼居民"], ["property_company", "物业"]],
        "voter_basis": basis, "vote_mode": mode, "base": base, "topics": topics,
        "notice_reason": reason,
    })
}

/// A meeting drafted from `body` by the holder of `token` and its notice published: its id.
pub(crate) async fn noticed_meeting(s: &TestServer, token: &str, body: &Value) -> String {
    let m = json_ok(
        api_post(s, token, "/api/v1/deliberation/meetings", body).await,
        201,
    )
    .await;
    let id = m["id"].as_str().unwrap().to_string();
    json_ok(
        step(s, token, &id, json!({ "action": "notice" })).await,
        200,
    )
    .await;
    id
}

pub(crate) async fn step(s: &TestServer, token: &str, id: &str, body: Value) -> reqwest::Response {
    api_post(
        s,
        token,
        &format!("/api/v1/deliberation/meetings/{id}/steps"),
        &body,
    )
    .await
}
