//! A figure as typed into the ledger form or a workbook cell, read into a scaled integer (a
//! decimal with `scale` places is stored as value × 10^scale: no floats anywhere). People type
//! figures as 1,234, １２３ (full-width), "1 234", 12.50, 3人 — all are read; anything that is not
//! a number is refused with the text shown back.

use serde::{Deserialize, Serialize};

/// What kind of figure an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A count of people, households, items: a whole number, never negative.
    Count,
    /// A measure with decimals (area, money); `scale` in the element says how many.
    Decimal,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Count => "count",
            ValueType::Decimal => "decimal",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [ValueType::Count, ValueType::Decimal]
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            ValueType::Count => "整数计数",
            ValueType::Decimal => "数值",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("“{0}”不是数字。请只填数字，如 1234 或 12.5。")]
    NotANumber(String),
    #[error("“{text}”的小数位太多：最多 {scale} 位小数。")]
    TooManyDecimals { text: String, scale: u32 },
    #[error("“{0}”是计数，只能填整数。")]
    NotWhole(String),
    #[error("“{0}”太大，超出了能记录的范围。")]
    TooLarge(String),
}

impl ValueError {
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::NotANumber(_) => "not_a_number",
            ValueError::TooManyDecimals { .. } => "too_many_decimals",
            ValueError::NotWhole(_) => "not_whole",
            ValueError::TooLarge(_) => "value_too_large",
        }
    }
}

/// Reads a figure with at most `scale` decimal places into value × 10^scale. A unit typed after
/// the number (人、户、个、平方米、㎡、元) is read past; thousands separators and spaces too.
pub fn parse_value(text: &str, kind: ValueType, scale: u32) -> Result<i64, ValueError> {
    let shown = text.trim().to_string();
    let mut s: String = crate::text::half_width_text(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '，' && *c != '\'')
        .collect();
    s = s.replace('。', ".").replace('－', "-");
    for unit in [
        "平方米",
        "㎡",
        "m2",
        "人",
        "户",
        "个",
        "处",
        "名",
        "元",
        "次",
        "件",
    ] {
        if let Some(stripped) = s.strip_suffix(unit) {
            s = stripped.to_string();
            break;
        }
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) {
        return Err(ValueError::NotANumber(shown));
    }
    let frac = frac.trim_end_matches('0');
    let scale = match kind {
        ValueType::Count => 0,
        ValueType::Decimal => scale,
    };
    if frac.len() as u32 > scale {
        return Err(if kind == ValueType::Count {
            ValueError::NotWhole(shown)
        } else {
            ValueError::TooManyDecimals { text: shown, scale }
        });
    }
    let too_large = || ValueError::TooLarge(shown.clone());
    let mut v: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| too_large())?
    };
    for i in 0..scale as usize {
        let d = frac.as_bytes().get(i).map_or(0, |b| (b - b'0') as i64);
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .ok_or_else(too_large)?;
    }
    // A cap far above any community's figure, so that sums over many communities stay far
    // inside i64 (9.2 × 10^18: over 9,000 figures at the cap; real figures are many orders
    // smaller).
    if v > 1_000_000_000_000_000 {
        return Err(too_large());
    }
    Ok(if neg { -v } else { v })
}

/// Shows a scaled value: `1234`, `12.50`.
pub fn format_value(v: i64, scale: u32) -> String {
    if scale == 0 {
        return v.to_string();
    }
    let p = 10i64.pow(scale);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let p = p as u64;
    format!("{sign}{}.{:0width$}", a / p, a % p, width = scale as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_read_as_people_type_them() {
        for (t, v) in [
            ("1234", 1234),
            ("1,234", 1234),
            ("１２３", 123),
            ("１，２３４", 1234),
            (" 3 456 ", 3456),
            ("120人", 120),
            ("0", 0),
        ] {
            assert_eq!(parse_value(t, ValueType::Count, 0), Ok(v), "{t}");
        }
        assert_eq!(parse_value("12.5", ValueType::Decimal, 2), Ok(1250));
        assert_eq!(parse_value("１２．５㎡", ValueType::Decimal, 2), Ok(1250));
        assert_eq!(parse_value("12.50", ValueType::Decimal, 1), Ok(125));
        assert_eq!(parse_value("-3", ValueType::Decimal, 0), Ok(-3));
        assert_eq!(format_value(1250, 2), "12.50");
        assert_eq!(format_value(-5, 2), "-0.05");
        assert_eq!(format_value(42, 0), "42");
    }

    #[test]
    fn what_is_not_a_figure_is_refused_with_its_text() {
        let e = parse_value("约一百", ValueType::Count, 0).unwrap_err();
        assert_eq!(e.code(), "not_a_number");
        assert!(e.to_string().contains("约一百"));
        assert_eq!(
            parse_value("", ValueType::Count, 0).unwrap_err().code(),
            "not_a_number"
        );
        assert_eq!(
            parse_value(".", ValueType::Count, 0).unwrap_err().code(),
            "not_a_number"
        );
        assert_eq!(
            parse_value("1.5", ValueType::Count, 0).unwrap_err().code(),
            "not_whole"
        );
        assert_eq!(
            parse_value("1.555", ValueType::Decimal, 2)
                .unwrap_err()
                .code(),
            "too_many_decimals"
        );
        assert_eq!(
            parse_value("99999999999999999999", ValueType::Count, 0)
                .unwrap_err()
                .code(),
            "value_too_large"
        );
    }
}
