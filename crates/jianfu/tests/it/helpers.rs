//! One way to get a database and one way to start a test server.
//!
//! PostgreSQL: `JIANFU_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/test`). Each test
//! gets a schema of its own. When the server cannot be reached the PostgreSQL half of a test is
//! skipped with a message, unless `JIANFU_REQUIRE_PG=1` (set by `.ci/run`), which makes it fail.

#![allow(dead_code)]

use jianfu_domain::{Clock, ManualClock};
use jianfu_server::service::RequestMeta;
use jianfu_server::{App, Config};
use jianfu_store::{DatabaseUrl, Store};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub const DEMO_PASSWORD: &str = jianfu_server::service::demo::DEMO_PASSWORD;

/// A database for one test; dropped databases are left for the OS (temp dir) or PostgreSQL.
pub struct TestDb {
    pub url: DatabaseUrl,
    /// The raw URL, for passing to the `jianfu` binary.
    pub raw_url: String,
    pub label: &'static str,
    /// Holds the SQLite file, if any, and the data directory (keys) of apps on this database.
    _dir: Option<TempDir>,
}

impl TestDb {
    /// The data directory apps and the CLI use with this database (where keys are kept).
    pub fn data_dir(&self) -> PathBuf {
        self._dir
            .as_ref()
            .map(|d| d.0.join("data"))
            .expect("every test database has a directory")
    }
}

pub struct TempDir(pub PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn temp_dir() -> TempDir {
    let p = std::env::temp_dir().join(format!("jianfu-test-{}", uuid_like()));
    std::fs::create_dir_all(&p).expect("temp dir");
    TempDir(p)
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn sqlite_db() -> TestDb {
    let dir = temp_dir();
    let path = dir.0.join("jianfu.db");
    let raw_url = format!("sqlite:{}", path.display());
    TestDb {
        url: DatabaseUrl::parse(&raw_url).unwrap(),
        raw_url,
        label: "sqlite",
        _dir: Some(dir),
    }
}

pub fn pg_base_url() -> String {
    std::env::var("JIANFU_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema in the test PostgreSQL, or `None` (with a message) when none is reachable.
pub async fn pg_db() -> Option<TestDb> {
    use sqlx::Connection;
    let base = pg_base_url();
    let conn = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        sqlx::PgConnection::connect(&base),
    )
    .await;
    let mut conn = match conn {
        Ok(Ok(c)) => c,
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".into(),
            };
            if std::env::var("JIANFU_REQUIRE_PG").as_deref() == Ok("1") {
                panic!(
                    "PostgreSQL required (JIANFU_REQUIRE_PG=1) but unreachable at {base}: {why}"
                );
            }
            eprintln!(
                "SKIP PostgreSQL part: no PostgreSQL at {base} ({why}); set JIANFU_TEST_PG_URL"
            );
            return None;
        }
    };
    let schema = format!("jf_test_{}", uuid_like().replace('-', "_"));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    let raw_url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let url = DatabaseUrl::parse(&raw_url).unwrap();
    if partitioned() {
        // Migrated, then every distributed table rebuilt hash-partitioned by its distribution
        // column: PostgreSQL then enforces Citus's key rule on everything the test does.
        jianfu_store::open(&url)
            .await
            .expect("migrate the test schema");
        jianfu_store::distribution::hash_partition_postgres(&url, 4)
            .await
            .expect("partition the distributed tables");
    }
    Some(TestDb {
        url,
        raw_url,
        label: "postgres",
        _dir: Some(temp_dir()),
    })
}

/// `JIANFU_TEST_PG_PARTITIONED=1`: the PostgreSQL half of the tests runs on hash-partitioned
/// tables (issue 14 §3), and the SQLite half of `backends()` is left out (it ran already).
pub fn partitioned() -> bool {
    std::env::var("JIANFU_TEST_PG_PARTITIONED").as_deref() == Ok("1")
}

/// SQLite always, PostgreSQL when reachable: the backends every contract test runs against.
pub async fn backends() -> Vec<TestDb> {
    let mut v = if partitioned() {
        vec![]
    } else {
        vec![sqlite_db()]
    };
    v.extend(pg_db().await);
    v
}

pub fn test_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        time::macros::datetime!(2026-11-28 09:00 +8),
    ))
}

/// An app over `db` with a manual clock, migrated, optionally with the demo district loaded.
pub async fn app(db: &TestDb, demo: bool) -> (App, Arc<ManualClock>) {
    let store: Arc<dyn Store> = jianfu_store::open(&db.url)
        .await
        .expect("open test database");
    let clock = test_clock();
    let config = Config {
        data_dir: db.data_dir(),
        ..Config::default()
    };
    let app = App::new(store, clock.clone() as Arc<dyn Clock>, config);
    if demo {
        app.load_demo(&RequestMeta::console())
            .await
            .expect("demo loads");
    }
    (app, clock)
}

/// The real router on a free loopback port.
pub struct TestServer {
    pub base: String,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub db: TestDb,
}

