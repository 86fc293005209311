//! Load measurements for the burden inventory (issue 11 §1), against a RUNNING server over its
//! HTTP API, as its users use it: every community's worker imports its inventory from a
//! workbook; then a worker imports a workbook of 10,000 rows (timed, several times); then the
//! supervisor opens the before/after page (`/inventory/overview`, the HTML page with its SVG
//! charts) and its API (`/api/v1/inventory/counts`), timed. Not a test.
//!
//! ```text
//! jianfu generate --database-url sqlite://…/jf.db --communities 1000 --streets 10 --password 'Synth@City2026x'
//! jianfu user create --database-url sqlite://…/jf.db --username ducha --password 'Synth@City2026x' --role supervisor
//! (then set ducha's own password: POST /api/v1/auth/change-password, and pass it as --supervisor-password)
//! jianfu serve --database-url sqlite://…/jf.db --bind 127.0.0.1:8190 &
//! cargo run --release -p jianfu --example inventory_load -- \
//!     --base http://127.0.0.1:8190 --password 'Synth@City2026x' --supervisor ducha
//! ```
//!
//! Prints the seconds of each large import and p50/p95/p99 of the page and the API.

use clap::Parser;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Opts {
    #[arg(long)]
    base: String,
    #[arg(long)]
    password: String,
    /// A supervisor account (see the header).
    #[arg(long, default_value = "ducha")]
    supervisor: String,
    /// The supervisor's password, if not `--password` (an account made with `jianfu user
    /// create` sets its own at first login: `POST /api/v1/auth/change-password`).
    #[arg(long)]
    supervisor_password: Option<String>,
    /// Rows each community imports first.
    #[arg(long, default_value_t = 12)]
    rows_per_community: usize,
    /// Rows of the large workbook.
    #[arg(long, default_value_t = 10_000)]
    big_rows: usize,
    /// Large imports (each by another community).
    #[arg(long, default_value_t = 5)]
    big_imports: usize,
    /// Requests per timed page.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Communities importing at once.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
}

async fn login(client: &Client, base: &str, user: &str, password: &str) -> String {
    for _ in 0..10 {
        let r = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .expect("login request");
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let v: Value = r.json().await.expect("login answer");
        return v["token"]
            .as_str()
            .unwrap_or_else(|| panic!("{user}: {v}"))
            .to_string();
    }
    panic!("{user}: too many attempts")
}

const KINDS: [&str; 8] = [
    "挂牌",
    "业务台账",
    "报表",
    "责任书",
    "工作群",
    "政务App（安装、注册、向居民推广）",
    "工作机构",
    "达标、检查评比、示范创建活动",
];
const OWNERS: [&str; 6] = [
    "110115-MZJ",
    "110115-GAFJ",
    "110115-WJW",
    "110115-ZJW",
    "110115-CGZF",
    "110115-SFJ",
];

