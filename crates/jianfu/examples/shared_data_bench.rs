//! Measurements for collect once (一表通, issue 12 §6), through the service layer in one process,
//! against a city filled by `jianfu generate … --elements N --periods M` (or, with
//! `--fresh-sqlite`, one it generates itself on a temporary SQLite file by running the `jianfu`
//! binary next to this example):
//!
//! 1. the district's 民政局 clerk (`bm110115-mzj`) defines one report: 10 columns over 10 shipped
//!    elements (sums, an average, a ratio, a flow);
//! 2. `App::generate_report` at district level (a row per street) for one month and for a year,
//!    `--iterations` times each — p50/p99 — and, to tell the store from the service, the store's
//!    aggregate query on its own for the same windows;
//! 3. `App::import_values` of a workbook with `--import-elements` monthly elements (the entry
//!    template from `entry_workbook`, filled in) for one community and period, `--imports` times,
//!    each by that community's worker (`sg<社区代码>`) into a different community and a period
//!    of 2020 that has no figures — p50/p99. Needs a register with that many monthly elements
//!    (`generate --elements 205`: 11 shipped monthly + GX017…GX205).
//!
//! ```text
//! cargo build --release -p jianfu --bin jianfu --example shared_data_bench
//! ./target/release/examples/shared_data_bench --fresh-sqlite --communities 1000 --streets 10 \
//!     --elements 205 --periods 12 --until 2025-12
//! ./target/release/examples/shared_data_bench --database-url postgres://…/jianfu_bench12 \
//!     --data-dir /tmp/jf12-data --month 2026-11 --year 2026 --imports 0
//! ```
//!
//! Percentiles are nearest-rank over the timed calls (with 50 calls, p99 is the slowest). Not a
//! test.

use clap::Parser;
use jianfu_domain::shared_data::{Period, PeriodType};
use jianfu_domain::{OrgKind, SystemClock};
use jianfu_server::service::shared_data::import::entry_workbook;
use jianfu_server::service::shared_data::{ColumnInput, EntryResult, ReportInput};
use jianfu_server::service::{Actor, RequestMeta, auth::actor_of};
use jianfu_server::{App, Config};
use jianfu_store::{AggregateQuery, AggregateScope, ElementWindow};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Opts {
    /// The database filled by `jianfu generate` (`sqlite:PATH` or `postgres://…`).
    #[arg(long)]
    database_url: Option<String>,
    /// The data directory given to `jianfu generate` (its `shared_data/elements.toml` is the
    /// register in force).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Generate a city on a new SQLite file in a temporary directory first (runs
    /// `jianfu generate` with the options below), removed afterwards.
    #[arg(long)]
    fresh_sqlite: bool,
    #[arg(long, default_value_t = 1_000)]
    communities: u32,
    #[arg(long, default_value_t = 10)]
    streets: u32,
    #[arg(long, default_value_t = 50)]
    elements: u32,
    #[arg(long, default_value_t = 12)]
    periods: u32,
    /// Last generated month (`--fresh-sqlite`), `YYYY-MM`.
    #[arg(long)]
    until: Option<String>,
    /// The month of the one-month report [default: `--until`, else last month].
    #[arg(long)]
    month: Option<String>,
    /// The year of the one-year report [default: the month's year].
    #[arg(long)]
    year: Option<String>,
    /// Timed report generations of each kind, after a first (untimed) one.
    #[arg(long, default_value_t = 50)]
    iterations: usize,
    /// Timed runs of the store's aggregate query alone, for each kind.
    #[arg(long, default_value_t = 20)]
    store_iterations: usize,
    /// Timed imports (0: none).
    #[arg(long, default_value_t = 50)]
    imports: usize,
    /// Monthly elements in each imported workbook.
    #[arg(long, default_value_t = 200)]
    import_elements: usize,
    /// The department clerk who defines and reads the report.
    #[arg(long, default_value = "bm110115-mzj")]
    clerk: String,
}

