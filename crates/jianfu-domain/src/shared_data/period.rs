//! Periods (统计期): monthly, quarterly, yearly. An element has exactly one period type, and the
//! periods of one type partition time, so adding the months inside a quarter never counts a
//! month twice (DESIGN: "period types cannot overlap and double count"). A report may ask for an
//! element over its own period type or a coarser one, never a finer one: a yearly figure cannot
//! be split into months.
//!
//! Keys are text that sorts in time within one type: `2026-11`, `2026-Q4`, `2026`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    Monthly,
    Quarterly,
    Yearly,
}

impl PeriodType {
    pub const ALL: [PeriodType; 3] = [
        PeriodType::Monthly,
        PeriodType::Quarterly,
        PeriodType::Yearly,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodType::Monthly => "monthly",
            PeriodType::Quarterly => "quarterly",
            PeriodType::Yearly => "yearly",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            PeriodType::Monthly => "按月",
            PeriodType::Quarterly => "按季度",
            PeriodType::Yearly => "按年",
        }
    }
    /// Months in one period of this type.
    fn months(self) -> u32 {
        match self {
            PeriodType::Monthly => 1,
            PeriodType::Quarterly => 3,
            PeriodType::Yearly => 12,
        }
    }
}

/// One period: a year and, within it, the 0-based index of the month, quarter or (0) the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub kind: PeriodType,
    pub year: i32,
    pub index: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("统计期“{0}”看不懂：按月写 2026-11，按季度写 2026-Q4，按年写 2026。")]
    Unreadable(String),
    #[error("{0}还没有开始，不能填报：请填已经开始的期。")]
    NotYet(String),
    #[error(
        "“{element}”按{own}统计，不能按{asked}出数：较粗的数不能拆成较细的期（请按{own}或更长的期出表）。"
    )]
    TooFine {
        element: String,
        own: &'static str,
        asked: &'static str,
    },
}

impl PeriodError {
    pub fn code(&self) -> &'static str {
        match self {
            PeriodError::Unreadable(_) => "invalid_period",
            PeriodError::NotYet(_) => "period_in_future",
            PeriodError::TooFine { .. } => "period_too_fine",
        }
    }
}

impl Period {
    pub fn month(year: i32, month: u32) -> Self {
        Period {
            kind: PeriodType::Monthly,
            year,
            index: month.clamp(1, 12) - 1,
        }
    }

