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
