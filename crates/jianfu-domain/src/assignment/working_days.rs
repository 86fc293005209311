//! Working-day arithmetic for approval deadlines ("15 个工作日"). A day is a working day unless it
//! is a public holiday, or a Saturday or Sunday that the State Council has not made an adjusted
//! working day (调休上班日). The calendar is data: one file per year (data/calendar/*.toml shipped,
//! more in the data directory), from the State Council's yearly notice
//! (《国务院办公厅关于20XX年部分节假日安排的通知》). A year without its file counts weekends only,
//! and deadlines that cross it say so (`missing_years`).

use serde::Deserialize;
use std::collections::BTreeSet;
use time::{Date, Weekday};

/// Public holidays and adjusted working days, from the State Council's yearly notices: one year
/// (`from_toml`) or several (`combine`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    pub id: String,
    pub source: String,
    /// The years whose notice this calendar holds.
    years: BTreeSet<i32>,
    holidays: BTreeSet<Date>,
    workdays: BTreeSet<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("工作日历文件格式有误：{0}")]
    Format(String),
    #[error("工作日历中的日期“{0}”格式不正确，应为 YYYY-MM-DD")]
    BadDate(String),
    #[error("日期“{0}”同时列为节假日和调休上班日")]
    Both(String),
    #[error("日期“{date}”不在这个文件的年份 {year} 年里：一个文件只写一年的安排")]
    OutsideYear { date: String, year: i32 },
    #[error("没有写明年份：请加一行 year = 2027 这样的年份")]
    NoYear,
}

#[derive(Deserialize)]
struct CalendarFile {
    id: String,
    /// The year of the notice; when absent, the year all the dates share.
    year: Option<i32>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).ok()
}

pub fn format_date(d: Date) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    d.format(&fmt).unwrap_or_default()
}

impl WorkCalendar {
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let f: CalendarFile =
            toml::from_str(text).map_err(|e| CalendarError::Format(e.to_string()))?;
        let dates = |v: &[String]| -> Result<BTreeSet<Date>, CalendarError> {
            v.iter()
                .map(|s| parse_date(s).ok_or_else(|| CalendarError::BadDate(s.clone())))
                .collect()
        };
        let holidays = dates(&f.holidays)?;
        let workdays = dates(&f.workdays)?;
        if let Some(d) = holidays.intersection(&workdays).next() {
            return Err(CalendarError::Both(format_date(*d)));
        }
        let year = f
            .year
            .or_else(|| holidays.iter().chain(&workdays).next().map(|d| d.year()))
            .ok_or(CalendarError::NoYear)?;
        if let Some(d) = holidays.iter().chain(&workdays).find(|d| d.year() != year) {
            return Err(CalendarError::OutsideYear {
                date: format_date(*d),
                year,
            });
        }
        Ok(Self {
            id: f.id,
            source: f.source,
            years: BTreeSet::from([year]),
            holidays,
            workdays,
        })
    }

    /// One calendar of several years' notices (each year once; the caller picks which file of a
    /// year wins).
    pub fn combine(calendars: impl IntoIterator<Item = WorkCalendar>) -> Self {
        let mut all = Self::default();
        let mut ids = Vec::new();
        for c in calendars {
            ids.push(c.id);
            all.years.extend(c.years);
            all.holidays.extend(c.holidays);
            all.workdays.extend(c.workdays);
        }
        all.id = ids.join(",");
        all
    }

    /// The single year of a calendar read by `from_toml`.
    pub fn year(&self) -> Option<i32> {
        (self.years.len() == 1)
            .then(|| self.years.first().copied())
            .flatten()
    }

    /// Whether the notice for `year` is loaded.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years without a loaded notice among the days counted from `start` (exclusive) to
    /// `end` (inclusive): a deadline that crosses one was counted on weekends only there and may
    /// fall on a holiday, so the user is told (`calendar_missing`).
    pub fn missing_years(&self, start: Date, end: Date) -> Vec<i32> {
        let first = start.next_day().unwrap_or(start).year();
        (first..=end.year()).filter(|y| !self.covers(*y)).collect()
    }

    /// Only weekends; for tests and years without a published notice.
    pub fn weekends_only() -> Self {
        Self::default()
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
    }
}

