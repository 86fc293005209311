//! One use of a community seal, and how it is hashed.
//!
//! - The **leaf** is a canonical, length-prefixed encoding of every field except the position
//!   (the position is bound by the chain and by the tree's leaf index). Its RFC 6962 leaf hash is
//!   H(0x00 ‖ leaf).
//! - The **chain**: `entry_hash = H(0x02 ‖ prev_hash ‖ leaf_hash)`, the first `prev_hash` being
//!   the log's [`genesis`]. Every entry keeps the `prev_hash` it was written with, so a verifier
//!   can tell a removed entry from an inserted or a moved one.
//! - **One log per community**, keyed by its code: issuing in one community never waits on
//!   another. The district-wide log of earlier versions stays as the frozen [`LEGACY_LOG`].
//! - **Personal data** (applicant, contact) is not in the leaf: the leaf holds
//!   `personal_digest = H(0x03 ‖ salt ‖ applicant ‖ contact)` (each length-prefixed), and the
//!   fields live in a separate row that the retention rule may delete without breaking anything.
//!   The random salt is deleted with them, so the digest left behind cannot be matched against a
//!   guessed name and phone number.

use super::hash::{Digest, HashAlg, LogHasher, parse_hex, to_hex};
use serde::{Deserialize, Serialize};

/// Names the encoding, so a future change of layout cannot be confused with this one.
const LEAF_FORMAT: &[u8] = b"jianfu-seal-entry/1";

/// The one district-wide log every entry went to before logs per community; frozen since (nothing
/// is appended to it), still verified.
pub const LEGACY_LOG: &str = "seal";

/// The hash before a log's first entry: `H(lp("jianfu-seal-genesis/1") ‖ lp(log))`, 32 zero bytes
/// for the legacy log. Derived from the log's key, so an entry or a whole log moved under another
/// community's code no longer links.
pub fn genesis(h: &dyn LogHasher, log: &str) -> Digest {
    if log == LEGACY_LOG {
        return super::hash::ZERO;
    }
    let mut buf = Vec::with_capacity(64);
    field(&mut buf, b"jianfu-seal-genesis/1");
    field(&mut buf, log.as_bytes());
    h.digest(&[&buf])
}

/// What the seal was used for (社区印章的两种用途).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SealKind {
    /// 为辖区居民出具证明用章.
    Certificate,
    /// 工作用章: other work documents.
    Document,
}

impl SealKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SealKind::Certificate => "certificate",
            SealKind::Document => "document",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "certificate" => Some(SealKind::Certificate),
            "document" => Some(SealKind::Document),
            _ => None,
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            SealKind::Certificate => "出具证明",
            SealKind::Document => "工作用章",
        }
    }
}

/// One entry as stored. Hashes are lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SealEntry {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// UUIDv7.
    pub id: String,
    /// When the seal was used, epoch ms.
    pub used_at: i64,
    pub community_code: String,
    /// `certificate` | `document`.
    pub kind: String,
    /// What the use belongs to, e.g. `certificate:ZM110115001901-2026-000001`; may be empty.
    pub subject: String,
    /// What was sealed.
    pub content: String,
    /// Number of copies (份数), at least 1.
    pub copies: i64,
    /// Username of the director who approved the use.
    pub approver: String,
    /// Username of the worker who handled it.
    pub handler: String,
    pub personal_digest: String,
    /// The log's algorithm, recorded in every entry.
    pub hash_alg: String,
    pub leaf_hash: String,
    pub prev_hash: String,
    pub entry_hash: String,
}

/// The personal fields of an entry, kept apart so they can be deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Personal {
    /// Hex of 16 random bytes.
    pub salt: String,
    pub applicant: String,
    pub contact: String,
}

fn field(buf: &mut Vec<u8>, b: &[u8]) {
    buf.extend_from_slice(&(b.len() as u64).to_be_bytes());
    buf.extend_from_slice(b);
}

