//! `jianfu generate`: fills an empty database with a synthetic city for measurements (issue 14
//! §4): the district with its departments (the shipped catalog names them as responsible
//! departments, so they are the demo's real codes), `--streets` streets and `--communities`
//! communities spread over them, one worker and one director per community, one officer per
//! street, one clerk per department, and optionally `--audit-records` synthetic records in the
//! organisations' audit chains, sealed with the domain's chain hashing so `jianfu audit verify`
//! passes.
//!
//! One district only: the organisation tree has one root (`OrgCache::district_code`), the
//! district-wide scope (`Scope::District`) means the whole database, and the shipped catalog's
//! responsible departments are Daxing's (`110115-…`). A city of several districts is several
//! jianfu installations.

use anyhow::{Context, bail};
use jianfu_domain::audit_chain::{AuditRecord, genesis};
use jianfu_domain::{OrgKind, Role};
use jianfu_server::App;
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_store::{OrgRow, UserRow};
use std::io::Write;
use std::time::Instant;

/// Records per transaction when filling the audit trail.
const AUDIT_BATCH: usize = 10_000;

#[derive(clap::Args, Clone)]
pub struct GenerateArgs {
    /// Streets (街道) in the district, at most 999.
    #[arg(long, default_value_t = 30)]
    pub streets: u32,
    /// Communities (社区) in all, spread evenly over the streets (at most 999 per street).
    #[arg(long, default_value_t = 3000)]
    pub communities: u32,
    /// Password of every generated account (they all share it); default: a random one, printed.
    #[arg(long)]
    pub password: Option<String>,
    /// Synthetic audit records to add, spread over the communities' and departments' chains.
    #[arg(long, default_value_t = 0)]
    pub audit_records: u64,
    /// Also write the accounts (username, role, organisation code) to this CSV file.
    #[arg(long)]
    pub accounts_file: Option<std::path::PathBuf>,
}

/// Usernames of the generated accounts, from the organisation code (the load generator
/// `examples/mixed_writes.rs` derives them the same way).
pub fn worker_name(community: &str) -> String {
    format!("sg{community}")
}
pub fn director_name(community: &str) -> String {
    format!("sj{community}")
}
pub fn officer_name(street: &str) -> String {
    format!("jd{street}")
}
pub fn clerk_name(department: &str) -> String {
    format!("bm{}", department.to_ascii_lowercase())
}

