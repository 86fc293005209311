//! The perimeter (issue 9 §3–4): slow clients are cut off, control characters are refused at the
//! boundary, the SQLite file is whole after a clean stop and can be backed up while serving.

use crate::helpers::*;
use jianfu_server::http::serve::{ConnectionLimits, serve};
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A server with short limits, stopped by the returned sender.
async fn limited_server(
    limits: ConnectionLimits,
) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let db = sqlite_db();
    let (app, _clock) = app(&db, false).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _db = db;
        serve(listener, jianfu_server::router(app), limits, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (addr, stop)
}

/// Reads until the server closes the socket; returns how long that took.
async fn closed_after(s: &mut tokio::net::TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout(within, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => continue, // e.g. a 408 response before the close
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_slow_header_connection_is_closed_within_the_timeout() {
    let (addr, _stop) = limited_server(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(30),
        max_connections: 64,
    })
    .await;
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let took = closed_after(&mut slow, Duration::from_secs(5))
        .await
        .expect("the half-sent request's connection is closed");
    assert!(took < Duration::from_secs(3), "closed after {took:?}");

    // A normal request on a new connection is answered, and carries the client address.
    let r = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_connection_cap_queues_clients_instead_of_failing() {
    let (addr, _stop) = limited_server(ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(30),
        max_connections: 4,
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
        held.push(s);
    }
    // The fifth client waits until a slot is freed by the header timeout, then is served.
    let start = Instant::now();
    let r = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// `jianfu serve` on a free port over `data_dir`; returns the child and its address.
fn spawn_serve(data_dir: &std::path::Path) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(jianfu_bin())
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("JIANFU_DATABASE_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_up(base: &str) {
    for _ in 0..300 {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not start");
}

async fn count(path: &std::path::Path, table: &str) -> i64 {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}?mode=ro", path.display()))
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&mut c)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn backup_while_writing_and_a_clean_stop_leaves_one_whole_file() {
    let dir = temp_dir();
    let data = dir.0.join("data");
    let (mut child, base) = spawn_serve(&data);
    wait_up(&base).await;

    // Writes keep coming (each login and failed login is an audited row) during the backup.
    let writer_base = base.clone();
    let writing = tokio::spawn(async move {
        let c = reqwest::Client::new();
        for i in 0..60 {
            let _ = c
                .post(format!("{writer_base}/api/v1/auth/login"))
                .json(&serde_json::json!({"username": format!("nobody{i}"), "password": "x"}))
                .send()
                .await;
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let copy = dir.0.join("copy.db");
    let out = Command::new(jianfu_bin())
        .args(["backup", "-o"])
        .arg(&copy)
        .arg("--data-dir")
        .arg(&data)
        .env_remove("JIANFU_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writing.await.unwrap();
    // The copy is a database on its own (no WAL beside it) with the demo's accounts and audit.
    assert!(!copy.with_extension("db-wal").exists());
    assert!(count(&copy, "users").await >= 10);
    let audited = count(&copy, "audit_log").await;
    assert!(audited > 0);
    // A second backup to the same file is refused rather than overwriting it.
    let again = Command::new(jianfu_bin())
        .args(["backup", "-o"])
        .arg(&copy)
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(!again.status.success());

    // A clean stop (SIGTERM): afterwards jianfu.db alone holds every row.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let db = data.join("jianfu.db");
    let wal = data.join("jianfu.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "the WAL is empty after a clean stop"
    );
    let only = dir.0.join("only.db");
    std::fs::copy(&db, &only).unwrap();
    assert!(count(&only, "audit_log").await >= audited);
    assert!(count(&only, "users").await >= 10);
}

#[tokio::test]
async fn a_nul_character_is_refused_with_a_code_never_a_server_error() {
    for db in backends().await {
        let s = TestServer::start(db).await;
        let label = s.db.label;
        let c = reqwest::Client::new();

        // Login, API and page.
        let r = c
            .post(s.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "shegong\u{0}", "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        let msg = expect_code(r, 422, "control_character").await;
        assert!(
            msg.contains("username") && msg.contains("U+0000"),
            "{label}: {msg}"
        );
        let r = s
            .browser()
            .post(s.url("/login"))
            .form(&[
                ("username", "shegong\u{0}"),
                ("password", "x"),
                ("csrf", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{label}");
        assert!(r.text().await.unwrap().contains("控制字符"), "{label}");

        // A submission's title.
        let mz = s.api_token("minzheng").await;
        let r = c
            .post(s.url("/api/v1/assignments"))
            .bearer_auth(&mz)
            .json(&serde_json::json!({
                "department": "110115-MZJ",
                "item_code": "A12",
                "title": "协助入户核查\u{0}",
                "legal_basis": ["《社会救助暂行办法》第十一条"],
                "community_role": "assist",
                "communities": ["110115001901"],
                "period": {"from": "2026-12-01", "to": "2026-12-31"},
                "funding": {"amount_yuan": 1200, "channel": "区财政专项"},
                "burdens": [],
                "authority": "入户核查"
            }))
            .send()
            .await
            .unwrap();
        let msg = expect_code(r, 422, "control_character").await;
        assert!(msg.contains("title"), "{label}: {msg}");

        // A certificate application's reason; also in a query string.
        let jumin = s.api_token("jumin").await;
        let r = c
            .post(s.url("/api/v1/certificates/applications"))
            .bearer_auth(&jumin)
            .json(&serde_json::json!({
                "item_code": "C05",
                "applicant_name": "王小明",
                "reason": "继承\u{0}房产",
            }))
            .send()
            .await
            .unwrap();
        let msg = expect_code(r, 422, "control_character").await;
        assert!(msg.contains("reason"), "{label}: {msg}");
        let r = c
            .get(s.url("/api/v1/certificates/verify?number=%00&code=x"))
            .send()
            .await
            .unwrap();
        expect_code(r, 422, "control_character").await;

        // Ordinary text with line breaks and tabs still passes the boundary.
        let r = c
            .post(s.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": "shegong", "password": DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{label}");
    }
}
