//! Signed checkpoints: the district signs the log's size and Merkle root with a key it holds.
//! Whoever keeps a copy of a checkpoint (printed, published, sent to the supervisors) can later
//! prove that the log still contains exactly what it contained then, and check any entry's
//! inclusion offline.
//!
//! Ed25519 is the signature scheme (RFC 8032). SM2 is not offered yet: the RustCrypto `sm2`
//! crate is still pre-1.0, and the trait below is where it would go.

use super::hash::{Digest, HashAlg, to_hex};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// Which log a checkpoint speaks for; named in the signed message, so a checkpoint of one log can
/// never pass for the other's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckpointLog {
    /// The seal-use log: `size` entries, `root` over the entries (message `jianfu-seal-checkpoint/1`).
    #[default]
    Seal,
    /// The audit trail: `size` records in all chains, `root` over the chains' heads (message
    /// `jianfu-audit-checkpoint/1`, see `audit_chain::heads_root`).
    Audit,
    /// The seal logs of every community: `size` entries in all logs, `root` over the logs' heads
    /// (message `jianfu-seal-logs-checkpoint/1`, see `heads::HeadsTree`).
    #[serde(rename = "seal_logs")]
    SealLogs,
}

impl CheckpointLog {
    /// The first line of the signed message.
    pub fn message_type(self) -> &'static str {
        match self {
            CheckpointLog::Seal => "jianfu-seal-checkpoint/1",
            CheckpointLog::Audit => "jianfu-audit-checkpoint/1",
            CheckpointLog::SealLogs => "jianfu-seal-logs-checkpoint/1",
        }
    }
}

/// A signed statement "the log had `size` entries and this root".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The log it speaks for; absent (seal) in checkpoints exported before there were two.
    #[serde(default)]
    pub log: CheckpointLog,
    pub size: i64,
    /// Hex Merkle root (RFC 6962) of the first `size` entries.
    pub root: String,
    pub hash_alg: HashAlg,
    /// When it was signed, epoch ms.
    pub signed_at: i64,
    /// Which key signed it, e.g. `ed25519:3f2a…` (see [`key_id`]).
    pub key_id: String,
    /// Hex signature over [`Checkpoint::message`].
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes that are signed: one field per line, nothing left to interpretation.
    pub fn message(&self) -> Vec<u8> {
        signed_message(
            self.log,
            self.size,
            &self.root,
            self.hash_alg,
            self.signed_at,
            &self.key_id,
        )
    }
}

fn signed_message(
    log: CheckpointLog,
    size: i64,
    root: &str,
    alg: HashAlg,
    signed_at: i64,
    key_id: &str,
) -> Vec<u8> {
    format!(
        "{}\nhash_alg {}\nsize {size}\nroot {root}\nsigned_at {signed_at}\nkey_id {key_id}\n",
        log.message_type(),
        alg.as_str()
    )
    .into_bytes()
}

pub trait CheckpointSigner: Send + Sync {
    fn key_id(&self) -> String;
    /// The public key, hex.
    fn public_key_hex(&self) -> String;
    fn sign(&self, message: &[u8]) -> Vec<u8>;
}

pub trait CheckpointVerifier: Send + Sync {
    fn key_id(&self) -> String;
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool;
}

/// `ed25519:` and the first 16 hex digits of the public key's SHA-256.
pub fn key_id(public_key: &[u8; 32]) -> String {
    format!("ed25519:{}", &fingerprint_hex(public_key)[..16])
}

/// The public key's SHA-256, hex, to be compared by people (e.g. read out over the phone).
pub fn fingerprint_hex(public_key: &[u8; 32]) -> String {
    hex::encode(sha2::Sha256::digest(public_key))
}

/// The fingerprint in groups of four, easier to compare by eye.
pub fn fingerprint_grouped(public_key: &[u8; 32]) -> String {
    let f = fingerprint_hex(public_key);
    f.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct Ed25519Signer {
    key: SigningKey,
}

impl Ed25519Signer {
    /// From the 32-byte secret seed (RFC 8032), as read from the key file.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(seed),
        }
    }
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }
    pub fn verifier(&self) -> Ed25519Verifier {
        Ed25519Verifier {
            key: self.key.verifying_key(),
        }
    }
}

impl CheckpointSigner for Ed25519Signer {
    fn key_id(&self) -> String {
        key_id(&self.public_key())
    }
    fn public_key_hex(&self) -> String {
        hex::encode(self.public_key())
    }
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message).to_bytes().to_vec()
    }
}

#[derive(Debug, Clone)]
pub struct Ed25519Verifier {
    key: VerifyingKey,
}

impl Ed25519Verifier {
    /// From a hex public key; `None` if it is not a valid Ed25519 point.
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut b).ok()?;
        Some(Self {
            key: VerifyingKey::from_bytes(&b).ok()?,
        })
    }
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }
}

impl CheckpointVerifier for Ed25519Verifier {
    fn key_id(&self) -> String {
        key_id(&self.key.to_bytes())
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        // Strict: rejects the malleable and small-order forms that plain RFC 8032 lets through.
        self.key.verify_strict(message, &sig).is_ok()
    }
}

/// Signs the seal log's tree head of `size` entries.
pub fn sign(
    signer: &dyn CheckpointSigner,
    size: i64,
    root: &Digest,
    alg: HashAlg,
    signed_at: i64,
) -> Checkpoint {
    sign_log(signer, CheckpointLog::Seal, size, root, alg, signed_at)
}

