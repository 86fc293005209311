//! `jianfu generate`: fills an empty database with a synthetic city for measurements (issue 14
//! §4): the district with its departments (the shipped catalog names them as responsible
//! departments, so they are the demo's real codes), `--streets` streets and `--communities`
//! communities spread over them, one worker and one director per community, one officer per
//! street, one clerk per department, and optionally `--audit-records` synthetic records in the
//! organisations' audit chains, sealed with the domain's chain hashing so `jianfu audit verify`
//! passes.
//!
//! Shared data (一表通, issue 12 §6): with `--elements N` the register in force for the data
//! directory (`<data-dir>/shared_data/elements.toml`) becomes the shipped register plus synthetic
//! monthly counts `GX017`… up to N elements, and every community (or the first
//! `--element-communities`) gets a value of the first N elements for each of `--periods` months
//! ending with `--until` (default: last month), plus the quarters and years that end within those
//! months. The figures keep the shipped consistency rules (60岁及以上 ≤ 常住人口 …). They are
//! inserted in batches straight into `data_values` (`ScaleStore::insert_values_unaudited`: no
//! audit record or change row per value — measurement data), produced on a thread of their own
//! while the previous batch is written, so memory stays flat for any number of communities.
//!
//! One district only: the organisation tree has one root (`OrgCache::district_code`), the
//! district-wide scope (`Scope::District`) means the whole database, and the shipped catalog's
//! responsible departments are Daxing's (`110115-…`). A city of several districts is several
//! jianfu installations.

use anyhow::{Context, bail};
use jianfu_domain::audit_chain::{AuditRecord, genesis};
use jianfu_domain::shared_data::element::{SHIPPED_ELEMENTS_TOML, check_consistency, check_range};
use jianfu_domain::shared_data::{ElementRegistry, Period, PeriodType};
use jianfu_domain::{OrgKind, Role};
use jianfu_server::App;
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_store::{OrgRow, UserRow, ValueRow};
use std::collections::BTreeMap;
use std::io::Write;
use std::time::Instant;

/// Records per transaction when filling the audit trail.
const AUDIT_BATCH: usize = 10_000;
/// Shared-data values per transaction.
const VALUES_BATCH: usize = 20_000;

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
    /// Shared data (一表通): elements with values (0 = none). The register written to
    /// `<data-dir>/shared_data/elements.toml` holds the shipped elements and synthetic monthly
    /// counts GX017… up to this number; values are written for its first N elements.
    #[arg(long, default_value_t = 0)]
    pub elements: u32,
    /// Monthly periods with values, the last one `--until`.
    #[arg(long, default_value_t = 12)]
    pub periods: u32,
    /// Last month with values, `YYYY-MM` [default: last month].
    #[arg(long)]
    pub until: Option<String>,
    /// Only the first K communities get values [default: all].
    #[arg(long)]
    pub element_communities: Option<u32>,
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
    let now = app.now_ms();
    let shared = if args.elements > 0 {
        Some(SharedPlan::new(app, args)?)
    } else {
        None
    };
    if !app.store.list_orgs().await?.is_empty() || !app.store.list_users().await?.is_empty() {
        bail!("数据库不是空库（已有机构或账号）：jianfu generate 只填充新建的数据库");
    }

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
        "shared_data": shared.as_ref().map(|p| serde_json::json!({
            "elements": p.elements.len(),
            "periods": p.months.first().zip(p.months.last())
                .map(|(a, b)| format!("{a}…{b}")),
            "communities": p.communities(community_codes.len()),
            "values": p.rows_per_community() * p.communities(community_codes.len()) as u64,
            "audited": false,
        })),
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

    if let Some(plan) = &shared {
        plan.write_register()?;
        let n = plan.communities(community_codes.len());
        fill_values(app, plan, community_codes[..n].to_vec(), now).await?;
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
    if let Some(plan) = &shared {
        println!(
            "一表通：数据元登记 {}（{} 个数据元，其中 {} 个有数），{} 个社区 × {} 个月（{}…{}），共 {} 个数；serve 须用同一个 --data-dir 才用这份登记。",
            plan.path.display(),
            plan.register.elements.len(),
            plan.elements.len(),
            plan.communities(community_codes.len()),
            plan.months.len(),
            plan.months[0],
            plan.months[plan.months.len() - 1],
            plan.rows_per_community() * plan.communities(community_codes.len()) as u64
        );
    }
    println!("没有生成管理员账号：需要时用 jianfu user create 创建。");
    Ok(())
}