impl TestServer {
    pub async fn start(db: TestDb) -> Self {
        let (app, clock) = app(&db, true).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = jianfu_server::router(app.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .ok();
        });
        TestServer {
            base: format!("http://{addr}"),
            app,
            clock,
            db,
        }
    }

    pub async fn sqlite() -> Self {
        Self::start(sqlite_db()).await
    }

    /// The audit records of exactly this action (the search itself matches a prefix).
    pub async fn audit_records(&self, action: &str) -> Vec<jianfu_store::AuditRecord> {
        self.app
            .store
            .search_audit(&jianfu_store::AuditQuery {
                action: Some(action.into()),
                limit: 100_000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.action == action)
            .collect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client that keeps cookies and does not follow redirects (tests look at them).
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// The code a demo administrator's authenticator app shows now (by the test clock); `None`
    /// for accounts without a published demo secret.
    pub fn totp_code(&self, username: &str) -> Option<String> {
        demo_secret(username).map(|s| s.code_at_ms(self.app.now_ms()))
    }

    /// Each TOTP code is accepted once: moves the test clock to the next 30-second step so a
    /// further login of the same administrator gets a fresh code.
    pub fn next_totp_step(&self) {
        self.clock.advance(time::Duration::seconds(30));
    }

    /// Logs in through the API and returns the bearer token. Demo administrators give the
    /// current code of their published authenticator secret.
    pub async fn api_token(&self, username: &str) -> String {
        for _ in 0..2 {
            let mut body = serde_json::json!({"username": username, "password": DEMO_PASSWORD});
            if let Some(code) = self.totp_code(username) {
                body["code"] = code.into();
            }
            let r = reqwest::Client::new()
                .post(self.url("/api/v1/auth/login"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: serde_json::Value = r.json().await.unwrap();
            if status == 401 && v["code"] == "second_factor_reused" {
                self.next_totp_step();
                continue;
            }
            assert_eq!(status, 200, "login {username}: {v}");
            return v["token"].as_str().unwrap().to_string();
        }
        panic!("login {username}: code refused twice");
    }

    /// Logs in through the login page; returns a cookie-keeping client. Demo administrators
    /// continue on the code page with the current code of their published secret.
    pub async fn web_login(&self, username: &str) -> reqwest::Client {
        let c = self.browser();
        let page = c
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = hidden_field(&page, "csrf").expect("login form has csrf");
        let r = c
            .post(self.url("/login"))
            .form(&[
                ("username", username),
                ("password", DEMO_PASSWORD),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        if r.status() == 200 && self.totp_code(username).is_some() {
            let page = r.text().await.unwrap();
            assert!(page.contains("action=\"/login/code\""), "code page: {page}");
            self.submit_web_code(&c, &page, username).await;
            return c;
        }
        assert_eq!(r.status(), 303, "web login {username}");
        c
    }

    /// Answers the code page `page` with the demo administrator's current code (moving to the
    /// next time step once if this step's code was used already); asserts the session opens.
    pub async fn submit_web_code(&self, c: &reqwest::Client, page: &str, username: &str) {
        let mut page = page.to_string();
        for _ in 0..2 {
            let ticket = hidden_field(&page, "ticket").expect("code page has a ticket");
            let csrf = hidden_field(&page, "csrf").expect("code page has csrf");
            let code = self.totp_code(username).expect("a demo administrator");
            let r = c
                .post(self.url("/login/code"))
                .form(&[
                    ("username", username),
                    ("ticket", &ticket),
                    ("code", &code),
                    ("csrf", &csrf),
                ])
                .send()
                .await
                .unwrap();
            if r.status() == 303 {
                return;
            }
            let status = r.status();
            page = r.text().await.unwrap();
            assert_eq!(status, 401, "code for {username}: {page}");
            assert!(page.contains("已经用过"), "{page}");
            self.next_totp_step();
        }
        panic!("web login {username}: code refused twice");
    }
}

/// The published authenticator secret of a demo administrator.
pub fn demo_secret(username: &str) -> Option<jianfu_domain::second_factor::TotpSecret> {
    jianfu_server::service::second_factor::demo_secret(username)
}

/// The value of `<input type="hidden" name="NAME" value="…">` in a page.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Path of the built `jianfu` binary.
pub fn jianfu_bin() -> &'static str {
    env!("CARGO_BIN_EXE_jianfu")
}

/// An API answer with the expected status, as JSON.
pub async fn json_ok(r: reqwest::Response, status: u16) -> serde_json::Value {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// An API error with the expected status and stable code, whose message is Chinese; returns
/// the message.
pub async fn expect_code(r: reqwest::Response, status: u16, code: &str) -> String {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{code}: {text}");
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(v["code"], code, "{text}");
    let msg = v["message"].as_str().unwrap().to_string();
    assert!(
        msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese message: {msg}"
    );
    msg
}

/// POST a JSON body with a bearer token (the API tests' one way to call the API).
pub async fn api_post(
    s: &TestServer,
    token: &str,
    path: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(s.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// GET with a bearer token.
pub async fn api_get(s: &TestServer, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}
