//! Verifying every seal log of the district (`jianfu seal verify`): each log against itself, its
//! head and what the signed checkpoints say it held, naming the log in each problem. A log
//! rewritten, truncated or dropped behind a checkpoint is named; an outside checkpoint still
//! catches a rewrite of everything in the database, checkpoints included.
//!
//! Checkpoints used: the latest stored one (over every log's head), the legacy ones (over the
//! district log from before logs per community, which is frozen) and one kept outside, if given.

use super::App;
use crate::service::ServiceError;
use jianfu_domain::seal::checkpoint::{self, Checkpoint, CheckpointVerifier, SignatureProblem};
use jianfu_domain::seal::verify::{CheckpointSource, LogProblem, ProblemKind};
use jianfu_domain::seal::{
    Ed25519Verifier, HashAlg, HeadsTree, LEGACY_LOG, SealCheckpoint, SealHead, SealProblem,
    SealReport, SealVerifier,
};
use jianfu_store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Entries per read while verifying: bounded memory for any log length.
const VERIFY_PAGE: i64 = 10_000;
/// Pages being read while one is checked.
const READ_AHEAD: usize = 2;
/// Logs verified at once.
const LOGS_AT_ONCE: usize = 4;

/// What verifying every log found.
#[derive(Debug, Clone, Default)]
pub struct SealLogsReport {
    /// Logs read (with entries or a head).
    pub logs: usize,
    pub entries: u64,
    pub hash_alg: Option<HashAlg>,
    /// Checkpoints whose signature and list of heads held, and whose every log matched.
    pub checkpoints_verified: usize,
    /// Entries in all logs at the latest such checkpoint.
    pub latest_verified: Option<i64>,
    pub personal_kept: u64,
    pub personal_deleted: u64,
    /// Whether signatures were checked (a public key was given or found).
    pub signatures_checked: bool,
    /// Every problem, one per log at most, with the log named.
    pub problems: Vec<LogProblem>,
}

impl SealLogsReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What the checkpoints say: per log, the sizes and roots it had.
type Expectations = BTreeMap<String, Vec<(Checkpoint, CheckpointSource)>>;

impl App {
    /// Verifies every log with the district's key file (if it exists), against the stored
    /// checkpoints and optionally one kept outside.
    pub async fn verify_seal_logs(
        &self,
        published: Option<SealCheckpoint>,
    ) -> Result<SealLogsReport, ServiceError> {
        let key = self.seal_verifier_existing()?;
        self.verify_seal_logs_with(published, key.as_ref()).await
    }

