//! One log per community, one signature for the district: a checkpoint commits to every log's
//! head through an RFC 6962 tree over the heads (in the district's algorithm), as the audit
//! trail's checkpoint commits to its chains. An entry's inclusion proof has two levels: the entry
//! up to its log's root, then the log's head up to the signed root.

use super::checkpoint::Checkpoint;
use super::hash::{Digest, LogHasher, to_hex};
use super::merkle::{self, Frontier, NodeRef};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One log's head as a checkpoint commits to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHead {
    /// The community code, or `seal` for the legacy district log.
    pub log: String,
    pub size: i64,
    /// The last entry's hash.
    pub hash: String,
    /// The log's Merkle root at `size`.
    pub root: String,
}

/// A signed checkpoint with the heads it commits to. `heads` is `None` for a checkpoint signed over
/// the legacy district log alone (before logs per community): its `root` is that log's own root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealCheckpoint {
    pub checkpoint: Checkpoint,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heads: Option<Vec<LogHead>>,
}

/// The tree leaf of one head:
/// `H(0x00 ‖ lp("jianfu-seal-head/1") ‖ lp(log) ‖ lp(size, 8 bytes big-endian) ‖ lp(root) ‖ lp(hash))`.
pub fn head_leaf(h: &dyn LogHasher, head: &LogHead) -> Digest {
    let mut leaf = Vec::with_capacity(192);
    let size = head.size.to_be_bytes();
    for part in [
        b"jianfu-seal-head/1".as_slice(),
        head.log.as_bytes(),
        &size,
        head.root.as_bytes(),
        head.hash.as_bytes(),
    ] {
        leaf.extend_from_slice(&(part.len() as u64).to_be_bytes());
        leaf.extend_from_slice(part);
    }
    h.leaf(&leaf)
}

/// The heads a checkpoint's tree is built over: empty logs left out, sorted by log.
pub fn committed(heads: &[LogHead]) -> Vec<&LogHead> {
    let mut v: Vec<&LogHead> = heads.iter().filter(|x| x.size > 0).collect();
    v.sort_by(|a, b| a.log.cmp(&b.log));
    v
}

/// The tree over the heads, with every subtree kept for proofs: what a checkpoint signs (its
/// `root`) and counts (`size`, the entries in all logs).
#[derive(Debug, Clone, Default)]
pub struct HeadsTree {
    /// The committed heads, in leaf order.
    pub heads: Vec<LogHead>,
    nodes: HashMap<NodeRef, Digest>,
    root: Digest,
}

impl HeadsTree {
    pub fn new(h: &dyn LogHasher, heads: &[LogHead]) -> Self {
        let heads: Vec<LogHead> = committed(heads).into_iter().cloned().collect();
        let mut nodes = HashMap::with_capacity(heads.len() * 2);
        let mut f = Frontier::default();
        for (i, head) in heads.iter().enumerate() {
            let leaf = head_leaf(h, head);
            nodes.insert(
                NodeRef {
                    level: 0,
                    index: i as u64,
                },
                leaf,
            );
            for n in f.append(h, leaf) {
                nodes.insert(n.node, n.hash);
            }
        }
        let root = f.root(h);
        HeadsTree { heads, nodes, root }
    }

    pub fn root(&self) -> Digest {
        self.root
    }

    pub fn root_hex(&self) -> String {
        to_hex(&self.root)
    }

    /// Entries in all logs.
    pub fn size(&self) -> i64 {
        self.heads.iter().map(|x| x.size).sum()
    }

    /// Two heads for one log: only a tampered list has them.
    pub fn has_duplicates(&self) -> bool {
        self.heads.windows(2).any(|w| w[0].log == w[1].log)
    }

    pub fn head(&self, log: &str) -> Option<(u64, &LogHead)> {
        self.heads
            .binary_search_by(|x| x.log.as_str().cmp(log))
            .ok()
            .map(|i| (i as u64, &self.heads[i]))
    }