pub async fn run(app: &App, args: &GenerateArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    if args.streets == 0 || args.streets > 999 {
        bail!("--streets 须为 1–999");
    }
    if args.communities < args.streets {
        bail!("--communities 不能少于 --streets（每个街道至少一个社区）");
    }
    if args.communities.div_ceil(args.streets) > 999 {
        bail!("每个街道最多 999 个社区：请增加 --streets");
    }
    if !app.store.list_orgs().await?.is_empty() || !app.store.list_users().await?.is_empty() {
        bail!("数据库不是空库（已有机构或账号）：jianfu generate 只填充新建的数据库");
    }
    let now = app.now_ms();

    // The district and its departments: the demo's, which the shipped catalog refers to.
    let mut orgs: Vec<OrgRow> = jianfu_server::service::demo::demo_orgs(now)?
        .into_iter()
        .filter(|o| o.kind == "district" || o.kind == "department")
        .collect();
    let district = orgs
        .iter()
        .find(|o| o.kind == "district")
        .map(|o| o.code.clone())
        .context("演示数据里没有区级机构")?;
    let departments: Vec<String> = orgs
        .iter()
        .filter(|o| o.kind == "department")
        .map(|o| o.code.clone())
        .collect();
    let mut streets = Vec::new();
    let mut communities = Vec::new();
    for s in 0..args.streets {
        let code = format!("{district}{:03}", s + 1);
        orgs.push(OrgRow {
            code: code.clone(),
            name: format!("模拟第{}街道", s + 1),
            kind: OrgKind::Street.as_str().into(),
            parent_code: Some(district.clone()),
            created_at: now,
        });
        // Even spread: the first streets take the remainder.
        let here = args.communities / args.streets + u32::from(s < args.communities % args.streets);
        for c in 0..here {
            let cc = format!("{code}{:03}", c + 1);
            communities.push(OrgRow {
                code: cc.clone(),
                name: format!("模拟第{}街道第{}社区", s + 1, c + 1),
                kind: OrgKind::Community.as_str().into(),
                parent_code: Some(code.clone()),
                created_at: now,
            });
        }
        streets.push(code);
    }
    let community_codes: Vec<String> = communities.iter().map(|c| c.code.clone()).collect();
    orgs.extend(communities);

    // Accounts: (username, display name, role, org).
    let mut accounts: Vec<(String, String, Role, String)> = Vec::new();
    for c in &community_codes {
        accounts.push((
            worker_name(c),
            format!("社工{c}"),
            Role::CommunityWorker,
            c.clone(),
        ));
        accounts.push((
            director_name(c),
            format!("书记{c}"),
            Role::CommunityDirector,
            c.clone(),
        ));
    }
    for s in &streets {
        accounts.push((
            officer_name(s),
            format!("街道干部{s}"),
            Role::StreetOfficer,
            s.clone(),
        ));
    }
    for d in &departments {
        accounts.push((
            clerk_name(d),
            format!("经办{d}"),
            Role::DepartmentClerk,
            d.clone(),
        ));
    }

    let (password, printed) = match &args.password {
        Some(p) => (p.clone(), false),
        None => (
            format!("Jf{}#7a", &jianfu_server::service::random_token()[..16]),
            true,
        ),
    };
    let policy = app.config.password_policy();
    for (u, ..) in &accounts {
        if let Err(problems) = policy.check(u, &password) {
            let msg: Vec<String> = problems.iter().map(|p| p.message_zh()).collect();
            bail!("密码不符合要求（账号 {u}）：{}", msg.join("；"));
        }
    }
    // One hash for all: every synthetic account has the same password, so hashing it thousands
    // of times (argon2, tens of ms each) would only cost time. Not for real accounts.
    let hash = jianfu_server::service::password::hash(&password).await?;
    let users: Vec<UserRow> = accounts
        .iter()
        .map(|(u, name, role, org)| UserRow {
            id: uuid::Uuid::now_v7().to_string(),
            username: u.clone(),
            display_name: name.clone(),
            org_code: org.clone(),
            roles: role.as_str().into(),
            password_hash: hash.clone(),
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            password_changed_at: now,
        })
        .collect();

    let console = Actor::console();
    let meta = RequestMeta::console();
    let mut a = app.audit(&console, &meta, "org.import", "orgs:generated");
    a.detail = serde_json::json!({
        "source": "jianfu generate（模拟数据）",
        "count": orgs.len(),
        "streets": streets.len(),
        "communities": community_codes.len(),
        "departments": departments.len(),
        "accounts": users.len(),
        "audit_records": args.audit_records,
    })
    .to_string();
    app.store.insert_city(&orgs, &users, a).await?;
    app.orgs.invalidate();
    eprintln!(
        "已生成 1 个区、{} 个区级部门、{} 个街道、{} 个社区、{} 个账号（{:.1} 秒）",
        departments.len(),
        streets.len(),
        community_codes.len(),
        users.len(),
        started.elapsed().as_secs_f64()
    );

    if let Some(path) = &args.accounts_file {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("无法创建 {}", path.display()))?,
        );
        writeln!(f, "username,role,org")?;
        for (u, _, role, org) in &accounts {
            writeln!(f, "{u},{},{org}", role.as_str())?;
        }
        f.flush()?;
    }

    if args.audit_records > 0 {
        let mut chains: Vec<(String, String, &'static str)> = community_codes
            .iter()
            .map(|c| (c.clone(), worker_name(c), Role::CommunityWorker.as_str()))
            .collect();
        chains.extend(
            departments
                .iter()
                .map(|d| (d.clone(), clerk_name(d), Role::DepartmentClerk.as_str())),
        );
        fill_audit(app, chains, args.audit_records, now).await?;
    }

    println!(
        "模拟城市已生成：区 {district}，{} 个街道，{} 个社区，{} 个区级部门，{} 个账号。",
        streets.len(),
        community_codes.len(),
        departments.len(),
        users.len()
    );
    println!(
        "账号：社区工作者 sg<社区代码>、社区书记 sj<社区代码>、街道干部 jd<街道代码>、部门经办 bm<部门代码小写>，例如 {}、{}、{}。",
        worker_name(&community_codes[0]),
        director_name(&community_codes[0]),
        clerk_name(&departments[0])
    );
    if printed {
        println!("全部账号的密码（只显示这一次）：{password}");
    } else {
        println!("全部账号的密码为 --password 给出的密码。");
    }
    println!("没有生成管理员账号：需要时用 jianfu user create 创建。");
    Ok(())
}