    /// Reads `2026-11`, `2026-Q4` (or `2026q4`, `2026年第4季度`), `2026` (or `2026年`),
    /// `2026年11月`; full-width digits read as digits.
    pub fn parse(text: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError::Unreadable(text.trim().to_string());
        let s: String = crate::text::half_width_text(text.trim())
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let s = s.trim_end_matches(['月', '度']).replace("年第", "-Q");
        let s = s.replace("季", "").replace('年', "-");
        let s = s.trim_end_matches('-');
        // 2026Q4 without the dash.
        let dashed;
        let s = if s.len() == 6 && matches!(s.as_bytes()[4], b'Q' | b'q') {
            dashed = format!("{}-{}", &s[..4], &s[4..]);
            dashed.as_str()
        } else {
            s
        };
        let (year, rest) = match s.split_once('-') {
            Some((y, r)) => (y, Some(r)),
            None => (s, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(2000..=2099).contains(&year) {
            return Err(bad());
        }
        let num = |t: &str| -> Option<u32> {
            (!t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse().ok())
                .flatten()
        };
        match rest {
            None => Ok(Period {
                kind: PeriodType::Yearly,
                year,
                index: 0,
            }),
            Some(r) => {
                if let Some(q) = r.strip_prefix(['Q', 'q']) {
                    let q = num(q).filter(|q| (1..=4).contains(q)).ok_or_else(bad)?;
                    Ok(Period {
                        kind: PeriodType::Quarterly,
                        year,
                        index: q - 1,
                    })
                } else {
                    let m = num(r).filter(|m| (1..=12).contains(m)).ok_or_else(bad)?;
                    Ok(Period::month(year, m))
                }
            }
        }
    }

    /// The stored key: `2026-11`, `2026-Q4`, `2026`.
    pub fn key(&self) -> String {
        match self.kind {
            PeriodType::Monthly => format!("{}-{:02}", self.year, self.index + 1),
            PeriodType::Quarterly => format!("{}-Q{}", self.year, self.index + 1),
            PeriodType::Yearly => format!("{}", self.year),
        }
    }

    pub fn label_zh(&self) -> String {
        match self.kind {
            PeriodType::Monthly => format!("{}年{}月", self.year, self.index + 1),
            PeriodType::Quarterly => format!("{}年第{}季度", self.year, self.index + 1),
            PeriodType::Yearly => format!("{}年", self.year),
        }
    }

    /// First month (0-based, counted from January of `year`) and number of months covered.
    fn months(&self) -> (i64, i64) {
        let n = self.kind.months();
        (self.year as i64 * 12 + (self.index * n) as i64, n as i64)
    }

    fn from_month(kind: PeriodType, abs_month: i64) -> Self {
        let year = abs_month.div_euclid(12) as i32;
        let m = abs_month.rem_euclid(12) as u32;
        Period {
            kind,
            year,
            index: m / kind.months(),
        }
    }

    /// The period of the same type before this one.
    pub fn previous(&self) -> Self {
        let (start, n) = self.months();
        Period::from_month(self.kind, start - n)
    }

    /// Refused when the period begins after `month` (1–12) of `year`: figures are entered for
    /// a period that has begun, never ahead.
    pub fn check_begun(&self, year: i32, month: u32) -> Result<(), PeriodError> {
        let (start, _) = self.months();
        if start > year as i64 * 12 + month.clamp(1, 12) as i64 - 1 {
            Err(PeriodError::NotYet(self.label_zh()))
        } else {
            Ok(())
        }
    }

    /// Whether the period ends with `month` (1–12) of `year`.
    pub fn ends_in(&self, year: i32, month: u32) -> bool {
        let (start, n) = self.months();
        start + n - 1 == year as i64 * 12 + month.clamp(1, 12) as i64 - 1
    }

    /// The period of the same type after this one.
    pub fn next(&self) -> Self {
        let (start, n) = self.months();
        Period::from_month(self.kind, start + n)
    }

    /// The period of type `kind` that holds `month` (1–12) of `year`.
    pub fn containing(kind: PeriodType, year: i32, month: u32) -> Self {
        Period::from_month(kind, year as i64 * 12 + month.clamp(1, 12) as i64 - 1)
    }

    /// The last period of type `kind` that has ended by the month `year-month` (the period a
    /// community reports on): for monthly, the month before; for quarterly, the last quarter
    /// that ended; for yearly, last year.
    pub fn last_ended(kind: PeriodType, year: i32, month: u32) -> Self {
        Period::containing(kind, year, month).previous()
    }

    /// The first and last keys of `element_type` periods inside this period, for a text range
    /// query; refused when `element_type` is coarser than this period.
    pub fn window_for(
        &self,
        element: &str,
        element_type: PeriodType,
    ) -> Result<(String, String), PeriodError> {
        if element_type > self.kind {
            return Err(PeriodError::TooFine {
                element: element.to_string(),
                own: element_type.label_zh(),
                asked: self.kind.label_zh(),
            });
        }
        let (start, n) = self.months();
        let first = Period::from_month(element_type, start);
        let last = Period::from_month(element_type, start + n - 1);
        Ok((first.key(), last.key()))
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_in_every_way_people_write_them() {
        for (text, key) in [
            ("2026-11", "2026-11"),
            ("2026-1", "2026-01"),
            ("２０２６－１１", "2026-11"),
            ("2026年11月", "2026-11"),
            ("2026-Q4", "2026-Q4"),
            ("2026q1", "2026-Q1"),
            ("2026年第4季度", "2026-Q4"),
            ("2026", "2026"),
            ("2026年", "2026"),
        ] {
            assert_eq!(Period::parse(text).unwrap().key(), key, "{text}");
        }
        for bad in [
            "", "26-11", "2026-13", "2026-Q5", "2026-Q0", "abc", "2026-00", "1999",
        ] {
            assert_eq!(
                Period::parse(bad).unwrap_err().code(),
                "invalid_period",
                "{bad}"
            );
        }
    }

    #[test]
    fn figures_are_for_periods_that_have_begun() {
        let p = |t| Period::parse(t).unwrap();
        assert!(p("2026-11").check_begun(2026, 11).is_ok());
        assert!(p("2026-Q4").check_begun(2026, 11).is_ok());
        assert!(p("2026").check_begun(2026, 11).is_ok());
        assert_eq!(
            p("2026-12").check_begun(2026, 11).unwrap_err().code(),
            "period_in_future"
        );
        assert!(p("2027").check_begun(2026, 11).is_err());
        assert!(p("2026-Q4").ends_in(2026, 12));
        assert!(!p("2026-Q4").ends_in(2026, 11));
        assert!(p("2026").ends_in(2026, 12));
        assert!(p("2026-11").ends_in(2026, 11));
    }

    #[test]
    fn previous_crosses_the_year() {
        assert_eq!(
            Period::parse("2026-01").unwrap().previous().key(),
            "2025-12"
        );
        assert_eq!(
            Period::parse("2026-Q1").unwrap().previous().key(),
            "2025-Q4"
        );
        assert_eq!(Period::parse("2026").unwrap().previous().key(), "2025");
        assert_eq!(Period::parse("2026-12").unwrap().next().key(), "2027-01");
        assert_eq!(
            Period::parse("2026-Q4").unwrap().next().previous().key(),
            "2026-Q4"
        );
        assert_eq!(
            Period::last_ended(PeriodType::Quarterly, 2026, 11).key(),
            "2026-Q3"
        );
        assert_eq!(
            Period::last_ended(PeriodType::Monthly, 2026, 1).key(),
            "2025-12"
        );
    }

    /// A coarser report period holds exactly the finer periods inside it — the windows of two
    /// neighbouring periods never share a key, so nothing is counted twice.
    #[test]
    fn windows_partition_time_and_refuse_finer_than_the_element() {
        let q4 = Period::parse("2026-Q4").unwrap();
        assert_eq!(
            q4.window_for("x", PeriodType::Monthly).unwrap(),
            ("2026-10".into(), "2026-12".into())
        );
        assert_eq!(
            q4.window_for("x", PeriodType::Quarterly).unwrap(),
            ("2026-Q4".into(), "2026-Q4".into())
        );
        let year = Period::parse("2026").unwrap();
        assert_eq!(
            year.window_for("x", PeriodType::Quarterly).unwrap(),
            ("2026-Q1".into(), "2026-Q4".into())
        );
        let q3 = q4.previous();
        let (_, q3_last) = q3.window_for("x", PeriodType::Monthly).unwrap();
        let (q4_first, _) = q4.window_for("x", PeriodType::Monthly).unwrap();
        assert!(q3_last < q4_first);
        let err = Period::parse("2026-11")
            .unwrap()
            .window_for("常住人口数", PeriodType::Yearly)
            .unwrap_err();
        assert_eq!(err.code(), "period_too_fine");
        assert!(err.to_string().contains("常住人口数"));
    }
}
