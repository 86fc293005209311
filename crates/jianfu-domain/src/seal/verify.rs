//! The streaming verifier: entries go in in `seq` order (with their personal data if it is still
//! kept, and the Merkle nodes their append created), a report comes out naming the first bad
//! entry and what is wrong with it. Memory stays constant whatever the log's length.
//!
//! What it finds:
//! - an entry **modified** (any field; its leaf no longer matches its hash), personal data that
//!   no longer matches its digest;
//! - an entry **removed** (a gap in `seq`, or renumbered so that the next entry no longer links);
//! - an entry **inserted** (a later entry links over it to the one before);
//! - entries **reordered** (the entry that should be here turns up later);
//! - the log **truncated** (shorter than the head record or than a checkpoint), entries appended
//!   behind the head's back;
//! - a Merkle node altered, missing or forged;
//! - a log **rewritten** consistently (every hash recomputed) behind a signed checkpoint: the root
//!   at the checkpoint's size differs from the signed one;
//! - a checkpoint whose signature does not hold.
//!
//! One verifier checks one log ([`SealVerifier::for_log`]); the service runs one per community
//! and names the log in each problem ([`LogProblem`]).

use super::checkpoint::{self, Checkpoint, CheckpointVerifier, SignatureProblem};
use super::entry::{LEGACY_LOG, Personal, SealEntry, chain_hash, genesis, personal_digest};
use super::hash::{Digest, HashAlg, LogHasher, ZERO, parse_hex};
use super::merkle::{Frontier, NodeRef};
use std::collections::VecDeque;

/// The head record as stored: size, last entry hash, algorithm, Merkle frontier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SealHead {
    pub size: i64,
    pub hash: String,
    pub hash_alg: String,
    pub frontier: String,
}

/// Where a checkpoint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointSource {
    /// Stored in the database beside the log.
    Stored,
    /// Kept outside (published, printed, handed to the supervisors) and given to the verifier.
    Published,
}

impl CheckpointSource {
    fn label_zh(self) -> &'static str {
        match self {
            CheckpointSource::Stored => "库内",
            CheckpointSource::Published => "外部保存的",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The entry's content (or its hash columns) no longer match: it was changed.
    Modified,
    /// The applicant or contact no longer match the digest recorded in the entry.
    PersonalModified,
    /// The personal data row is gone although its retention period has not ended.
    PersonalDeletedEarly,
    /// The entry's algorithm differs from the log's.
    AlgorithmChanged,
    /// `count` entries from this one are missing: `seq` jumps.
    Removed { count: i64 },
    /// This entry does not link to the one before, and the entry it links to never turns up:
    /// one was removed and the rest renumbered, or the previous one was rewritten.
    Unlinked,
    /// `count` entries from this one were inserted: the entry after them links over them.
    Inserted { count: i64 },
    /// The entry that belongs here turns up at `found_at`.
    Reordered { found_at: i64 },
    /// Entries from this one exist beyond the head record (size `head`).
    BeyondHead { head: i64 },
    /// The log ends at `seq - 1` but `source` says it had `expected` entries.
    Truncated { expected: i64, by: TruncatedBy },
    /// The head record does not match the last entry (hash, algorithm or frontier).
    HeadMismatch,
    /// A stored Merkle node created by this entry's append differs from the recomputed one.
    NodeModified { level: u32 },
    /// A Merkle node this entry's append created is missing.
    NodeMissing { level: u32 },
    /// A stored Merkle node that no append created.
    NodeForged { key: i64 },
    /// The root of the first `size` entries differs from the signed checkpoint: entries between
    /// `seq` and `size` were rewritten, hashes recomputed.
    Rewritten { size: i64, source: CheckpointSource },
    /// A checkpoint at `size` whose signature does not hold.
    BadSignature { size: i64, source: CheckpointSource },
    /// A checkpoint at `size` signed by a key that is not the district's.
    UnknownKey {
        size: i64,
        key_id: String,
        source: CheckpointSource,
    },
    /// A signed checkpoint says this log had `expected` entries; now it has neither entries nor a
    /// head: dropped whole.
    LogDropped {
        expected: i64,
        source: CheckpointSource,
    },
    /// A checkpoint's list of heads does not give its signed root (or names a log twice).
    HeadsAltered { source: CheckpointSource },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncatedBy {
    Head,
    Checkpoint(CheckpointSource),
}

/// The first thing wrong, at entry `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealProblem {
    pub seq: i64,
    pub kind: ProblemKind,
}

impl SealProblem {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ProblemKind::Modified => "entry_modified",
            ProblemKind::PersonalModified => "personal_data_modified",
            ProblemKind::PersonalDeletedEarly => "personal_data_deleted_early",
            ProblemKind::AlgorithmChanged => "hash_alg_changed",
            ProblemKind::Removed { .. } => "entry_removed",
            ProblemKind::Unlinked => "entry_unlinked",
            ProblemKind::Inserted { .. } => "entry_inserted",
            ProblemKind::Reordered { .. } => "entries_reordered",
            ProblemKind::BeyondHead { .. } => "entries_beyond_head",
            ProblemKind::Truncated { .. } => "log_truncated",
            ProblemKind::HeadMismatch => "head_mismatch",
            ProblemKind::NodeModified { .. } => "merkle_node_modified",
            ProblemKind::NodeMissing { .. } => "merkle_node_missing",
            ProblemKind::NodeForged { .. } => "merkle_node_forged",
            ProblemKind::Rewritten { .. } => "log_rewritten",
            ProblemKind::BadSignature { .. } => "bad_checkpoint_signature",
            ProblemKind::UnknownKey { .. } => "unknown_signing_key",
            ProblemKind::LogDropped { .. } => "log_dropped",
            ProblemKind::HeadsAltered { .. } => "checkpoint_heads_altered",
        }
    }
}