/// Writes `n` sealed records over `chains` (org code, actor, role): chain by chain, batches of
/// [`AUDIT_BATCH`] records per transaction, hashed on a thread of its own while the previous batch
/// is written. Progress on stderr.
async fn fill_audit(
    app: &App,
    chains: Vec<(String, String, &'static str)>,
    n: u64,
    now: i64,
) -> anyhow::Result<()> {
    const STEP_MS: i64 = 60_000;
    let started = Instant::now();
    let count = chains.len() as u64;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<AuditRecord>>(2);
    let producer = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(AUDIT_BATCH);
        for (i, (chain, actor, role)) in chains.into_iter().enumerate() {
            let len = (n / count + u64::from((i as u64) < n % count)) as i64;
            let actions: &[(&str, &str)] = if role == Role::DepartmentClerk.as_str() {
                &[
                    ("assignment.submit", "assignment"),
                    ("assignment.withdraw", "assignment"),
                ]
            } else {
                &[
                    ("certificate.apply", "certificate_application"),
                    ("certificate.verify", "certificate_application"),
                    ("certificate.approve", "certificate_application"),
                    ("certificate.issue", "certificate_application"),
                    ("violation.report", "violation"),
                ]
            };
            let mut prev = genesis(&chain);
            for seq in 1..=len {
                let (action, kind) = actions[(seq as usize) % actions.len()];
                let id = uuid::Uuid::now_v7().to_string();
                let r = AuditRecord {
                    chain: chain.clone(),
                    seq,
                    object: format!("{kind}:{id}"),
                    id,
                    // In the past, one a minute, the last one now.
                    at: now - (len - seq) * STEP_MS,
                    actor: Some(actor.clone()),
                    actor_role: Some(role.to_string()),
                    action: action.into(),
                    result: "success".into(),
                    client_addr: Some(format!(
                        "10.{}.{}.{}",
                        i / 65_536 % 256,
                        i / 256 % 256,
                        i % 256
                    )),
                    request_id: Some(format!("gen-{seq}")),
                    detail: "{}".into(),
                    prev_hash: String::new(),
                    hash: String::new(),
                }
                .seal(&prev);
                prev.clone_from(&r.hash);
                batch.push(r);
                if batch.len() == AUDIT_BATCH
                    && tx
                        .blocking_send(std::mem::replace(
                            &mut batch,
                            Vec::with_capacity(AUDIT_BATCH),
                        ))
                        .is_err()
                {
                    return;
                }
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
    });
    let mut written: u64 = 0;
    let report_every = (n / 20).max(AUDIT_BATCH as u64);
    let mut next_report = report_every;
    while let Some(batch) = rx.recv().await {
        app.store.append_sealed_audit(&batch).await?;
        written += batch.len() as u64;
        if written >= next_report || written == n {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "审计记录 {written}/{n}（{:.0}%），{secs:.0} 秒，{:.0} 条/秒",
                written as f64 * 100.0 / n as f64,
                written as f64 / secs.max(0.001)
            );
            next_report = written + report_every;
        }
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("生成审计记录的线程异常退出"))?;
    if written != n {
        bail!("只写入了 {written}/{n} 条审计记录");
    }
    eprintln!(
        "已写入 {n} 条审计记录，分布在 {count} 条机构链上（{:.1} 秒）",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