fn percentiles(mut v: Vec<Duration>) -> String {
    v.sort();
    let p = |q: f64| {
        let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
        v[i].as_secs_f64() * 1e3
    };
    format!(
        "n {}, min {:.1} ms, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        v.len(),
        p(0.0),
        p(0.5),
        p(0.99),
        p(1.0)
    )
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

async fn actor(app: &App, username: &str) -> anyhow::Result<Actor> {
    let u =
        app.store.user_by_username(username).await?.ok_or_else(|| {
            anyhow::anyhow!("没有账号 {username}（库是 jianfu generate 生成的吗？）")
        })?;
    Ok(actor_of(&u))
}

fn column(label: &str, func: &str, element: &str, denominator: Option<&str>) -> ColumnInput {
    ColumnInput {
        label: label.into(),
        func: func.into(),
        element: element.into(),
        denominator: denominator.map(str::to_string),
    }
}

/// A figure for element `code` in import `i` that keeps the shipped consistency rules.
fn import_figure(code: &str, i: usize, k: usize) -> i64 {
    let pop = 4_000 + (i as i64 * 37) % 5_000;
    match code {
        "SD001" => pop,
        "SD002" => pop * 70 / 100,
        "SD003" => pop * 38 / 100,
        "SD004" => pop / 5,
        "SD005" => pop / 25,
        "SD006" => pop / 50,
        "SD007" => pop * 38 / 100 * 2 / 100,
        "SD008" => pop * 38 / 100 * 4 / 100,
        "SD009" => pop * 2 / 100,
        "SD010" => pop / 5,
        "SD011" => (i as i64 + 3) % 20,
        _ => ((i * 31 + k * 7) % 1_000) as i64,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = Opts::parse();
    let mut temp = None;
    let (url, data_dir) = if o.fresh_sqlite {
        let dir = std::env::temp_dir().join(format!("jf-shared-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite:{}", dir.join("jf.db").display());
        let bin = std::env::current_exe()?
            .parent()
            .and_then(|p| p.parent())
            .map(|p| p.join("jianfu"))
            .ok_or_else(|| anyhow::anyhow!("找不到 jianfu 程序"))?;
        let mut cmd = std::process::Command::new(&bin);
        cmd.args(["generate", "--database-url", &url, "--data-dir"])
            .arg(&dir)
            .args(["--password", "Synth@City2026x"])
            .args(["--communities", &o.communities.to_string()])
            .args(["--streets", &o.streets.to_string()])
            .args(["--elements", &o.elements.to_string()])
            .args(["--periods", &o.periods.to_string()]);
        if let Some(u) = &o.until {
            cmd.args(["--until", u]);
        }
        eprintln!("{cmd:?}");
        let started = Instant::now();
        let status = cmd.status()?;
        if !status.success() {
            anyhow::bail!("jianfu generate 失败：{status}");
        }
        eprintln!("generate: {:.1} s", started.elapsed().as_secs_f64());
        temp = Some(dir.clone());
        (url, dir)
    } else {
        (
            o.database_url
                .clone()
                .ok_or_else(|| anyhow::anyhow!("请给 --database-url 或 --fresh-sqlite"))?,
            o.data_dir
                .clone()
                .ok_or_else(|| anyhow::anyhow!("请给 --data-dir（generate 用的数据目录）"))?,
        )
    };
    let result = run(&o, &url, data_dir).await;
    if let Some(dir) = temp {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

async fn run(o: &Opts, url: &str, data_dir: PathBuf) -> anyhow::Result<()> {
    let store: Arc<dyn jianfu_store::Store> =
        jianfu_store::open(&jianfu_store::DatabaseUrl::parse(url)?).await?;
    let app = App::new(
        store.clone(),
        Arc::new(SystemClock),
        Config {
            data_dir,
            database_url: Some(url.to_string()),
            ..Config::default()
        },
    );
    let meta = RequestMeta::console();
    eprintln!("load average at start: {}", load());

    let reg = app.shared_elements().await?;
    let monthly = reg.of_period(PeriodType::Monthly).count();
    eprintln!(
        "register: {} elements ({monthly} monthly), version {}",
        reg.elements.len(),
        reg.version
    );
    let month = match o.month.as_deref().or(o.until.as_deref()) {
        Some(m) => Period::parse(m).map_err(|e| anyhow::anyhow!("--month：{e}"))?,
        None => {
            let d = app.today();
            Period::last_ended(PeriodType::Monthly, d.year(), d.month() as u32)
        }
    };
    let year = match &o.year {
        Some(y) => Period::parse(y).map_err(|e| anyhow::anyhow!("--year：{e}"))?,
        None => Period::containing(PeriodType::Yearly, month.year, month.index + 1),
    };

    let started = Instant::now();
    app.org_tree().await?;
    eprintln!(
        "org tree loaded (cold) in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    // The report: 10 columns over 10 shipped monthly elements.
    let clerk = actor(&app, &o.clerk).await?;
    let report = app
        .define_report(
            &clerk,
            &meta,
            &ReportInput {
                title: "社区基本情况月报（测量）".into(),
                replaces: String::new(),
                columns: vec![
                    column("常住人口", "sum", "SD001", None),
                    column("户籍人口", "sum", "SD002", None),
                    column("平均每社区常住户数", "average", "SD003", None),
                    column("60岁及以上", "sum", "SD004", None),
                    column("80岁及以上", "sum", "SD005", None),
                    column("独居老人", "sum", "SD006", None),
                    column("低保户", "sum", "SD007", None),
                    column("低保人口占常住人口", "ratio", "SD008", Some("SD001")),
                    column("残疾人", "sum", "SD009", None),
                    column("调解件数", "sum", "SD011", None),
                ],
            },
        )
        .await?;
    eprintln!("report {} defined by {}", report.code, o.clerk);

    let tree = app.org_tree().await?;
    let district = tree
        .all()
        .iter()
        .find(|org| org.kind == OrgKind::District)
        .map(|org| org.code.to_string())
        .ok_or_else(|| anyhow::anyhow!("没有区"))?;
    let communities: Vec<String> = tree
        .all()
        .iter()
        .filter(|org| org.kind == OrgKind::Community)
        .map(|org| org.code.to_string())
        .collect();
    eprintln!(
        "{} organisations, {} communities",
        tree.all().len(),
        communities.len()
    );
    drop(tree);

    for (what, period) in [("month", month), ("year", year)] {
        let key = period.key();
        let started = Instant::now();
        let first = app
            .generate_report(&clerk, &report.code, None, Some(&key))
            .await?;
        let first_ms = started.elapsed().as_secs_f64() * 1e3;
        println!(
            "report {what} {key}: {} rows ({}), total reporting {}/{}, first call {first_ms:.1} ms",
            first.rows.len(),
            first.row_kind,
            first.total.reporting,
            first.total.expected,
        );
        println!(
            "  total: {}",
            first
                .report
                .columns
                .iter()
                .zip(&first.total.cells)
                .map(|(c, v)| format!("{}={}", c.label, v.text))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if o.iterations > 0 {
            let mut times = Vec::with_capacity(o.iterations);
            for _ in 0..o.iterations {
                let t = Instant::now();
                let r = app
                    .generate_report(&clerk, &report.code, None, Some(&key))
                    .await?;
                times.push(t.elapsed());
                std::hint::black_box(r);
            }
            println!("  generate_report (service): {}", percentiles(times));
        }

        // The store's one aggregate query alone, as the service builds it for the district.
        let (first_key, last_key) = period
            .window_for("x", PeriodType::Monthly)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let q = AggregateQuery {
            scope: AggregateScope::District(district.clone()),
            windows: vec![ElementWindow {
                elements: [
                    "SD001", "SD002", "SD003", "SD004", "SD005", "SD006", "SD007", "SD008",
                    "SD009", "SD011",
                ]
                .map(str::to_string)
                .to_vec(),
                first: first_key,
                last: last_key,
            }],
        };
        let mut times = Vec::with_capacity(o.store_iterations);
        for _ in 0..o.store_iterations {
            let t = Instant::now();
            let rows = app.store.aggregate_values(&q).await?;
            times.push(t.elapsed());
            std::hint::black_box(rows);
        }
        if !times.is_empty() {
            println!("  aggregate_values (store only): {}", percentiles(times));
        }
    }

    if o.imports > 0 {
        if monthly < o.import_elements {
            anyhow::bail!(
                "登记里只有 {monthly} 个按月的数据元，导入测量要 {} 个：用 jianfu generate --elements {} 生成",
                o.import_elements,
                o.import_elements + (reg.elements.len() - monthly)
            );
        }
        // Different communities spread over the city, each a period of 2020 (never generated).
        let step = communities.len().checked_div(o.imports).unwrap_or(1).max(1);
        let mut times = Vec::with_capacity(o.imports);
        let mut bytes_total = 0;
        for i in 0..o.imports {
            let community = &communities[(i * step + i / communities.len()) % communities.len()];
            let worker = actor(&app, &format!("sg{community}")).await?;
            let period = format!("2020-{:02}", i % 12 + 1);
            let mut sheet = app.entry_sheet(&worker, Some(&period)).await?;
            if sheet.entered > 0 {
                anyhow::bail!("{community} 在 {period} 已有数据");
            }
            sheet.rows.truncate(o.import_elements);
            for (k, row) in sheet.rows.iter_mut().enumerate() {
                row.current = Some(import_figure(&row.code, i, k).to_string());
            }
            let xlsx = entry_workbook(&sheet)?;
            bytes_total += xlsx.len();
            let t = Instant::now();
            let r = app.import_values(&worker, &meta, &period, &xlsx).await?;
            times.push(t.elapsed());
            match r {
                EntryResult::Saved { written, .. } if written == o.import_elements => {}
                other => anyhow::bail!("导入 {community} {period} 没有全部写入：{other:?}"),
            }
        }
        println!(
            "import_values, {} elements per workbook ({} bytes on average): {}",
            o.import_elements,
            bytes_total / o.imports,
            percentiles(times)
        );
    }
    eprintln!("load average at end: {}", load());
    Ok(())
}
