//! The audit trail is append-only and hash-chained: each record's hash covers its content and the
//! previous record's hash, so a record changed, removed, inserted or moved breaks the chain at that
//! point, and a cut-off tail no longer matches the recorded head.
//!
//! Rests on GB/T 22239-2019 8.1.4.3 c) (审计记录应进行保护，避免受到未预期的删除、修改或覆盖)
//! and 网络安全法 第二十一条 (留存相关的网络日志).

use crate::citation::{CYBERSECURITY_LAW, Citation, GBT_22239};
use sha2::{Digest, Sha256};

pub const CITATIONS: [Citation; 2] = [
    Citation {
        document: GBT_22239,
        clause: "8.1.4.3 c) 应对审计记录进行保护，避免受到未预期的删除、修改或覆盖等",
    },
    Citation {
        document: CYBERSECURITY_LAW,
        clause: "第二十一条 留存相关的网络日志",
    },
];

/// The hash before the first record of the legacy chain `audit` (the one chain of databases made
/// before chains per organisation), kept so those databases keep verifying.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chain every record was written to before chains per organisation.
pub const LEGACY_CHAIN: &str = "audit";

/// The chain of records with no organisation: anonymous callers (a failed login of an unknown
/// name, public pages).
pub const PUBLIC_CHAIN: &str = "public";

/// The chain of console and system records when the district is not known yet.
pub const SYSTEM_CHAIN: &str = "system";

/// The hash before the first record of `chain`: SHA-256("jianfu-audit-genesis/1" || chain), hex;
/// all zeros for the legacy chain. Derived from the key, so a record moved to another chain (or a
/// chain renamed) no longer links.
pub fn genesis(chain: &str) -> String {
    if chain == LEGACY_CHAIN {
        return GENESIS.to_string();
    }
    let mut h = Sha256::new();
    h.update(b"jianfu-audit-genesis/1");
    h.update(chain.as_bytes());
    hex::encode(h.finalize())
}

/// One audit record as stored. `hash` = SHA-256 over `prev_hash` and every other field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRecord {
    /// The chain (organisation code, `public`, `system` or the legacy `audit`). Not hashed: the
    /// chain's genesis binds its records to it.
    #[serde(default)]
    pub chain: String,
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object: String,
    pub result: String,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What a record's hash covers, borrowed (the chain is not hashed): verification reads pages of
/// records without copying every field into a `String`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditRecordRef<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub at: i64,
    pub actor: Option<&'a str>,
    pub actor_role: Option<&'a str>,
    pub action: &'a str,
    pub object: &'a str,
    pub result: &'a str,
    pub client_addr: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub detail: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl AuditRecordRef<'_> {
    /// SHA-256 over `prev_hash` and every other field, each length-prefixed so no two different
    /// records encode to the same bytes; a missing optional field counts as "\0".
    fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(self.prev_hash.as_bytes());
        field(&self.seq.to_be_bytes());
        field(self.id.as_bytes());
        field(&self.at.to_be_bytes());
        for opt in [self.actor, self.actor_role] {
            field(opt.unwrap_or("\u{0}").as_bytes());
        }
        field(self.action.as_bytes());
        field(self.object.as_bytes());
        field(self.result.as_bytes());
        for opt in [self.client_addr, self.request_id] {
            field(opt.unwrap_or("\u{0}").as_bytes());
        }
        field(self.detail.as_bytes());
        h.finalize().into()
    }

    /// The hash this record must carry (lowercase hex), given its content and predecessor.
    pub fn expected_hash(&self) -> String {
        hex::encode(self.digest())
    }

    /// The owned record, on `chain`.
    pub fn to_record(&self, chain: &str) -> AuditRecord {
        let own = |o: Option<&str>| o.map(str::to_string);
        AuditRecord {
            chain: chain.to_string(),
            seq: self.seq,
            id: self.id.to_string(),
            at: self.at,
            actor: own(self.actor),
            actor_role: own(self.actor_role),
            action: self.action.to_string(),
            object: self.object.to_string(),
            result: self.result.to_string(),
            client_addr: own(self.client_addr),
            request_id: own(self.request_id),
            detail: self.detail.to_string(),
            prev_hash: self.prev_hash.to_string(),
            hash: self.hash.to_string(),
        }
    }

    /// Whether the stored hash is exactly the expected one, without allocating.
    pub fn hash_matches(&self) -> bool {
        let mut buf = [0u8; 64];
        hex::encode_to_slice(self.digest(), &mut buf).is_ok() && buf == self.hash.as_bytes()
    }
}

