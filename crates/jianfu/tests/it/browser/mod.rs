//! A real headless Chromium, driven over the W3C WebDriver protocol (plain HTTP to chromedriver,
//! no extra crates), uses the pages as people do, and axe-core checks every page it reaches for
//! accessibility problems after the interactions, not only on load.
//!
//! Needs the Debian packages `chromium` and `chromium-driver` (`/usr/bin/chromium`,
//! `/usr/bin/chromedriver`) and axe-core from `tools/axe` (`npm ci --prefix tools/axe`, which
//! `.ci/run` does). Without them the tests are skipped with a message, unless
//! `JIANFU_REQUIRE_BROWSER=1`, which makes them fail. No test tool downloads a browser.
//!
//! Screenshots of every page visited, at desktop (1280×900) and phone (390×844) widths, are
//! written to `target/screenshots/` (not committed) so that people can look at them.
//!
//! - `login`: logging in, the live gate decision, certificate verification on a phone.
//! - `every_page`: every page each demo role reaches from its navigation, and one entry of each
//!   list, plus the public pages.
//! - `gate_pages`: the access gate's pages (issues 8 and 15): the request form with digital
//!   burdens, the mandate register, list update candidates, approval with the next-draft box.
//! - `notices`: a resident's own notices (issue 10 §1), marked read at once; a handled one.

mod every_page;
mod gate_pages;
mod login;
mod notices;
mod second_factor;

use base64::Engine as _;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::helpers::{DEMO_PASSWORD, TempDir, temp_dir};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key under which an element reference is returned.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// axe-core as installed by `npm ci --prefix tools/axe` (version pinned in its package-lock.json).
const AXE_JS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tools/axe/node_modules/axe-core/axe.min.js"
);

/// The two widths every page is looked at: a desktop screen and a phone.
pub(super) const DESKTOP: (u32, u32) = (1280, 900);
pub(super) const PHONE: (u32, u32) = (390, 844);

fn required() -> bool {
    std::env::var("JIANFU_REQUIRE_BROWSER").as_deref() == Ok("1")
}

/// Skips (`false`, after a message) or fails, as `JIANFU_REQUIRE_BROWSER` says.
fn missing(what: &str) -> bool {
    if required() {
        panic!("browser required (JIANFU_REQUIRE_BROWSER=1) but {what}");
    }
    eprintln!("SKIP browser test: {what}");
    false
}

/// Whether Chromium and ChromeDriver are installed; `false` (after a message) means skip.
fn browser_available() -> bool {
    let absent: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if absent.is_empty() {
        return true;
    }
    missing(&format!(
        "{} not found; install the Debian packages: apt-get install -y chromium chromium-driver",
        absent.join(" and ")
    ))
}

/// The axe-core script, read once; `None` when it is not installed.
fn axe_source() -> Option<&'static str> {
    static AXE: OnceLock<Option<String>> = OnceLock::new();
    AXE.get_or_init(|| std::fs::read_to_string(AXE_JS).ok())
        .as_deref()
}

/// Whether axe-core is installed; `false` (after a message) means skip.
fn axe_available() -> bool {
    axe_source().is_some()
        || missing(&format!(
            "axe-core not found at {AXE_JS}; install it with: npm ci --prefix tools/axe"
        ))
}

/// Where screenshots go: `target/screenshots/` in the workspace.
fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