impl std::fmt::Display for SealProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.seq;
        match &self.kind {
            ProblemKind::Modified => {
                write!(f, "第 {s} 条用印记录的内容与其哈希不符（记录被修改）")
            }
            ProblemKind::PersonalModified => write!(
                f,
                "第 {s} 条用印记录的申请人或联系方式与登记时的摘要不符（个人信息被修改）"
            ),
            ProblemKind::PersonalDeletedEarly => {
                write!(f, "第 {s} 条用印记录的个人信息在保存期限届满前就被删除了")
            }
            ProblemKind::AlgorithmChanged => {
                write!(f, "第 {s} 条用印记录的哈希算法与日志不一致（记录被修改）")
            }
            ProblemKind::Removed { count: 1 } => {
                write!(f, "第 {s} 条用印记录缺失（记录被删除）")
            }
            ProblemKind::Removed { count } => write!(
                f,
                "第 {s} 至 {} 条用印记录缺失（记录被删除）",
                s + count - 1
            ),
            ProblemKind::Unlinked => write!(
                f,
                "第 {s} 条用印记录未接续第 {} 条（其前的记录被删除后重新编号，或第 {} 条被改写）",
                s - 1,
                s - 1
            ),
            ProblemKind::Inserted { count: 1 } => write!(
                f,
                "第 {s} 条用印记录是后来插入的（下一条记录越过它接续第 {} 条，记录被插入）",
                s - 1
            ),
            ProblemKind::Inserted { count } => write!(
                f,
                "第 {s} 至 {} 条用印记录是后来插入的（其后的记录越过它们接续第 {} 条，记录被插入）",
                s + count - 1,
                s - 1
            ),
            ProblemKind::Reordered { found_at } => write!(
                f,
                "第 {s} 条的位置上不是原来的记录，原记录出现在第 {found_at} 条（记录顺序被调换）"
            ),
            ProblemKind::BeyondHead { head } => write!(
                f,
                "第 {s} 条起的用印记录不在链头登记的范围内（链头只登记到第 {head} 条，记录被绕过系统追加）"
            ),
            ProblemKind::Truncated { expected, by } => {
                let what = match by {
                    TruncatedBy::Head => "链头".to_string(),
                    TruncatedBy::Checkpoint(src) => format!("{}签名检查点", src.label_zh()),
                };
                write!(
                    f,
                    "日志只到第 {} 条，但{what}登记到第 {expected} 条（第 {s} 条起的记录被截去）",
                    s - 1
                )
            }
            ProblemKind::HeadMismatch => {
                write!(f, "第 {s} 条用印记录与链头登记的哈希不符（链头被改动）")
            }
            ProblemKind::NodeModified { level } => write!(
                f,
                "第 {s} 条用印记录处的默克尔树节点（第 {level} 层）与重新计算的不符（节点被修改）"
            ),
            ProblemKind::NodeMissing { level } => write!(
                f,
                "第 {s} 条用印记录处缺少默克尔树节点（第 {level} 层，节点被删除）"
            ),
            ProblemKind::NodeForged { key } => write!(
                f,
                "第 {s} 条用印记录处有一个不应存在的默克尔树节点（编号 {key}，节点被伪造）"
            ),
            ProblemKind::Rewritten { size, source } => write!(
                f,
                "前 {size} 条用印记录的默克尔根与{}签名检查点不符：第 {s} 至 {size} 条之间的记录被改写（整段日志的哈希被重新计算过）",
                source.label_zh()
            ),
            ProblemKind::BadSignature { size, source } => write!(
                f,
                "覆盖 {size} 条记录的{}检查点签名无效（检查点被伪造或篡改）",
                source.label_zh()
            ),
            ProblemKind::UnknownKey {
                size,
                key_id,
                source,
            } => write!(
                f,
                "覆盖 {size} 条记录的{}检查点不是用本区的密钥签署的（签名密钥 {key_id}）",
                source.label_zh()
            ),
            ProblemKind::LogDropped { expected, source } => write!(
                f,
                "{}签名检查点登记这本登记簿有 {expected} 条记录，现在记录和链头都没有了（整本登记簿被删除）",
                source.label_zh()
            ),
            ProblemKind::HeadsAltered { source } => write!(
                f,
                "{}签名检查点所列各登记簿的链头与签名的根不符（检查点的链头清单被改动）",
                source.label_zh()
            ),
        }
    }
}

/// A problem found in one of the district's logs; `log` is `None` for a problem with a checkpoint
/// itself (its signature or its list of heads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogProblem {
    pub log: Option<String>,
    pub problem: SealProblem,
}