/// What `--elements` asks for: the register file and which figures to write.
struct SharedPlan {
    path: std::path::PathBuf,
    /// The file's text: the shipped register, then the synthetic elements.
    text: String,
    register: ElementRegistry,
    /// The first N elements of the register: (code, period type).
    elements: Vec<(String, PeriodType)>,
    /// The months with values, oldest first.
    months: Vec<Period>,
    limit: Option<u32>,
}

impl SharedPlan {
    fn new(app: &App, args: &GenerateArgs) -> anyhow::Result<Self> {
        if args.periods == 0 || args.periods > 240 {
            bail!("--periods 须为 1–240（个月）");
        }
        if args.elements > 5_000 {
            bail!("--elements 最多 5000");
        }
        let until = match &args.until {
            Some(t) => {
                let p = Period::parse(t).map_err(|e| anyhow::anyhow!("--until：{e}"))?;
                if p.kind != PeriodType::Monthly {
                    bail!("--until 须是一个月，如 2026-11");
                }
                p
            }
            None => {
                let d = app.today();
                Period::last_ended(PeriodType::Monthly, d.year(), d.month() as u32)
            }
        };
        let mut months = vec![until];
        while months.len() < args.periods as usize {
            months.push(months[months.len() - 1].previous());
        }
        months.reverse();

        let departments: Vec<String> = jianfu_server::service::demo::demo_orgs(0)?
            .into_iter()
            .filter(|o| o.kind == "department")
            .map(|o| o.code)
            .collect();
        let mut text = SHIPPED_ELEMENTS_TOML.to_string();
        let shipped = ElementRegistry::from_toml(&text)?;
        // Synthetic elements are numbered after the shipped ones (GX017… for 16 shipped).
        let from = shipped.elements.len() as u32 + 1;
        let total = args.elements.max(from - 1);
        if total >= from {
            text.push_str(
                "\n# 以下为 jianfu generate 生成的模拟数据元（性能测量用，不是真实的采集项）。\n",
            );
        }
        for k in from..=total {
            let owner = &departments[k as usize % departments.len()];
            text.push_str(&format!(
                "\n[[element]]\ncode = \"GX{k:03}\"\nname = \"合成数据元{k:03}\"\n\
                 definition = \"jianfu generate 生成的模拟计数（第 {k} 项），截至期末，仅供性能测量。\"\n\
                 unit = \"个\"\nvalue_type = \"count\"\nperiod = \"monthly\"\n\
                 aggregation = \"{}\"\nowner = \"{owner}\"\n\
                 legal_basis = \"《中华人民共和国统计法》第七条（模拟数据）\"\nmax = 1000000\n",
                if k % 4 == 0 { "flow" } else { "stock" },
            ));
        }
        let register = ElementRegistry::from_toml(&text)
            .map_err(|e| anyhow::anyhow!("生成的数据元登记有误：{e}"))?;
        let path = app
            .config
            .data_dir
            .join("shared_data")
            .join("elements.toml");
        if let Ok(existing) = std::fs::read_to_string(&path)
            && existing != text
        {
            bail!(
                "{} 已有另一份数据元登记：jianfu generate 不覆盖它（请换一个 --data-dir，或先移走该文件）",
                path.display()
            );
        }
        let elements = register.elements[..args.elements as usize]
            .iter()
            .map(|e| (e.code.clone(), e.period))
            .collect();
        Ok(SharedPlan {
            path,
            text,
            register,
            elements,
            months,
            limit: args.element_communities,
        })
    }

    fn communities(&self, all: usize) -> usize {
        self.limit.map_or(all, |k| (k as usize).min(all))
    }

