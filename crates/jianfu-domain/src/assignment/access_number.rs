//! 准入编号: the number admitted work carries, so a community can check that a task in front of
//! it really passed the gate. `ZR2026-00001`: the year of admission and a sequence within the
//! year (allocated by storage from a counter row inside the audited transaction).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccessNumber {
    pub year: i32,
    pub seq: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("准入编号“{0}”格式不正确，应形如 ZR2026-00001")]
pub struct InvalidAccessNumber(pub String);

impl AccessNumber {
    pub const PREFIX: &'static str = "ZR";

    pub fn new(year: i32, seq: u32) -> Option<Self> {
        ((1000..=9999).contains(&year) && seq >= 1).then_some(Self { year, seq })
    }

    pub fn parse(s: &str) -> Result<Self, InvalidAccessNumber> {
        let bad = || InvalidAccessNumber(s.chars().take(40).collect());
        let t = s.trim().to_ascii_uppercase();
        let rest = t.strip_prefix(Self::PREFIX).ok_or_else(bad)?;
        let (y, n) = rest.split_once('-').ok_or_else(bad)?;
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || !digits(y) || n.len() < 5 || n.len() > 9 || !digits(n) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let seq: u32 = n.parse().map_err(|_| bad())?;
        // Canonical form only: a sequence under 100000 is written with exactly five digits.
        let a = Self::new(year, seq).ok_or_else(bad)?;
        if a.to_string() != t {
            return Err(bad());
        }
        Ok(a)
    }
}

impl fmt::Display for AccessNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}-{:05}", Self::PREFIX, self.year, self.seq)
    }
}

impl TryFrom<String> for AccessNumber {
    type Error = InvalidAccessNumber;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}
impl From<AccessNumber> for String {
    fn from(a: AccessNumber) -> String {
        a.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn format_and_parse() {
        let a = AccessNumber::new(2026, 1).unwrap();
        assert_eq!(a.to_string(), "ZR2026-00001");
        assert_eq!(AccessNumber::parse("ZR2026-00001").unwrap(), a);
        assert_eq!(AccessNumber::parse(" zr2026-00001 ").unwrap(), a);
        assert_eq!(
            AccessNumber::new(2026, 123_456).unwrap().to_string(),
            "ZR2026-123456"
        );
        for bad in [
            "",
            "ZR2026",
            "ZR2026-1",
            "ZR26-00001",
            "XX2026-00001",
            "ZR2026-00000",
            "ZR2026-000001",
            "ZR2026--0001",
            "ZR２０２６-00001",
        ] {
            assert!(AccessNumber::parse(bad).is_err(), "{bad}");
        }
        assert!(AccessNumber::new(2026, 0).is_none());
    }

    proptest! {
        #[test]
        fn round_trip(year in 1000i32..=9999, seq in 1u32..=999_999_999) {
            let a = AccessNumber::new(year, seq).unwrap();
            prop_assert_eq!(AccessNumber::parse(&a.to_string()).unwrap(), a);
        }

        #[test]
        fn parse_is_total(s in "\\PC{0,20}") {
            let _ = AccessNumber::parse(&s);
        }
    }
}
