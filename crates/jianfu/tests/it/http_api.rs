//! The JSON API under `/api/v1`, end to end over real HTTP against the real router (SQLite, demo
//! district, manual clock): login and lockout, the one error shape, body limits, bearer tokens,
//! read scoping per role, session expiry, long-lived API tokens, OpenAPI, health, security
//! headers, request ids and the audit trail.

use crate::helpers::{DEMO_PASSWORD, TestServer};
use reqwest::{Client, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Asserts the API's one error shape: exactly `code` and `message`, the given status and code, and
/// a Chinese message. Returns the message.
async fn expect_error(r: Response, status: u16, code: &str) -> String {
    let got = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = r.text().await.unwrap();
    assert_eq!(got.as_u16(), status, "status for {code}: body {text}");
    assert!(
        ct.starts_with("application/json"),
        "content-type {ct:?} for {code}"
    );
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {text}"));
    let keys: BTreeSet<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["code", "message"]),
        "error keys: {text}"
    );
    assert_eq!(v["code"], code, "{text}");
    let msg = v["message"]
        .as_str()
        .expect("message is a string")
        .to_string();
    assert!(has_chinese(&msg), "message should be Chinese: {msg:?}");
    msg
}

/// A system account (a department system that holds API tokens), made at the console with one
/// business role.
async fn system_account(server: &TestServer, username: &str, org: &str, role: &str) {
    use jianfu_server::service::{Actor, RequestMeta};
    server
        .app
        .create_system_account(
            &Actor::console(),
            &RequestMeta::console(),
            username,
            "民政局业务系统",
            org,
            &[jianfu_domain::Role::parse(role).unwrap()],
        )
        .await
        .expect("system account");
}

