//! The seal-use log (用印登记): every use of a community seal, for certificates and for other
//! work documents, is one entry in its community's append-only log that cannot be altered
//! unnoticed; one signed checkpoint commits to every community's log.
//!
//! - [`hash`]: the log's hash function (SHA-256 by default, SM3 as the alternative);
//! - [`entry`]: the canonical entry encoding, leaf hash, hash chain, personal-data digest;
//! - [`merkle`]: the RFC 6962 tree, built incrementally, with roots and inclusion proofs from
//!   stored subtrees and an offline [`merkle::verify_inclusion`];
//! - [`heads`]: the tree over every log's head that a district checkpoint signs;
//! - [`checkpoint`]: signed checkpoints (Ed25519) over the tree head;
//! - [`verify`]: the streaming verifier that names the first bad entry;
//! - [`rules`]: what a recorded use of the seal must contain.

pub mod checkpoint;
pub mod entry;
pub mod hash;
pub mod heads;
pub mod merkle;
pub mod rules;
pub mod verify;

pub use checkpoint::{
    Checkpoint, CheckpointSigner, CheckpointVerifier, Ed25519Signer, Ed25519Verifier,
};
pub use entry::{LEGACY_LOG, Personal, SealEntry, SealKind};
pub use hash::{Digest, HashAlg, LogHasher};
pub use heads::{HeadsTree, LogHead, SealCheckpoint};
pub use verify::{SealHead, SealProblem, SealReport, SealVerifier};

use crate::citation::{Citation, DAXING_2016, GBT_22239};

/// Why the seal's uses are recorded at all: the policy regulates the community seal and its two
/// uses (work documents, certificates for residents).
pub const POLICY: Citation = Citation {
    document: DAXING_2016,
    clause: "三(四) 规范社区印章使用管理制度：社区印章用途分为工作用章和为辖区居民出具证明用章",
};

/// Why the log is tamper-evident.
pub const PROTECTION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.3 c) 应对审计记录进行保护，避免受到未预期的删除、修改或覆盖等",
};

/// How the tree, its roots and inclusion proofs are computed.
pub const MERKLE: Citation = Citation {
    document: "RFC 6962《Certificate Transparency》",
    clause: "2.1 Merkle Hash Trees；2.1.1 Merkle Audit Paths",
};

pub const CITATIONS: [Citation; 3] = [POLICY, PROTECTION, MERKLE];