    /// Like [`App::verify_seal_logs`], with the public key given (e.g. the published one, when
    /// the key file is not at hand). Reads each log page by page; memory stays bounded.
    pub async fn verify_seal_logs_with(
        &self,
        published: Option<SealCheckpoint>,
        key: Option<&Ed25519Verifier>,
    ) -> Result<SealLogsReport, ServiceError> {
        let trusted = key.map(|k| k as &dyn CheckpointVerifier);
        let mut report = SealLogsReport {
            signatures_checked: trusted.is_some(),
            ..Default::default()
        };
        // Every checkpoint to check, with where it came from.
        let mut signed: Vec<(SealCheckpoint, CheckpointSource)> = self
            .store
            .legacy_seal_checkpoints()
            .await?
            .into_iter()
            .map(|c| {
                let c = SealCheckpoint {
                    checkpoint: c,
                    heads: None,
                };
                (c, CheckpointSource::Stored)
            })
            .collect();
        if let Some(latest) = self.store.latest_seal_checkpoint().await?
            && latest.heads.is_some()
        {
            signed.push((latest, CheckpointSource::Stored));
        }
        if let Some(p) = published {
            signed.push((p, CheckpointSource::Published));
        }
        let mut expected = Expectations::new();
        let mut counted: Vec<(i64, usize)> = vec![];
        // The legacy log is frozen once a checkpoint over every log covers it: its size there.
        let mut legacy_frozen_at: Option<i64> = None;
        for (c, source) in signed {
            let cp = &c.checkpoint;
            if let Some(v) = trusted
                && let Err(why) = checkpoint::check(v, cp)
            {
                let kind = match why {
                    SignatureProblem::UnknownKey => ProblemKind::UnknownKey {
                        size: cp.size,
                        key_id: cp.key_id.clone(),
                        source,
                    },
                    SignatureProblem::Invalid => ProblemKind::BadSignature {
                        size: cp.size,
                        source,
                    },
                };
                report.problems.push(LogProblem {
                    log: None,
                    problem: SealProblem { seq: cp.size, kind },
                });
                continue;
            }
            match &c.heads {
                None => {
                    expected
                        .entry(LEGACY_LOG.to_string())
                        .or_default()
                        .push((cp.clone(), source));
                    counted.push((cp.size, 1));
                }
                Some(heads) => {
                    let tree = HeadsTree::new(cp.hash_alg.hasher(), heads);
                    if tree.root_hex() != cp.root || tree.has_duplicates() {
                        report.problems.push(LogProblem {
                            log: None,
                            problem: SealProblem {
                                seq: cp.size,
                                kind: ProblemKind::HeadsAltered { source },
                            },
                        });
                        continue;
                    }
                    for h in &tree.heads {
                        if h.log == LEGACY_LOG {
                            legacy_frozen_at =
                                Some(legacy_frozen_at.map_or(h.size, |s| s.min(h.size)));
                        }
                        let per_log = Checkpoint {
                            size: h.size,
                            root: h.root.clone(),
                            ..cp.clone()
                        };
                        expected
                            .entry(h.log.clone())
                            .or_default()
                            .push((per_log, source));
                    }
                    counted.push((cp.size, 1));
                }
            }
        }
        let heads: BTreeMap<String, SealHead> =
            self.store.seal_heads().await?.into_iter().collect();
        let mut logs: BTreeSet<String> = heads.keys().cloned().collect();
        logs.extend(self.store.seal_logs().await?);
        logs.extend(expected.keys().cloned());
        // Personal rows may be gone only once their retention period has ended (the purge
        // deletes rows of entries used before the cutoff; a little slack for a purge that ran
        // just before this check with a clock a minute ahead).
        let deletable_before = jianfu_domain::retention::delete_finished_before(
            self.now_ms() + 60_000,
            self.config.personal_data_retention_days,
        )
        .unwrap_or(i64::MIN);
        let mut running = tokio::task::JoinSet::new();
        let mut results: Vec<(String, SealReport)> = Vec::new();
        for log in logs {
            let exp = expected.remove(&log).unwrap_or_default();
            // A log a checkpoint names that has no head: dropped, if it has no entries either.
            let dropped = if heads.contains_key(&log) {
                None
            } else {
                exp.iter()
                    .filter(|(c, _)| c.size > 0)
                    .max_by_key(|(c, _)| c.size)
                    .cloned()
            };
            let v = SealVerifier::for_log(&log, exp, trusted.is_some())
                .personal_deletable_before(deletable_before);
            let store = self.store.clone();
            running.spawn(async move {
                let r = verify_log(store, &log, v).await;
                (log, dropped, r)
            });
            while running.len() >= LOGS_AT_ONCE {
                collect(running.join_next().await, &mut results)?;
            }
        }
        while let Some(done) = running.join_next().await {
            collect(Some(done), &mut results)?;
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        let mut any_log_failed = false;
        for (log, mut r) in results {
            if let Some(frozen) = legacy_frozen_at.filter(|_| log == LEGACY_LOG)
                && r.problem.is_none()
                && r.entries as i64 > frozen
            {
                r.problem = Some(SealProblem {
                    seq: frozen + 1,
                    kind: ProblemKind::BeyondHead { head: frozen },
                });
            }
            report.logs += 1;
            report.entries += r.entries;
            report.personal_kept += r.personal_kept;
            report.personal_deleted += r.personal_deleted;
            if report.hash_alg.is_none() {
                report.hash_alg = r.hash_alg;
            }
            if let Some(problem) = r.problem {
                any_log_failed = true;
                report.problems.push(LogProblem {
                    log: Some(log),
                    problem,
                });
            }
        }
        if report.signatures_checked && report.problems.is_empty() && !any_log_failed {
            report.checkpoints_verified = counted.iter().map(|(_, n)| n).sum();
            report.latest_verified = counted.iter().map(|(s, _)| *s).max();
        }
        Ok(report)
    }
}

type Finished = (
    String,
    Option<(Checkpoint, CheckpointSource)>,
    Result<(SealReport, bool), ServiceError>,
);

/// Takes one finished log's report; a log named by a checkpoint that has neither entries nor a
/// head is reported as dropped rather than truncated.
fn collect(
    done: Option<Result<Finished, tokio::task::JoinError>>,
    results: &mut Vec<(String, SealReport)>,
) -> Result<(), ServiceError> {
    let Some(done) = done else { return Ok(()) };
    let (log, dropped, r) =
        done.map_err(|e| ServiceError::Internal(format!("seal log verifier: {e}")))?;
    let (mut r, had_entries) = r?;
    if let Some((c, source)) = dropped.filter(|_| !had_entries) {
        r.problem = Some(SealProblem {
            seq: 1,
            kind: ProblemKind::LogDropped {
                expected: c.size,
                source,
            },
        });
    }
    results.push((log, r));
    Ok(())
}

/// Streams one log through its verifier, reading the next page on another task while this one is
/// checked (reading rows costs more than hashing them). Also says whether the log had entries.
async fn verify_log(
    store: Arc<dyn Store>,
    log: &str,
    mut v: SealVerifier,
) -> Result<(SealReport, bool), ServiceError> {
    let mut after = 0i64;
    let mut head = None;
    let fetch = |after: i64| {
        let store = store.clone();
        let log = log.to_string();
        tokio::spawn(async move {
            let page = store.seal_entries_after(&log, after, VERIFY_PAGE).await?;
            let nodes = match page.last() {
                Some(last) => store.seal_nodes_between(&log, after + 1, last.seq).await?,
                None => vec![],
            };
            Ok::<_, jianfu_store::StoreError>((page, nodes))
        })
    };
    let joined = |r: Result<_, tokio::task::JoinError>| {
        r.map_err(|e| ServiceError::Internal(format!("seal log reader: {e}")))
    };
    let mut had_entries = false;
    // The head is read after the entries; if the server appended meanwhile, read on.
    for _ in 0..5 {
        // Pages are read ahead on their own connections, assuming no gaps (the normal case); a
        // page that ends elsewhere cancels the guesses.
        let mut ahead: std::collections::VecDeque<(i64, _)> = Default::default();
        loop {
            while ahead.len() < READ_AHEAD {
                let a = ahead.back().map_or(after, |(a, _)| a + VERIFY_PAGE);
                ahead.push_back((a, fetch(a)));
            }
            let Some((_, handle)) = ahead.pop_front() else {
                break;
            };
            let (page, nodes) = joined(handle.await)??;
            let Some(last) = page.last().map(|r| r.seq) else {
                break;
            };
            had_entries = true;
            if last != after + VERIFY_PAGE {
                for (_, h) in ahead.drain(..) {
                    h.abort();
                }
            }
            let mut next_node = 0;
            for row in page {
                let seq = row.seq;
                let end = nodes[next_node..]
                    .iter()
                    .position(|n| n.0 >= (seq + 1) * 64)
                    .map_or(nodes.len(), |p| next_node + p);
                let (entry, personal) = row.into_parts();
                v.push(&entry, personal.as_ref(), &nodes[next_node..end]);
                next_node = end;
                if v.is_done() {
                    break;
                }
            }
            after = last;
            if v.is_done() {
                break;
            }
        }
        for (_, h) in ahead.drain(..) {
            h.abort();
        }
        head = store.seal_head(log).await?;
        if v.is_done() || head.as_ref().is_none_or(|h| h.size <= after) {
            break;
        }
    }
    Ok((v.finish(head.as_ref()), had_entries))
}

/// Reads a checkpoint kept outside: the export format (with the heads it commits to), or a bare
/// checkpoint.
pub fn parse_published(text: &str) -> Result<SealCheckpoint, ServiceError> {
    let bad = |why: String| ServiceError::Rejected {
        code: "invalid_checkpoint",
        message: format!("检查点文件无法读取：{why}"),
    };
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let (c, heads) = match v.get("checkpoint") {
        Some(inner) => (inner.clone(), v.get("heads").cloned()),
        None => (v, None),
    };
    let checkpoint: Checkpoint = serde_json::from_value(c).map_err(|e| bad(e.to_string()))?;
    let heads = match heads {
        Some(h) if !h.is_null() => Some(serde_json::from_value(h).map_err(|e| bad(e.to_string()))?),
        _ => None,
    };
    match (checkpoint.log, &heads) {
        (checkpoint::CheckpointLog::SealLogs, None) => {
            return Err(bad("缺少各登记簿的链头清单（heads）".into()));
        }
        (checkpoint::CheckpointLog::Audit, _) => {
            return Err(bad(
                "这是审计日志的检查点，请用 jianfu audit verify --checkpoint 核对".into(),
            ));
        }
        (checkpoint::CheckpointLog::Seal, Some(_)) => {
            return Err(bad("区登记簿（分社区前）的检查点不带链头清单".into()));
        }
        _ => {}
    }
    Ok(SealCheckpoint { checkpoint, heads })
}

/// A public key given as hex (e.g. `jianfu seal verify --public-key`).
pub fn parse_public_key(hex_key: &str) -> Result<Ed25519Verifier, ServiceError> {
    Ed25519Verifier::from_hex(hex_key).ok_or_else(|| ServiceError::Rejected {
        code: "invalid_public_key",
        message: "公钥格式不正确：应为 64 位十六进制的 Ed25519 公钥".into(),
    })
}