impl LogProblem {
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }

    /// The problem with its log named: "用印登记簿 {log}（{name}）：…"; the legacy log is the
    /// district's log from before logs per community.
    pub fn describe(&self, name: Option<&str>) -> String {
        match (self.log.as_deref(), name) {
            (None, _) => self.problem.to_string(),
            (Some(LEGACY_LOG), _) => format!("区用印登记簿（分社区前）：{}", self.problem),
            (Some(log), Some(n)) => format!("用印登记簿 {log}（{n}）：{}", self.problem),
            (Some(log), None) => format!("用印登记簿 {log}：{}", self.problem),
        }
    }
}

impl std::fmt::Display for LogProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(None))
    }
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealReport {
    /// Entries read.
    pub entries: u64,
    pub hash_alg: Option<HashAlg>,
    /// Checkpoints whose root and signature were confirmed.
    pub checkpoints_verified: usize,
    /// The largest confirmed checkpoint size.
    pub latest_verified: Option<i64>,
    /// Entries whose personal data is still kept (and matched), and whose was deleted.
    pub personal_kept: u64,
    pub personal_deleted: u64,
    /// Whether signatures were checked (a public key was given).
    pub signatures_checked: bool,
    pub problem: Option<SealProblem>,
}

impl SealReport {
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// A stored Merkle node: its key (see [`NodeRef::key`]) and hex hash.
pub type StoredNode = (i64, String);

struct PendingLink {
    /// Where the chain broke.
    seq: i64,
    /// The entry hash the entry at `seq` links to.
    wanted: Digest,
}

/// How many recent entry hashes are kept to recognise an insertion.
const RECENT: usize = 64;

pub struct SealVerifier {
    /// The log's key: its genesis, and the community every entry must belong to.
    log: String,
    signatures_checked: bool,
    hasher: Option<&'static dyn LogHasher>,
    alg: Option<HashAlg>,
    next_seq: i64,
    prev: Digest,
    frontier: Frontier,
    recent: VecDeque<(i64, Digest)>,
    buf: Vec<u8>,
    /// Checkpoints by size, with where each came from.
    checkpoints: Vec<(Checkpoint, CheckpointSource)>,
    next_checkpoint: usize,
    last_good_size: i64,
    checkpoints_verified: usize,
    problem: Option<SealProblem>,
    /// Signature problems, found before any entry is read; reported if nothing comes earlier.
    signature_problem: Option<SealProblem>,
    pending: Option<PendingLink>,
    entries: u64,
    personal_kept: u64,
    personal_deleted: u64,
    /// Personal data may be missing only for entries used before this instant (epoch ms).
    personal_deletable_before: i64,
}

impl SealVerifier {
    /// Personal data of entries used at or after `before` (epoch ms) must still be there: the
    /// retention period (`retention::delete_finished_before`) has not ended for them. `i64::MIN`
    /// when nothing may be deleted (no retention period). Without this call no deletion is
    /// questioned.
    pub fn personal_deletable_before(mut self, before: i64) -> Self {
        self.personal_deletable_before = before;
        self
    }

    /// Verifies the legacy log against its own (v1) checkpoints. `trusted`: the district's public
    /// key; without it signatures are not checked (and the report says so).
    pub fn new(
        stored: Vec<Checkpoint>,
        published: Option<Checkpoint>,
        trusted: Option<&dyn CheckpointVerifier>,
    ) -> Self {
        let mut checkpoints: Vec<(Checkpoint, CheckpointSource)> = stored
            .into_iter()
            .map(|c| (c, CheckpointSource::Stored))
            .chain(published.map(|c| (c, CheckpointSource::Published)))
            .collect();
        checkpoints.sort_by_key(|(c, _)| c.size);
        let mut signature_problem = None;
        if let Some(v) = trusted {
            for (c, source) in &checkpoints {
                let kind = match checkpoint::check(v, c) {
                    Ok(()) => continue,
                    Err(SignatureProblem::UnknownKey) => ProblemKind::UnknownKey {
                        size: c.size,
                        key_id: c.key_id.clone(),
                        source: *source,
                    },
                    Err(SignatureProblem::Invalid) => ProblemKind::BadSignature {
                        size: c.size,
                        source: *source,
                    },
                };
                signature_problem = Some(SealProblem { seq: c.size, kind });
                break;
            }
        }
        let mut v = Self::for_log(LEGACY_LOG, checkpoints, trusted.is_some());
        v.signature_problem = signature_problem;
        v
    }

    /// Verifies the log `log` against what signed checkpoints say it held: `expected` are its
    /// size and root (in `size` and `root`) taken from checkpoints whose signature and list of
    /// heads the caller has checked (`signatures_checked`), or the legacy log's own checkpoints.
    pub fn for_log(
        log: &str,
        mut expected: Vec<(Checkpoint, CheckpointSource)>,
        signatures_checked: bool,
    ) -> Self {
        expected.sort_by_key(|(c, _)| c.size);
        Self {
            log: log.to_string(),
            signatures_checked,
            hasher: None,
            alg: None,
            next_seq: 1,
            prev: ZERO,
            frontier: Frontier::default(),
            recent: VecDeque::with_capacity(RECENT + 1),
            buf: Vec::with_capacity(512),
            checkpoints: expected,
            next_checkpoint: 0,
            last_good_size: 0,
            checkpoints_verified: 0,
            problem: None,
            signature_problem: None,
            pending: None,
            entries: 0,
            personal_kept: 0,
            personal_deleted: 0,
            personal_deletable_before: i64::MAX,
        }
    }

