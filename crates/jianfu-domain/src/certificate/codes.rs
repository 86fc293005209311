//! The two codes printed on a certificate. The number (`ZM110115001901-2026-000001`) names the
//! issuing community, the year and a sequence; anyone may know it. The verification code is 40
//! random bits in Crockford base32 (`7KQ2-M9XD`): together they open the public verification page.
//! The code is read aloud and typed from paper, so the ambiguous letters are folded
//! (O→0, I/L→1) and U is never used.

use crate::Citation;

pub const CITE_VERIFICATION: Citation = Citation {
    document: crate::citation::DAXING_2016,
    clause: "三(四) 规范社区印章使用管理制度：出具的证明可经编号和校验码公开核验真伪（jianfu 的做法）",
};

/// Prefix of every certificate number: 证明 (ZhengMing).
pub const NUMBER_PREFIX: &str = "ZM";

/// Crockford's base32 alphabet: digits and letters without I, L, O, U.
pub(crate) const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A parsed certificate number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateNumber {
    pub community_code: String,
    pub year: i32,
    pub seq: u64,
}

impl std::fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&certificate_number(
            &self.community_code,
            self.year,
            self.seq,
        ))
    }
}

/// `ZM{community}-{year}-{seq:06}`, e.g. `ZM110115001901-2026-000001`. The sequence restarts each
/// year per community; beyond 999999 it simply grows a digit.
pub fn certificate_number(community_code: &str, year: i32, seq: u64) -> String {
    format!(
        "{NUMBER_PREFIX}{}-{year:04}-{seq:06}",
        community_code.trim()
    )
}

/// Reads a number as typed: spaces dropped, letters upper-cased. `None` unless it has the prefix,
/// a community code (letters, digits, hyphens), a four-digit year and a sequence of at least six
/// digits greater than zero.
pub fn parse_certificate_number(input: &str) -> Option<CertificateNumber> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(fold_full_width)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let rest = s.strip_prefix(NUMBER_PREFIX)?;
    let mut parts = rest.rsplitn(3, '-');
    let seq_text = parts.next()?;
    let year_text = parts.next()?;
    let community = parts.next()?;
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(seq_text) || seq_text.len() < 6 || !digits(year_text) || year_text.len() != 4 {
        return None;
    }
    let community_ok = !community.is_empty()
        && community.len() <= 32
        && community
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !community_ok {
        return None;
    }
    let seq: u64 = seq_text.parse().ok()?;
    if seq == 0 {
        return None;
    }
    Some(CertificateNumber {
        community_code: community.to_string(),
        year: year_text.parse().ok()?,
        seq,
    })
}

/// Full-width ASCII (as a Chinese input method types it) to ASCII.
fn fold_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Five random bytes as `XXXX-XXXX` in Crockford base32 (40 bits, 8 characters).
pub fn format_verify_code(random: [u8; 5]) -> String {
    let mut bits = random
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let mut chars = [0u8; 8];
    for c in chars.iter_mut().rev() {
        *c = CROCKFORD[(bits & 31) as usize];
        bits >>= 5;
    }
    let s: String = chars.iter().map(|&b| b as char).collect();
    format!("{}-{}", &s[..4], &s[4..])
}

/// A typed code in its canonical `XXXX-XXXX` form: upper-cased, spaces and dashes dropped,
/// O read as 0 and I/L as 1. `None` when it is not eight base32 characters.
pub fn normalize_verify_code(input: &str) -> Option<String> {
    let mut out = String::with_capacity(9);
    let mut n = 0;
    for c in input.chars().map(fold_full_width) {
        if c.is_whitespace() || matches!(c, '-' | '_' | '—' | '–') {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return None;
        }
        n += 1;
        if n > 8 {
            return None;
        }
        if n == 5 {
            out.push('-');
        }
        out.push(c);
    }
    (n == 8).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_have_community_year_and_sequence() {
        let n = certificate_number("110115001901", 2026, 1);
        assert_eq!(n, "ZM110115001901-2026-000001");
        assert_eq!(
            parse_certificate_number(&n),
            Some(CertificateNumber {
                community_code: "110115001901".into(),
                year: 2026,
                seq: 1
            })
        );
        assert_eq!(
            certificate_number("110115001901", 2026, 1_234_567),
            "ZM110115001901-2026-1234567"
        );
        // Typed loosely.
        assert_eq!(
            parse_certificate_number(" zm110115001901 - 2026 - 000042 ").map(|n| n.seq),
            Some(42)
        );
        assert_eq!(
            parse_certificate_number("ＺＭ110115001901-2026-000042").map(|n| n.year),
            Some(2026)
        );
        // A community code with a hyphen still parses from the right.
        assert_eq!(
            parse_certificate_number("ZMDEMO-01-2026-000003").map(|n| n.community_code),
            Some("DEMO-01".into())
        );
        for bad in [
            "",
            "110115001901-2026-000001",
            "ZM-2026-000001",
            "ZM110115001901-26-000001",
            "ZM110115001901-2026-1",
            "ZM110115001901-2026-000000",
            "ZM110115001901-2026-00000A",
            "ZM1101150019/01-2026-000001",
            "ZM110115001901-2026",
        ] {
            assert_eq!(parse_certificate_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn verify_codes_are_crockford_base32() {
        assert_eq!(format_verify_code([0; 5]), "0000-0000");
        assert_eq!(format_verify_code([0xFF; 5]), "ZZZZ-ZZZZ");
        // 0x0000000021 = 33 = "11" in base32.
        assert_eq!(format_verify_code([0, 0, 0, 0, 0x21]), "0000-0011");
        assert_eq!(
            format_verify_code([0x84, 0x21, 0x08, 0x42, 0x10]),
            "GGGG-GGGG"
        );
    }

    #[test]
    fn typed_codes_are_folded_and_malformed_ones_refused() {
        assert_eq!(
            normalize_verify_code("7kq2-m9xd").as_deref(),
            Some("7KQ2-M9XD")
        );
        assert_eq!(
            normalize_verify_code(" 7KQ2 M9XD ").as_deref(),
            Some("7KQ2-M9XD")
        );
        assert_eq!(
            normalize_verify_code("OIL0-0000").as_deref(),
            Some("0110-0000")
        );
        assert_eq!(
            normalize_verify_code("７ＫＱ２－Ｍ９ＸＤ").as_deref(),
            Some("7KQ2-M9XD")
        );
        for bad in [
            "",
            "7KQ2-M9X",
            "7KQ2-M9XDA",
            "7KQ2-M9XU",
            "7KQ2-M9X!",
            "码码码码-码码码码",
        ] {
            assert_eq!(normalize_verify_code(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_code_round_trips(bytes in any::<[u8; 5]>()) {
            let code = format_verify_code(bytes);
            prop_assert_eq!(code.len(), 9);
            prop_assert_eq!(normalize_verify_code(&code), Some(code.clone()));
            prop_assert_eq!(normalize_verify_code(&code.to_lowercase()), Some(code.clone()));
            prop_assert_eq!(normalize_verify_code(&code.replace('-', " ")), Some(code.clone()));
        }

        #[test]
        fn every_number_round_trips(code in "[0-9]{12}", year in 2000i32..2100, seq in 1u64..10_000_000) {
            let n = certificate_number(&code, year, seq);
            prop_assert_eq!(
                parse_certificate_number(&n),
                Some(CertificateNumber { community_code: code, year, seq })
            );
        }
    }
}