    /// The path from `log`'s head leaf up to the root: (leaf index, leaf count, path).
    pub fn path(&self, h: &dyn LogHasher, log: &str) -> Option<(u64, u64, Vec<Digest>)> {
        let (index, _) = self.head(log)?;
        let count = self.heads.len() as u64;
        let path = merkle::inclusion_path(h, index, count, &self.nodes)?;
        Some((index, count, path))
    }
}

/// Why the heads now cannot follow the ones a checkpoint signed. A log only ever grows; the
/// district log from before logs per community does not even grow once a checkpoint over every
/// log covers it. The signer refuses to sign over such heads, so the latest checkpoint vouches for
/// everything the earlier ones did. Rests on [`super::PROTECTION`] (GB/T 22239-2019 8.1.4.3 c):
/// records protected against unexpected deletion, modification or overwriting); tested below and
/// by `seal_logs::a_tampered_community_log_is_named_and_the_others_stay_intact`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotExtending {
    /// A log the checkpoint had is gone.
    Dropped { log: String, size: i64 },
    /// A log is shorter than the checkpoint says.
    Shrunk { log: String, from: i64, to: i64 },
    /// A log's first `size` entries are no longer the ones signed.
    Changed { log: String, size: i64 },
    /// Entries were added to the frozen legacy log.
    LegacyGrew { from: i64, to: i64 },
}

impl std::fmt::Display for NotExtending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotExtending::Dropped { log, size } => {
                write!(
                    f,
                    "用印登记簿 {log} 不见了（上一个检查点登记它有 {size} 条）"
                )
            }
            NotExtending::Shrunk { log, from, to } => write!(
                f,
                "用印登记簿 {log} 只有 {to} 条，少于上一个检查点登记的 {from} 条"
            ),
            NotExtending::Changed { log, size } => write!(
                f,
                "用印登记簿 {log} 的前 {size} 条与上一个检查点签署的不同（被改写）"
            ),
            NotExtending::LegacyGrew { from, to } => write!(
                f,
                "分社区前的区登记簿已冻结，却从 {from} 条变成了 {to} 条（绕过系统追加）"
            ),
        }
    }
}