/// The date `n` working days after `start` (the start day itself is not counted, as in
/// "自受理之日起15个工作日内"): the deadline is the end of that day. `n <= 0` gives `start`.
pub fn add_working_days(start: Date, n: i64, cal: &WorkCalendar) -> Date {
    let mut d = start;
    let mut left = n;
    while left > 0 {
        match d.next_day() {
            Some(next) => d = next,
            None => return d,
        }
        if cal.is_working_day(d) {
            left -= 1;
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const SHIPPED: &str = include_str!("../../../../data/calendar/cn-workdays-2026.toml");

    fn cal() -> WorkCalendar {
        WorkCalendar::from_toml(SHIPPED).expect("shipped calendar is valid")
    }

    #[test]
    fn weekends_are_skipped() {
        let c = WorkCalendar::weekends_only();
        // Friday 2026-11-27 + 1 working day = Monday 2026-11-30.
        assert_eq!(
            add_working_days(date!(2026 - 11 - 27), 1, &c),
            date!(2026 - 11 - 30)
        );
        // Saturday + 1 = Monday.
        assert_eq!(
            add_working_days(date!(2026 - 11 - 28), 1, &c),
            date!(2026 - 11 - 30)
        );
        // Saturday 2026-11-28 + 15 = Friday 2026-12-18 (three full weeks of weekdays).
        assert_eq!(
            add_working_days(date!(2026 - 11 - 28), 15, &c),
            date!(2026 - 12 - 18)
        );
        assert_eq!(
            add_working_days(date!(2026 - 11 - 28), 0, &c),
            date!(2026 - 11 - 28)
        );
    }

    #[test]
    fn holidays_are_skipped_and_adjusted_weekends_count() {
        let c = cal();
        // National Day: Wednesday 2026-09-30 + 1 skips 1–7 October → Thursday 2026-10-08.
        assert_eq!(
            add_working_days(date!(2026 - 09 - 30), 1, &c),
            date!(2026 - 10 - 08)
        );
        // Friday 10-09 + 1 = Saturday 10-10, an adjusted working day.
        assert_eq!(
            add_working_days(date!(2026 - 10 - 09), 1, &c),
            date!(2026 - 10 - 10)
        );
        // Spring Festival: Friday 02-13 + 1 = Saturday 02-14 (adjusted), + 2 = Tuesday 02-24.
        assert_eq!(
            add_working_days(date!(2026 - 02 - 13), 1, &c),
            date!(2026 - 02 - 14)
        );
        assert_eq!(
            add_working_days(date!(2026 - 02 - 13), 2, &c),
            date!(2026 - 02 - 24)
        );
        // Without the calendar the same count lands inside the holiday.
        assert_eq!(
            add_working_days(date!(2026 - 09 - 30), 1, &WorkCalendar::weekends_only()),
            date!(2026 - 10 - 01)
        );
        assert!(!c.is_working_day(date!(2026 - 01 - 01)));
        assert!(c.is_working_day(date!(2026 - 01 - 04)));
        assert!(!c.is_working_day(date!(2026 - 11 - 29)));
    }

    #[test]
    fn shipped_calendar_matches_the_notice() {
        let c = cal();
        assert_eq!(c.holidays.len(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
        assert_eq!(c.workdays.len(), 6);
        // Every adjusted working day falls on a weekend, or it would not need listing.
        assert!(
            c.workdays
                .iter()
                .all(|d| matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday))
        );
    }

    #[test]
    fn a_year_without_its_notice_is_named() {
        let c = cal();
        assert_eq!(c.year(), Some(2026));
        assert!(c.covers(2026) && !c.covers(2027));
        // 15 working days from 2026-12-20 end in January 2027: counted on weekends only there.
        let end = add_working_days(date!(2026 - 12 - 20), 15, &c);
        assert_eq!(c.missing_years(date!(2026 - 12 - 20), end), vec![2027]);
        assert!(
            c.missing_years(date!(2026 - 11 - 28), date!(2026 - 12 - 18))
                .is_empty()
        );
        // A second year's file fills the gap: 2027-01-01 is then not a working day.
        let y2027 = WorkCalendar::from_toml("id='t'\nyear=2027\nholidays=['2027-01-01']").unwrap();
        let both = WorkCalendar::combine([c, y2027]);
        assert!(both.covers(2027) && both.missing_years(date!(2026 - 12 - 20), end).is_empty());
        assert!(!both.is_working_day(date!(2027 - 01 - 01)));
        assert!(WorkCalendar::weekends_only().is_working_day(date!(2027 - 01 - 01)));
    }

    #[test]
    fn a_file_holds_one_year() {
        assert!(matches!(
            WorkCalendar::from_toml("id='x'\nyear=2027\nholidays=['2026-12-31']"),
            Err(CalendarError::OutsideYear { year: 2027, .. })
        ));
        assert!(matches!(
            WorkCalendar::from_toml("id='x'\nholidays=['2027-01-01', '2028-01-01']"),
            Err(CalendarError::OutsideYear { year: 2027, .. })
        ));
        assert_eq!(
            WorkCalendar::from_toml("id='x'"),
            Err(CalendarError::NoYear)
        );
        assert_eq!(
            WorkCalendar::from_toml("id='x'\nyear=2030").unwrap().year(),
            Some(2030)
        );
    }

    #[test]
    fn a_date_both_holiday_and_workday_is_refused() {
        let bad = "id='x'\nholidays=['2026-01-01']\nworkdays=['2026-01-01']";
        assert!(matches!(
            WorkCalendar::from_toml(bad),
            Err(CalendarError::Both(_))
        ));
        assert!(matches!(
            WorkCalendar::from_toml("id='x'\nholidays=['2026-13-01']"),
            Err(CalendarError::BadDate(_))
        ));
    }
}