    /// True once the outcome cannot change: the caller may stop reading entries.
    pub fn is_done(&self) -> bool {
        self.problem.is_some() && self.pending.is_none()
    }

    fn fail(&mut self, seq: i64, kind: ProblemKind) {
        if self.problem.is_none() {
            self.problem = Some(SealProblem { seq, kind });
        }
    }

    /// Feeds the next entry, its personal data if kept, and the stored nodes whose key belongs
    /// to its `seq` (or that lie between the previous entry and this one).
    pub fn push(&mut self, e: &SealEntry, personal: Option<&Personal>, nodes: &[StoredNode]) {
        self.entries += 1;
        if let Some(p) = &self.pending {
            // After a broken link, only look for the entry that should have been there.
            if e.entry_digest() == Some(p.wanted) {
                let seq = p.seq;
                self.pending = None;
                self.problem = Some(SealProblem {
                    seq,
                    kind: ProblemKind::Reordered { found_at: e.seq },
                });
            }
            return;
        }
        if self.problem.is_some() {
            return;
        }
        let seq = e.seq;
        if seq > self.next_seq {
            let expected = self.next_seq;
            return self.fail(
                expected,
                ProblemKind::Removed {
                    count: seq - expected,
                },
            );
        }
        // The first entry fixes the algorithm, and with it the log's genesis.
        let h = match self.hasher {
            Some(h) if e.hash_alg == h.alg().as_str() => h,
            Some(_) => return self.fail(seq, ProblemKind::AlgorithmChanged),
            None => match e.alg() {
                Some(a) => {
                    self.alg = Some(a);
                    self.hasher = Some(a.hasher());
                    self.prev = genesis(a.hasher(), &self.log);
                    a.hasher()
                }
                None => return self.fail(seq, ProblemKind::Modified),
            },
        };
        // A community's log holds only its own entries (the legacy log holds everyone's).
        if self.log != LEGACY_LOG && e.community_code != self.log {
            return self.fail(seq, ProblemKind::Modified);
        }
        let (Some(stored_leaf), Some(prev), Some(entry_hash)) = (
            parse_hex(&e.leaf_hash),
            parse_hex(&e.prev_hash),
            e.entry_digest(),
        ) else {
            return self.fail(seq, ProblemKind::Modified);
        };
        let leaf = e.compute_leaf_hash(h, &mut self.buf);
        if leaf != stored_leaf || chain_hash(h, &prev, &leaf) != entry_hash {
            return self.fail(seq, ProblemKind::Modified);
        }
        if prev != self.prev {
            // Did it link over some entries we accepted? Then those were inserted.
            if let Some(&(j, _)) = self.recent.iter().find(|(_, d)| *d == prev) {
                return self.fail(
                    j + 1,
                    ProblemKind::Inserted {
                        count: seq - (j + 1),
                    },
                );
            }
            self.fail(seq, ProblemKind::Unlinked);
            self.pending = Some(PendingLink { seq, wanted: prev });
            return;
        }
        match personal {
            Some(p) => {
                if parse_hex(&e.personal_digest) != Some(personal_digest(h, p)) {
                    return self.fail(seq, ProblemKind::PersonalModified);
                }
                self.personal_kept += 1;
            }
            None if e.used_at >= self.personal_deletable_before => {
                return self.fail(seq, ProblemKind::PersonalDeletedEarly);
            }
            None => self.personal_deleted += 1,
        }
        // The tree: the nodes this append completes must be exactly the stored ones.
        let created = self.frontier.append(h, leaf);
        for n in nodes {
            let belongs = NodeRef::from_key(n.0)
                .filter(|r| r.last_seq() == seq && !r.is_leaf())
                .and_then(|r| created.iter().find(|c| c.node == r));
            match belongs {
                Some(c) if parse_hex(&n.1) == Some(c.hash) => {}
                Some(c) => {
                    return self.fail(
                        seq,
                        ProblemKind::NodeModified {
                            level: c.node.level,
                        },
                    );
                }
                None => return self.fail(seq, ProblemKind::NodeForged { key: n.0 }),
            }
        }
        if let Some(c) = created
            .iter()
            .find(|c| !nodes.iter().any(|n| n.0 == c.node.key()))
        {
            return self.fail(
                seq,
                ProblemKind::NodeMissing {
                    level: c.node.level,
                },
            );
        }
        self.prev = entry_hash;
        self.next_seq = seq + 1;
        self.recent.push_back((seq, entry_hash));
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        self.check_checkpoints_at(seq, h);
    }

