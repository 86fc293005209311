//! The log's hash function, behind a trait so the district can choose SHA-256 (the default) or
//! SM3 (GB/T 32905-2016, the national standard some government systems are required to use). The
//! algorithm is fixed by the log's first entry and recorded in every entry, so a log never mixes
//! the two.

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// Both algorithms produce 256 bits.
pub type Digest = [u8; 32];

/// The hash before the first entry.
pub const ZERO: Digest = [0; 32];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum HashAlg {
    #[default]
    Sha256,
    Sm3,
}

impl HashAlg {
    pub const ALL: [HashAlg; 2] = [HashAlg::Sha256, HashAlg::Sm3];

    pub fn as_str(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sm3 => "sm3",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sha256" | "sha-256" => Some(HashAlg::Sha256),
            "sm3" => Some(HashAlg::Sm3),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "SHA-256",
            HashAlg::Sm3 => "SM3（国密）",
        }
    }

    pub fn hasher(self) -> &'static dyn LogHasher {
        match self {
            HashAlg::Sha256 => &Sha256Hasher,
            HashAlg::Sm3 => &Sm3Hasher,
        }
    }
}

impl std::fmt::Display for HashAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A 256-bit hash over the concatenation of `parts`. The domain separation of RFC 6962 (0x00 for
/// leaves, 0x01 for inner nodes) and of the chain (0x02) is built on top.
pub trait LogHasher: Send + Sync {
    fn alg(&self) -> HashAlg;
    fn digest(&self, parts: &[&[u8]]) -> Digest;

    /// RFC 6962 leaf hash: H(0x00 ‖ leaf).
    fn leaf(&self, leaf: &[u8]) -> Digest {
        self.digest(&[&[0x00], leaf])
    }
    /// RFC 6962 inner node: H(0x01 ‖ left ‖ right).
    fn node(&self, left: &Digest, right: &Digest) -> Digest {
        self.digest(&[&[0x01], left, right])
    }
}

pub struct Sha256Hasher;
pub struct Sm3Hasher;

impl LogHasher for Sha256Hasher {
    fn alg(&self) -> HashAlg {
        HashAlg::Sha256
    }
    fn digest(&self, parts: &[&[u8]]) -> Digest {
        let mut h = sha2::Sha256::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }
}

impl LogHasher for Sm3Hasher {
    fn alg(&self) -> HashAlg {
        HashAlg::Sm3
    }
    fn digest(&self, parts: &[&[u8]]) -> Digest {
        use sm3::Digest as _;
        let mut h = sm3::Sm3::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }
}

pub fn to_hex(d: &Digest) -> String {
    hex::encode(d)
}

/// Hex digit values; 0xFF for anything else.
const HEX_VALUES: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Lower- or upper-case hex of exactly 32 bytes. Table-driven and branch-free per digit: a
/// verification parses several million of these.
pub fn parse_hex(s: &str) -> Option<Digest> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut d = [0u8; 32];
    let mut bad = 0u8;
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let (hi, lo) = (HEX_VALUES[pair[0] as usize], HEX_VALUES[pair[1] as usize]);
        bad |= hi | lo;
        d[i] = (hi << 4) | (lo & 0x0F);
    }
    (bad & 0xF0 == 0).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // FIPS 180-2 and GB/T 32905-2016 appendix A, example 1 ("abc").
        assert_eq!(
            to_hex(&HashAlg::Sha256.hasher().digest(&[b"a", b"bc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            to_hex(&HashAlg::Sm3.hasher().digest(&[b"ab", b"c"])),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn names_round_trip() {
        for a in HashAlg::ALL {
            assert_eq!(HashAlg::parse(a.as_str()), Some(a));
            assert_eq!(a.hasher().alg(), a);
        }
        assert_eq!(HashAlg::parse("SHA-256"), Some(HashAlg::Sha256));
        assert_eq!(HashAlg::parse("md5"), None);
        assert_eq!(HashAlg::default(), HashAlg::Sha256);
    }

    #[test]
    fn hex_is_strict() {
        let d = HashAlg::Sha256.hasher().digest(&[b"x"]);
        assert_eq!(parse_hex(&to_hex(&d)), Some(d));
        assert_eq!(parse_hex("00"), None);
        assert_eq!(parse_hex(&"zz".repeat(32)), None);
        assert_eq!(parse_hex(&to_hex(&d).to_uppercase()), Some(d));
        let mut almost = to_hex(&d);
        almost.replace_range(63..64, "g");
        assert_eq!(parse_hex(&almost), None);
        assert_eq!(parse_hex(&"é".repeat(32)), None);
    }
}
