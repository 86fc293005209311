//! Counts before and after the clean-up, over months: how many entries a group of communities
//! carried at the end of each month, and how many had been cleared by then.

use serde::Serialize;
use std::collections::BTreeMap;

/// One month of a series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthPoint {
    /// `YYYY-MM`.
    pub month: String,
    /// Recorded by the end of the month.
    pub found: i64,
    /// Removed or converted by the end of the month.
    pub cleared: i64,
    /// Still carried at the end of the month (`found - cleared`).
    pub carried: i64,
}

/// The months from `first` to `last` (`YYYY-MM`, inclusive); empty if either is malformed or
/// they run backwards. At most 240 months, so a typo cannot allocate a century.
pub fn months(first: &str, last: &str) -> Vec<String> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, mo) = m.split_once('-')?;
        let (y, mo) = (y.parse().ok()?, mo.parse().ok()?);
        (1..=12).contains(&mo).then_some((y, mo))
    };
    let (Some((mut y, mut m)), Some(end)) = (parse(first), parse(last)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while (y, m) <= end && out.len() < 240 {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// The `n` months ending with the month of `today` (`YYYY-MM`, oldest first).
pub fn last_months(today: time::Date, n: u32) -> Vec<String> {
    let end = today.year() * 12 + i32::from(u8::from(today.month())) - 1;
    let start = end - n.saturating_sub(1) as i32;
    let label = |k: i32| format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1);
    months(&label(start), &label(end))
}

/// Cumulative counts at the end of each month in `months` (ascending), from counts per month
/// of entries found and entries cleared (months before the first count into its total).
pub fn monthly(
    found_per_month: &BTreeMap<String, i64>,
    cleared_per_month: &BTreeMap<String, i64>,
    months: &[String],
) -> Vec<MonthPoint> {
    let upto = |per: &BTreeMap<String, i64>, m: &str| -> i64 {
        per.iter()
            .take_while(|(k, _)| k.as_str() <= m)
            .map(|(_, n)| *n)
            .sum()
    };
    months
        .iter()
        .map(|m| {
            let found = upto(found_per_month, m);
            let cleared = upto(cleared_per_month, m);
            MonthPoint {
                month: m.clone(),
                found,
                cleared,
                carried: found - cleared,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn per(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(m, n)| (m.to_string(), *n)).collect()
    }

    #[test]
    fn the_last_twelve_months_end_with_this_one() {
        let m = last_months(time::macros::date!(2026 - 02 - 15), 12);
        assert_eq!(m.len(), 12);
        assert_eq!((m[0].as_str(), m[11].as_str()), ("2025-03", "2026-02"));
        assert_eq!(
            last_months(time::macros::date!(2026 - 12 - 31), 1),
            ["2026-12"]
        );
    }

    #[test]
    fn months_run_across_the_year_end_and_refuse_nonsense() {
        assert_eq!(
            months("2025-11", "2026-02"),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert!(months("2026-03", "2026-02").is_empty());
        assert!(months("2026-13", "2027-01").is_empty());
        assert_eq!(months("1900-01", "2999-12").len(), 240);
    }

    #[test]
    fn the_series_counts_what_was_found_before_it_starts_and_what_was_cleared_by_each_month() {
        let found = per(&[("2025-06", 10), ("2026-01", 5), ("2026-03", 1)]);
        let cleared = per(&[("2026-01", 3), ("2026-02", 4)]);
        let s = monthly(&found, &cleared, &months("2026-01", "2026-03"));
        let got: Vec<(i64, i64, i64)> = s.iter().map(|p| (p.found, p.cleared, p.carried)).collect();
        assert_eq!(got, [(15, 3, 12), (15, 7, 8), (16, 7, 9)]);
    }
}