/// Checks the heads now against those a checkpoint signed (`legacy_frozen`: that checkpoint was
/// one over every log, so the legacy log may no longer grow). Returns the signed heads of the logs
/// that grew: the caller still confirms that each log's root at the signed size is the signed
/// root (which needs the stored nodes).
pub fn growth<'a>(
    signed: &'a [LogHead],
    legacy_frozen: bool,
    now: &[LogHead],
) -> Result<Vec<&'a LogHead>, NotExtending> {
    let mut grown = Vec::new();
    for old in signed.iter().filter(|x| x.size > 0) {
        let Some(new) = now.iter().find(|x| x.log == old.log && x.size > 0) else {
            return Err(NotExtending::Dropped {
                log: old.log.clone(),
                size: old.size,
            });
        };
        if new.size < old.size {
            return Err(NotExtending::Shrunk {
                log: old.log.clone(),
                from: old.size,
                to: new.size,
            });
        }
        if new.size == old.size {
            // A signed head without its hash (a legacy checkpoint) is judged by its root.
            let hash_differs = !old.hash.is_empty() && new.hash != old.hash;
            if new.root != old.root || hash_differs {
                return Err(NotExtending::Changed {
                    log: old.log.clone(),
                    size: old.size,
                });
            }
            continue;
        }
        if legacy_frozen && old.log == super::entry::LEGACY_LOG {
            return Err(NotExtending::LegacyGrew {
                from: old.size,
                to: new.size,
            });
        }
        grown.push(old);
    }
    Ok(grown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::hash::HashAlg;

    fn head(log: &str, size: i64) -> LogHead {
        LogHead {
            log: log.into(),
            size,
            hash: format!("{size:064x}"),
            root: format!("{:064x}", size * 7),
        }
    }

    #[test]
    fn the_root_does_not_depend_on_the_order_heads_are_listed_in() {
        let h = HashAlg::Sha256.hasher();
        let a = vec![
            head("110115001901", 3),
            head("seal", 9),
            head("110115001902", 1),
        ];
        let mut b = a.clone();
        b.reverse();
        assert_eq!(HeadsTree::new(h, &a).root(), HeadsTree::new(h, &b).root());
        assert_eq!(HeadsTree::new(h, &a).size(), 13);
        // An empty log is not committed to.
        let mut c = a.clone();
        c.push(head("110115001903", 0));
        assert_eq!(HeadsTree::new(h, &a).root(), HeadsTree::new(h, &c).root());
    }

    #[test]
    fn any_change_to_a_head_changes_the_root() {
        let h = HashAlg::Sm3.hasher();
        let base = vec![head("110115001901", 3), head("110115001902", 5)];
        let root = HeadsTree::new(h, &base).root();
        let mut changes: Vec<Vec<LogHead>> = vec![];
        for i in 0..2 {
            for f in 0..4 {
                let mut v = base.clone();
                match f {
                    0 => v[i].log.push('9'),
                    1 => v[i].size += 1,
                    2 => v[i].hash = "ff".repeat(32),
                    _ => v[i].root = "ee".repeat(32),
                }
                changes.push(v);
            }
        }
        changes.push(base[..1].to_vec());
        for v in changes {
            assert_ne!(HeadsTree::new(h, &v).root(), root, "{v:?}");
        }
    }

    #[test]
    fn heads_may_only_grow_and_the_legacy_log_not_even_that() {
        let signed = vec![head("110115001901", 3), head("seal", 9)];
        // Unchanged, or grown: fine; the grown one is returned for its root to be confirmed.
        assert_eq!(growth(&signed, true, &signed), Ok(vec![]));
        let grown = vec![
            head("110115001901", 5),
            head("seal", 9),
            head("110115001902", 1),
        ];
        assert_eq!(growth(&signed, true, &grown), Ok(vec![&signed[0]]));
        // Dropped, shrunk, changed at the same size.
        let dropped = vec![head("seal", 9)];
        assert!(matches!(
            growth(&signed, true, &dropped),
            Err(NotExtending::Dropped { .. })
        ));
        let shrunk = vec![head("110115001901", 2), head("seal", 9)];
        assert!(matches!(
            growth(&signed, true, &shrunk),
            Err(NotExtending::Shrunk { .. })
        ));
        let mut changed = signed.clone();
        changed[0].root = "ab".repeat(32);
        assert!(matches!(
            growth(&signed, true, &changed),
            Err(NotExtending::Changed { .. })
        ));
        changed[0] = head("110115001901", 3);
        changed[0].hash = "cd".repeat(32);
        assert!(matches!(
            growth(&signed, true, &changed),
            Err(NotExtending::Changed { .. })
        ));
        // The legacy log grows only before a checkpoint over every log covers it.
        let legacy_grew = vec![head("110115001901", 3), head("seal", 10)];
        assert!(matches!(
            growth(&signed, true, &legacy_grew),
            Err(NotExtending::LegacyGrew { from: 9, to: 10 })
        ));
        assert_eq!(growth(&signed, false, &legacy_grew), Ok(vec![&signed[1]]));
    }

    #[test]
    fn each_head_has_a_path_to_the_root_and_no_other_head_uses_it() {
        for alg in HashAlg::ALL {
            let h = alg.hasher();
            for n in 1..=9 {
                let heads: Vec<LogHead> = (1..=n)
                    .map(|i| head(&format!("1101150019{i:02}"), i))
                    .collect();
                let t = HeadsTree::new(h, &heads);
                for x in &heads {
                    let (index, count, path) = t.path(h, &x.log).unwrap();
                    let leaf = head_leaf(h, x);
                    assert!(merkle::verify_inclusion(
                        h,
                        &leaf,
                        index,
                        count,
                        &path,
                        &t.root()
                    ));
                    let other = LogHead {
                        size: x.size + 1,
                        ..x.clone()
                    };
                    let forged = head_leaf(h, &other);
                    assert!(!merkle::verify_inclusion(
                        h,
                        &forged,
                        index,
                        count,
                        &path,
                        &t.root()
                    ));
                }
                assert!(t.path(h, "110115009999").is_none());
            }
        }
    }
}
