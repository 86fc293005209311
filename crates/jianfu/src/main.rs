//! `jianfu`: the one binary. `serve` runs the web server; the other subcommands work on the same
//! database, also while the server runs.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use jianfu_domain::SystemClock;
use jianfu_server::service::accounts::NewAccount;
use jianfu_server::service::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use jianfu_server::service::second_factor::DEMO_TOTP_SECRETS;
use jianfu_server::service::{Actor, RequestMeta};
use jianfu_server::{App, Config};
use jianfu_store::DatabaseUrl;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

mod generate;
mod seal;

use seal::{SealAction, seal_command};

/// mimalloc instead of glibc's malloc: a request allocates and frees many small buffers on
/// whichever worker thread runs it, and glibc's malloc/free were a tenth of the server's CPU
/// time (docs/performance.md, 议题 10 §5).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "jianfu", version, about = "减负：社区工作准入平台")]
struct Cli {
    /// Configuration file (TOML). Default: ./jianfu.toml when it exists.
    #[arg(long, global = true, env = "JIANFU_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct DbArgs {
    /// Directory for the SQLite file and other local data [default: ./jianfu-data]
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// `sqlite:PATH` or `postgres://…` [env: JIANFU_DATABASE_URL]
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies migrations first).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo district (Daxing) and one account per role, once.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// The seal-use log (用印登记): verify, sign and publish checkpoints.
    Seal {
        #[command(subcommand)]
        action: SealAction,
    },
    /// Write the whole database to a portable JSON Lines file.
    Export {
        #[command(flatten)]
        db: DbArgs,
        /// Output file; `-` for standard output.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Copy the SQLite database to FILE, also while the server is running (PostgreSQL: prints
    /// the pg_dump command to use instead).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        /// The copy to write; must not exist yet.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Fill an empty database with a synthetic city (one district, many communities, accounts,
    /// optionally audit history) for measurements.
    Generate {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        args: generate::GenerateArgs,
    },
    /// Load an export file into a new, empty database.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Input file written by `jianfu export`.
        #[arg(long, short)]
        input: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
        /// Role; repeat for more than one. One of: resident, community_worker,
        /// community_director, street_officer, department_clerk, district_approver, supervisor,
        /// system_admin, security_admin, audit_admin.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Code of the community, street/town or department; default: the district.
        #[arg(long)]
        org: Option<String>,
        /// Name shown on screen.
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Disable an account and end its sessions.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Re-enable a disabled account.
    Enable {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Set a new password (ends the account's sessions and lifts any lock). It is one-time: the
    /// owner sets their own at the next login. Administrators' passwords are reset only here.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
    },
    /// Reset an administrator's authenticator (TOTP second factor): deletes the secret and the
    /// recovery codes and ends the account's sessions; the administrator enrols again at the next
    /// login. Only here (console), like administrators' passwords.
    ResetTotp {
        #[command(flatten)]
        db: DbArgs,
        /// The account (also accepted as --username).
        #[arg(value_name = "USERNAME")]
        account: Option<String>,
        #[arg(long)]
        username: Option<String>,
    },
    /// Grant a role (administrator roles are granted only here).
    Grant {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
    },
    /// Withdraw a role.
    Withdraw {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        role: String,
    },
    /// Create a system account (a department system that holds API tokens; never logs in).
    CreateSystem {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// The system's name, e.g. 民政局业务系统.
        #[arg(long)]
        name: String,
        /// Code of the organisation the system belongs to.
        #[arg(long)]
        org: String,
        /// Business role; repeat for more than one.
        #[arg(long = "role")]
        roles: Vec<String>,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check every organisation's hash chain, the latest signed checkpoint and the append-only
    /// triggers; exit 0 when intact, 1 naming each chain that was changed, cut or dropped.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// A checkpoint kept outside the system (written by `export-checkpoint`): every chain must
        /// still contain the head it recorded.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The district's public key (hex), instead of the one derived from the key file.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Sign a checkpoint over every chain's head now (the server does this every minute).
    Checkpoint {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write the latest signed audit checkpoint with the public key as JSON.
    ExportCheckpoint {
        #[command(flatten)]
        db: DbArgs,
        /// Output file; default: standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// Keys a `JIANFU_*` environment variable may set.
const CONFIG_KEYS: &[&str] = &[
    "bind",
    "data_dir",
    "database_url",
    "log_format",
    "secure_cookies",
    "session_idle_minutes",
    "session_absolute_hours",
    "lockout_max_failures",
    "lockout_minutes",
    "password_min_length",
    "password_min_classes",
    "max_json_bytes",
    "seal_key_file",
    "seal_hash_alg",
    "approval_working_days",
    "data_key_file",
    "personal_data_retention_days",
    "public_base_url",
    "header_read_timeout_secs",
    "idle_timeout_secs",
    "max_connections",
];

fn load_config(path: Option<&PathBuf>, db: &DbArgs) -> anyhow::Result<Config> {
    let mut fig = Figment::from(Serialized::defaults(Config::default()));
    match path {
        Some(p) => {
            if !p.exists() {
                bail!("配置文件 {} 不存在", p.display());
            }
            fig = fig.merge(Toml::file(p));
        }
        None => fig = fig.merge(Toml::file("jianfu.toml")),
    }
    fig = fig.merge(
        Env::prefixed("JIANFU_")
            .filter(|k| CONFIG_KEYS.contains(&k.as_str().to_lowercase().as_str())),
    );
    let mut config: Config = fig.extract().context("配置有误")?;
    if let Some(d) = &db.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(u) = &db.database_url {
        config.database_url = Some(u.clone());
    }
    Ok(config)
}

fn database_url(config: &Config) -> anyhow::Result<DatabaseUrl> {
    match config
        .database_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(u) => Ok(DatabaseUrl::parse(u)?),
        None => Ok(DatabaseUrl::sqlite_in(&config.data_dir)),
    }
}

/// Opens the database, creating it when `create` (serve, import); other commands need an
/// existing one, so a mistyped path is an error rather than a new empty database.
async fn open_app(config: Config, create: bool) -> anyhow::Result<App> {
    let url = database_url(&config)?;
    let store = if create {
        jianfu_store::open(&url).await?
    } else {
        jianfu_store::open_existing(&url).await?
    };
    let app = App::new(store, Arc::new(SystemClock), config);
    // Console records go to the district's audit chain: read the tree once so it is known.
    app.org_tree().await?;
    Ok(app)
}

fn init_logs(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let console = Actor::console();
    let meta = RequestMeta::console();
    match cli.command {
        Command::Serve { db, bind, demo } => {
            let mut config = load_config(cli.config.as_ref(), &db)?;
            if let Some(b) = bind {
                config.bind = b;
            }
            init_logs(&config);
            serve(config, demo).await?;
        }
        Command::Migrate { db } => {
            let config = load_config(cli.config.as_ref(), &db)?;
            let url = database_url(&config)?;
            let store = jianfu_store::open(&url).await?;
            let app = App::new(store, Arc::new(SystemClock), config);
            app.org_tree().await?;
            for name in app
                .restore_append_only_guards(&RequestMeta::console())
                .await?
            {
                eprintln!("警告：只追加保护触发器 {name} 不存在，已恢复");
            }
            println!("数据库已是最新结构：{url}");
        }
        Command::User { action } => match action {
            UserAction::Create {
                db,
                username,
                password,
                roles,
                org,
                display_name,
            } => {
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                let org = match org {
                    Some(o) => o,
                    None => district_code(&app).await?,
                };
                let new = NewAccount {
                    username: username.clone(),
                    display_name: display_name.unwrap_or_default(),
                    password,
                    roles,
                    org,
                };
                app.create_account(&console, &meta, &new).await?;
                println!("已创建账号 {username}");
            }
            UserAction::Disable { db, username } => {
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                app.set_account_disabled(&console, &meta, &username, true)
                    .await?;
                println!("已停用账号 {username}，其登录会话已结束");
            }
            UserAction::Enable { db, username } => {
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                app.set_account_disabled(&console, &meta, &username, false)
                    .await?;
                println!("已启用账号 {username}");
            }
            UserAction::Grant { db, username, role } => {
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                app.set_account_role(&console, &meta, &username, &role, true)
                    .await?;
                println!("已授予账号 {username} 角色 {role}");
            }
            UserAction::Withdraw { db, username, role } => {
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                app.set_account_role(&console, &meta, &username, &role, false)
                    .await?;
                println!("已撤销账号 {username} 的角色 {role}");
            }
            UserAction::CreateSystem {
                db,
                username,
                name,
                org,
                roles,
            } => {
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                let roles = roles
                    .iter()
                    .map(|r| {
                        jianfu_domain::Role::parse(r)
                            .ok_or_else(|| anyhow::anyhow!("未知角色“{r}”"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                app.create_system_account(&console, &meta, &username, &name, &org, &roles)
                    .await?;
                println!("已创建系统账号 {username}（{name}）");
            }
            UserAction::ResetPassword {
                db,
                username,
                password,
            } => {
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                app.reset_password(&console, &meta, &username, &password)
                    .await?;
                println!("已重置账号 {username} 的密码");
            }
            UserAction::ResetTotp {
                db,
                account,
                username,
            } => {
                let Some(username) = account.or(username) else {
                    anyhow::bail!("请指定账号：jianfu user reset-totp <用户名>");
                };
                let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
                if app.reset_second_factor(&console, &meta, &username).await? {
                    println!(
                        "已重置账号 {username} 的验证器和恢复码；该账号下次登录时须重新绑定验证器"
                    );
                } else {
                    println!(
                        "账号 {username} 没有绑定验证器；已结束其会话，下次登录时（管理员）须绑定验证器"
                    );
                }
            }
        },
        Command::Audit { action } => return audit_command(cli.config.as_ref(), action).await,
        Command::Seal { action } => return seal_command(cli.config.as_ref(), action).await,
        Command::Export { db, output } => {
            let app = open_app(load_config(cli.config.as_ref(), &db)?, false).await?;
            let n = if output.as_os_str() == "-" {
                app.export(&mut std::io::BufWriter::new(std::io::stdout()))
                    .await?
            } else {
                let f = std::fs::File::create(&output)
                    .with_context(|| format!("无法创建 {}", output.display()))?;
                app.export(&mut std::io::BufWriter::new(f)).await?
            };
            eprintln!("已导出 {n} 行");
        }
        Command::Backup { db, output } => {
            let config = load_config(cli.config.as_ref(), &db)?;
            let url = database_url(&config)?;
            match jianfu_store::backup::backup(&url, &output).await? {
                jianfu_store::backup::BackupOutcome::Written { bytes } => {
                    println!("已备份到 {}（{bytes} 字节）", output.display());
                }
                jianfu_store::backup::BackupOutcome::UsePgDump { command } => {
                    println!("PostgreSQL 请用它自己的工具备份（在能连到数据库的机器上运行）：");
                    println!("  {command}");
                    return Ok(ExitCode::from(3));
                }
            }
        }
        Command::Generate { db, args } => {
            let app = open_app(load_config(cli.config.as_ref(), &db)?, true).await?;
            generate::run(&app, &args).await?;
        }
        Command::Import { db, input } => {
            let app = open_app(load_config(cli.config.as_ref(), &db)?, true).await?;
            let f = std::fs::File::open(&input)
                .with_context(|| format!("无法打开 {}", input.display()))?;
            let n = app
                .import(&console, &meta, &mut std::io::BufReader::new(f))
                .await?;
            println!("已导入 {n} 行");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn audit_command(config: Option<&PathBuf>, action: AuditAction) -> anyhow::Result<ExitCode> {
    use jianfu_server::service::audit::parse_published_audit;
    use jianfu_server::service::seal::parse_public_key;
    let console = Actor::console();
    match action {
        AuditAction::Verify {
            db,
            checkpoint,
            public_key,
        } => {
            let app = open_app(load_config(config, &db)?, false).await?;
            let outside = match &checkpoint {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("无法读取检查点文件 {}", p.display()))?;
                    Some(parse_published_audit(&text)?)
                }
                None => None,
            };
            let key = match &public_key {
                Some(k) => Some(parse_public_key(k)?),
                None => None,
            };
            let r = app
                .verify_audit_with(&console, outside.as_ref(), key.as_ref())
                .await?;
            if !r.problems.is_empty() {
                println!("审计日志校验失败（{} 处问题）：", r.problems.len());
                for p in &r.problems {
                    println!("  {p}（问题代码：{}）", p.code());
                }
                return Ok(ExitCode::from(1));
            }
            println!(
                "审计日志完整：共 {} 条链、{} 条记录，哈希链无断裂，链头一致。",
                r.chains, r.records
            );
            match (r.signatures_checked, r.checkpoints_used.len()) {
                (_, 0) => println!("还没有审计检查点可供比对。"),
                (true, n) => println!("已核验 {n} 个签名检查点，各链仍包含检查点记录的链头。"),
                (false, n) => println!(
                    "已比对 {n} 个检查点；注意：找不到签名密钥文件 {}，签名未核验，可用 --public-key 指定区级公钥。",
                    app.seal_key_path().display()
                ),
            }
        }
        AuditAction::Checkpoint { db } => {
            let app = open_app(load_config(config, &db)?, false).await?;
            match app.make_audit_checkpoint(&console, true).await? {
                Some(c) => println!(
                    "已签署审计检查点：共 {} 条记录，链头默克尔根 {}，密钥 {}",
                    c.size, c.root, c.key_id
                ),
                None => println!("审计日志还没有记录，无需签署检查点。"),
            }
        }
        AuditAction::ExportCheckpoint { db, output } => {
            let app = open_app(load_config(config, &db)?, false).await?;
            let Some(p) = app.published_audit_checkpoint().await? else {
                bail!("还没有审计检查点：请先运行 jianfu audit checkpoint，或等服务运行一分钟");
            };
            let json = serde_json::to_string_pretty(&p)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, json + "\n")
                        .with_context(|| format!("无法写入 {}", path.display()))?;
                    eprintln!(
                        "已导出审计检查点（{} 条链、{} 条记录）到 {}",
                        p.heads.len(),
                        p.checkpoint.size,
                        path.display()
                    );
                }
                None => println!("{json}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn district_code(app: &App) -> anyhow::Result<String> {
    let tree = app.org_tree().await?;
    match tree
        .all()
        .iter()
        .find(|o| o.kind == jianfu_domain::OrgKind::District)
    {
        Some(d) => Ok(d.code.to_string()),
        None => bail!(
            "数据库中还没有区级机构，请用 --org 指定所属机构，或先以 serve --demo 载入演示数据"
        ),
    }
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let bind = config.bind.clone();
    let app = open_app(config, true).await?;
    tracing::info!(database = app.store.backend(), "database ready");
    // A wrong calendar file would move deadlines silently: refuse to start, naming the file.
    if !app.calendars.problems.is_empty() {
        anyhow::bail!("{}", app.calendars.problems.join("\n"));
    }
    if let Some(w) = app.next_year_calendar_warning() {
        tracing::warn!("{w}");
        eprintln!("注意：{w}");
    }
    // Append-only triggers someone dropped are put back (with a warning and an audit record).
    app.restore_append_only_guards(&RequestMeta::console())
        .await?;
    app.ensure_catalog(&RequestMeta::console()).await?;
    // Materials stored before they were encrypted: encrypted once, audited.
    let encrypted = app
        .encrypt_plaintext_materials(&RequestMeta::console())
        .await?;
    if encrypted > 0 {
        tracing::info!(
            materials = encrypted,
            "encrypted materials stored in plaintext"
        );
    }
    // API tokens belong to system accounts: tokens issued to people before are revoked (audited).
    let retired = app.retire_person_tokens(&RequestMeta::console()).await?;
    if retired > 0 {
        tracing::warn!(
            count = retired,
            "revoked API tokens that belonged to people"
        );
    }
    // The seal logs' key and algorithm: created or checked now, not at the first seal use. The
    // district keeps the algorithm its logs started with; a changed setting cannot switch it.
    let configured = app.seal_hash_alg()?;
    let district = app.district_seal_alg().await?;
    if district != configured {
        let w = format!(
            "配置项 seal_hash_alg 为 {}，但本区的用印登记簿已使用 {}：新社区的登记簿仍用 {}（全区一个算法）",
            configured.as_str(),
            district.as_str(),
            district.as_str()
        );
        tracing::warn!("{w}");
        eprintln!("注意：{w}");
    }
    let key = app.seal_public_key()?;
    tracing::info!(key_id = %key.key_id, fingerprint = %key.fingerprint, "seal log signing key");
    if demo && app.load_demo(&RequestMeta::console()).await? {
        println!("已载入演示数据（北京市大兴区）。演示账号（密码均为 {DEMO_PASSWORD}）：");
        for (user, name, role, _) in DEMO_ACCOUNTS {
            println!("  {user:<11} {role:<19} {name}");
        }
        println!(
            "管理员演示账号登录还须输入验证器（TOTP：SHA-1、6 位、30 秒）的验证码；把下面的密钥加入任一验证器应用（演示模式的验证码页面也会显示当前验证码）："
        );
        for (user, secret) in DEMO_TOTP_SECRETS {
            println!("  {user:<11} {secret}");
        }
        match app.load_demo_certificates(&RequestMeta::console()).await {
            Ok(c) => println!(
                "演示证明：编号 {}，核验码 {}（在 /verify 查验；另有待核实、待审批用印的申请各一份）",
                c.number, c.code
            ),
            Err(e) => eprintln!("演示证明未能载入：{e}"),
        }
        if let Err(e) = app.load_demo_inventory(&RequestMeta::console()).await {
            eprintln!("演示负担台账未能载入：{e}");
        }
        if let Err(e) = app.load_demo_evaluations(&RequestMeta::console()).await {
            eprintln!("演示考核评比登记未能载入：{e}");
        }
        match app.load_demo_surveys(&RequestMeta::console()).await {
            Ok(codes) => {
                println!("演示满意度调查：一个演示社区的填写链接（地址）和入户码，居民无需登录：");
                for c in codes {
                    println!("  {c}");
                }
            }
            Err(e) => eprintln!("演示满意度调查未能载入：{e}"),
        }
        if let Err(e) = app.load_demo_comprehensive(&RequestMeta::console()).await {
            eprintln!("演示综合考评未能载入：{e}");
        }
        if let Err(e) = app.load_demo_shared_data(&RequestMeta::console()).await {
            eprintln!("演示共享数据未能载入：{e}");
        }
        if let Err(e) = app.load_demo_volunteers(&RequestMeta::console()).await {
            eprintln!("演示志愿服务未能载入：{e}");
        }
        match app.load_demo_deliberation(&RequestMeta::console()).await {
            Ok(()) => {
                println!("演示议事协商：公开页 /public/deliberation/110115001901（无需登录）")
            }
            Err(e) => eprintln!("演示议事协商未能载入：{e}"),
        }
    }
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("无法监听 {bind}"))?;
    let addr = listener.local_addr()?;
    println!("jianfu 已启动：http://{addr}/");
    // Every minute: escalate pending cases past their approval deadline, and let work whose
    // validity has ended expire.
    let escalator = app.clone();
    let background = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = escalator.escalate_overdue(&RequestMeta::console()).await {
                tracing::warn!(error = %e, "approval deadline escalation failed");
            }
            if let Err(e) = escalator.expire_lapsed(&RequestMeta::console()).await {
                tracing::warn!(error = %e, "expiring lapsed work failed");
            }
            // Sign the seal log's new head, if it grew.
            if let Err(e) = escalator
                .make_seal_checkpoint(&Actor::console(), &RequestMeta::console(), false)
                .await
            {
                tracing::warn!(error = %e, "signing a seal log checkpoint failed");
            }
            // And the audit trail's chain heads, if any changed.
            if let Err(e) = escalator
                .make_audit_checkpoint(&Actor::console(), false)
                .await
            {
                tracing::warn!(error = %e, "signing an audit checkpoint failed");
            }
            // Personal data past its retention period (personal_data_retention_days).
            if let Err(e) = escalator
                .purge_expired_personal_data(&RequestMeta::console())
                .await
            {
                tracing::warn!(error = %e, "deleting expired personal data failed");
            }
            // Files kept from refused application forms, past their 24 hours.
            if let Err(e) = escalator.purge_upload_drafts(&RequestMeta::console()).await {
                tracing::warn!(error = %e, "deleting expired upload drafts failed");
            }
        }
    });
    let limits = jianfu_server::http::serve::ConnectionLimits::from_config(&app.config);
    let url = database_url(&app.config)?;
    jianfu_server::http::serve::serve(
        listener,
        jianfu_server::router(app.clone()),
        limits,
        jianfu_server::http::serve::shutdown_signal(),
    )
    .await?;
    // A clean stop: no more background work, then everything in the WAL into jianfu.db, so
    // that the file alone is a whole copy.
    background.abort();
    let _ = background.await;
    drop(app);
    match jianfu_store::backup::checkpoint(&url).await {
        Ok(true) => println!("jianfu 已停止，数据已全部写入数据库文件。"),
        Ok(false) => tracing::warn!("WAL checkpoint could not finish: readers still open"),
        Err(e) => tracing::warn!(error = %e, "WAL checkpoint on stop failed"),
    }
    Ok(())
}
