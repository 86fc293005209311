//! 管理员登录的第二因素：基于时间的一次性口令（TOTP，RFC 6238）与一次性恢复码。
//!
//! Who needs it: every account holding an administrator role (system, security or audit
//! administrator, 三员). GB/T 22239-2019 8.1.4.1 d) asks a level-3 system to authenticate with two
//! or more combined techniques, one of them cryptographic; the password is the first, an HMAC-based
//! one-time code from an authenticator app the second.
//!
//! The algorithm itself comes from the `totp-rs` crate; this module fixes its parameters (SHA-1,
//! 6 digits, 30-second steps, one step of skew either way — what every authenticator app uses),
//! refuses a code whose time step is not later than the last one accepted (RFC 6238 §5.2: a code is
//! accepted once), and defines the recovery codes (10 codes of 60 random bits each, stored only as
//! SHA-256, each usable once). Time and randomness come from the caller: nothing here reads the
//! clock or the system's random source.

use crate::Role;
use crate::citation::{Citation, GBT_22239};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Administrators log in with two factors.
pub const CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 d) 应采用口令、密码技术、生物技术等两种或两种以上组合的鉴别技术对用户进行身份鉴别，且其中一种鉴别技术至少应使用密码技术来实现",
};

/// The one-time code's algorithm and parameters.
pub const TOTP_CITATION: Citation = Citation {
    document: "RFC 6238 TOTP: Time-Based One-Time Password Algorithm (IETF, 2011)",
    clause: "§4 (T0 = 0, X = 30 s, HMAC-SHA-1), §5.2 (一个时间步的偏差；验证成功后同一口令不得再次接受), Appendix B",
};

/// Recovery codes: one-time, kept only as a hash (like passwords and tokens).
pub const RECOVERY_CITATION: Citation = Citation {
    document: GBT_22239,
    clause: "8.1.4.1 a) 应对登录的用户进行身份标识和鉴别，身份鉴别信息具有复杂度要求；8.1.4.8 应采用密码技术保证重要数据在存储过程中的保密性",
};

/// Seconds per time step (RFC 6238 X).
pub const STEP_SECS: u64 = 30;
/// Digits of a code.
pub const DIGITS: u8 = 6;
/// Steps accepted before and after the current one (clock drift, typing time).
pub const SKEW_STEPS: u64 = 1;
/// Bytes of a secret (160 bits, RFC 4226 §4 R6 recommends 160).
pub const SECRET_BYTES: usize = 20;
/// How many recovery codes an administrator gets at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Random bytes per recovery code (60 of the 64 bits are used: 12 characters of 5 bits).
pub const RECOVERY_RANDOM_BYTES: usize = 8;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "jianfu";

/// Whether an account with these roles must log in with a second factor: any administrator role.
pub fn required_for(roles: &[Role]) -> bool {
    roles.iter().any(|r| r.is_admin())
}

/// A TOTP secret (20 bytes).
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(…)")
    }
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    /// Neither 6 digits nor a recovery code.
    Malformed,
    /// Not the code of any step within the skew.
    Wrong,
    /// The code of a step at or before the last accepted one (already used).
    Reused,
}

impl CodeProblem {
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed | Self::Wrong => "wrong_second_factor",
            Self::Reused => "second_factor_reused",
        }
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            Self::Malformed => {
                "请输入验证器上显示的 6 位数字验证码，或一个恢复码（如 abcd-efgh-jkmn）"
            }
            Self::Wrong => {
                "验证码不正确或已过期，请输入验证器上当前显示的 6 位数字（或一个未用过的恢复码）"
            }
            Self::Reused => "这个验证码已经用过了，请等验证器显示下一个验证码后再输入",
        }
    }
}

fn totp(secret: &[u8], digits: u8) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits)
        .with_skew(0)
        .with_step_duration(STEP_SECS)
        .with_secret(secret.to_vec())
        .build()
        .ok()
}