impl SealEntry {
    /// The canonical leaf bytes, written into `buf` (cleared first) so a verifier can reuse one
    /// buffer for a million entries.
    pub fn encode_leaf(&self, buf: &mut Vec<u8>) {
        buf.clear();
        field(buf, LEAF_FORMAT);
        field(buf, self.hash_alg.as_bytes());
        field(buf, self.id.as_bytes());
        field(buf, &self.used_at.to_be_bytes());
        field(buf, self.community_code.as_bytes());
        field(buf, self.kind.as_bytes());
        field(buf, self.subject.as_bytes());
        field(buf, self.content.as_bytes());
        field(buf, &self.copies.to_be_bytes());
        field(buf, self.approver.as_bytes());
        field(buf, self.handler.as_bytes());
        field(buf, self.personal_digest.as_bytes());
    }

    pub fn compute_leaf_hash(&self, h: &dyn LogHasher, buf: &mut Vec<u8>) -> Digest {
        self.encode_leaf(buf);
        h.leaf(buf)
    }

    /// Fills `hash_alg`, `personal_digest`, `leaf_hash`, `prev_hash` and `entry_hash` so the
    /// entry extends a log whose last entry hash is `prev`.
    pub fn seal(mut self, h: &dyn LogHasher, personal: &Personal, prev: &Digest) -> Self {
        self.hash_alg = h.alg().as_str().to_string();
        self.personal_digest = to_hex(&personal_digest(h, personal));
        let mut buf = Vec::with_capacity(256);
        let leaf = self.compute_leaf_hash(h, &mut buf);
        self.leaf_hash = to_hex(&leaf);
        self.prev_hash = to_hex(prev);
        self.entry_hash = to_hex(&chain_hash(h, prev, &leaf));
        self
    }

    pub fn entry_digest(&self) -> Option<Digest> {
        parse_hex(&self.entry_hash)
    }

    pub fn alg(&self) -> Option<HashAlg> {
        HashAlg::parse(&self.hash_alg).filter(|a| a.as_str() == self.hash_alg)
    }
}

/// `entry_hash = H(0x02 ‖ prev ‖ leaf_hash)`.
pub fn chain_hash(h: &dyn LogHasher, prev: &Digest, leaf_hash: &Digest) -> Digest {
    h.digest(&[&[0x02], prev, leaf_hash])
}