impl AuditRecord {
    pub fn borrowed(&self) -> AuditRecordRef<'_> {
        AuditRecordRef {
            seq: self.seq,
            id: &self.id,
            at: self.at,
            actor: self.actor.as_deref(),
            actor_role: self.actor_role.as_deref(),
            action: &self.action,
            object: &self.object,
            result: &self.result,
            client_addr: self.client_addr.as_deref(),
            request_id: self.request_id.as_deref(),
            detail: &self.detail,
            prev_hash: &self.prev_hash,
            hash: &self.hash,
        }
    }

    /// The hash this record must carry, given its content and predecessor.
    pub fn expected_hash(&self) -> String {
        self.borrowed().expected_hash()
    }

    /// Sets `prev_hash` and `hash` so the record extends a chain ending in `prev_hash`.
    pub fn seal(mut self, prev_hash: &str) -> Self {
        self.prev_hash = prev_hash.to_string();
        self.hash = self.expected_hash();
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakKind {
    /// The record's content no longer matches its hash: it was changed.
    Modified,
    /// The record does not follow its predecessor: one was removed, inserted or moved before it.
    NotLinked,
    /// Sequence numbers skip or repeat.
    SequenceGap { expected: i64 },
    /// The chain ends before the recorded head: records were cut off the end.
    Truncated { head_seq: i64 },
    /// The recorded head does not match the last record.
    HeadMismatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first bad record's sequence number (for truncation: the last good one).
    pub seq: i64,
    pub kind: BreakKind,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            BreakKind::Modified => {
                write!(f, "第 {} 条记录内容与其哈希不符（记录被修改）", self.seq)
            }
            BreakKind::NotLinked => write!(
                f,
                "第 {} 条记录未接续上一条（其前有记录被删除、插入或调换）",
                self.seq
            ),
            BreakKind::SequenceGap { expected } => write!(
                f,
                "第 {} 条记录的序号应为 {}（记录被删除或插入）",
                self.seq, expected
            ),
            BreakKind::Truncated { head_seq } => write!(
                f,
                "日志在第 {} 条后中断，但链头记录到第 {} 条（末尾记录被截去）",
                self.seq, head_seq
            ),
            BreakKind::HeadMismatch => {
                write!(f, "第 {} 条记录与链头登记的哈希不符", self.seq)
            }
        }
    }
}

/// Checks records one at a time, in sequence order, so a log of any length can be verified in
/// constant memory.
#[derive(Debug)]
pub struct ChainVerifier {
    next_seq: i64,
    prev_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    /// A verifier for the legacy chain `audit`.
    fn default() -> Self {
        Self::new(LEGACY_CHAIN)
    }
}

impl ChainVerifier {
    /// A verifier for `chain`, starting from its genesis.
    pub fn new(chain: &str) -> Self {
        Self {
            next_seq: 1,
            prev_hash: genesis(chain),
            checked: 0,
        }
    }

    /// The last record's hash so far (the genesis before any record).
    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }

    /// The last sequence number checked so far (0 before any record).
    pub fn last_seq(&self) -> i64 {
        self.next_seq - 1
    }

    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        self.push_ref(&r.borrowed())
    }

    /// [`push`](Self::push) for a borrowed record.
    pub fn push_ref(&mut self, r: &AuditRecordRef<'_>) -> Result<(), ChainBreak> {
        if !r.hash_matches() {
            return Err(ChainBreak {
                seq: r.seq,
                kind: BreakKind::Modified,
            });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: r.seq,
                kind: BreakKind::NotLinked,
            });
        }
        if r.seq != self.next_seq {
            return Err(ChainBreak {
                seq: r.seq,
                kind: BreakKind::SequenceGap {
                    expected: self.next_seq,
                },
            });
        }
        self.next_seq += 1;
        self.prev_hash.clear();
        self.prev_hash.push_str(r.hash);
        self.checked += 1;
        Ok(())
    }

    /// Compares the end of the chain with the recorded head (`seq`, `hash`).
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let last = self.next_seq - 1;
        match head {
            None | Some((0, _)) if last == 0 => Ok(0),
            Some((seq, _)) if seq > last => Err(ChainBreak {
                seq: last,
                kind: BreakKind::Truncated { head_seq: seq },
            }),
            Some((seq, hash)) if seq == last && hash == self.prev_hash => Ok(self.checked),
            _ => Err(ChainBreak {
                seq: last,
                kind: BreakKind::HeadMismatch,
            }),
        }
    }
}

