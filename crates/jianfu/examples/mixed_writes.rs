//! Load generator for the mixed write path (issue 14 §4), against a RUNNING server on loopback,
//! over its HTTP API, as the people who do the work: department clerks submit work to
//! communities (`POST /api/v1/assignments`), community workers report violations
//! (`POST /api/v1/violations`), and communities issue certificates (a worker takes the
//! application at the window, checks it, the director approves the seal use, the worker issues:
//! four writes). Not a test; run it in release mode against a city made by `jianfu generate`.
//!
//! Authentication: every account logs in with `POST /api/v1/auth/login` and uses the session
//! token it gets (`Authorization: Bearer`, idle timeout 30 minutes) — the way a person's client
//! uses the API. Long-lived API tokens belong only to system accounts (department systems) and
//! cannot act as a community worker or director, so they are not used here.
//!
//! ```text
//! jianfu generate --database-url postgres://… --communities 3000 --password 'Synth@City2026x'
//! jianfu serve --database-url postgres://… --bind 127.0.0.1:8190 &
//! cargo run --release -p jianfu --example mixed_writes -- \
//!     --base http://127.0.0.1:8190 --password 'Synth@City2026x' --communities 1000 \
//!     --connections 16,64 --seconds 20
//! ```
//!
//! Prints requests/s and p50/p95/p99 per operation for each number of connections. Exits 1 if any
//! request failed (every write must succeed).

use clap::Parser;
use jianfu_domain::Clock;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
const OPS: [&str; 6] = [
    "submit",
    "report",
    "cert.apply",
    "cert.verify",
    "cert.approve",
    "cert.issue",
];

#[derive(Parser)]
struct Opts {
    /// The server, e.g. http://127.0.0.1:8190
    #[arg(long)]
    base: String,
    /// The generated accounts' password.
    #[arg(long)]
    password: String,
    /// How many communities take part (the first ones in code order).
    #[arg(long, default_value_t = 1000)]
    communities: usize,
    /// Concurrent connections; a comma-separated list runs one measurement per value.
    #[arg(long, default_value = "16")]
    connections: String,
    /// Seconds per measurement.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Which operations, in turn: any of submit, report, cert (comma-separated).
    #[arg(long, default_value = "submit,report,cert")]
    ops: String,
    /// Logins in flight at once while preparing (argon2 on the server).
    #[arg(long, default_value_t = 4)]
    login_parallel: usize,
}

struct Community {
    code: String,
    worker: String,
    director: String,
}

struct Department {
    code: String,
    token: String,
    requests: Vec<Value>,
}

struct Plan {
    base: String,
    /// Operations in turn: 0 submit, 1 report, 2 certificate.
    ops: Vec<usize>,
    communities: Vec<Community>,
    departments: Vec<Department>,
    today: String,
}

