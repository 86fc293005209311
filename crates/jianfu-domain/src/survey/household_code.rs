//! The one-time household code (入户码) printed on a survey slip: 35 random bits and a check
//! character, in the Crockford base32 of certificate verification codes (`7KQ2-M9XD`), read the same
//! forgiving way (O→0, I/L→1, full-width, spaces and dashes ignored). The check character (Luhn
//! mod 32) catches every single mistyped character and every swap of neighbours (but 0↔Z), so a typo or an
//! invented code is answered "not a valid code" at once instead of looking like a spent one.
//!
//! Only a digest of each code is stored, next to whether it is spent and nothing else: no time,
//! no link to the answer it opened.

use crate::certificate::codes::{CROCKFORD, normalize_verify_code};
use sha2::{Digest, Sha256};

fn value(c: u8) -> Option<u32> {
    CROCKFORD.iter().position(|&x| x == c).map(|p| p as u32)
}

/// Luhn mod 32 over the data characters.
fn check_char(data: &[u8]) -> u8 {
    let mut sum = 0u32;
    let mut factor = 2;
    for &c in data.iter().rev() {
        let v = value(c).unwrap_or(0) * factor;
        sum += v / 32 + v % 32;
        factor = if factor == 2 { 1 } else { 2 };
    }
    CROCKFORD[((32 - sum % 32) % 32) as usize]
}

/// Five random bytes (the top 5 bits are not used) as `XXXX-XXXX`, the last character a check.
pub fn format_household_code(random: [u8; 5]) -> String {
    let mut bits = random
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        & ((1 << 35) - 1);
    let mut data = [0u8; 7];
    for c in data.iter_mut().rev() {
        *c = CROCKFORD[(bits & 31) as usize];
        bits >>= 5;
    }
    let check = check_char(&data);
    let s: String = data.iter().chain([&check]).map(|&b| b as char).collect();
    format!("{}-{}", &s[..4], &s[4..])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Not eight base32 characters.
    Malformed,
    /// Eight characters whose check does not match: mistyped or invented.
    CheckFailed,
}

impl CodeError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "code_malformed",
            Self::CheckFailed => "code_invalid",
        }
    }
    pub fn message(self) -> String {
        match self {
            Self::Malformed => {
                "入户码是纸条上的 8 位字母和数字（如 7KQ2-M9XD），请照纸条重新输入。".into()
            }
            Self::CheckFailed => {
                "这个入户码不对，可能有一位输错了，请照纸条核对后重新输入。".into()
            }
        }
    }
}

/// A code as typed, in canonical form, or why it cannot be one.
pub fn parse_household_code(input: &str) -> Result<String, CodeError> {
    let code = normalize_verify_code(input).ok_or(CodeError::Malformed)?;
    let chars: Vec<u8> = code.bytes().filter(|&b| b != b'-').collect();
    if check_char(&chars[..7]) != chars[7] {
        return Err(CodeError::CheckFailed);
    }
    Ok(code)
}

/// What is stored for a code: a digest bound to its survey, so the same slip text in two surveys
/// are two different entries and the table never holds a usable code.
pub fn code_digest(survey_id: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"jianfu-survey-code\0");
    h.update(survey_id.as_bytes());
    h.update(b"\0");
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_printed_code_reads_back_however_it_is_typed() {
        let code = format_household_code([1, 2, 3, 4, 5]);
        assert_eq!(parse_household_code(&code), Ok(code.clone()));
        let sloppy = format!(" {} ", code.to_lowercase().replace('-', " "));
        assert_eq!(parse_household_code(&sloppy), Ok(code));
        assert_eq!(parse_household_code("7KQ2"), Err(CodeError::Malformed));
    }

    proptest! {
        #[test]
        fn every_single_typo_and_neighbour_swap_is_caught(random: [u8; 5], pos in 0usize..8, delta in 1u8..32) {
            let code = format_household_code(random);
            let mut chars: Vec<u8> = code.bytes().filter(|&b| b != b'-').collect();
            let original = chars.clone();
            let i = CROCKFORD.iter().position(|&c| c == chars[pos]).unwrap();
            chars[pos] = CROCKFORD[(i + delta as usize) % 32];
            let typo = String::from_utf8(chars).unwrap();
            prop_assert_eq!(parse_household_code(&typo), Err(CodeError::CheckFailed));
            let pair = [original[pos], original.get(pos + 1).copied().unwrap_or(0)];
            // Luhn mod N cannot see the swap of its first and last symbols.
            if pos < 7 && pair[0] != pair[1] && pair != *b"0Z" && pair != *b"Z0" {
                let mut swapped = original.clone();
                swapped.swap(pos, pos + 1);
                let swapped = String::from_utf8(swapped).unwrap();
                prop_assert_eq!(parse_household_code(&swapped), Err(CodeError::CheckFailed));
            }
        }
    }

    #[test]
    fn digests_are_per_survey() {
        assert_ne!(code_digest("a", "7KQ2-M9XD"), code_digest("b", "7KQ2-M9XD"));
        assert_eq!(code_digest("a", "7KQ2-M9XD").len(), 64);
    }
}