/// One chain's head: its last sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainHead {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// The Merkle leaf (RFC 6962, SHA-256) of one chain head:
/// `H(0x00 ‖ lp("jianfu-audit-head/1") ‖ lp(chain) ‖ lp(seq, 8 bytes big-endian) ‖ lp(hash))`.
pub fn head_leaf(h: &ChainHead) -> crate::seal::hash::Digest {
    use crate::seal::hash::LogHasher;
    let mut leaf = Vec::with_capacity(128);
    let seq = h.seq.to_be_bytes();
    for part in [
        b"jianfu-audit-head/1".as_slice(),
        h.chain.as_bytes(),
        &seq,
        h.hash.as_bytes(),
    ] {
        leaf.extend_from_slice(&(part.len() as u64).to_be_bytes());
        leaf.extend_from_slice(part);
    }
    crate::seal::hash::Sha256Hasher.leaf(&leaf)
}

/// The Merkle root (RFC 6962, SHA-256) over the heads sorted by chain: what an audit checkpoint
/// signs. Chains with no record (seq 0) are left out. Also returns the number of records.
pub fn heads_root(heads: &[ChainHead]) -> (crate::seal::hash::Digest, i64) {
    let mut sorted: Vec<&ChainHead> = heads.iter().filter(|h| h.seq > 0).collect();
    sorted.sort_by(|a, b| a.chain.cmp(&b.chain));
    let mut f = crate::seal::merkle::Frontier::default();
    let h = &crate::seal::hash::Sha256Hasher;
    for head in &sorted {
        f.append(h, head_leaf(head));
    }
    (f.root(h), sorted.iter().map(|h| h.seq).sum())
}

/// Why the chain heads now cannot follow the ones a checkpoint signed: chains only grow. The
/// signer refuses such heads, so the latest checkpoint vouches for everything the earlier ones
/// did, and a rewrite is never signed over by the next minute's checkpoint. Rests on
/// [`CITATIONS`] (GB/T 22239-2019 8.1.4.3 c)); tested below and by
/// `audit_tamper::the_minute_checkpoint_is_not_signed_over_a_rewritten_chain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotExtending {
    /// A chain the checkpoint had has no head now.
    Dropped { chain: String, seq: i64 },
    /// A chain ends before the checkpoint's sequence number.
    Shrunk { chain: String, from: i64, to: i64 },
    /// A chain's record at the checkpoint's sequence number is not the one signed.
    Changed { chain: String, seq: i64 },
}

impl std::fmt::Display for NotExtending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotExtending::Dropped { chain, seq } => {
                write!(f, "审计链 {chain} 不见了（上一个检查点登记到第 {seq} 条）")
            }
            NotExtending::Shrunk { chain, from, to } => write!(
                f,
                "审计链 {chain} 只到第 {to} 条，上一个检查点登记到第 {from} 条"
            ),
            NotExtending::Changed { chain, seq } => write!(
                f,
                "审计链 {chain} 的第 {seq} 条与上一个检查点签署的不同（被改写）"
            ),
        }
    }
}

/// Checks the heads now against those a checkpoint signed. Returns the signed heads of the chains
/// that grew: the caller confirms that each one's record at the signed sequence number still
/// carries the signed hash.
pub fn chains_extend<'a>(
    signed: &'a [ChainHead],
    now: &[ChainHead],
) -> Result<Vec<&'a ChainHead>, NotExtending> {
    let mut grown = Vec::new();
    for old in signed.iter().filter(|h| h.seq > 0) {
        let Some(new) = now.iter().find(|h| h.chain == old.chain && h.seq > 0) else {
            return Err(NotExtending::Dropped {
                chain: old.chain.clone(),
                seq: old.seq,
            });
        };
        if new.seq < old.seq {
            return Err(NotExtending::Shrunk {
                chain: old.chain.clone(),
                from: old.seq,
                to: new.seq,
            });
        }
        if new.seq == old.seq {
            if new.hash != old.hash {
                return Err(NotExtending::Changed {
                    chain: old.chain.clone(),
                    seq: old.seq,
                });
            }
            continue;
        }
        grown.push(old);
    }
    Ok(grown)
}