/// `H(0x03 ‖ salt ‖ applicant ‖ contact)`, each part length-prefixed. The salt is the bytes the
/// hex in `p.salt` stands for (or the text itself if it is not hex, which only a tampered row has).
pub fn personal_digest(h: &dyn LogHasher, p: &Personal) -> Digest {
    let salt = hex::decode(&p.salt).unwrap_or_else(|_| p.salt.as_bytes().to_vec());
    let mut buf = Vec::with_capacity(16 + p.applicant.len() + p.contact.len() + 32);
    field(&mut buf, &salt);
    field(&mut buf, p.applicant.as_bytes());
    field(&mut buf, p.contact.as_bytes());
    h.digest(&[&[0x03], &buf])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::hash::ZERO;

    pub(crate) fn sample(seq: i64) -> (SealEntry, Personal) {
        (
            SealEntry {
                seq,
                id: format!("0190-{seq:04}"),
                used_at: 1_795_000_000_000 + seq,
                community_code: "110115001901".into(),
                kind: "document".into(),
                subject: String::new(),
                content: format!("关于第 {seq} 批活动场地的函"),
                copies: 2,
                approver: "shuji".into(),
                handler: "shegong".into(),
                ..Default::default()
            },
            Personal {
                salt: "00112233445566778899aabbccddeeff".into(),
                applicant: "王某".into(),
                contact: "010-6000000".into(),
            },
        )
    }

    #[test]
    fn each_log_starts_from_its_own_genesis() {
        for alg in HashAlg::ALL {
            let h = alg.hasher();
            assert_eq!(genesis(h, LEGACY_LOG), ZERO);
            let a = genesis(h, "110115001901");
            assert_ne!(a, ZERO);
            assert_ne!(a, genesis(h, "110115001902"));
            assert_eq!(a, genesis(h, "110115001901"));
        }
        assert_ne!(
            genesis(HashAlg::Sha256.hasher(), "110115001901"),
            genesis(HashAlg::Sm3.hasher(), "110115001901")
        );
    }

    #[test]
    fn every_field_changes_the_leaf() {
        let h = HashAlg::Sha256.hasher();
        let (e, p) = sample(1);
        let e = e.seal(h, &p, &ZERO);
        let mut buf = Vec::new();
        let base = e.compute_leaf_hash(h, &mut buf);
        assert_eq!(to_hex(&base), e.leaf_hash);
        let variants: Vec<SealEntry> = vec![
            SealEntry {
                id: "x".into(),
                ..e.clone()
            },
            SealEntry {
                used_at: 1,
                ..e.clone()
            },
            SealEntry {
                community_code: "110115001902".into(),
                ..e.clone()
            },
            SealEntry {
                kind: "certificate".into(),
                ..e.clone()
            },
            SealEntry {
                subject: "certificate:1".into(),
                ..e.clone()
            },
            SealEntry {
                content: "改过".into(),
                ..e.clone()
            },
            SealEntry {
                copies: 3,
                ..e.clone()
            },
            SealEntry {
                approver: "x".into(),
                ..e.clone()
            },
            SealEntry {
                handler: "x".into(),
                ..e.clone()
            },
            SealEntry {
                personal_digest: "00".repeat(32),
                ..e.clone()
            },
            SealEntry {
                hash_alg: "sm3".into(),
                ..e.clone()
            },
        ];
        for v in variants {
            assert_ne!(v.compute_leaf_hash(h, &mut buf), base, "{v:?}");
        }
        // The position is not in the leaf: it is bound by the chain and the tree.
        let moved = SealEntry {
            seq: 9,
            ..e.clone()
        };
        assert_eq!(moved.compute_leaf_hash(h, &mut buf), base);
    }

    #[test]
    fn fields_cannot_slide_into_each_other() {
        let h = HashAlg::Sha256.hasher();
        let (e, p) = sample(1);
        let a = SealEntry {
            approver: "ab".into(),
            handler: "c".into(),
            ..e.clone()
        }
        .seal(h, &p, &ZERO);
        let b = SealEntry {
            approver: "a".into(),
            handler: "bc".into(),
            ..e
        }
        .seal(h, &p, &ZERO);
        assert_ne!(a.leaf_hash, b.leaf_hash);
        let p1 = Personal {
            applicant: "王某".into(),
            contact: "1".into(),
            ..p.clone()
        };
        let p2 = Personal {
            applicant: "王某1".into(),
            contact: String::new(),
            ..p
        };
        assert_ne!(personal_digest(h, &p1), personal_digest(h, &p2));
    }

    #[test]
    fn the_salt_hides_the_person() {
        let h = HashAlg::Sm3.hasher();
        let (_, p) = sample(1);
        let other = Personal {
            salt: "ff".repeat(16),
            ..p.clone()
        };
        assert_ne!(personal_digest(h, &p), personal_digest(h, &other));
    }

    #[test]
    fn chain_links_to_the_previous_entry() {
        for alg in HashAlg::ALL {
            let h = alg.hasher();
            let (e1, p) = sample(1);
            let e1 = e1.seal(h, &p, &ZERO);
            let (e2, p2) = sample(2);
            let e2 = e2.seal(h, &p2, &e1.entry_digest().unwrap());
            assert_eq!(e1.prev_hash, "0".repeat(64));
            assert_eq!(e2.prev_hash, e1.entry_hash);
            assert_eq!(e2.hash_alg, alg.as_str());
            assert_eq!(e2.alg(), Some(alg));
            let leaf = parse_hex(&e2.leaf_hash).unwrap();
            assert_eq!(
                to_hex(&chain_hash(h, &e1.entry_digest().unwrap(), &leaf)),
                e2.entry_hash
            );
        }
    }
}
