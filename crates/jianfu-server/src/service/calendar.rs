//! The working-day calendar: the shipped years' State Council notices plus any the district puts in
//! `<data_dir>/calendar/*.toml` (a file there replaces a shipped one of the same year), loaded once
//! at start. Deadlines that cross a year without its notice are flagged (`calendar_missing`).

use super::App;
use jianfu_domain::assignment::WorkCalendar;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use time::{Date, Month};
use utoipa::ToSchema;

/// The years shipped with the binary (data/calendar/).
const SHIPPED: &[(&str, &str)] = &[(
    "cn-workdays-2026.toml",
    include_str!("../../../../data/calendar/cn-workdays-2026.toml"),
)];

/// The calendar in use and what was wrong with the district's files (the server refuses to start
/// on any: a wrong calendar would move deadlines silently).
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    pub calendar: WorkCalendar,
    pub problems: Vec<String>,
}

pub fn load(data_dir: &Path) -> Calendars {
    let mut years: BTreeMap<i32, WorkCalendar> = BTreeMap::new();
    let mut problems = Vec::new();
    let read = |name: &str,
                text: &str,
                years: &mut BTreeMap<i32, WorkCalendar>,
                problems: &mut Vec<String>| match WorkCalendar::from_toml(text) {
        Ok(c) => match c.year() {
            Some(y) => {
                years.insert(y, c);
            }
            None => problems.push(format!("工作日历文件 {name} 没有写明年份")),
        },
        Err(e) => problems.push(format!("工作日历文件 {name} 有误：{e}")),
    };
    for (name, text) in SHIPPED {
        read(name, text, &mut years, &mut problems);
    }
    let dir = data_dir.join("calendar");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for path in files {
        let name = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => read(&name, &text, &mut years, &mut problems),
            Err(e) => problems.push(format!("无法读取工作日历文件 {name}：{e}")),
        }
    }
    Calendars {
        calendar: WorkCalendar::combine(years.into_values()),
        problems,
    }
}

/// Something the caller should know about an answer that is otherwise fine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Warning {
    /// 稳定的代码，如 `calendar_missing`。
    pub code: String,
    pub message: String,
}

impl App {
    /// `calendar_missing` when a deadline counted from `start` to `end` crosses a year whose
    /// holiday notice is not loaded.
    pub fn deadline_warning(&self, start: Date, end: Date) -> Option<Warning> {
        let missing = self.calendars.calendar.missing_years(start, end);
        if missing.is_empty() {
            return None;
        }
        let years = missing
            .iter()
            .map(|y| format!("{y} 年"))
            .collect::<Vec<_>>()
            .join("、");
        Some(Warning {
            code: "calendar_missing".into(),
            message: format!(
                "{years}的节假日安排尚未载入：这个期限里{years}的日子只按周末计算，可能落在节假日上。请区社会办载入该年的工作日历"
            ),
        })
    }

    /// From 1 November on, a warning when next year's notice is not loaded yet (the State Council
    /// publishes it in the autumn).
    pub fn next_year_calendar_warning(&self) -> Option<String> {
        let today = self.today();
        let next = today.year() + 1;
        (today.month() >= Month::November && !self.calendars.calendar.covers(next)).then(|| {
            format!(
                "尚未载入 {next} 年的工作日历（国务院办公厅关于{next}年部分节假日安排的通知）：请照 data/calendar/cn-workdays-2026.toml 的格式写 cn-workdays-{next}.toml，放进数据目录的 calendar/ 下后重启；在此之前，跨到 {next} 年的期限只按周末计算"
            )
        })
    }
}