/// A problem with the trail as a whole, naming the chain (or the guard) concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrailProblem {
    /// The chain's records do not verify against themselves and its head.
    Chain { chain: String, brk: ChainBreak },
    /// Records for a chain that has no head row: the head was deleted, or records were added
    /// around the system.
    NoHead { chain: String, records: i64 },
    /// A chain a checkpoint committed to has no head and no records: dropped whole.
    Dropped { chain: String, checkpoint_seq: i64 },
    /// The chain's record at the checkpoint's sequence number is not the one signed: the chain was
    /// rewritten (recomputed hashes, possibly with the head) behind the checkpoint.
    Rewritten { chain: String, seq: i64 },
    /// The chain now ends before the checkpoint's sequence number: cut off, head and all.
    Truncated {
        chain: String,
        last: i64,
        checkpoint_seq: i64,
    },
    /// The checkpoint's list of heads does not give its signed root.
    CheckpointHeadsAltered,
    /// The checkpoint's signature does not hold (or another key signed it).
    BadCheckpointSignature { signed_at: i64 },
    /// An append-only guard (trigger) is missing.
    TriggerMissing { name: String },
}

impl TrailProblem {
    /// A stable code for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            TrailProblem::Chain { brk, .. } => match brk.kind {
                BreakKind::Modified => "record_modified",
                BreakKind::NotLinked => "record_unlinked",
                BreakKind::SequenceGap { .. } => "sequence_gap",
                BreakKind::Truncated { .. } => "chain_truncated",
                BreakKind::HeadMismatch => "head_mismatch",
            },
            TrailProblem::NoHead { .. } => "chain_without_head",
            TrailProblem::Dropped { .. } => "chain_dropped",
            TrailProblem::Rewritten { .. } => "chain_rewritten",
            TrailProblem::Truncated { .. } => "chain_truncated_behind_checkpoint",
            TrailProblem::CheckpointHeadsAltered => "checkpoint_heads_altered",
            TrailProblem::BadCheckpointSignature { .. } => "bad_checkpoint_signature",
            TrailProblem::TriggerMissing { .. } => "trigger_missing",
        }
    }
}