/// A workbook of `rows` entries in the import layout.
fn workbook(rows: usize, seed: usize) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("负担台账").unwrap();
    for (c, h) in ["类型", "名称", "主管单位", "发现日期", "字段数", "法律依据"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        let k = (i + seed) % KINDS.len();
        ws.write_string(r, 0, KINDS[k]).unwrap();
        ws.write_string(r, 1, format!("条目{seed}-{i}")).unwrap();
        ws.write_string(r, 2, OWNERS[(i * 7 + seed) % OWNERS.len()])
            .unwrap();
        ws.write_string(r, 3, format!("2026-{:02}-{:02}", 1 + i % 11, 1 + i % 28))
            .unwrap();
        if KINDS[k] == "报表" {
            ws.write_string(r, 4, format!("{}", 5 + i % 40)).unwrap();
        }
        if i % 5 == 0 {
            ws.write_string(r, 5, "《某条例》第十条").unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

async fn import(client: &Client, base: &str, token: &str, bytes: &[u8]) -> Duration {
    let body = json!({"content_base64": b64(bytes)});
    let t = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/inventory/import"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("import");
    let took = t.elapsed();
    let status = r.status();
    let text = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    took
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn timed(
    client: &Client,
    url: &str,
    token: Option<&str>,
    cookie: Option<&str>,
    n: usize,
) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut r = client.get(url);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        if let Some(c) = cookie {
            r = r.header("cookie", c);
        }
        let t = Instant::now();
        let resp = r.send().await.expect("request");
        assert!(resp.status().is_success(), "{url}: {}", resp.status());
        let _ = resp.bytes().await.expect("body");
        out.push(t.elapsed());
    }
    out.sort();
    out
}

fn report(what: &str, d: &[Duration]) {
    println!(
        "{what}: {} 次，p50 {:.1} ms，p95 {:.1} ms，p99 {:.1} ms",
        d.len(),
        percentile(d, 0.5),
        percentile(d, 0.95),
        percentile(d, 0.99)
    );
}

#[tokio::main]
async fn main() {
    let o = Opts::parse();
    let client = Client::new();
    let base = o.base.trim_end_matches('/').to_string();
    let sup_password = o
        .supervisor_password
        .clone()
        .unwrap_or_else(|| o.password.clone());
    let sup = login(&client, &base, &o.supervisor, &sup_password).await;
    let orgs: Value = client
        .get(format!("{base}/api/v1/orgs"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let communities: Vec<String> = orgs
        .as_array()
        .expect("orgs")
        .iter()
        .filter(|o| o["kind"] == "community")
        .map(|o| o["code"].as_str().unwrap().to_string())
        .collect();
    println!("{} 个社区", communities.len());

    // Every community imports a small workbook, `parallel` at a time.
    let started = Instant::now();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(communities.clone()));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..o.parallel {
        let (client, base, password, queue, rows) = (
            client.clone(),
            base.clone(),
            o.password.clone(),
            queue.clone(),
            o.rows_per_community,
        );
        set.spawn(async move {
            loop {
                let Some(c) = queue.lock().unwrap().pop() else {
                    return;
                };
                let token = login(&client, &base, &format!("sg{c}"), &password).await;
                import(&client, &base, &token, &workbook(rows, c.len() + rows)).await;
            }
        });
    }
    while let Some(r) = set.join_next().await {
        r.expect("import task");
    }
    println!(
        "每个社区导入 {} 行：{:.1} 秒",
        o.rows_per_community,
        started.elapsed().as_secs_f64()
    );

    // The large workbook, by several communities in turn.
    let big = workbook(o.big_rows, 1);
    println!(
        "{} 行工作簿：{:.0} KB",
        o.big_rows,
        big.len() as f64 / 1024.0
    );
    for c in communities.iter().take(o.big_imports) {
        let token = login(&client, &base, &format!("sg{c}"), &o.password).await;
        let took = import(&client, &base, &token, &big).await;
        println!(
            "导入 {} 行（{c}）：{:.2} 秒",
            o.big_rows,
            took.as_secs_f64()
        );
    }

    // The supervisor's page and API. Cookies are carried by hand: the server marks them
    // `Secure`, which a client's cookie store will not send over plain http to loopback.
    let web = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookies = |r: &reqwest::Response| -> Vec<String> {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next().map(str::to_string))
            .collect()
    };
    let r = web.get(format!("{base}/login")).send().await.unwrap();
    let mut jar = cookies(&r);
    let page = r.text().await.unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf")
        .to_string();
    let r = web
        .post(format!("{base}/login"))
        .header("cookie", jar.join("; "))
        .form(&[
            ("username", o.supervisor.as_str()),
            ("password", sup_password.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "web login");
    jar.extend(cookies(&r));
    let cookie = jar.join("; ");
    let page_url = format!("{base}/inventory/overview");
    let _ = timed(&web, &page_url, None, Some(&cookie), 5).await;
    report(
        "督查 /inventory/overview 页面",
        &timed(&web, &page_url, None, Some(&cookie), o.requests).await,
    );
    let api_url = format!("{base}/api/v1/inventory/counts");
    report(
        "GET /api/v1/inventory/counts",
        &timed(&client, &api_url, Some(&sup), None, o.requests).await,
    );
}