    /// The periods one community has values for, with the elements of each, oldest first: every
    /// month, and a quarter or year in the month it ends.
    fn periods(&self) -> Vec<(Period, Vec<&str>)> {
        let of = |kind: PeriodType| -> Vec<&str> {
            self.elements
                .iter()
                .filter(|(_, k)| *k == kind)
                .map(|(c, _)| c.as_str())
                .collect()
        };
        let (monthly, quarterly, yearly) = (
            of(PeriodType::Monthly),
            of(PeriodType::Quarterly),
            of(PeriodType::Yearly),
        );
        let mut out = Vec::new();
        for m in &self.months {
            let month = m.index + 1;
            if !monthly.is_empty() {
                out.push((*m, monthly.clone()));
            }
            if month % 3 == 0 && !quarterly.is_empty() {
                out.push((
                    Period::containing(PeriodType::Quarterly, m.year, month),
                    quarterly.clone(),
                ));
            }
            if month == 12 && !yearly.is_empty() {
                out.push((
                    Period::containing(PeriodType::Yearly, m.year, month),
                    yearly.clone(),
                ));
            }
        }
        out
    }

    fn rows_per_community(&self) -> u64 {
        self.periods().iter().map(|(_, e)| e.len() as u64).sum()
    }

    fn write_register(&self) -> anyhow::Result<()> {
        if std::fs::read_to_string(&self.path).is_ok_and(|t| t == self.text) {
            return Ok(());
        }
        let dir = self.path.parent().context("数据元登记没有上级目录")?;
        std::fs::create_dir_all(dir).with_context(|| format!("无法创建 {}", dir.display()))?;
        std::fs::write(&self.path, &self.text)
            .with_context(|| format!("无法写入 {}", self.path.display()))?;
        eprintln!(
            "已写入数据元登记 {}（{} 个数据元）",
            self.path.display(),
            self.register.elements.len()
        );
        Ok(())
    }
}

/// A well-mixed 64-bit hash (splitmix64's finaliser).
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One community's figures for one period, by element code: a population of 3,000–15,000 that
/// drifts a little month by month, the shipped elements as shares of it so that every shipped
/// consistency rule holds (60岁及以上 ≤ 常住人口, 80岁及以上 ≤ 60岁及以上, 低保人数 ≥ 低保户数 …),
/// and the synthetic counts anywhere in 0–999.
fn figures(community: usize, period: &Period, elements: &[&str]) -> Vec<(String, i64)> {
    let c = community as u64;
    let h = mix(c);
    let month = period.year as i64 * 12 + period.index as i64;
    let pop = 3_000 + (h % 12_000) as i64 + (month % 12) * ((h >> 20) % 7) as i64;
    let old = pop * (15 + ((h >> 8) % 10) as i64) / 100;
    let households = pop * 38 / 100;
    let vary = |k: u64, m: i64| (mix(c ^ (k << 40) ^ ((month as u64) << 20)) % m as u64) as i64;
    elements
        .iter()
        .enumerate()
        .map(|(k, code)| {
            let v = match *code {
                "SD001" => pop,
                "SD002" => pop * 70 / 100,
                "SD003" => households,
                "SD004" => old,
                "SD005" => old * 20 / 100,
                "SD006" => old * 10 / 100,
                "SD007" => households * 2 / 100,
                "SD008" => households * 2 / 100 * 2 + vary(k as u64, 3),
                "SD009" => pop * 2 / 100,
                "SD010" => pop * 20 / 100,
                "SD011" => vary(k as u64, 20),
                "SD012" => pop * 5 / 100,
                "SD013" => pop / 100,
                "SD014" => vary(k as u64, 50),
                // 平方米 with two decimals.
                "SD015" => (500 + (h % 1_500) as i64) * 100 + vary(k as u64, 100),
                "SD016" => pop * 15 / 100,
                _ => vary(k as u64 + 1_000, 1_000),
            };
            (code.to_string(), v)
        })
        .collect()
}