impl TotpSecret {
    /// A secret from [`SECRET_BYTES`] random bytes supplied by the caller.
    pub fn from_random(bytes: [u8; SECRET_BYTES]) -> Self {
        Self(bytes.to_vec())
    }

    /// A secret in base32 (RFC 4648, as authenticator apps show it; spaces, lower case and padding
    /// allowed). `None` when it is not base32 or shorter than 128 bits.
    pub fn from_base32(text: &str) -> Option<Self> {
        let clean: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = Secret::try_from_base32(&clean).ok()?.as_bytes().to_vec();
        totp(&bytes, DIGITS)?;
        Some(Self(bytes))
    }

    /// Base32 without padding (32 characters for 20 bytes).
    pub fn to_base32(&self) -> String {
        Secret::from(self.0.clone()).to_base32()
    }

    /// The same, in groups of four for reading aloud or typing.
    pub fn to_base32_grouped(&self) -> String {
        let b = self.to_base32();
        b.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The `otpauth://totp/…` key URI authenticator apps import (by QR code or as text).
    pub fn otpauth_uri(&self, account: &str) -> String {
        // A colon separates issuer and account in the label; usernames never contain one, but
        // nothing here may fail on input.
        let account: String = account.chars().filter(|c| *c != ':').collect();
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS)
            .with_step_duration(STEP_SECS)
            .with_secret(self.0.clone())
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build()
            .ok()
            .and_then(|t| t.to_url().ok())
            .unwrap_or_else(|| format!("otpauth://totp/{ISSUER}?secret={}", self.to_base32()))
    }

    /// The code for Unix time `unix_secs` (what an authenticator app shows then).
    pub fn code_at(&self, unix_secs: u64) -> String {
        totp(&self.0, DIGITS)
            .map(|t| t.generate(unix_secs).to_string())
            .unwrap_or_default()
    }

    /// The code at epoch milliseconds `now_ms` (before 1970: the code of time 0).
    pub fn code_at_ms(&self, now_ms: i64) -> String {
        self.code_at(u64::try_from(now_ms.div_euclid(1000)).unwrap_or(0))
    }

