//! The RFC 6962 Merkle tree over the log's leaf hashes, kept as stored perfect subtrees.
//!
//! A perfect subtree is named by `(level, index)`: it covers leaves `index·2^level ..
//! (index+1)·2^level`. Level 0 is a leaf (its hash is the entry's `leaf_hash`); levels ≥ 1 are
//! stored as nodes when the leaf that completes them is appended. Any tree size's root and any
//! leaf's inclusion path are combinations of such subtrees, so a proof needs a handful of stored
//! hashes, listed up front ([`root_refs`], [`inclusion_refs`]) so storage can fetch them in one
//! query.
//!
//! Node keys: `last_seq · 64 + level`, where `last_seq` is the 1-based position of the subtree's
//! last leaf. Ordering nodes by key is the order they were created in, which lets a verifier read
//! the nodes alongside the entries.

use super::hash::{Digest, LogHasher, parse_hex, to_hex};
use std::collections::HashMap;

/// A perfect subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    pub level: u32,
    pub index: u64,
}

impl NodeRef {
    /// The 1-based position of the last leaf it covers: the entry whose append created it.
    pub fn last_seq(self) -> i64 {
        ((self.index + 1) << self.level) as i64
    }
    pub fn key(self) -> i64 {
        self.last_seq() * 64 + self.level as i64
    }
    pub fn from_key(key: i64) -> Option<Self> {
        if key < 64 {
            return None;
        }
        let level = (key % 64) as u32;
        let last_seq = (key / 64) as u64;
        let size = 1u64.checked_shl(level)?;
        if !last_seq.is_multiple_of(size) {
            return None;
        }
        Some(NodeRef {
            level,
            index: last_seq / size - 1,
        })
    }
    pub fn is_leaf(self) -> bool {
        self.level == 0
    }
}

/// A node that an append completed, to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNode {
    pub node: NodeRef,
    pub hash: Digest,
}

/// The perfect subtrees that make up the current tree, largest first: all an append needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Digest>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf; returns the nodes (level ≥ 1) it completes, lowest first.
    pub fn append(&mut self, h: &dyn LogHasher, leaf: Digest) -> Vec<NewNode> {
        let n = self.size;
        let mut out = Vec::new();
        let mut carry = n;
        let mut level = 0u32;
        let mut right = leaf;
        while carry & 1 == 1 {
            let left = self.hashes.pop().unwrap_or_default();
            right = h.node(&left, &right);
            level += 1;
            out.push(NewNode {
                node: NodeRef {
                    level,
                    index: n >> level,
                },
                hash: right,
            });
            carry >>= 1;
        }
        self.hashes.push(right);
        self.size += 1;
        out
    }

    /// The tree head (RFC 6962 MTH). The empty tree's root is the hash of nothing.
    pub fn root(&self, h: &dyn LogHasher) -> Digest {
        fold(h, &self.hashes)
    }

    /// Stored form: the hex hashes, concatenated.
    pub fn encode(&self) -> String {
        self.hashes.iter().map(to_hex).collect()
    }

    /// Reads the stored form back; `None` if it does not fit the size (one hash per set bit).
    pub fn decode(size: u64, s: &str) -> Option<Self> {
        if s.len() != 64 * size.count_ones() as usize {
            return None;
        }
        let hashes = (0..s.len() / 64)
            .map(|i| s.get(i * 64..(i + 1) * 64).and_then(parse_hex))
            .collect::<Option<Vec<_>>>()?;
        Some(Frontier { size, hashes })
    }
}

/// Combines a range's perfect subtrees (left to right) into its RFC 6962 hash.
fn fold(h: &dyn LogHasher, parts: &[Digest]) -> Digest {
    match parts.split_last() {
        None => h.digest(&[]),
        Some((last, rest)) => rest.iter().rev().fold(*last, |acc, p| h.node(p, &acc)),
    }
}

/// The perfect subtrees covering leaves `start..end`, left to right. For the ranges RFC 6962
/// splits a tree into (start aligned to a power of two larger than the range), this is exactly
/// the decomposition its hash is built from.
pub fn subtrees(mut start: u64, end: u64) -> Vec<NodeRef> {
    let mut out = Vec::new();
    while start < end {
        let mut level = 0u32;
        while level < 63 {
            let next = 1u64 << (level + 1);
            if !start.is_multiple_of(next) || start + next > end {
                break;
            }
            level += 1;
        }
        out.push(NodeRef {
            level,
            index: start >> level,
        });
        start += 1 << level;
    }
    out
}

/// The subtrees a root of `size` is built from.
pub fn root_refs(size: u64) -> Vec<NodeRef> {
    subtrees(0, size)
}