/// `entered_at` of a period's figures: the 3rd of the month after it ends, 09:00 Beijing time,
/// but never later than `now`.
fn entered_at(period: &Period, now: i64) -> i64 {
    let next = period.next();
    let (mut y, mut m) = (next.year as i64, 0_i64);
    m += match next.kind {
        PeriodType::Monthly => next.index as i64,
        PeriodType::Quarterly => next.index as i64 * 3,
        PeriodType::Yearly => 0,
    } + 1;
    // Days since 1970-01-01 of (y, m, 3), Howard Hinnant's days_from_civil.
    if m <= 2 {
        y -= 1;
    }
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + 3 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 86_400_000 + 3_600_000).min(now) // 09:00 +08:00 = 01:00 UTC
}

/// Writes the plan's values for `communities`, [`VALUES_BATCH`] rows a transaction, produced on a
/// thread of its own while the previous batch is written. The figures of every community and
/// period are checked against the register's ranges and consistency rules before they are sent.
/// Progress on stderr.
async fn fill_values(
    app: &App,
    plan: &SharedPlan,
    communities: Vec<String>,
    now: i64,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let periods: Vec<(Period, Vec<String>)> = plan
        .periods()
        .into_iter()
        .map(|(p, e)| (p, e.into_iter().map(str::to_string).collect()))
        .collect();
    let total = plan.rows_per_community() * communities.len() as u64;
    let register = plan.register.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<Vec<ValueRow>>>(2);
    let producer =
        std::thread::spawn(move || {
            let mut batch = Vec::with_capacity(VALUES_BATCH);
            for (i, community) in communities.iter().enumerate() {
                let by = worker_name(community);
                for (period, elements) in &periods {
                    let codes: Vec<&str> = elements.iter().map(String::as_str).collect();
                    let figs = figures(i, period, &codes);
                    let by_code: BTreeMap<String, i64> = figs.iter().cloned().collect();
                    let mut problems = check_consistency(&register, &by_code);
                    problems.extend(figs.iter().filter_map(|(code, v)| {
                        register.get(code).and_then(|e| check_range(e, *v))
                    }));
                    if let Some(p) = problems.first() {
                        let _ = tx.blocking_send(Err(anyhow::anyhow!(
                            "模拟数据不符合数据元登记（社区 {community}，{period}）：{}",
                            p.message
                        )));
                        return;
                    }
                    let key = period.key();
                    let at = entered_at(period, now);
                    for (element, value) in figs {
                        batch.push(ValueRow {
                            community: community.clone(),
                            element,
                            period: key.clone(),
                            value,
                            revision: 1,
                            entered_by: by.clone(),
                            entered_at: at,
                        });
                        if batch.len() == VALUES_BATCH
                            && tx
                                .blocking_send(Ok(std::mem::replace(
                                    &mut batch,
                                    Vec::with_capacity(VALUES_BATCH),
                                )))
                                .is_err()
                        {
                            return;
                        }
                    }
                }
            }
            if !batch.is_empty() {
                let _ = tx.blocking_send(Ok(batch));
            }
        });
    let mut written: u64 = 0;
    let report_every = (total / 20).max(VALUES_BATCH as u64);
    let mut next_report = report_every;
    let mut last_report = Instant::now();
    while let Some(batch) = rx.recv().await {
        let batch = batch?;
        written += app.store.insert_values_unaudited(&batch).await?;
        if written >= next_report || written == total || last_report.elapsed().as_secs() >= 30 {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "一表通数据 {written}/{total}（{:.0}%），{secs:.0} 秒，{:.0} 行/秒",
                written as f64 * 100.0 / total.max(1) as f64,
                written as f64 / secs.max(0.001)
            );
            if written >= next_report {
                next_report = written + report_every;
            }
            last_report = Instant::now();
        }
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("生成一表通数据的线程异常退出"))?;
    if written != total {
        bail!("只写入了 {written}/{total} 个一表通数据");
    }
    eprintln!(
        "已写入 {total} 个一表通数据（{:.1} 秒，{:.0} 行/秒）",
        started.elapsed().as_secs_f64(),
        total as f64 / started.elapsed().as_secs_f64().max(0.001)
    );
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
