//! A real headless Chromium, driven over the W3C WebDriver protocol (plain HTTP to chromedriver,
//! no extra crates), logs in through the Chinese login page.
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`). Without them the test is skipped with a message, unless
//! `JIANFU_REQUIRE_BROWSER=1`, which makes it fail.

use crate::helpers::{DEMO_PASSWORD, TempDir, TestServer, temp_dir};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key under which an element reference is returned.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Runs chromedriver on a free port; kills it when dropped, even if the test panics.
struct Driver {
    child: Child,
    base: String,
    port: u16,
    profile: TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser session; deleted when dropped (which makes chromedriver close Chromium), so no
/// browser outlives the test. Deletion on drop uses a raw blocking request because `Drop` cannot
/// await.
struct Session {
    http: reqwest::Client,
    base: String,
    port: u16,
    id: String,
    deleted: bool,
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.deleted {
            return;
        }
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let _ = write!(
            s,
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.id, self.port
        );
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether the browser test can run here; `false` (after a message) means skip.
fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "{} not found; install the Debian packages: apt-get install -y chromium chromium-driver",
        missing.join(" and ")
    );
    if std::env::var("JIANFU_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("browser required (JIANFU_REQUIRE_BROWSER=1) but {msg}");
    }
    eprintln!("SKIP browser test: {msg}");
    false
}

impl Driver {
    async fn start() -> Driver {
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
            profile: temp_dir(),
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{}/status", driver.base)).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    async fn new_session(&self) -> Session {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    format!("--user-data-dir={}", self.profile.0.display()),
                    "--window-size=1280,900",
                ],
            },
        }}});
        let r = http
            .post(format!("{}/session", self.base))
            .json(&caps)
            .send()
            .await
            .expect("POST /session");
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert!(status.is_success(), "new session failed: {v}");
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no sessionId in {v}"))
            .to_string();
        Session {
            http,
            base: self.base.clone(),
            port: self.port,
            id,
            deleted: false,
        }
    }
}

impl Session {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.id, path);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path} -> {status}: {v}");
        v["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element for {css}: {v}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn value_of(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::GET,
            &format!("/element/{el}/property/value"),
            None,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn title(&self) -> String {
        self.call(reqwest::Method::GET, "/title", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn script(&self, js: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
        .await
    }

    /// Waits until the page source contains `text` (navigation after a click may lag a little).
    async fn wait_for_text(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let src = self.source().await;
            if src.contains(text) {
                return src;
            }
            assert!(
                Instant::now() < deadline,
                "page never showed {text:?}; url {}, source:\n{src}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn delete(mut self) {
        self.call(reqwest::Method::DELETE, "", None).await;
        self.deleted = true;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn browser_login_in_headless_chromium() {
    if !browser_available() {
        return;
    }
    let server = TestServer::sqlite().await;
    // Declared first, dropped last: the session is deleted before chromedriver is killed.
    let driver = Driver::start().await;
    let b = driver.new_session().await;

    b.goto(&server.url("/login")).await;
    assert!(
        b.title().await.contains("登录"),
        "title: {}",
        b.title().await
    );
    assert_eq!(
        b.script("return document.documentElement.lang").await,
        "zh-CN"
    );

    // Wrong password: a Chinese error, and the username is still there.
    b.type_into("#username", "shegong").await;
    b.type_into("#password", "Wrong@Pass1").await;
    b.click("form[action='/login'] button[type=submit]").await;
    let src = b.wait_for_text("用户名或密码不正确").await;
    assert!(src.contains("id=\"login-error\""));
    assert!(b.current_url().await.ends_with("/login"));
    assert_eq!(b.value_of("#username").await, "shegong");
    assert_eq!(b.value_of("#password").await, "", "password is not kept");

    // The right password lands on the community worker's home page.
    b.type_into("#password", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    let src = b.wait_for_text("社区工作者工作台").await;
    assert!(src.contains("丁香雅苑社区"));
    assert!(src.contains("退出登录"));
    let url = b.current_url().await;
    assert_eq!(url, server.url("/"), "redirected home");
    assert!(b.title().await.starts_with("首页"));
    assert_eq!(
        b.script("return document.documentElement.lang").await,
        "zh-CN"
    );
    // The session cookie is HttpOnly: scripts cannot read it.
    let js_cookies = b.script("return document.cookie").await;
    assert!(
        !js_cookies
            .as_str()
            .unwrap_or_default()
            .contains("jf_session"),
        "{js_cookies}"
    );
    // The stylesheet loaded under the strict content security policy.
    let styled = b
        .script("return getComputedStyle(document.querySelector('.skip-link')).position")
        .await;
    assert_ne!(styled, "static", "app.css applied");

    // A department clerk sees the gate's decision while filling in the request (htmx, served
    // by jianfu under the same strict CSP): a mislabelled title is caught without submitting.
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("id=\"username\"").await;
    b.type_into("#username", "minzheng").await;
    b.type_into("#password", DEMO_PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    b.wait_for_text("部门经办人工作台").await;
    b.goto(&server.url("/assignments/new")).await;
    b.type_into("#title", "协助开展招商引资").await;
    b.click("input[name=all_communities]").await;
    b.script(
        "document.getElementById('period_from').value='2026-12-01';\
         const to=document.getElementById('period_to'); to.value='2026-12-31';\
         to.dispatchEvent(new Event('change',{bubbles:true})); return true",
    )
    .await;
    let live = b.wait_for_text("文本甄别").await;
    assert!(live.contains("不予准入"), "live decision shown");
    assert!(
        !b.current_url().await.contains("/assignments/0"),
        "nothing was submitted"
    );

    // Anyone holding a certificate checks it on a phone, without logging in: typed in lower
    // case without the hyphen, as people do.
    let demo = server
        .app
        .load_demo_certificates(&jianfu_server::service::RequestMeta::console())
        .await
        .unwrap();
    b.click("form[action='/logout'] button").await;
    b.wait_for_text("id=\"username\"").await;
    b.call(
        reqwest::Method::POST,
        "/window/rect",
        Some(json!({"width": 390, "height": 844})),
    )
    .await;
    b.goto(&server.url("/verify")).await;
    b.type_into("#number", &demo.number).await;
    b.type_into("#code", &demo.code.to_lowercase().replace('-', ""))
        .await;
    b.click("form[action='/verify'] button[type=submit]").await;
    let src = b.wait_for_text("证明真实有效").await;
    assert!(src.contains("王*民"), "masked holder");
    assert!(
        !src.contains("11010519491231002X"),
        "no ID number on the page"
    );
    assert!(
        src.contains("已纳入用印登记簿签名检查点"),
        "seal-log proof shown"
    );
    let fits = b
        .script("const m=document.querySelector('main'); return m.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(fits, true, "the result fits a 390 px phone screen");

    b.delete().await;
    drop(driver);
}
