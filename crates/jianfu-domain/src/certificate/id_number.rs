//! 公民身份号码 (GB 11643-1999): 18 characters — 6-digit address code, 8-digit birth date,
//! 3-digit sequence, and a check character by ISO 7064 MOD 11-2. Parsing is the only way in, so a
//! stored number is always well formed; it prints masked, so a log line never carries a whole one.

use crate::Citation;

pub const CITE_ID_NUMBER: Citation = Citation {
    document: "《公民身份号码》(GB 11643-1999)",
    clause: "4 号码的结构和表示形式；5.4 校验码（ISO 7064:1983 MOD 11-2）",
};

/// Shown characters at the end of a masked number.
pub const SHOWN: usize = 4;

/// A valid 18-character 居民身份证号码, upper-case `X` as check character.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// What is wrong with a typed number; no variant holds the number itself. Code `id_number_invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("请填写居民身份证号码")]
    Empty,
    #[error("居民身份证号码应为 18 位，现在是 {0} 位")]
    Length(usize),
    #[error("居民身份证号码第 {0} 位应为数字（只有最后一位可以是 X）")]
    NotDigit(usize),
    #[error("居民身份证号码中的出生日期（第 7–14 位）不是有效日期")]
    BirthDate,
    #[error("居民身份证号码中的出生年份是 {0} 年，早于 1900 年，请核对第 7–10 位")]
    BornBefore1900(u32),
    #[error("居民身份证号码中的出生日期（第 7–14 位）晚于今天，请核对")]
    BornInFuture,
    #[error("居民身份证号码的最后一位校验码不对，请逐位核对是否抄错")]
    CheckDigit,
}

impl IdNumberError {
    pub fn code(self) -> &'static str {
        "id_number_invalid"
    }
}

/// ISO 7064 MOD 11-2 weights, 2^(17-i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] as char
}

/// Full-width digits and letters as typed with a Chinese input method become ASCII; spaces
/// (also the ideographic space) are dropped.
fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn birth_date(d: &[u8]) -> Result<time::Date, IdNumberError> {
    let num = |r: std::ops::Range<usize>| {
        d[r].iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
    };
    let (y, m, day) = (num(0..4), num(4..6), num(6..8));
    let month = time::Month::try_from(m as u8).map_err(|_| IdNumberError::BirthDate)?;
    let date = time::Date::from_calendar_date(y as i32, month, day as u8)
        .map_err(|_| IdNumberError::BirthDate)?;
    // No one alive was born before 1900 (said as such: "invalid date" told people nothing); the
    // upper bound keeps typos like 2960 out even where today is not known.
    if y < 1900 {
        return Err(IdNumberError::BornBefore1900(y));
    }
    if y > 2099 {
        return Err(IdNumberError::BirthDate);
    }
    Ok(date)
}

/// Parses a typed number: spaces and full-width characters are normalised, a lower-case `x`
/// accepted. The error says what is wrong (length, a character, the date, the check character).
pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
    let s = normalise(input);
    if s.is_empty() {
        return Err(IdNumberError::Empty);
    }
    let n = s.chars().count();
    if n != 18 {
        return Err(IdNumberError::Length(n));
    }
    let b = s.as_bytes();
    if let Some(i) = b[..17].iter().position(|c| !c.is_ascii_digit()) {
        return Err(IdNumberError::NotDigit(i + 1));
    }
    if !(b[17].is_ascii_digit() || b[17] == b'X') {
        return Err(IdNumberError::NotDigit(18));
    }
    birth_date(&b[6..14])?;
    let first17: &[u8; 17] = b[..17].try_into().map_err(|_| IdNumberError::Length(n))?;
    if check_char(first17) != b[17] as char {
        return Err(IdNumberError::CheckDigit);
    }
    Ok(IdNumber(s))
}

/// As [`parse`], and the birth date may not be after `today` (the Beijing date).
pub fn parse_on(input: &str, today: time::Date) -> Result<IdNumber, IdNumberError> {
    let id = parse(input)?;
    let born = birth_date(&id.0.as_bytes()[6..14])?;
    if born > today {
        return Err(IdNumberError::BornInFuture);
    }
    Ok(id)
}

/// Whether a certificate fact (a placeholder of the certificate text) holds an ID number: its
/// name ends in 身份证号, 身份证号码 or 公民身份号码 (关系人身份证号, 被监护人身份证号 …).
pub fn is_id_number_field(name: &str) -> bool {
    ["身份证号", "身份证号码", "公民身份号码"]
        .iter()
        .any(|s| name.ends_with(s))
}

impl IdNumber {
    /// The whole number, for storage (encrypted) and for those allowed to see it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Only the last four characters shown: `**************123X`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// Birth date as `YYYY-MM-DD`.
    pub fn birth_date(&self) -> String {
        let d = &self.0[6..14];
        format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8])
    }
}