async fn login(server: &TestServer, username: &str, password: &str) -> Response {
    Client::new()
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn get_with(server: &TestServer, path: &str, token: &str) -> Response {
    Client::new()
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The codes of `/api/v1/orgs` as seen with `token`.
async fn org_codes(server: &TestServer, token: &str) -> Vec<String> {
    let r = get_with(server, "/api/v1/orgs", token).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v.as_array()
        .expect("orgs is an array")
        .iter()
        .map(|o| o["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_login_returns_token_and_wrong_password_is_chinese_401() {
    let server = TestServer::sqlite().await;

    let r = login(&server, "shegong", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let token = v["token"].as_str().expect("token");
    assert!(token.len() >= 40, "token looks random: {token}");
    assert_eq!(v["idle_timeout_minutes"], 30);

    // The token identifies the account.
    let me: Value = get_with(&server, "/api/v1/me", token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "shegong");
    assert_eq!(me["roles"], json!(["community_worker"]));
    assert_eq!(me["org"], "110115001901");

    let msg = expect_error(
        login(&server, "shegong", "Wrong@2026").await,
        401,
        "wrong_credentials",
    )
    .await;
    assert!(msg.contains("用户名或密码不正确"), "{msg}");
    // Unknown users get the same answer, so names cannot be probed.
    let msg2 = expect_error(
        login(&server, "nobody-here", "Wrong@2026").await,
        401,
        "wrong_credentials",
    )
    .await;
    assert!(msg2.contains("用户名或密码不正确"), "{msg2}");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_wrong_passwords_slow_one_client_down_without_locking_the_account() {
    let server = TestServer::sqlite().await;
    for i in 1..=5u32 {
        let msg = expect_error(
            login(&server, "jumin", "Wrong@2026").await,
            401,
            "wrong_credentials",
        )
        .await;
        // No countdown: it would tell a guesser that the name exists.
        assert!(!msg.contains("再错"), "attempt {i}: {msg}");
    }
    // Now this client waits a minute, even with the right password.
    let msg = expect_error(
        login(&server, "jumin", DEMO_PASSWORD).await,
        429,
        "too_many_attempts",
    )
    .await;
    assert!(msg.contains("在其他设备上登录不受影响"), "{msg}");
    // Other accounts are unaffected.
    assert_eq!(login(&server, "shegong", DEMO_PASSWORD).await.status(), 200);
    // After the delay (one minute) the right password works again.
    server.clock.advance(time::Duration::minutes(1));
    assert_eq!(login(&server, "jumin", DEMO_PASSWORD).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_rejects_bad_bodies_and_unknown_routes_in_one_shape() {
    let server = TestServer::sqlite().await;
    let c = Client::new();
    let login_url = server.url("/api/v1/auth/login");

    let r = c
        .post(&login_url)
        .header("content-type", "application/json")
        .body("{\"username\": \"shegong\", ")
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "invalid_json").await;

    let big = format!(
        "{{\"username\":\"shegong\",\"password\":\"{}\"}}",
        "x".repeat(70 * 1024)
    );
    let r = c
        .post(&login_url)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let msg = expect_error(r, 413, "payload_too_large").await;
    assert!(msg.contains("64"), "names the limit: {msg}");

    let r = c
        .post(&login_url)
        .body(json!({"username": "shegong", "password": DEMO_PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    expect_error(r, 415, "unsupported_media_type").await;

    // Well-formed JSON with a missing field.
    let r = c
        .post(&login_url)
        .json(&json!({"username": "shegong"}))
        .send()
        .await
        .unwrap();
    expect_error(r, 422, "invalid_field").await;

    let r = c.get(server.url("/api/v1/nope")).send().await.unwrap();
    let msg = expect_error(r, 404, "not_found").await;
    assert!(msg.contains("/api/v1/nope"), "{msg}");

    let r = c.delete(&login_url).send().await.unwrap();
    expect_error(r, 405, "method_not_allowed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_requires_a_valid_bearer_token() {
    let server = TestServer::sqlite().await;
    let c = Client::new();
    let r = c.get(server.url("/api/v1/orgs")).send().await.unwrap();
    let msg = expect_error(r, 401, "unauthenticated").await;
    assert!(msg.contains("Authorization"), "{msg}");

    let r = get_with(&server, "/api/v1/orgs", "not-a-real-token").await;
    expect_error(r, 401, "invalid_token").await;

    let r = c
        .get(server.url("/api/v1/orgs"))
        .header("authorization", "Basic c2hlZ29uZzpKaWFuZnVAMjAyNg==")
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "unauthenticated").await;

    // After logout the token is dead.
    let token = server.api_token("shegong").await;
    assert_eq!(
        get_with(&server, "/api/v1/orgs", &token).await.status(),
        200
    );
    let r = c
        .post(server.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_error(
        get_with(&server, "/api/v1/orgs", &token).await,
        401,
        "invalid_token",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_orgs_are_scoped_by_role() {
    let server = TestServer::sqlite().await;
    let demo = jianfu_server::service::demo::demo_orgs(0).unwrap();
    let count = |kind: &str| demo.iter().filter(|o| o.kind == kind).count();

    // Community worker: their own community, nothing else.
    let shegong = org_codes(&server, &server.api_token("shegong").await).await;
    assert_eq!(shegong, vec!["110115001901"]);
    let jumin = org_codes(&server, &server.api_token("jumin").await).await;
    assert_eq!(jumin, vec!["110115001901"]);

    // Another community's worker never sees 110115001901.
    let shegong2 = org_codes(&server, &server.api_token("shegong2").await).await;
    assert_eq!(shegong2, vec!["110115001902"]);
    assert!(!shegong2.contains(&"110115001901".to_string()));

    // Street officer: the street and its communities only.
    let jiedao = org_codes(&server, &server.api_token("jiedao").await).await;
    let mut expected: Vec<String> = demo
        .iter()
        .filter(|o| o.code == "110115001" || o.parent_code.as_deref() == Some("110115001"))
        .map(|o| o.code.clone())
        .collect();
    expected.sort();
    let mut got = jiedao.clone();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(got.len(), 4, "兴丰街道 and its three demo communities");
    assert!(!jiedao.contains(&"110115".to_string()));
    assert!(!jiedao.iter().any(|c| c.starts_with("110115002")));

    // Department clerk: own department, never another; streets, towns and communities yes.
    let minzheng = org_codes(&server, &server.api_token("minzheng").await).await;
    assert!(minzheng.contains(&"110115-MZJ".to_string()));
    let foreign: Vec<_> = minzheng
        .iter()
        .filter(|c| c.starts_with("110115-") && *c != "110115-MZJ")
        .collect();
    assert!(foreign.is_empty(), "other departments leaked: {foreign:?}");
    assert_eq!(
        minzheng.len(),
        1 + count("district") + count("street") + count("town") + count("community")
    );

    // Supervisor: everything.
    let ducha: Value = get_with(&server, "/api/v1/orgs", &server.api_token("ducha").await)
        .await
        .json()
        .await
        .unwrap();
    let ducha = ducha.as_array().unwrap();
    assert_eq!(ducha.len(), demo.len());
    let of = |kind: &str| ducha.iter().filter(|o| o["kind"] == kind).count();
    assert_eq!(of("district"), 1);
    assert_eq!(of("street"), 8);
    assert_eq!(of("town"), 14);
    assert_eq!(of("community"), count("community"));
    assert_eq!(of("department"), count("department"));
    assert!(of("department") >= 10);
    let xf = ducha.iter().find(|o| o["code"] == "110115001").unwrap();
    assert_eq!(xf["name"], "兴丰街道");
    assert_eq!(xf["kind"], "street");
    assert_eq!(xf["parent"], "110115");
    let district = ducha.iter().find(|o| o["kind"] == "district").unwrap();
    assert_eq!(district["parent"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_session_expires_after_idle_time() {
    let server = TestServer::sqlite().await;
    let token = server.api_token("shegong").await;
    assert_eq!(
        get_with(&server, "/api/v1/orgs", &token).await.status(),
        200
    );

    // Activity keeps the session alive: 20 + 20 minutes with a call in between.
    server.clock.advance(time::Duration::minutes(20));
    assert_eq!(get_with(&server, "/api/v1/me", &token).await.status(), 200);
    server.clock.advance(time::Duration::minutes(20));
    assert_eq!(get_with(&server, "/api/v1/me", &token).await.status(), 200);

    server.clock.advance(time::Duration::minutes(31));
    let msg = expect_error(
        get_with(&server, "/api/v1/orgs", &token).await,
        401,
        "session_expired",
    )
    .await;
    assert!(msg.contains("过期"), "{msg}");
    // A fresh login works again.
    let fresh = server.api_token("shegong").await;
    assert_eq!(
        get_with(&server, "/api/v1/orgs", &fresh).await.status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_long_lived_tokens_issue_use_and_revoke() {
    let server = TestServer::sqlite().await;
    let c = Client::new();
    system_account(&server, "minzheng-xitong", "110115-MZJ", "department_clerk").await;
    let admin = server.api_token("sysadmin").await;
    let issue = |token: String, body: Value| {
        let c = c.clone();
        let url = server.url("/api/v1/tokens");
        async move {
            c.post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };

    let r = issue(
        admin.clone(),
        json!({"name": "民政局业务系统", "username": "minzheng-xitong"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    let secret = v["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("jf_"), "{secret}");

    // The token acts as the system account, with its organisation's scope; the caller is named
    // as the system account and the token.
    let me: Value = get_with(&server, "/api/v1/me", &secret)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["username"],
        format!("system:minzheng-xitong/token:{id}").as_str()
    );
    let codes = org_codes(&server, &secret).await;
    assert!(codes.contains(&"110115-MZJ".to_string()));
    assert!(
        !codes
            .iter()
            .any(|c| c.starts_with("110115-") && c != "110115-MZJ")
    );

    // It is listed, without the secret.
    let list = get_with(&server, "/api/v1/tokens", &admin).await;
    assert_eq!(list.status(), 200);
    let list_text = list.text().await.unwrap();
    assert!(!list_text.contains(&secret), "secret must never be listed");
    let list: Value = serde_json::from_str(&list_text).unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .expect("issued token is listed");
    assert_eq!(row["username"], "minzheng-xitong");
    assert_eq!(row["system_name"], "民政局业务系统");
    assert_eq!(row["created_by"], "sysadmin");
    assert_eq!(row["name"], "民政局业务系统");
    assert_eq!(row["revoked_at"], Value::Null);

    // Only the system administrator may issue or list tokens.
    let shegong = server.api_token("shegong").await;
    expect_error(
        issue(
            shegong.clone(),
            json!({"name": "x", "username": "minzheng-xitong"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    expect_error(
        get_with(&server, "/api/v1/tokens", &shegong).await,
        403,
        "forbidden",
    )
    .await;
    // People's accounts (administrators included) cannot get long-lived tokens.
    for person in ["secadmin", "auditadmin", "sysadmin", "shuji", "minzheng"] {
        let msg = expect_error(
            issue(admin.clone(), json!({"name": "x", "username": person})).await,
            422,
            "not_a_system_account",
        )
        .await;
        assert!(msg.contains("系统账号"), "{msg}");
    }
    expect_error(
        issue(
            admin.clone(),
            json!({"name": "  ", "username": "minzheng-xitong"}),
        )
        .await,
        422,
        "invalid_input",
    )
    .await;
    expect_error(
        // Named in the body: a refused input (422, as documented), not a missing resource.
        issue(admin.clone(), json!({"name": "x", "username": "nobody"})).await,
        422,
        "unknown_user",
    )
    .await;

    // Only the system administrator may revoke.
    let r = c
        .delete(server.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&shegong)
        .send()
        .await
        .unwrap();
    expect_error(r, 403, "forbidden").await;
    assert_eq!(
        get_with(&server, "/api/v1/orgs", &secret).await.status(),
        200
    );

    let r = c
        .delete(server.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Revocation takes effect at once (the caller cache is cleared) …
    expect_error(
        get_with(&server, "/api/v1/orgs", &secret).await,
        401,
        "invalid_token",
    )
    .await;
    // … and stays in effect after the cache would have been re-checked anyway.
    server.clock.advance(time::Duration::seconds(6));
    expect_error(
        get_with(&server, "/api/v1/me", &secret).await,
        401,
        "invalid_token",
    )
    .await;
    let list: Value = get_with(&server, "/api/v1/tokens", &admin)
        .await
        .json()
        .await
        .unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap();
    assert!(row["revoked_at"].is_i64(), "revoked_at set: {row}");

    // Both changes are in the audit trail, attributed to sysadmin.
    let audit = server.app.store.audit_all(1000).await.unwrap();
    for action in ["api_token.issue", "api_token.revoke"] {
        let rec = audit
            .iter()
            .find(|r| r.action == action && r.object == format!("api_token:{id}"))
            .unwrap_or_else(|| panic!("{action} audited"));
        assert_eq!(rec.actor.as_deref(), Some("sysadmin"));
        assert_eq!(rec.result, "success");
        assert_eq!(rec.client_addr.as_deref(), Some("127.0.0.1"));
        assert!(rec.request_id.is_some());
    }
    assert!(
        !audit.iter().any(|r| r.detail.contains(&secret)),
        "the secret never reaches the audit trail"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_openapi_and_health() {
    let server = TestServer::sqlite().await;
    let c = Client::new();
    let r = c
        .get(server.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.expect("openapi.json is JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/auth/login",
        "/api/v1/orgs",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/me",
        "/healthz",
        "/readyz",
    ] {
        assert!(paths.contains_key(p), "openapi lacks {p}");
    }
    assert!(paths["/api/v1/auth/login"].get("post").is_some());
    assert!(paths["/api/v1/tokens/{id}"].get("delete").is_some());
    assert!(
        doc.pointer("/components/securitySchemes/bearer").is_some(),
        "bearer scheme declared"
    );
    assert!(doc.pointer("/components/schemas/ErrorBody").is_some());

    let r = c.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
    let r = c.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ready");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_security_headers_and_request_ids() {
    let server = TestServer::sqlite().await;
    let c = Client::new();
    let token = server.api_token("shegong").await;
    let responses = vec![
        c.get(server.url("/healthz")).send().await.unwrap(),
        c.get(server.url("/api/v1/nope")).send().await.unwrap(),
        get_with(&server, "/api/v1/orgs", &token).await,
        c.get(server.url("/login")).send().await.unwrap(),
        login(&server, "shegong", "Wrong@2026").await,
    ];
    let mut ids = BTreeSet::new();
    for r in &responses {
        let h = r.headers();
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
        let csp = get("content-security-policy");
        assert!(
            csp.contains("default-src 'self'"),
            "{} csp {csp:?}",
            r.url()
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(get("x-frame-options"), "DENY", "{}", r.url());
        assert_eq!(get("x-content-type-options"), "nosniff", "{}", r.url());
        assert_eq!(get("referrer-policy"), "same-origin");
        let id = get("x-request-id");
        assert!(!id.is_empty(), "x-request-id on {}", r.url());
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "request id is a UUID: {id}"
        );
        ids.insert(id.to_string());
    }
    assert_eq!(ids.len(), responses.len(), "every request gets its own id");
    // Dynamic responses are not cached; static assets may be.
    assert_eq!(
        responses[2].headers().get("cache-control").unwrap(),
        "no-store"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_login_is_audited_with_address_and_request_id() {
    let server = TestServer::sqlite().await;
    let r = login(&server, "minzheng", DEMO_PASSWORD).await;
    assert_eq!(r.status(), 200);
    let rid = r
        .headers()
        .get("x-request-id")
        .expect("x-request-id")
        .to_str()
        .unwrap()
        .to_string();
    let failed = login(&server, "minzheng", "Wrong@2026").await;
    assert_eq!(failed.status(), 401);

    let user = server
        .app
        .store
        .user_by_username("minzheng")
        .await
        .unwrap()
        .unwrap();
    let audit = server.app.store.audit_all(1000).await.unwrap();
    let ok: Vec<_> = audit
        .iter()
        .filter(|r| r.action == "auth.login" && r.result == "success")
        .collect();
    assert_eq!(ok.len(), 1, "one successful login: {ok:?}");
    let rec = ok[0];
    assert_eq!(rec.actor.as_deref(), Some("minzheng"));
    assert_eq!(rec.actor_role.as_deref(), Some("department_clerk"));
    assert_eq!(rec.object, format!("user:{}", user.id));
    assert_eq!(rec.client_addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        rec.request_id.as_deref(),
        Some(rid.as_str()),
        "audit carries the response's request id"
    );
    assert!(rec.detail.contains("api"), "{}", rec.detail);

    let bad = audit
        .iter()
        .find(|r| r.action == "auth.login" && r.result == "failure")
        .expect("failed login audited");
    assert_eq!(bad.object, format!("user:{}", user.id));
    assert_eq!(bad.client_addr.as_deref(), Some("127.0.0.1"));
    assert!(bad.request_id.is_some());
    assert!(bad.detail.contains("wrong_password"), "{}", bad.detail);
    assert!(
        !audit.iter().any(|r| r.detail.contains("Wrong@2026")),
        "passwords never reach the audit trail"
    );
    // Each chain's records are in order and chained.
    let mut chains: std::collections::BTreeMap<&str, Vec<&jianfu_store::AuditRecord>> =
        Default::default();
    for r in &audit {
        chains.entry(r.chain.as_str()).or_default().push(r);
    }
    for (_, mut c) in chains {
        c.sort_by_key(|r| r.seq);
        assert!(c.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
        assert!(c.windows(2).all(|w| w[1].prev_hash == w[0].hash));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_sessions_end_after_the_absolute_limit_despite_activity() {
    let server = TestServer::sqlite().await;
    let token = server.api_token("jiedao").await;
    // A call every 25 minutes keeps the session from idling out, up to 12 hours in total.
    let mut elapsed = 0;
    while elapsed + 25 < 12 * 60 {
        server.clock.advance(time::Duration::minutes(25));
        elapsed += 25;
        let r = get_with(&server, "/api/v1/me", &token).await;
        assert_eq!(r.status(), 200, "alive after {elapsed} minutes of activity");
    }
    server.clock.advance(time::Duration::minutes(25));
    expect_error(
        get_with(&server, "/api/v1/me", &token).await,
        401,
        "session_expired",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_long_lived_tokens_do_not_idle_out_but_die_with_their_account() {
    use jianfu_server::service::{Actor, RequestMeta};
    let server = TestServer::sqlite().await;
    system_account(&server, "jiedao-xitong", "110115001", "street_officer").await;
    let admin = server.api_token("sysadmin").await;
    let r = Client::new()
        .post(server.url("/api/v1/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"name": "街道系统", "username": "jiedao-xitong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let secret = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get_with(&server, "/api/v1/me", &secret).await.status(), 200);
    // Unlike a login session, a system token survives idle time …
    server.clock.advance(time::Duration::hours(2));
    assert_eq!(get_with(&server, "/api/v1/me", &secret).await.status(), 200);
    // (while the administrator's own login session did idle out)
    expect_error(
        get_with(&server, "/api/v1/tokens", &admin).await,
        401,
        "session_expired",
    )
    .await;
    let admin = server.api_token("sysadmin").await;

    // … but not the account being disabled.
    server
        .app
        .set_account_disabled(
            &Actor::console(),
            &RequestMeta::console(),
            "jiedao-xitong",
            true,
        )
        .await
        .unwrap();
    expect_error(
        get_with(&server, "/api/v1/me", &secret).await,
        403,
        "account_disabled",
    )
    .await;
    // A disabled account cannot log in either, even with the right password.
    server
        .app
        .set_account_disabled(&Actor::console(), &RequestMeta::console(), "jiedao", true)
        .await
        .unwrap();
    expect_error(
        login(&server, "jiedao", DEMO_PASSWORD).await,
        403,
        "account_disabled",
    )
    .await;
    // Nor get a new token.
    let r = Client::new()
        .post(server.url("/api/v1/tokens"))
        .bearer_auth(&admin)
        .json(&json!({"name": "x", "username": "jiedao-xitong"}))
        .send()
        .await
        .unwrap();
    expect_error(r, 422, "invalid_input").await;

    // Revoking an unknown token is a 404 in the usual shape.
    let r = Client::new()
        .delete(server.url("/api/v1/tokens/no-such-token"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    expect_error(r, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_api_query_and_path_errors_answer_in_the_one_shape() {
    let server = TestServer::sqlite().await;
    let token = server.api_token("shegong").await;

    // A query string that does not parse: JSON, not axum's plain text.
    let r = get_with(&server, "/api/v1/seal/entries?before=abc", &token).await;
    expect_error(r, 400, "invalid_query").await;
    let r = get_with(&server, "/api/v1/seal/entries?before=0", &token).await;
    expect_error(r, 400, "invalid_query").await;
    let r = get_with(
        &server,
        "/api/v1/catalog/items?kind=duty&kind=assist",
        &token,
    )
    .await;
    expect_error(r, 400, "invalid_query").await;
    let r = get_with(&server, "/api/v1/mandates?q=a&q=b", &token).await;
    expect_error(r, 400, "invalid_query").await;

    // Path parameters: not UTF-8 after decoding, or with a control character (U+0000 used to
    // reach PostgreSQL and answer 500).
    let r = get_with(&server, "/api/v1/assignments/110115-MZJ/%FF", &token).await;
    expect_error(r, 400, "invalid_path").await;
    let r = get_with(&server, "/api/v1/assignments/110115-MZJ/a%00b", &token).await;
    let msg = expect_error(r, 422, "control_character").await;
    assert!(msg.contains("id"), "names the parameter: {msg}");
    let r = get_with(&server, "/api/v1/mandates/%0A", &token).await;
    expect_error(r, 422, "control_character").await;

    // Unknown routes below /api/v1 (also below an existing one) and wrong methods.
    let r = get_with(&server, "/api/v1/assignments/x/y/nope", &token).await;
    expect_error(r, 404, "not_found").await;
    let r = Client::new()
        .put(server.url("/api/v1/seal/entries"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    expect_error(r, 405, "method_not_allowed").await;

    // Request bodies refuse properties they do not list (the document says additionalProperties:
    // false), so a misspelt optional field is not silently ignored.
    let r = Client::new()
        .post(server.url("/api/v1/seal/entries"))
        .bearer_auth(&token)
        .json(&json!({"content": "函", "copies": 1, "handler": "shegong", "aplicant": "王"}))
        .send()
        .await
        .unwrap();
    let msg = expect_error(r, 422, "invalid_field").await;
    assert!(msg.contains("aplicant"), "names the field: {msg}");
}