fn b64(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

async fn login(client: &Client, base: &str, user: &str, password: &str) -> Result<String, String> {
    for _ in 0..5 {
        let r = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let status = r.status();
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        return match v["token"].as_str() {
            Some(t) if status.is_success() => Ok(t.to_string()),
            _ => Err(format!("{user}: {status} {v}")),
        };
    }
    Err(format!("{user}: too many attempts"))
}

/// Logs in every name, `parallel` at a time. Returns name → token.
async fn login_all(
    client: &Client,
    base: &str,
    names: Vec<String>,
    password: &str,
    parallel: usize,
) -> BTreeMap<String, String> {
    let started = Instant::now();
    let total = names.len();
    let queue = Arc::new(std::sync::Mutex::new(names));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..parallel.max(1) {
        let (client, base, password, queue) = (
            client.clone(),
            base.to_string(),
            password.to_string(),
            queue.clone(),
        );
        set.spawn(async move {
            let mut out = Vec::new();
            loop {
                let Some(name) = queue.lock().unwrap().pop() else {
                    return out;
                };
                let token = login(&client, &base, &name, &password)
                    .await
                    .unwrap_or_else(|e| panic!("登录失败：{e}"));
                out.push((name, token));
            }
        });
    }
    let mut tokens = BTreeMap::new();
    while let Some(r) = set.join_next().await {
        tokens.extend(r.expect("login task"));
    }
    eprintln!(
        "{total} 个账号已登录（{:.1} 秒）",
        started.elapsed().as_secs_f64()
    );
    tokens
}

/// A department's requests that the gate does not refuse (dry-run first): the assist items the
/// department is responsible for, with funding and the community's authority.
async fn requests_for(
    client: &Client,
    plan_base: &str,
    token: &str,
    dept: &str,
    items: &[Value],
    community: &str,
    (today, to): (&str, &str),
) -> Vec<Value> {
    let mut out = Vec::new();
    for it in items
        .iter()
        .filter(|i| i["kind"] == "assist" && i["responsible_department"] == dept)
    {
        let mut bases: Vec<Vec<String>> = vec![vec!["《社会救助暂行办法》第十一条".into()]];
        if let Some(l) = it["legal_basis"].as_array()
            && !l.is_empty()
        {
            bases.insert(
                0,
                l.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect(),
            );
        }
        for basis in bases {
            let body = json!({
                "department": dept,
                "item_code": it["code"],
                "title": it["name"],
                "legal_basis": basis,
                "community_role": "assist",
                "communities": [community],
                "period": {"from": today, "to": to},
                "funding": {"amount_yuan": 1200, "channel": "区财政专项"},
                "burdens": [],
                "authority": "入户核查、组织动员、宣传告知"
            });
            let r = client
                .post(format!("{plan_base}/api/v1/gate/evaluate"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("evaluate");
            let v: Value = r.json().await.unwrap_or_default();
            if matches!(v["outcome"].as_str(), Some("admitted" | "needs_approval")) {
                out.push(body);
                break;
            }
        }
    }
    out
}

struct Stats {
    lat: Vec<Vec<u32>>,
    errors: u64,
}

async fn post(
    client: &Client,
    url: String,
    token: &str,
    body: &Value,
    key: Option<&str>,
) -> Result<Value, String> {
    let mut r = client.post(url).bearer_auth(token).json(body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    let r = r.send().await.map_err(|e| e.to_string())?;
    let status = r.status();
    let text = r.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "{status} {}",
            text.chars().take(300).collect::<String>()
        ));
    }
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// One client: a connection of its own, operations in turn until `stop`.
async fn client_loop(
    n: usize,
    plan: Arc<Plan>,
    tokens: Arc<BTreeMap<String, String>>,
    stop: Arc<AtomicBool>,
    seq: Arc<AtomicU64>,
) -> Stats {
    let client = Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .expect("client");
    let mut stats = Stats {
        lat: vec![Vec::new(); OPS.len()],
        errors: 0,
    };
    let base = &plan.base;
    let mut turn = n;
    let fail = |stats: &mut Stats, what: &str, e: String| {
        stats.errors += 1;
        if stats.errors <= 3 {
            eprintln!("错误（{what}）：{e}");
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let i = seq.fetch_add(1, Ordering::Relaxed) as usize;
        let c = &plan.communities[i.wrapping_mul(7919) % plan.communities.len()];
        turn += 1;
        match plan.ops[turn % plan.ops.len()] {
            0 => {
                let d = &plan.departments[i % plan.departments.len()];
                let mut body = d.requests[i / plan.departments.len() % d.requests.len()].clone();
                body["communities"] = json!([c.code]);
                let t = Instant::now();
                match post(
                    &client,
                    format!("{base}/api/v1/assignments"),
                    &d.token,
                    &body,
                    None,
                )
                .await
                {
                    Ok(_) => stats.lat[0].push(t.elapsed().as_micros() as u32),
                    Err(e) => fail(&mut stats, "submit", e),
                }
            }
            1 => {
                let d = &plan.departments[(i / 3) % plan.departments.len()];
                let body = json!({
                    "department": d.code,
                    "title": "要求社区三天内上报辖区商户经营情况",
                    "description": "通过工作群下派，要求社区工作者逐户统计并上传照片",
                    "channel": "wechat",
                    "received_on": plan.today,
                    "evidence": [{"content_base64": b64(PNG)}],
                });
                let t = Instant::now();
                let worker = &tokens[&c.worker];
                match post(
                    &client,
                    format!("{base}/api/v1/violations"),
                    worker,
                    &body,
                    None,
                )
                .await
                {
                    Ok(_) => stats.lat[1].push(t.elapsed().as_micros() as u32),
                    Err(e) => fail(&mut stats, "report", e),
                }
            }
            _ => {
                if let Err((op, e)) = certificate(&client, &plan, c, &tokens, i, &mut stats).await {
                    fail(&mut stats, op, e);
                }
            }
        }
    }
    stats
}

/// Window application (C05 亲属关系证明（仅限公证）), verification, approval, issue.
async fn certificate(
    client: &Client,
    plan: &Plan,
    c: &Community,
    tokens: &BTreeMap<String, String>,
    i: usize,
    stats: &mut Stats,
) -> Result<(), (&'static str, String)> {
    let base = &plan.base;
    let (worker, director) = (&tokens[&c.worker], &tokens[&c.director]);
    let materials: Vec<Value> = ["id_card", "hukou", "evidence"]
        .iter()
        .map(|m| json!({"material": m, "content_base64": b64(PNG)}))
        .collect();
    let apply = json!({
        "item_code": "C05",
        "applicant_name": "王小明",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
        "household_community": c.code,
        "reason": "父亲去世，继承其名下住房",
        "purpose": "到公证处办理继承公证",
        "asking_unit": "北京市大兴区公证处",
        "asking_article": "《中华人民共和国公证法》第十一条",
        "pledge": true,
        "materials": materials,
    });
    let t = Instant::now();
    let a = post(
        client,
        format!("{base}/api/v1/certificates/applications"),
        worker,
        &apply,
        None,
    )
    .await
    .map_err(|e| ("cert.apply", e))?;
    stats.lat[2].push(t.elapsed().as_micros() as u32);
    let id = a["id"].as_str().unwrap_or_default().to_string();
    let app_url = format!("{base}/api/v1/certificates/applications/{}/{id}", c.code);
    let verify = json!({
        "facts": {"关系人": "王大山", "关系人身份证号": "110105194012310016", "关系": "父子",
                  "公证机构": "北京市大兴区公证处", "公证事项": "继承权"},
        "household_checked": true,
        "note": "",
    });
    let t = Instant::now();
    post(client, format!("{app_url}/verify"), worker, &verify, None)
        .await
        .map_err(|e| ("cert.verify", e))?;
    stats.lat[3].push(t.elapsed().as_micros() as u32);
    let t = Instant::now();
    post(
        client,
        format!("{app_url}/approve"),
        director,
        &json!({}),
        None,
    )
    .await
    .map_err(|e| ("cert.approve", e))?;
    stats.lat[4].push(t.elapsed().as_micros() as u32);
    let t = Instant::now();
    post(
        client,
        format!("{app_url}/issue"),
        worker,
        &json!({}),
        Some(&format!("load-{i}-{id}")),
    )
    .await
    .map_err(|e| ("cert.issue", e))?;
    stats.lat[5].push(t.elapsed().as_micros() as u32);
    Ok(())
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let o = Opts::parse();
    let base = o.base.trim_end_matches('/').to_string();
    let client = Client::new();
    let today_d = jianfu_domain::clock::beijing(jianfu_domain::SystemClock.now()).date();
    let fmt = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    let (today, period_to) = (fmt(today_d), fmt(today_d + time::Duration::days(30)));

    // Departments responsible for assist items in the catalog in force (public API).
    let items: Vec<Value> = client
        .get(format!("{base}/api/v1/catalog/items?kind=assist"))
        .send()
        .await
        .expect("catalog")
        .json()
        .await
        .expect("catalog json");
    let mut dept_codes: Vec<String> = items
        .iter()
        .filter_map(|i| i["responsible_department"].as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    dept_codes.sort();
    dept_codes.dedup();
    let dept_users: Vec<String> = dept_codes
        .iter()
        .map(|d| format!("bm{}", d.to_ascii_lowercase()))
        .collect();
    let dept_tokens = login_all(&client, &base, dept_users, &o.password, o.login_parallel).await;

    // The communities, as a department sees them.
    let first = dept_tokens.values().next().expect("a department");
    let orgs: Vec<Value> = client
        .get(format!("{base}/api/v1/orgs"))
        .bearer_auth(first)
        .send()
        .await
        .expect("orgs")
        .json()
        .await
        .expect("orgs json");
    let mut codes: Vec<String> = orgs
        .iter()
        .filter(|o| o["kind"] == "community")
        .filter_map(|o| o["code"].as_str().map(str::to_string))
        .collect();
    codes.sort();
    if codes.len() < o.communities {
        eprintln!(
            "库里只有 {} 个社区，少于 --communities {}",
            codes.len(),
            o.communities
        );
        return std::process::ExitCode::from(2);
    }
    codes.truncate(o.communities);
    let communities: Vec<Community> = codes
        .iter()
        .map(|c| Community {
            code: c.clone(),
            worker: format!("sg{c}"),
            director: format!("sj{c}"),
        })
        .collect();

    let mut departments = Vec::new();
    for (code, user) in dept_codes
        .iter()
        .map(|d| (d, format!("bm{}", d.to_ascii_lowercase())))
    {
        let token = dept_tokens[&user].clone();
        let requests = requests_for(
            &client,
            &base,
            &token,
            code,
            &items,
            &codes[0],
            (&today, &period_to),
        )
        .await;
        if requests.is_empty() {
            eprintln!("部门 {code} 没有可提交的事项（试运行均不予准入），不参与提交");
            continue;
        }
        departments.push(Department {
            code: code.clone(),
            token,
            requests,
        });
    }
    assert!(!departments.is_empty(), "no department can submit");
    eprintln!(
        "{} 个部门提交事项（{} 种申请），{} 个社区",
        departments.len(),
        departments.iter().map(|d| d.requests.len()).sum::<usize>(),
        communities.len()
    );

    let ops: Vec<usize> = o
        .ops
        .split(',')
        .filter_map(|op| match op.trim() {
            "submit" => Some(0),
            "report" => Some(1),
            "cert" => Some(2),
            _ => None,
        })
        .collect();
    assert!(!ops.is_empty(), "--ops: submit, report, cert");
    let names: Vec<String> = communities
        .iter()
        .flat_map(|c| [c.worker.clone(), c.director.clone()])
        .collect();
    let tokens = if ops.iter().any(|&op| op > 0) {
        login_all(&client, &base, names, &o.password, o.login_parallel).await
    } else {
        BTreeMap::new()
    };
    let tokens = Arc::new(tokens);
    let plan = Arc::new(Plan {
        base: base.clone(),
        ops,
        communities,
        departments,
        today,
    });

    let mut failed = false;
    for conns in o
        .connections
        .split(',')
        .filter_map(|s| s.trim().parse::<usize>().ok())
    {
        let stop = Arc::new(AtomicBool::new(false));
        let seq = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for n in 0..conns {
            set.spawn(client_loop(
                n,
                plan.clone(),
                tokens.clone(),
                stop.clone(),
                seq.clone(),
            ));
        }
        tokio::time::sleep(Duration::from_secs(o.seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut lat: Vec<Vec<u32>> = vec![Vec::new(); OPS.len()];
        let mut errors = 0;
        while let Some(r) = set.join_next().await {
            let s = r.expect("client task");
            errors += s.errors;
            for (all, mine) in lat.iter_mut().zip(s.lat) {
                all.extend(mine);
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let total: usize = lat.iter().map(Vec::len).sum();
        let mut all: Vec<u32> = lat.iter().flatten().copied().collect();
        all.sort_unstable();
        println!(
            "\n{conns} 个连接，{secs:.1} 秒，{} 个社区：写请求 {total} 个，{:.0} 个/秒；p50 {:.1} ms，p95 {:.1} ms，p99 {:.1} ms；错误 {errors}",
            plan.communities.len(),
            total as f64 / secs,
            pct(&all, 0.50),
            pct(&all, 0.95),
            pct(&all, 0.99),
        );
        println!("| 操作 | 次数 | 每秒 | p50 ms | p95 ms | p99 ms |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for (op, l) in OPS.iter().zip(lat.iter_mut()) {
            l.sort_unstable();
            println!(
                "| {op} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
                l.len(),
                l.len() as f64 / secs,
                pct(l, 0.50),
                pct(l, 0.95),
                pct(l, 0.99)
            );
        }
        if errors > 0 {
            failed = true;
            eprintln!("有 {errors} 个请求失败：每个写请求都应成功");
        }
    }
    if failed {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}