impl std::fmt::Display for TrailProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrailProblem::Chain { chain, brk } => write!(f, "审计链 {chain}：{brk}"),
            TrailProblem::NoHead { chain, records } => write!(
                f,
                "审计链 {chain} 有 {records} 条记录，但没有链头（链头被删除，或记录绕过系统写入）"
            ),
            TrailProblem::Dropped {
                chain,
                checkpoint_seq,
            } => write!(
                f,
                "审计链 {chain} 已整条消失：签名检查点记录它有 {checkpoint_seq} 条记录（整条链被删除）"
            ),
            TrailProblem::Rewritten { chain, seq } => write!(
                f,
                "审计链 {chain} 的第 {seq} 条记录与签名检查点不符（检查点之前的记录被改写并重算了哈希）"
            ),
            TrailProblem::Truncated {
                chain,
                last,
                checkpoint_seq,
            } => write!(
                f,
                "审计链 {chain} 只到第 {last} 条，但签名检查点记录它有 {checkpoint_seq} 条（末尾被截去，链头被改写）"
            ),
            TrailProblem::CheckpointHeadsAltered => {
                write!(f, "检查点里的链头清单与其签名的默克尔根不符（清单被改动）")
            }
            TrailProblem::BadCheckpointSignature { signed_at } => write!(
                f,
                "签署于 {signed_at} 的审计检查点签名无效或不是本区密钥签的"
            ),
            TrailProblem::TriggerMissing { name } => {
                write!(f, "只追加保护触发器 {name} 不存在（已被删除）")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_may_only_grow_under_a_checkpoint() {
        let head = |chain: &str, seq: i64, hash: &str| ChainHead {
            chain: chain.into(),
            seq,
            hash: hash.into(),
        };
        let signed = vec![head("110115001901", 5, "a5"), head("110115-MZJ", 2, "b2")];
        assert_eq!(chains_extend(&signed, &signed), Ok(vec![]));
        let grown = vec![
            head("110115001901", 7, "a7"),
            head("110115-MZJ", 2, "b2"),
            head("public", 1, "c1"),
        ];
        assert_eq!(chains_extend(&signed, &grown), Ok(vec![&signed[0]]));
        let changed = vec![head("110115001901", 5, "xx"), head("110115-MZJ", 2, "b2")];
        assert!(matches!(
            chains_extend(&signed, &changed),
            Err(NotExtending::Changed { .. })
        ));
        let shrunk = vec![head("110115001901", 4, "a4"), head("110115-MZJ", 2, "b2")];
        assert!(matches!(
            chains_extend(&signed, &shrunk),
            Err(NotExtending::Shrunk { .. })
        ));
        let dropped = vec![head("110115001901", 5, "a5")];
        assert!(matches!(
            chains_extend(&signed, &dropped),
            Err(NotExtending::Dropped { .. })
        ));
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let r = AuditRecord {
                    chain: LEGACY_CHAIN.into(),
                    seq,
                    id: format!("id-{seq}"),
                    at: 1_700_000_000_000 + seq,
                    actor: Some("sysadmin".into()),
                    actor_role: Some("system_admin".into()),
                    action: "user.create".into(),
                    object: format!("user:{seq}"),
                    result: "success".into(),
                    client_addr: Some("127.0.0.1".into()),
                    request_id: None,
                    detail: "{}".into(),
                    prev_hash: String::new(),
                    hash: String::new(),
                }
                .seal(&prev);
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: Option<(i64, &str)>) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.push(r)?;
        }
        v.finish(head)
    }

    fn head(c: &[AuditRecord]) -> Option<(i64, &str)> {
        c.last().map(|r| (r.seq, r.hash.as_str()))
    }

    #[test]
    fn the_heads_root_depends_on_every_head_but_not_on_their_order() {
        let a = ChainHead {
            chain: "A".into(),
            seq: 3,
            hash: "aa".into(),
        };
        let b = ChainHead {
            chain: "B".into(),
            seq: 1,
            hash: "bb".into(),
        };
        let empty = ChainHead {
            chain: "audit".into(),
            seq: 0,
            hash: GENESIS.into(),
        };
        let (root, n) = heads_root(&[a.clone(), b.clone(), empty.clone()]);
        assert_eq!(n, 4);
        assert_eq!(heads_root(&[b.clone(), a.clone()]).0, root);
        for changed in [
            vec![a.clone()],
            vec![
                ChainHead {
                    seq: 2,
                    ..a.clone()
                },
                b.clone(),
            ],
            vec![
                ChainHead {
                    hash: "ab".into(),
                    ..a.clone()
                },
                b.clone(),
            ],
            vec![
                ChainHead {
                    chain: "C".into(),
                    ..a.clone()
                },
                b.clone(),
            ],
        ] {
            assert_ne!(heads_root(&changed).0, root, "{changed:?}");
        }
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, head(&c)), Ok(5));
        assert_eq!(verify(&[], None), Ok(0));
    }

    #[test]
    fn the_hash_must_match_exactly() {
        let c = chain(2);
        assert!(c[1].borrowed().hash_matches());
        assert_eq!(c[1].borrowed().expected_hash(), c[1].hash);
        let upper = c[1].hash.to_uppercase();
        let r = AuditRecordRef {
            hash: &upper,
            ..c[1].borrowed()
        };
        assert!(!r.hash_matches(), "same digest, other spelling");
        let no_actor = AuditRecordRef {
            actor: None,
            ..c[1].borrowed()
        };
        assert!(!no_actor.hash_matches());
        assert_eq!(c[1].borrowed().to_record(LEGACY_CHAIN), c[1]);
    }

    #[test]
    fn modified_record_is_named() {
        let mut c = chain(5);
        let h = head(&c).map(|(s, h)| (s, h.to_string()));
        c[2].object = "user:999".into();
        let err = verify(&c, h.as_ref().map(|(s, h)| (*s, h.as_str()))).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 3,
                kind: BreakKind::Modified
            }
        );
    }

    #[test]
    fn removed_inserted_reordered_and_truncated_are_found() {
        let c = chain(5);
        let h = (c[4].seq, c[4].hash.clone());
        let hd = Some((h.0, h.1.as_str()));

        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, hd).unwrap_err().seq, 3);

        let mut reordered = c.clone();
        reordered.swap(1, 2);
        assert_eq!(verify(&reordered, hd).unwrap_err().seq, 3);

        // An inserted record with a valid hash of its own still breaks the link after it.
        let mut inserted = c.clone();
        let forged = AuditRecord {
            seq: 3,
            id: "forged".into(),
            ..c[2].clone()
        }
        .seal(&c[1].hash);
        inserted.insert(2, forged);
        assert_eq!(
            verify(&inserted, hd).unwrap_err(),
            ChainBreak {
                seq: 3,
                kind: BreakKind::NotLinked
            }
        );

        // A record moved to another chain does not link there: each chain has its own genesis.
        let mut moved = ChainVerifier::new("110115001001");
        assert_eq!(moved.push(&c[0]).unwrap_err().kind, BreakKind::NotLinked);
        assert_ne!(genesis("110115001001"), genesis("110115001002"));
        assert_eq!(genesis(LEGACY_CHAIN), GENESIS);

        let truncated = &c[..3];
        assert_eq!(
            verify(truncated, hd).unwrap_err(),
            ChainBreak {
                seq: 3,
                kind: BreakKind::Truncated { head_seq: 5 }
            }
        );
    }
}
