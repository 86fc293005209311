//! `jianfu seal …`: verify every community's seal log, sign and export checkpoints, show the
//! district's public key.

use crate::{DbArgs, load_config, open_app};
use anyhow::{Context, bail};
use clap::Subcommand;
use jianfu_server::service::{Actor, RequestMeta};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(crate) enum SealAction {
    /// Check every community's log (chain, Merkle tree, head) against the signed checkpoints and
    /// their signatures; exit 0 when intact, 1 naming each bad log, its first bad entry and the
    /// kind of tampering.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// A checkpoint kept outside the system (written by `export-checkpoint`): every log must
        /// still contain exactly what it contained then.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The district's public key (hex), instead of the one derived from the key file.
        #[arg(long)]
        public_key: Option<String>,
    },
    /// Sign a checkpoint over every log's head now (the server does this every minute).
    Checkpoint {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Show the district's public key and its fingerprint (creates the key pair if missing).
    PublicKey {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write the latest checkpoint with the public key as JSON, for keeping outside the system.
    ExportCheckpoint {
        #[command(flatten)]
        db: DbArgs,
        /// Output file; default: standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

pub(crate) async fn seal_command(
    config: Option<&PathBuf>,
    action: SealAction,
) -> anyhow::Result<ExitCode> {
    use jianfu_server::service::seal::{parse_public_key, parse_published};
    let console = Actor::console();
    let meta = RequestMeta::console();
    match action {
        SealAction::Verify {
            db,
            checkpoint,
            public_key,
        } => {
            let app = open_app(load_config(config, &db)?, false).await?;
            let published = match &checkpoint {
                Some(p) => {
                    let text = std::fs::read_to_string(p)
                        .with_context(|| format!("无法读取检查点文件 {}", p.display()))?;
                    Some(parse_published(&text)?)
                }
                None => None,
            };
            let report = match &public_key {
                Some(k) => {
                    let key = parse_public_key(k)?;
                    app.verify_seal_logs_with(published, Some(&key)).await?
                }
                None => app.verify_seal_logs(published).await?,
            };
            if !report.is_intact() {
                let tree = app.org_tree().await?;
                for p in &report.problems {
                    let name = p.log.as_deref().map(|l| tree.name_or_code(l));
                    println!("用印登记校验失败：{}", p.describe(name.as_deref()));
                    println!("问题代码：{}", p.code());
                }
                return Ok(ExitCode::from(1));
            }
            let alg = report.hash_alg.map_or("—", |a| a.label_zh());
            println!(
                "用印登记完整：{} 本登记簿共 {} 条记录（{alg}），哈希链、默克尔树与链头一致。",
                report.logs, report.entries
            );
            match (report.signatures_checked, report.latest_verified) {
                (true, Some(size)) => println!(
                    "已核验 {} 个签名检查点，最新的覆盖 {size} 条记录。",
                    report.checkpoints_verified
                ),
                (true, None) => println!("还没有签名检查点。"),
                (false, _) => println!(
                    "注意：找不到用印签名密钥文件 {}，检查点签名未核验；可用 --public-key 指定区级公钥。",
                    app.seal_key_path().display()
                ),
            }
            if report.personal_deleted > 0 {
                println!(
                    "其中 {} 条的个人信息已按保存期限删除（不影响校验）。",
                    report.personal_deleted
                );
            }
        }
        SealAction::Checkpoint { db } => {
            let app = open_app(load_config(config, &db)?, false).await?;
            match app.make_seal_checkpoint(&console, &meta, true).await? {
                Some(c) => println!(
                    "已签署检查点：各登记簿共 {} 条记录，链头默克尔根 {}，密钥 {}",
                    c.size, c.root, c.key_id
                ),
                None => println!("用印登记还没有记录，无需签署检查点。"),
            }
        }
        SealAction::PublicKey { db } => {
            let app = open_app(load_config(config, &db)?, false).await?;
            let k = app.seal_public_key()?;
            println!("区级用印签名公钥（Ed25519）：{}", k.public_key);
            println!("密钥标识：{}", k.key_id);
            println!("公钥指纹（SHA-256）：{}", k.fingerprint);
        }
        SealAction::ExportCheckpoint { db, output } => {
            let app = open_app(load_config(config, &db)?, false).await?;
            let Some(p) = app.published_seal_checkpoint().await? else {
                bail!("还没有签名检查点：请先运行 jianfu seal checkpoint，或等服务运行一分钟");
            };
            let json = serde_json::to_string_pretty(&p)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, json + "\n")
                        .with_context(|| format!("无法写入 {}", path.display()))?;
                    eprintln!(
                        "已导出检查点（各登记簿共 {} 条记录）到 {}",
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