    fn check_checkpoints_at(&mut self, seq: i64, h: &dyn LogHasher) {
        while let Some((c, source)) = self.checkpoints.get(self.next_checkpoint) {
            if c.size > seq {
                break;
            }
            let (c, source) = (c.clone(), *source);
            self.next_checkpoint += 1;
            if c.size < seq {
                // A checkpoint of size 0 or below: nothing it can vouch for.
                continue;
            }
            let root = self.frontier.root(h);
            if c.hash_alg != self.alg.unwrap_or_default() || parse_hex(&c.root) != Some(root) {
                let from = self.last_good_size + 1;
                return self.fail(
                    from,
                    ProblemKind::Rewritten {
                        size: c.size,
                        source,
                    },
                );
            }
            if self.signatures_checked {
                self.checkpoints_verified += 1;
            }
            self.last_good_size = c.size;
        }
    }

    /// Compares the end of the log with the head record and the checkpoints, and reports.
    pub fn finish(mut self, head: Option<&SealHead>) -> SealReport {
        if let Some(p) = self.pending.take() {
            // The entry it linked to never turned up.
            self.problem = Some(SealProblem {
                seq: p.seq,
                kind: ProblemKind::Unlinked,
            });
        }
        let last = self.next_seq - 1;
        if self.problem.is_none() {
            let head_size = head.map_or(0, |h| h.size);
            if head_size > last {
                self.fail(
                    last + 1,
                    ProblemKind::Truncated {
                        expected: head_size,
                        by: TruncatedBy::Head,
                    },
                );
            } else if head_size < last {
                self.fail(head_size + 1, ProblemKind::BeyondHead { head: head_size });
            } else if let Some(hd) = head.filter(|h| h.size > 0) {
                let frontier_ok = Frontier::decode(hd.size as u64, &hd.frontier)
                    .is_some_and(|f| f == self.frontier);
                if parse_hex(&hd.hash) != Some(self.prev)
                    || Some(hd.hash_alg.as_str()) != self.alg.map(|a| a.as_str())
                    || !frontier_ok
                {
                    self.fail(last, ProblemKind::HeadMismatch);
                }
            }
        }
        if self.problem.is_none()
            && let Some((c, source)) = self.checkpoints.get(self.next_checkpoint)
            && c.size > last
        {
            self.fail(
                last + 1,
                ProblemKind::Truncated {
                    expected: c.size,
                    by: TruncatedBy::Checkpoint(*source),
                },
            );
        }
        // Report whichever comes first in the log.
        let problem = match (self.problem.take(), self.signature_problem.take()) {
            (Some(a), Some(b)) => Some(if b.seq < a.seq { b } else { a }),
            (a, b) => a.or(b),
        };
        SealReport {
            entries: self.entries,
            hash_alg: self.alg,
            checkpoints_verified: if problem.is_none() {
                self.checkpoints_verified
            } else {
                0
            },
            latest_verified: (problem.is_none() && self.checkpoints_verified > 0)
                .then_some(self.last_good_size),
            personal_kept: self.personal_kept,
            personal_deleted: self.personal_deleted,
            signatures_checked: self.signatures_checked,
            problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::checkpoint::{Ed25519Signer, sign};
    use crate::seal::hash::to_hex;
    use crate::seal::merkle::NewNode;

    /// A log as the store writes it: entries, personal rows, nodes, head.
    #[derive(Clone)]
    struct Log {
        alg: HashAlg,
        entries: Vec<SealEntry>,
        personal: Vec<Option<Personal>>,
        nodes: Vec<StoredNode>,
        frontier: Frontier,
    }

    impl Log {
        fn new(alg: HashAlg, n: i64) -> Self {
            let mut log = Log {
                alg,
                entries: vec![],
                personal: vec![],
                nodes: vec![],
                frontier: Frontier::default(),
            };
            for _ in 0..n {
                log.append(&format!("工作函件 {}", log.entries.len() + 1));
            }
            log
        }

        fn append(&mut self, content: &str) {
            let h = self.alg.hasher();
            let seq = self.entries.len() as i64 + 1;
            let prev = self
                .entries
                .last()
                .and_then(|e| e.entry_digest())
                .unwrap_or(ZERO);
            let p = Personal {
                salt: format!("{seq:032x}"),
                applicant: format!("居民{seq}"),
                contact: format!("1380000{seq:04}"),
            };
            let e = SealEntry {
                seq,
                id: format!("id-{seq}"),
                used_at: 1_795_000_000_000 + seq * 1000,
                community_code: "110115001901".into(),
                kind: "document".into(),
                content: content.into(),
                copies: 1,
                approver: "shuji".into(),
                handler: "shegong".into(),
                ..Default::default()
            }
            .seal(h, &p, &prev);
            let leaf = parse_hex(&e.leaf_hash).unwrap();
            for NewNode { node, hash } in self.frontier.append(h, leaf) {
                self.nodes.push((node.key(), to_hex(&hash)));
            }
            self.entries.push(e);
            self.personal.push(Some(p));
        }

        fn head(&self) -> SealHead {
            SealHead {
                size: self.entries.len() as i64,
                hash: self
                    .entries
                    .last()
                    .map(|e| e.entry_hash.clone())
                    .unwrap_or_default(),
                hash_alg: self.alg.as_str().into(),
                frontier: self.frontier.encode(),
            }
        }

        fn checkpoint(&self, signer: &Ed25519Signer) -> Checkpoint {
            sign(
                signer,
                self.entries.len() as i64,
                &self.frontier.root(self.alg.hasher()),
                self.alg,
                1,
            )
        }

        /// Rewrites everything from the entries' content, as an attacker with the code would.
        fn recomputed(&self) -> Log {
            let mut fresh = Log::new(self.alg, 0);
            for (e, p) in self.entries.iter().zip(&self.personal) {
                fresh.append(&e.content);
                let last = fresh.entries.len() - 1;
                fresh.personal[last] = p.clone();
            }
            fresh
        }

        fn verify(
            &self,
            head: Option<&SealHead>,
            checkpoints: Vec<Checkpoint>,
            published: Option<Checkpoint>,
            key: Option<&dyn CheckpointVerifier>,
        ) -> SealReport {
            self.verify_cut(head, checkpoints, published, key, i64::MAX)
        }

        fn verify_cut(
            &self,
            head: Option<&SealHead>,
            checkpoints: Vec<Checkpoint>,
            published: Option<Checkpoint>,
            key: Option<&dyn CheckpointVerifier>,
            deletable_before: i64,
        ) -> SealReport {
            let mut v = SealVerifier::new(checkpoints, published, key)
                .personal_deletable_before(deletable_before);
            let mut nodes = self.nodes.iter().peekable();
            for (e, p) in self.entries.iter().zip(&self.personal) {
                let mut mine = vec![];
                while let Some(n) = nodes.next_if(|n| n.0 < (e.seq + 1) * 64) {
                    mine.push(n.clone());
                }
                v.push(e, p.as_ref(), &mine);
                if v.is_done() {
                    break;
                }
            }
            v.finish(head)
        }

        fn verify_plain(&self, head: &SealHead) -> SealReport {
            self.verify(Some(head), vec![], None, None)
        }

        /// The same entries as community `log`'s own log: from its genesis, its code in each.
        fn as_community_log(&self, log: &str) -> Log {
            let h = self.alg.hasher();
            let mut out = Log {
                entries: vec![],
                nodes: vec![],
                frontier: Frontier::default(),
                ..self.clone()
            };
            let mut prev = genesis(h, log);
            for (e, p) in self.entries.iter().zip(&self.personal) {
                let e = SealEntry {
                    community_code: log.into(),
                    ..e.clone()
                }
                .seal(h, p.as_ref().unwrap(), &prev);
                prev = e.entry_digest().unwrap();
                let leaf = parse_hex(&e.leaf_hash).unwrap();
                for NewNode { node, hash } in out.frontier.append(h, leaf) {
                    out.nodes.push((node.key(), to_hex(&hash)));
                }
                out.entries.push(e);
            }
            out
        }

        fn verify_as(&self, log: &str, expected: Vec<Checkpoint>) -> SealReport {
            let expected = expected
                .into_iter()
                .map(|c| (c, CheckpointSource::Stored))
                .collect();
            let mut v = SealVerifier::for_log(log, expected, true);
            let mut nodes = self.nodes.iter().peekable();
            for (e, p) in self.entries.iter().zip(&self.personal) {
                let mut mine = vec![];
                while let Some(n) = nodes.next_if(|n| n.0 < (e.seq + 1) * 64) {
                    mine.push(n.clone());
                }
                v.push(e, p.as_ref(), &mine);
            }
            v.finish(Some(&self.head()))
        }
    }

    #[test]
    fn a_community_log_links_from_its_own_genesis_and_holds_only_its_entries() {
        for alg in HashAlg::ALL {
            let a = Log::new(alg, 6).as_community_log("110115001901");
            let signer = Ed25519Signer::from_seed(&[4; 32]);
            let c = a.checkpoint(&signer);
            let r = a.verify_as("110115001901", vec![c.clone()]);
            assert_eq!(r.problem, None, "{alg}");
            assert_eq!((r.entries, r.checkpoints_verified), (6, 1));
            // The whole log moved under another community's key no longer links.
            let r = a.verify_as("110115001902", vec![]);
            assert_eq!(problem(&r).0, 1);
            assert_eq!(r.problem.unwrap().code(), "entry_modified", "{alg}");
            // An entry of another community inside this log.
            let mut mixed = a.clone();
            mixed.entries[2].community_code = "110115001902".into();
            let r = mixed.verify_as("110115001901", vec![]);
            assert_eq!(problem(&r), (3, ProblemKind::Modified));
            // Recomputed as the legacy log (from zero): the first entry does not link.
            let legacy = Log::new(alg, 6);
            let moved: Vec<SealEntry> = legacy
                .entries
                .iter()
                .map(|e| {
                    SealEntry {
                        community_code: "110115001901".into(),
                        ..e.clone()
                    }
                    .seal(alg.hasher(), &Personal::default(), &ZERO)
                })
                .collect();
            let mut v = SealVerifier::for_log("110115001901", vec![], false);
            v.push(&moved[0], None, &[]);
            assert_eq!(v.finish(None).problem.unwrap().code(), "entry_unlinked");
        }
    }

    fn problem(r: &SealReport) -> (i64, ProblemKind) {
        let p = r.problem.clone().expect("a problem is found");
        assert!(!p.to_string().is_empty() && !p.code().is_empty());
        (p.seq, p.kind)
    }

    #[test]
    fn an_intact_log_verifies_with_both_algorithms() {
        let key = Ed25519Signer::from_seed(&[1; 32]);
        for alg in HashAlg::ALL {
            let log = Log::new(alg, 37);
            let cps = vec![Log::new(alg, 20).checkpoint(&key), log.checkpoint(&key)];
            let v = key.verifier();
            let r = log.verify(Some(&log.head()), cps, None, Some(&v));
            assert_eq!(r.problem, None, "{alg}");
            assert_eq!(r.entries, 37);
            assert_eq!(r.checkpoints_verified, 2);
            assert_eq!(r.latest_verified, Some(37));
            assert_eq!(r.hash_alg, Some(alg));
            assert!(r.signatures_checked);
        }
        let empty = Log::new(HashAlg::Sha256, 0);
        assert_eq!(empty.verify(None, vec![], None, None).problem, None);
    }

    #[test]
    fn a_modified_field_is_named() {
        let log = Log::new(HashAlg::Sha256, 10);
        let head = log.head();
        let mut t = log.clone();
        t.entries[3].copies = 5;
        assert_eq!(problem(&t.verify_plain(&head)), (4, ProblemKind::Modified));
        let mut t = log.clone();
        t.entries[6].entry_hash = t.entries[5].entry_hash.clone();
        assert_eq!(problem(&t.verify_plain(&head)), (7, ProblemKind::Modified));
        let mut t = log.clone();
        t.entries[2].hash_alg = "sm3".into();
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (3, ProblemKind::AlgorithmChanged)
        );
    }

    #[test]
    fn personal_data_is_checked_while_kept_and_may_be_deleted() {
        let log = Log::new(HashAlg::Sm3, 8);
        let head = log.head();
        let mut t = log.clone();
        t.personal[4].as_mut().unwrap().contact = "13900000000".into();
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (5, ProblemKind::PersonalModified)
        );
        // The retention rule deletes personal rows: the log still verifies.
        let mut purged = log.clone();
        for p in purged.personal.iter_mut().take(5) {
            *p = None;
        }
        let r = purged.verify_plain(&head);
        assert_eq!(r.problem, None);
        assert_eq!((r.personal_kept, r.personal_deleted), (3, 5));
        // …but only rows whose retention period has ended: entry 4 was used at the cut-off.
        let cut = purged.entries[3].used_at;
        let r = purged.verify_cut(Some(&head), vec![], None, None, cut);
        assert_eq!(problem(&r), (4, ProblemKind::PersonalDeletedEarly));
        assert_eq!(r.problem.unwrap().code(), "personal_data_deleted_early");
        let after = purged.entries[4].used_at + 1;
        let r = purged.verify_cut(Some(&head), vec![], None, None, after);
        assert_eq!(r.problem, None);
        // No retention period: nothing may be deleted.
        let r = purged.verify_cut(Some(&head), vec![], None, None, i64::MIN);
        assert_eq!(problem(&r), (1, ProblemKind::PersonalDeletedEarly));
    }

