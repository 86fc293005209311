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

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit record as stored. `hash` = SHA-256 over `prev_hash` and every other field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRecord {
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

impl AuditRecord {
    /// The hash this record must carry, given its content and predecessor.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        // Length-prefixed fields: no two different records can encode to the same bytes.
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(self.prev_hash.as_bytes());
        field(&self.seq.to_be_bytes());
        field(self.id.as_bytes());
        field(&self.at.to_be_bytes());
        for opt in [&self.actor, &self.actor_role] {
            field(opt.as_deref().unwrap_or("\u{0}").as_bytes());
        }
        field(self.action.as_bytes());
        field(self.object.as_bytes());
        field(self.result.as_bytes());
        for opt in [&self.client_addr, &self.request_id] {
            field(opt.as_deref().unwrap_or("\u{0}").as_bytes());
        }
        field(self.detail.as_bytes());
        hex::encode(h.finalize())
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
    fn default() -> Self {
        Self {
            next_seq: 1,
            prev_hash: GENESIS.to_string(),
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if r.expected_hash() != r.hash {
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
        self.prev_hash.clone_from(&r.hash);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let r = AuditRecord {
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
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, head(&c)), Ok(5));
        assert_eq!(verify(&[], None), Ok(0));
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