/// The ranges whose hashes form the inclusion path of leaf `index` in a tree of `size`, from the
/// leaf up (RFC 6962 §2.1.1).
fn path_ranges(index: u64, size: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (mut m, mut start, mut n) = (index, 0u64, size);
    let mut stack = Vec::new();
    while n > 1 {
        let k = largest_power_of_two_below(n);
        if m < k {
            stack.push((start + k, start + n));
            n = k;
        } else {
            stack.push((start, start + k));
            m -= k;
            start += k;
            n -= k;
        }
    }
    // Collected from the top down; the path lists the deepest sibling first.
    while let Some(r) = stack.pop() {
        out.push(r);
    }
    out
}

fn largest_power_of_two_below(n: u64) -> u64 {
    debug_assert!(n > 1);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Every subtree an inclusion proof of leaf `index` in a tree of `size` reads.
pub fn inclusion_refs(index: u64, size: u64) -> Vec<NodeRef> {
    if index >= size {
        return vec![];
    }
    path_ranges(index, size)
        .into_iter()
        .flat_map(|(a, b)| subtrees(a, b))
        .collect()
}

/// The tree head of `size` from stored subtrees; `None` if one is missing.
pub fn root_from(h: &dyn LogHasher, size: u64, nodes: &HashMap<NodeRef, Digest>) -> Option<Digest> {
    let parts = root_refs(size)
        .into_iter()
        .map(|r| nodes.get(&r).copied())
        .collect::<Option<Vec<_>>>()?;
    Some(fold(h, &parts))
}

/// The inclusion (audit) path of leaf `index` in a tree of `size`; `None` if `index` is out of
/// range or a stored subtree is missing.
pub fn inclusion_path(
    h: &dyn LogHasher,
    index: u64,
    size: u64,
    nodes: &HashMap<NodeRef, Digest>,
) -> Option<Vec<Digest>> {
    if index >= size {
        return None;
    }
    path_ranges(index, size)
        .into_iter()
        .map(|(a, b)| {
            let parts = subtrees(a, b)
                .into_iter()
                .map(|r| nodes.get(&r).copied())
                .collect::<Option<Vec<_>>>()?;
            Some(fold(h, &parts))
        })
        .collect()
}

/// Checks that `leaf_hash` is leaf `index` of the tree of `size` whose head is `root`, with no
/// access to the log (RFC 9162 §2.1.3.2). Anyone holding a signed checkpoint can run it.
pub fn verify_inclusion(
    h: &dyn LogHasher,
    leaf_hash: &Digest,
    index: u64,
    size: u64,
    path: &[Digest],
    root: &Digest,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in path {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = h.node(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = h.node(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && r == *root
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::hash::HashAlg;

    /// RFC 6962 MTH, straight from the definition.
    fn mth(h: &dyn LogHasher, leaves: &[Digest]) -> Digest {
        match leaves.len() {
            0 => h.digest(&[]),
            1 => leaves[0],
            n => {
                let k = largest_power_of_two_below(n as u64) as usize;
                h.node(&mth(h, &leaves[..k]), &mth(h, &leaves[k..]))
            }
        }
    }

    /// RFC 6962 PATH, straight from the definition.
    fn path(h: &dyn LogHasher, m: usize, leaves: &[Digest]) -> Vec<Digest> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = largest_power_of_two_below(n as u64) as usize;
        if m < k {
            let mut p = path(h, m, &leaves[..k]);
            p.push(mth(h, &leaves[k..]));
            p
        } else {
            let mut p = path(h, m - k, &leaves[k..]);
            p.push(mth(h, &leaves[..k]));
            p
        }
    }

    /// The test vectors of the certificate-transparency reference implementation.
    const CT_LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const CT_ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// Builds a tree of `n` leaves the way the store does, keeping every node.
    fn build(h: &dyn LogHasher, n: usize) -> (Vec<Digest>, HashMap<NodeRef, Digest>, Vec<Digest>) {
        let leaves: Vec<Digest> = (0..n).map(|i| h.leaf(&(i as u64).to_be_bytes())).collect();
        let mut nodes = HashMap::new();
        let mut f = Frontier::default();
        let mut roots = vec![];
        for (i, l) in leaves.iter().enumerate() {
            nodes.insert(
                NodeRef {
                    level: 0,
                    index: i as u64,
                },
                *l,
            );
            for nn in f.append(h, *l) {
                assert!(nodes.insert(nn.node, nn.hash).is_none(), "created once");
                // Created by the leaf that completes it.
                assert_eq!(nn.node.last_seq(), i as i64 + 1);
            }
            roots.push(f.root(h));
        }
        (leaves, nodes, roots)
    }

    #[test]
    fn matches_the_certificate_transparency_vectors() {
        let h = HashAlg::Sha256.hasher();
        let mut f = Frontier::default();
        assert_eq!(
            to_hex(&f.root(h)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        for (i, leaf) in CT_LEAVES.iter().enumerate() {
            f.append(h, h.leaf(&hex::decode(leaf).unwrap()));
            assert_eq!(to_hex(&f.root(h)), CT_ROOTS[i], "size {}", i + 1);
        }
    }

    #[test]
    fn incremental_roots_and_paths_match_the_definition() {
        for alg in HashAlg::ALL {
            let h = alg.hasher();
            let (leaves, nodes, roots) = build(h, 70);
            for size in 1..=leaves.len() {
                let root = mth(h, &leaves[..size]);
                assert_eq!(roots[size - 1], root, "{alg} size {size}");
                assert_eq!(root_from(h, size as u64, &nodes), Some(root));
                for m in 0..size {
                    let want = path(h, m, &leaves[..size]);
                    let got = inclusion_path(h, m as u64, size as u64, &nodes).unwrap();
                    assert_eq!(got, want, "{alg} leaf {m} of {size}");
                    assert!(verify_inclusion(
                        h,
                        &leaves[m],
                        m as u64,
                        size as u64,
                        &got,
                        &root
                    ));
                    // Every needed subtree is listed up front.
                    let listed: HashMap<NodeRef, Digest> = inclusion_refs(m as u64, size as u64)
                        .into_iter()
                        .map(|r| (r, nodes[&r]))
                        .collect();
                    assert_eq!(inclusion_path(h, m as u64, size as u64, &listed), Some(got));
                }
            }
        }
    }

    #[test]
    fn wrong_proofs_fail() {
        let h = HashAlg::Sha256.hasher();
        let (leaves, nodes, roots) = build(h, 13);
        let root = roots[12];
        let p = inclusion_path(h, 5, 13, &nodes).unwrap();
        assert!(verify_inclusion(h, &leaves[5], 5, 13, &p, &root));
        assert!(
            !verify_inclusion(h, &leaves[6], 5, 13, &p, &root),
            "other leaf"
        );
        assert!(
            !verify_inclusion(h, &leaves[5], 6, 13, &p, &root),
            "other index"
        );
        // (12 would give the same walk: the size is bound by the signed checkpoint.)
        assert!(
            !verify_inclusion(h, &leaves[5], 5, 8, &p, &root),
            "other size"
        );
        assert!(
            !verify_inclusion(h, &leaves[5], 5, 13, &p, &roots[11]),
            "other root"
        );
        assert!(
            !verify_inclusion(h, &leaves[5], 13, 13, &p, &root),
            "out of range"
        );
        let mut bad = p.clone();
        bad[1][0] ^= 1;
        assert!(
            !verify_inclusion(h, &leaves[5], 5, 13, &bad, &root),
            "altered"
        );
        assert!(
            !verify_inclusion(h, &leaves[5], 5, 13, &p[..2], &root),
            "short"
        );
        let mut long = p.clone();
        long.push(root);
        assert!(
            !verify_inclusion(h, &leaves[5], 5, 13, &long, &root),
            "long"
        );
        let mut missing = nodes.clone();
        missing.remove(&NodeRef { level: 2, index: 0 });
        assert_eq!(inclusion_path(h, 5, 13, &missing), None);
        assert!(
            root_from(h, 13, &missing).is_some(),
            "the root of 13 does not read it"
        );
        missing.remove(&NodeRef { level: 3, index: 0 });
        assert_eq!(root_from(h, 13, &missing), None);
    }

    #[test]
    fn node_keys_round_trip_and_sort_in_creation_order() {
        let h = HashAlg::Sha256.hasher();
        let mut f = Frontier::default();
        let mut keys = vec![];
        for i in 0..300u64 {
            for nn in f.append(h, h.leaf(&i.to_be_bytes())) {
                let k = nn.node.key();
                assert_eq!(NodeRef::from_key(k), Some(nn.node));
                keys.push(k);
            }
        }
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(
            NodeRef::from_key(3 * 64 + 1),
            None,
            "seq 3 completes no level-1 node"
        );
        assert_eq!(NodeRef::from_key(5), None);
        let leaf = NodeRef { level: 0, index: 9 };
        assert_eq!(leaf.last_seq(), 10);
        assert!(leaf.is_leaf());
    }

    #[test]
    fn frontier_round_trips_through_its_stored_form() {
        let h = HashAlg::Sm3.hasher();
        let mut f = Frontier::default();
        for i in 0..11u64 {
            f.append(h, h.leaf(&i.to_be_bytes()));
        }
        let s = f.encode();
        assert_eq!(s.len(), 64 * 3, "11 = 8 + 2 + 1");
        assert_eq!(Frontier::decode(11, &s), Some(f.clone()));
        assert_eq!(Frontier::decode(12, &s), None);
        assert_eq!(Frontier::decode(0, ""), Some(Frontier::default()));
    }
}