/// Debug and Display never show the whole number.
impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl std::fmt::Display for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Masks any stored value for display: every character but the last four becomes `*`; a value of
/// four characters or fewer is masked whole (showing it would show all of it).
pub fn mask(any: &str) -> String {
    let chars: Vec<char> = any.trim().chars().collect();
    let n = chars.len();
    if n <= SHOWN {
        return "*".repeat(n);
    }
    let mut out = "*".repeat(n - SHOWN);
    out.extend(&chars[n - SHOWN..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The worked example of GB 11643-1999 (a 北京市朝阳区 code): check character X.
    const SAMPLE: &str = "11010519491231002X";

    #[test]
    fn the_standards_example_is_valid() {
        let id = parse(SAMPLE).unwrap();
        assert_eq!(id.as_str(), SAMPLE);
        assert_eq!(id.birth_date(), "1949-12-31");
        assert_eq!(
            parse("440524188001010014").unwrap_err(),
            IdNumberError::BornBefore1900(1880)
        );
        assert!(
            IdNumberError::BornBefore1900(1880)
                .to_string()
                .contains("1880 年，早于 1900 年")
        );
        assert_eq!(
            parse("110101190001011009").map(|i| i.birth_date()).ok(),
            Some("1900-01-01".into())
        );
    }

    #[test]
    fn typed_variants_are_normalised() {
        for typed in [
            "11010519491231002x",
            " 110105 19491231 002X ",
            "１１０１０５１９４９１２３１００２Ｘ",
            "１１０１０５　１９４９１２３１　００２ｘ",
        ] {
            assert_eq!(parse(typed).unwrap().as_str(), SAMPLE, "{typed}");
        }
    }

    #[test]
    fn each_fault_is_named_without_echoing_the_number() {
        assert_eq!(parse("  "), Err(IdNumberError::Empty));
        assert_eq!(parse("11010519491231002"), Err(IdNumberError::Length(17)));
        assert_eq!(parse("11010519491231002X1"), Err(IdNumberError::Length(19)));
        assert_eq!(
            parse("1101051949123100XX"),
            Err(IdNumberError::NotDigit(17))
        );
        assert_eq!(
            parse("11010519491231002Y"),
            Err(IdNumberError::NotDigit(18))
        );
        assert_eq!(parse("110105194913310020"), Err(IdNumberError::BirthDate));
        assert_eq!(parse("110105194902300020"), Err(IdNumberError::BirthDate));
        assert_eq!(parse("110105194912310021"), Err(IdNumberError::CheckDigit));
        for e in [
            IdNumberError::Empty,
            IdNumberError::Length(17),
            IdNumberError::NotDigit(3),
            IdNumberError::BirthDate,
            IdNumberError::BornBefore1900(1899),
            IdNumberError::BornInFuture,
            IdNumberError::CheckDigit,
        ] {
            assert_eq!(e.code(), "id_number_invalid");
            let m = e.to_string();
            assert!(!m.contains("110105") && m.contains("身份证号码"), "{m}");
        }
    }

    /// Issue 10 §4: a birth date after today is refused (only knowable with the date).
    #[test]
    fn a_birth_date_after_today_is_refused() {
        let today = time::macros::date!(2026 - 11 - 28);
        let born = |d: &str| {
            let first = format!("110105{d}002");
            let arr: [u8; 17] = first.as_bytes().try_into().unwrap();
            format!("{first}{}", check_char(&arr))
        };
        assert!(parse_on(&born("20261128"), today).is_ok(), "born today");
        assert_eq!(
            parse_on(&born("20261129"), today),
            Err(IdNumberError::BornInFuture)
        );
        assert!(
            parse(&born("20261129")).is_ok(),
            "parse alone knows no date"
        );
        assert_eq!(
            parse_on(&born("18991231"), today),
            Err(IdNumberError::BornBefore1900(1899))
        );
    }

    #[test]
    fn fields_holding_id_numbers_are_recognised_by_name() {
        for f in [
            "身份证号",
            "关系人身份证号",
            "被监护人身份证号",
            "被继承人公民身份号码",
        ] {
            assert!(is_id_number_field(f), "{f}");
        }
        for f in ["申请人", "关系", "身份证明", "承包地所在村"] {
            assert!(!is_id_number_field(f), "{f}");
        }
    }

    #[test]
    fn only_the_last_four_show() {
        let id = parse(SAMPLE).unwrap();
        assert_eq!(id.masked(), "**************002X");
        assert_eq!(format!("{id}"), "**************002X");
        assert!(!format!("{id:?}").contains("110105"));
        assert_eq!(mask("123456"), "**3456");
        assert_eq!(mask("1234"), "****");
        assert_eq!(mask(""), "");
        assert_eq!(mask(" 身份证ABCD "), "***ABCD");
    }

    proptest! {
        /// Any 17 digits with a valid date and the computed check character parse; changing any
        /// one digit breaks the check (MOD 11-2 catches every single-digit error).
        #[test]
        fn check_character_catches_single_digit_errors(
            area in 100000u32..999999, y in 1900u32..2026, m in 1u32..=12, d in 1u32..=28,
            seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10,
        ) {
            let first = format!("{area:06}{y:04}{m:02}{d:02}{seq:03}");
            let arr: [u8; 17] = first.as_bytes().try_into().unwrap();
            let id = format!("{first}{}", check_char(&arr));
            prop_assert!(parse(&id).is_ok());
            let mut bad = id.clone().into_bytes();
            bad[pos] = b'0' + (bad[pos] - b'0' + delta) % 10;
            let bad = String::from_utf8(bad).unwrap();
            prop_assert!(parse(&bad).is_err());
        }
    }
}