    /// Checks a 6-digit code at epoch milliseconds `now_ms`, accepting the steps within
    /// [`SKEW_STEPS`] either way, and refusing a step at or before `last_step` (the last one
    /// accepted for this account). Returns the matched step, which the caller stores as the new
    /// `last_step` (atomically: only if still later than the stored one).
    pub fn check(
        &self,
        input: &str,
        now_ms: i64,
        last_step: Option<i64>,
    ) -> Result<i64, CodeProblem> {
        let digits = six_digits(input).ok_or(CodeProblem::Malformed)?;
        let t = totp(&self.0, DIGITS).ok_or(CodeProblem::Wrong)?;
        let Some(origin) = u64::try_from(now_ms.div_euclid(1000))
            .ok()
            .map(|s| s / STEP_SECS)
        else {
            return Err(CodeProblem::Wrong);
        };
        let mut reused = false;
        for step in origin.saturating_sub(SKEW_STEPS)..=origin.saturating_add(SKEW_STEPS) {
            // A skew-free check of exactly this step (constant-time comparison in totp-rs).
            let Some(secs) = step.checked_mul(STEP_SECS) else {
                continue;
            };
            if t.check(&digits, secs).is_some() {
                let s = i64::try_from(step).map_err(|_| CodeProblem::Wrong)?;
                if last_step.is_some_and(|last| s <= last) {
                    reused = true;
                    continue;
                }
                return Ok(s);
            }
        }
        Err(if reused {
            CodeProblem::Reused
        } else {
            CodeProblem::Wrong
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The input as 6 ASCII digits (spaces and a middle hyphen, as some apps show `123 456`, allowed).
fn six_digits(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (s.len() == usize::from(DIGITS) && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// What the administrator typed in the code field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorInput {
    /// Six digits from the authenticator app.
    Totp(String),
    /// A recovery code, normalised (12 lower-case characters of [`RECOVERY_ALPHABET`]).
    Recovery(String),
}

impl SecondFactorInput {
    pub fn parse(input: &str) -> Result<Self, CodeProblem> {
        if let Some(d) = six_digits(input) {
            return Ok(Self::Totp(d));
        }
        normalize_recovery_code(input)
            .map(Self::Recovery)
            .ok_or(CodeProblem::Malformed)
    }
}

/// Recovery-code characters: Crockford's base32 (digits and lower-case letters without i, l, o, u;
/// 5 bits each). Typed `o` counts as `0`, `i` and `l` as `1`, so a code read from paper is not
/// mistyped.
pub const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A recovery code as shown: `xxxx-xxxx-xxxx` from 60 of the 64 random bits supplied.
pub fn recovery_code(random: [u8; RECOVERY_RANDOM_BYTES]) -> String {
    let mut bits = u64::from_be_bytes(random);
    let mut chars = Vec::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            chars.push('-');
        }
        chars.push(char::from(RECOVERY_ALPHABET[(bits & 31) as usize]));
        bits >>= 5;
    }
    chars.into_iter().collect()
}

/// The typed recovery code, lower-cased with spaces and hyphens removed; `None` unless it has the
/// shape of one (12 characters of [`RECOVERY_ALPHABET`]).
pub fn normalize_recovery_code(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        })
        .collect();
    (s.len() == 12 && s.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(s)
}

/// How a recovery code is stored: SHA-256 over a label, the account id and the normalised code,
/// hex. 60 random bits make a slow hash unnecessary; the account id keeps equal codes of two
/// accounts apart.
pub fn recovery_code_hash(user_id: &str, normalized: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"jianfu-recovery-code/1\0");
    h.update(user_id.as_bytes());
    h.update(b"\0");
    h.update(normalized.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 column: the seed is the ASCII string "12345678901234567890".
    #[test]
    fn rfc_6238_appendix_b_sha1_vectors() {
        let seed = b"12345678901234567890";
        let t = totp(seed, 8).expect("the RFC's parameters are valid");
        for (time, code) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(t.generate(time).to_string(), code, "T = {time}");
        }
        // Our 6-digit codes are the last six digits of the same number (RFC 4226 §5.3).
        let s = TotpSecret(seed.to_vec());
        assert_eq!(s.code_at(59), "287082");
        assert_eq!(s.code_at(1_111_111_109), "081804");
        assert_eq!(s.code_at(20_000_000_000), "353130");
    }

    #[test]
    fn administrators_and_only_administrators_need_a_second_factor() {
        for r in Role::ALL {
            assert_eq!(required_for(&[r]), r.is_admin(), "{r}");
        }
        assert!(required_for(&[Role::Supervisor, Role::AuditAdmin]));
        assert!(!required_for(&[]));
    }

    #[test]
    fn codes_within_one_step_either_way_are_accepted_once() {
        let s = TotpSecret::from_random([7; SECRET_BYTES]);
        let now = 1_800_000_015_000i64; // within step 60_000_000
        let step = 60_000_000i64;
        let code = s.code_at_ms(now);
        assert_eq!(s.check(&code, now, None), Ok(step));
        assert_eq!(s.check(&code, now, Some(step)), Err(CodeProblem::Reused));
        assert_eq!(
            s.check(&code, now, Some(step + 1)),
            Err(CodeProblem::Reused)
        );
        // The previous and next steps' codes (a slow phone, a fast one).
        let prev = s.code_at_ms(now - 30_000);
        let next = s.code_at_ms(now + 30_000);
        assert_eq!(s.check(&prev, now, None), Ok(step - 1));
        assert_eq!(s.check(&next, now, None), Ok(step + 1));
        // An earlier accepted step does not stop a later code.
        assert_eq!(s.check(&next, now, Some(step)), Ok(step + 1));
        // Two steps away: refused.
        assert_eq!(
            s.check(&s.code_at_ms(now - 60_000), now, None),
            Err(CodeProblem::Wrong)
        );
        assert_eq!(
            s.check(&s.code_at_ms(now + 60_000), now, None),
            Err(CodeProblem::Wrong)
        );
        assert_eq!(
            s.check(&s.code_at_ms(now - 3_600_000), now, None),
            Err(CodeProblem::Wrong)
        );
        // Spaces as apps show them are fine.
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(s.check(&spaced, now, None), Ok(step));
    }

    #[test]
    fn malformed_and_hostile_input_is_refused_without_panicking() {
        let s = TotpSecret::from_random([9; SECRET_BYTES]);
        for bad in [
            "",
            "12345",
            "1234567",
            "abcdef",
            "１２３４５６",
            "12345\u{0}",
            "999999999999999999999",
        ] {
            assert!(s.check(bad, 1_800_000_000_000, None).is_err(), "{bad:?}");
        }
        assert!(s.check("123456", i64::MIN, None).is_err());
        let _ = s.check("123456", i64::MAX, None); // no overflow panic at the far end of time
        let _ = s.code_at_ms(i64::MAX);
        assert_eq!(SecondFactorInput::parse("ab"), Err(CodeProblem::Malformed));
    }

    #[test]
    fn secrets_round_trip_through_base32_and_the_key_uri() {
        let s = TotpSecret::from_random([0xA5; SECRET_BYTES]);
        let b = s.to_base32();
        assert_eq!(b.len(), 32);
        assert_eq!(TotpSecret::from_base32(&b), Some(s.clone()));
        assert_eq!(
            TotpSecret::from_base32(&s.to_base32_grouped().to_lowercase()),
            Some(s.clone())
        );
        assert_eq!(TotpSecret::from_base32("not base32!"), None);
        assert_eq!(TotpSecret::from_base32("AAAA"), None, "too short");
        let uri = s.otpauth_uri("secadmin");
        assert!(uri.starts_with("otpauth://totp/jianfu:secadmin?"), "{uri}");
        assert!(uri.contains(&format!("secret={b}")), "{uri}");
        assert!(uri.contains("issuer=jianfu"), "{uri}");
        assert!(!s.otpauth_uri("a:b").contains("a:b"));
        assert!(!format!("{s:?}").contains(&b), "Debug hides the secret");
    }

    #[test]
    fn recovery_codes_have_sixty_bits_and_one_shape() {
        let c = recovery_code([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(c.len(), 14);
        assert_eq!(c.matches('-').count(), 2);
        let n = normalize_recovery_code(&c.to_uppercase()).unwrap();
        assert_eq!(n, c.replace('-', ""));
        assert_eq!(
            normalize_recovery_code(&format!(" {} ", c.replace('-', " "))),
            Some(n.clone())
        );
        assert_eq!(
            SecondFactorInput::parse(&c),
            Ok(SecondFactorInput::Recovery(n.clone()))
        );
        assert_eq!(
            SecondFactorInput::parse("123 456"),
            Ok(SecondFactorInput::Totp("123456".into()))
        );
        // Different random bytes, different codes; the hash depends on the account.
        assert_ne!(recovery_code([0; 8]), recovery_code([1; 8]));
        assert_ne!(recovery_code_hash("a", &n), recovery_code_hash("b", &n));
        assert_eq!(recovery_code_hash("a", &n).len(), 64);
        assert_eq!(
            normalize_recovery_code("OOOO-llll-iiii"),
            Some("000011111111".into())
        );
        for bad in [
            "abcd-efgh-jkm",
            "abcd-efgh-jkmno",
            "abcd-efgh-jkmu",
            "abcd-efgh-jkm!",
        ] {
            assert_eq!(normalize_recovery_code(bad), None, "{bad}");
        }
    }
}