    #[test]
    fn removed_inserted_reordered_entries_are_told_apart() {
        let log = Log::new(HashAlg::Sha256, 12);
        let head = log.head();

        // Removed, numbers left as they were.
        let mut t = log.clone();
        t.entries.remove(4);
        t.personal.remove(4);
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (5, ProblemKind::Removed { count: 1 })
        );

        // Removed and the rest renumbered: the next one no longer links.
        let mut t = log.clone();
        t.entries.remove(4);
        t.personal.remove(4);
        for e in t.entries.iter_mut().skip(4) {
            e.seq -= 1;
        }
        assert_eq!(problem(&t.verify_plain(&head)), (5, ProblemKind::Unlinked));

        // Inserted: a self-consistent forgery linking to entry 4, the rest moved up.
        let mut t = log.clone();
        let h = HashAlg::Sha256.hasher();
        let (forged, p) = (
            SealEntry {
                seq: 5,
                id: "forged".into(),
                ..log.entries[4].clone()
            },
            log.personal[4].clone().unwrap(),
        );
        let forged = forged.seal(h, &p, &log.entries[3].entry_digest().unwrap());
        t.entries.insert(4, forged);
        t.personal.insert(4, Some(p));
        for e in t.entries.iter_mut().skip(5) {
            e.seq += 1;
        }
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (5, ProblemKind::Inserted { count: 1 })
        );