/// Runs chromedriver on a free port; kills it when dropped, even if the test panics.
pub(super) struct Driver {
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
pub(super) struct Session {
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

impl Driver {
    pub(super) async fn start() -> Driver {
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

    pub(super) async fn new_session(&self) -> Session {
        // axe on a long page takes a few seconds on a busy 2-core machine.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(180))
            .build()
            .unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"script": 120_000, "pageLoad": 60_000, "implicit": 0},
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
                    "--lang=zh-CN",
                    "--hide-scrollbars",
                    format!("--user-data-dir={}", self.profile.0.display()),
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
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

/// One axe-core finding, as returned by the helper script.
#[derive(Debug, serde::Deserialize)]
pub(super) struct AxeViolation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    pub targets: Vec<String>,
}

impl AxeViolation {
    fn blocking(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

impl Session {
    pub(super) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
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

    pub(super) async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub(super) async fn find(&self, css: &str) -> String {
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

    pub(super) async fn type_into(&self, css: &str, text: &str) {
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

    /// Picks a file on this machine for a file input, as a person would in the file chooser.
    pub(super) async fn attach(&self, css: &str, path: &std::path::Path) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": path.display().to_string()})),
        )
        .await;
    }

    pub(super) async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub(super) async fn value_of(&self, css: &str) -> String {
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

    pub(super) async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub(super) async fn title(&self) -> String {
        self.call(reqwest::Method::GET, "/title", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub(super) async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub(super) async fn script(&self, js: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
        .await
    }

    /// Waits until the page source contains `text` (navigation after a click may lag a little).
    pub(super) async fn wait_for_text(&self, text: &str) -> String {
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

    /// Waits until `js` (a function body) returns `true`.
    pub(super) async fn wait_until(&self, what: &str, js: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.script(js).await == true {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what}; url {}, page text:\n{}",
                self.current_url().await,
                self.script("return document.body.innerText").await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Logs in through the login page as a demo account.
    pub(super) async fn login(&self, base: &str, username: &str) {
        self.goto(&format!("{base}/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", DEMO_PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.wait_for_text("退出登录").await;
    }

    pub(super) async fn logout(&self) {
        self.click("form[action='/logout'] button").await;
        self.wait_for_text("id=\"username\"").await;
    }

    /// Makes the page's viewport `width`×`height` CSS pixels. Chromium will not make a window
    /// narrower than 500 px, so this uses ChromeDriver's DevTools passthrough to emulate the
    /// screen (a phone, honouring the viewport meta tag, below 600 px), as DevTools does.
    pub(super) async fn set_viewport(&self, (width, height): (u32, u32)) {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(
                json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                    "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
                }}),
            ),
        )
        .await;
        // The size the page is laid out for, not `innerWidth`/`innerHeight`: on an emulated phone
        // those grow with a page that is too wide, which is `assert_fits`'s to report.
        let inner = self
            .script(
                "return [document.documentElement.clientWidth, document.documentElement.clientHeight]",
            )
            .await;
        assert_eq!(inner, json!([width, height]), "viewport after resizing");
    }

    /// Saves a screenshot of the whole page (the viewport is made as tall as the page for the
    /// shot, then restored) as `target/screenshots/{name}.png`.
    pub(super) async fn screenshot(&self, name: &str, (width, height): (u32, u32)) -> PathBuf {
        let full = self
            .script("return Math.ceil(document.documentElement.scrollHeight)")
            .await
            .as_u64()
            .unwrap_or(u64::from(height))
            .clamp(u64::from(height), 12_000);
        self.set_viewport((width, full as u32)).await;
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        self.set_viewport((width, height)).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().expect("screenshot is base64"))
            .expect("screenshot decodes");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, bytes).expect("write screenshot");
        path
    }

    /// Fails when the page is wider than the window (something makes it scroll sideways; a phone
    /// zooms out or pans into an empty band), naming the elements that stick out, those that set
    /// the page's width first. The window is `documentElement.clientWidth`, the width the page is
    /// laid out for: when emulating a phone, `innerWidth` grows with the content (a 600 px box
    /// makes it 614), so comparing with it can never fail.
    pub(super) async fn assert_fits(&self, what: &str) {
        let v = self
            .script(
                "const w = document.documentElement.clientWidth;\
                 const sw = document.documentElement.scrollWidth;\
                 if (sw <= w) return [];\
                 const edge = [], other = [];\
                 for (const el of document.querySelectorAll('body *')) {\
                   const r = el.getBoundingClientRect();\
                   if (r.right > w + 0.5 && r.width > 0) {\
                     let s = el.tagName.toLowerCase();\
                     if (el.id) s += '#' + el.id;\
                     if (el.className && typeof el.className === 'string')\
                       s += '.' + el.className.trim().split(/\\s+/).join('.');\
                     s += ' right=' + Math.round(r.right);\
                     (Math.abs(r.right + window.scrollX - sw) <= 1 ? edge : other).push(s);\
                   }\
                 }\
                 return [sw, w, edge.concat(other).slice(0, 15)];",
            )
            .await;
        assert!(
            v.as_array().is_some_and(Vec::is_empty),
            "{what}: page scrolls sideways (scrollWidth, clientWidth, elements sticking out): {v}"
        );
    }

    /// Every item of the main navigation is on screen (issue 10 §3: on a phone the menu hid
    /// destinations past the right edge, with nothing saying so).
    pub(super) async fn assert_nav_in_view(&self, what: &str) {
        let hidden = self
            .script(
                "const w = document.documentElement.clientWidth;\
                 return [...document.querySelectorAll('.main-nav a')]\
                   .filter(a => { const r = a.getBoundingClientRect();\
                                  return r.left < -0.5 || r.right > w + 0.5; })\
                   .map(a => a.textContent.trim());",
            )
            .await;
        assert!(
            hidden.as_array().is_some_and(Vec::is_empty),
            "{what}: navigation items off screen: {hidden}"
        );
    }

    /// Runs axe-core on the page as it is now (after whatever was typed or clicked) and fails on
    /// any serious or critical violation. Lesser ones are printed. axe is injected through
    /// WebDriver's execute script, which the page's content security policy does not block.
    pub(super) async fn axe(&self, what: &str) -> Vec<AxeViolation> {
        let Some(src) = axe_source() else {
            eprintln!("axe-core not installed: {what} not checked for accessibility");
            return Vec::new();
        };
        if self.script("return typeof window.axe").await != "object" {
            self.call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({"script": format!("{src}\n;return typeof window.axe"), "args": []})),
            )
            .await;
        }
        let v = self
            .call(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script":
                    "const done = arguments[arguments.length - 1];\
                     window.axe.run(document, {resultTypes: ['violations']})\
                       .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,\
                          help: v.help, helpUrl: v.helpUrl,\
                          targets: v.nodes.map(n => n.target.join(' ') + '  ' + n.html.slice(0, 160))}))))\
                       .catch(e => done({error: String(e)}));",
                    "args": []})),
            )
            .await;
        assert!(v.get("error").is_none(), "axe failed on {what}: {v}");
        let found: Vec<AxeViolation> =
            serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("axe result {v}: {e}"));
        let describe = |list: &[&AxeViolation]| {
            list.iter()
                .map(|v| {
                    format!(
                        "  [{}] {}: {} ({})\n{}",
                        v.impact.as_deref().unwrap_or("?"),
                        v.id,
                        v.help,
                        v.help_url,
                        v.targets
                            .iter()
                            .map(|t| format!("      {t}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let minor: Vec<&AxeViolation> = found.iter().filter(|v| !v.blocking()).collect();
        if !minor.is_empty() {
            eprintln!("axe on {what}, moderate/minor:\n{}", describe(&minor));
        }
        let blocking: Vec<&AxeViolation> = found.iter().filter(|v| v.blocking()).collect();
        assert!(
            blocking.is_empty(),
            "axe-core found serious or critical violations on {what}:\n{}",
            describe(&blocking)
        );
        found
    }

    /// Looks at the page as it is now, at both widths: a screenshot of each
    /// (`target/screenshots/{name}-desktop.png`, `…-phone.png`), axe at each, and at either width
    /// nothing may make the page scroll sideways. Leaves the window at desktop size.
    pub(super) async fn look(&self, name: &str) {
        for (size, label) in [(DESKTOP, "desktop"), (PHONE, "phone")] {
            self.set_viewport(size).await;
            let shot = self.screenshot(&format!("{name}-{label}"), size).await;
            eprintln!("screenshot {}", shot.display());
            self.assert_fits(&format!("{name} at {}px", size.0)).await;
            if size == PHONE {
                self.assert_nav_in_view(&format!("{name} at {}px", PHONE.0))
                    .await;
            }
            self.axe(&format!("{name} at {}px", size.0)).await;
        }
        self.set_viewport(DESKTOP).await;
    }

    pub(super) async fn delete(mut self) {
        self.call(reqwest::Method::DELETE, "", None).await;
        self.deleted = true;
    }
}