/// Signs a tree head of either log.
pub fn sign_log(
    signer: &dyn CheckpointSigner,
    log: CheckpointLog,
    size: i64,
    root: &Digest,
    alg: HashAlg,
    signed_at: i64,
) -> Checkpoint {
    let mut c = Checkpoint {
        log,
        size,
        root: to_hex(root),
        hash_alg: alg,
        signed_at,
        key_id: signer.key_id(),
        signature: String::new(),
    };
    c.signature = hex::encode(signer.sign(&c.message()));
    c
}

/// Why a checkpoint's signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    /// Signed (or claims to be signed) by a key other than the district's.
    UnknownKey,
    /// The signature does not match the content: forged or altered.
    Invalid,
}

pub fn check(verifier: &dyn CheckpointVerifier, c: &Checkpoint) -> Result<(), SignatureProblem> {
    if c.key_id != verifier.key_id() {
        return Err(SignatureProblem::UnknownKey);
    }
    let sig = hex::decode(&c.signature).map_err(|_| SignatureProblem::Invalid)?;
    if verifier.verify(&c.message(), &sig) {
        Ok(())
    } else {
        Err(SignatureProblem::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(b: u8) -> Ed25519Signer {
        Ed25519Signer::from_seed(&[b; 32])
    }

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 §7.1, TEST 1: the empty message.
        let seed = hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap();
        let s = Ed25519Signer::from_seed(&seed.try_into().unwrap());
        assert_eq!(
            s.public_key_hex(),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        assert_eq!(
            hex::encode(s.sign(b"")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_any_change_breaks_it() {
        let s = signer(7);
        let v = s.verifier();
        let root = [9u8; 32];
        let c = sign(&s, 42, &root, HashAlg::Sha256, 1_795_000_000_000);
        assert_eq!(check(&v, &c), Ok(()));
        assert_eq!(c.key_id, v.key_id());
        assert!(c.key_id.starts_with("ed25519:") && c.key_id.len() == 24);

        let changed = [
            Checkpoint {
                size: 41,
                ..c.clone()
            },
            Checkpoint {
                root: to_hex(&[8u8; 32]),
                ..c.clone()
            },
            Checkpoint {
                hash_alg: HashAlg::Sm3,
                ..c.clone()
            },
            Checkpoint {
                signed_at: 1,
                ..c.clone()
            },
            Checkpoint {
                signature: "00".repeat(64),
                ..c.clone()
            },
            Checkpoint {
                signature: "not hex".into(),
                ..c.clone()
            },
        ];
        for x in changed {
            assert_eq!(check(&v, &x), Err(SignatureProblem::Invalid), "{x:?}");
        }
        // Signed by someone else, even if they claim the district's key id.
        let other = sign(&signer(8), 42, &root, HashAlg::Sha256, 1);
        assert_eq!(check(&v, &other), Err(SignatureProblem::UnknownKey));
        let claimed = Checkpoint {
            key_id: c.key_id.clone(),
            ..other
        };
        assert_eq!(check(&v, &claimed), Err(SignatureProblem::Invalid));
    }

    #[test]
    fn the_seal_message_is_unchanged_and_the_audit_message_names_its_log() {
        let s = signer(7);
        let c = sign(&s, 3, &[1u8; 32], HashAlg::Sha256, 5);
        let text = String::from_utf8(c.message()).unwrap();
        assert_eq!(
            text,
            format!(
                "jianfu-seal-checkpoint/1\nhash_alg sha256\nsize 3\nroot {}\nsigned_at 5\nkey_id {}\n",
                "01".repeat(32),
                s.key_id()
            )
        );
        let a = sign_log(&s, CheckpointLog::Audit, 3, &[1u8; 32], HashAlg::Sha256, 5);
        assert!(
            String::from_utf8(a.message())
                .unwrap()
                .starts_with("jianfu-audit-checkpoint/1\n")
        );
        // The same numbers signed for one log do not verify as another's.
        let logs = [
            CheckpointLog::Seal,
            CheckpointLog::Audit,
            CheckpointLog::SealLogs,
        ];
        for signed in logs {
            let c = sign_log(&s, signed, 3, &[1u8; 32], HashAlg::Sha256, 5);
            assert_eq!(check(&s.verifier(), &c), Ok(()));
            for other in logs.into_iter().filter(|l| *l != signed) {
                let swapped = Checkpoint {
                    log: other,
                    ..c.clone()
                };
                assert_eq!(
                    check(&s.verifier(), &swapped),
                    Err(SignatureProblem::Invalid)
                );
            }
        }
        let v2 = sign_log(&s, CheckpointLog::SealLogs, 3, &[1u8; 32], HashAlg::Sm3, 5);
        assert!(
            String::from_utf8(v2.message())
                .unwrap()
                .starts_with("jianfu-seal-logs-checkpoint/1\nhash_alg sm3\n")
        );
    }

    #[test]
    fn public_keys_parse_from_hex() {
        let s = signer(3);
        let v = Ed25519Verifier::from_hex(&s.public_key_hex()).unwrap();
        assert_eq!(v.public_key(), s.public_key());
        assert!(Ed25519Verifier::from_hex("abcd").is_none());
        assert_eq!(fingerprint_grouped(&s.public_key()).split(' ').count(), 16);
    }
}