        // Reordered: entries 6 and 7 trade places.
        let mut t = log.clone();
        t.entries.swap(5, 6);
        t.personal.swap(5, 6);
        t.entries[5].seq = 6;
        t.entries[6].seq = 7;
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (6, ProblemKind::Reordered { found_at: 7 })
        );
    }

    #[test]
    fn truncation_and_extra_entries_are_found() {
        let key = Ed25519Signer::from_seed(&[2; 32]);
        let v = key.verifier();
        let log = Log::new(HashAlg::Sha256, 10);
        let cp = log.checkpoint(&key);
        let mut short = log.clone();
        short.entries.truncate(7);
        short.personal.truncate(7);
        assert_eq!(
            problem(&short.verify_plain(&log.head())),
            (
                8,
                ProblemKind::Truncated {
                    expected: 10,
                    by: TruncatedBy::Head
                }
            )
        );
        // Head cut back too: the checkpoint still knows.
        let short_head = Log::new(HashAlg::Sha256, 7).head();
        assert_eq!(
            problem(&short.verify(Some(&short_head), vec![cp.clone()], None, Some(&v))),
            (
                8,
                ProblemKind::Truncated {
                    expected: 10,
                    by: TruncatedBy::Checkpoint(CheckpointSource::Stored)
                }
            )
        );
        // Stored checkpoints deleted as well: a published one still knows.
        assert_eq!(
            problem(&short.verify(Some(&short_head), vec![], Some(cp), Some(&v))).1,
            ProblemKind::Truncated {
                expected: 10,
                by: TruncatedBy::Checkpoint(CheckpointSource::Published)
            }
        );
        // Appended behind the head's back.
        let mut longer = log.clone();
        longer.append("绕过系统追加");
        assert_eq!(
            problem(&longer.verify_plain(&log.head())),
            (11, ProblemKind::BeyondHead { head: 10 })
        );
        let mut bad_head = log.head();
        bad_head.hash = log.entries[8].entry_hash.clone();
        assert_eq!(
            problem(&log.verify_plain(&bad_head)),
            (10, ProblemKind::HeadMismatch)
        );
    }

    #[test]
    fn merkle_nodes_are_checked() {
        let log = Log::new(HashAlg::Sha256, 16);
        let head = log.head();
        // Node created by entry 8 at level 3 (leaves 1..8).
        let key = 8 * 64 + 3;
        let mut t = log.clone();
        let i = t.nodes.iter().position(|n| n.0 == key).unwrap();
        t.nodes[i].1 = "00".repeat(32);
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (8, ProblemKind::NodeModified { level: 3 })
        );
        let mut t = log.clone();
        t.nodes.remove(i);
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (8, ProblemKind::NodeMissing { level: 3 })
        );
        let mut t = log.clone();
        t.nodes.push((3 * 64 + 1, "00".repeat(32)));
        t.nodes.sort();
        assert_eq!(
            problem(&t.verify_plain(&head)),
            (3, ProblemKind::NodeForged { key: 3 * 64 + 1 })
        );
    }

    #[test]
    fn a_consistent_rewrite_is_caught_by_the_signed_root() {
        let key = Ed25519Signer::from_seed(&[3; 32]);
        let v = key.verifier();
        let log = Log::new(HashAlg::Sha256, 30);
        let early = Log::new(HashAlg::Sha256, 10).checkpoint(&key);
        let cp = log.checkpoint(&key);
        // Entry 15's content changed and every hash, node and the head recomputed.
        let mut forged = log.clone();
        forged.entries[14].content = "改写后的内容".into();
        let forged = forged.recomputed();
        assert_eq!(
            forged.verify_plain(&forged.head()).problem,
            None,
            "self-consistent"
        );
        let r = forged.verify(
            Some(&forged.head()),
            vec![early.clone(), cp.clone()],
            None,
            Some(&v),
        );
        assert_eq!(
            problem(&r),
            (
                11,
                ProblemKind::Rewritten {
                    size: 30,
                    source: CheckpointSource::Stored
                }
            )
        );
        assert!(r.problem.unwrap().to_string().contains("第 11 至 30 条"));
        // The stored checkpoints removed too: the published one catches it.
        let r = forged.verify(Some(&forged.head()), vec![], Some(cp), Some(&v));
        assert_eq!(
            problem(&r),
            (
                1,
                ProblemKind::Rewritten {
                    size: 30,
                    source: CheckpointSource::Published
                }
            )
        );
    }

    #[test]
    fn forged_checkpoints_are_refused() {
        let key = Ed25519Signer::from_seed(&[4; 32]);
        let v = key.verifier();
        let log = Log::new(HashAlg::Sha256, 9);
        let mut cp = log.checkpoint(&key);
        cp.signature = {
            let mut s = hex::decode(&cp.signature).unwrap();
            s[5] ^= 1;
            hex::encode(s)
        };
        assert_eq!(
            problem(&log.verify(Some(&log.head()), vec![cp], None, Some(&v))),
            (
                9,
                ProblemKind::BadSignature {
                    size: 9,
                    source: CheckpointSource::Stored
                }
            )
        );
        let other = Ed25519Signer::from_seed(&[5; 32]);
        let theirs = log.checkpoint(&other);
        let (seq, kind) = problem(&log.verify(Some(&log.head()), vec![theirs], None, Some(&v)));
        assert_eq!(seq, 9);
        assert!(matches!(kind, ProblemKind::UnknownKey { size: 9, .. }));
        // An entry problem earlier in the log is named first.
        let mut t = log.clone();
        t.entries[1].content = "x".into();
        let mut bad = log.checkpoint(&key);
        bad.signature = "00".repeat(64);
        assert_eq!(
            problem(&t.verify(Some(&log.head()), vec![bad], None, Some(&v))),
            (2, ProblemKind::Modified)
        );
    }
}
