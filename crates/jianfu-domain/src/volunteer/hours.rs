//! 服务时间：组织者按参加者逐人记录，以小时计（办法第七条），按半小时一档，不超过活动时长；
//! 活动结束后 10 个工作日内完成记录（办法第十一条）——超期照样记录，但标出“逾期记录”。
//! 同一期限也约束服务质量评价（`evaluation.rs`）。

use super::VolunteerError;
use super::rules::rules;
use crate::assignment::working_days::{WorkCalendar, add_working_days};
use time::Date;

/// Reads hours as typed (`2`, `2.5`, `１.５`, `2小时`) as minutes, a multiple of the step
/// (30 minutes); empty means 0.
pub fn parse_hours(raw: &str) -> Result<i64, VolunteerError> {
    let s = crate::text::half_width_text(raw.trim());
    let s = s
        .trim_end_matches("小时")
        .trim_end_matches('h')
        .trim_end_matches('H')
        .trim();
    if s.is_empty() {
        return Ok(0);
    }
    let step = rules().record.hours_step_minutes;
    let bad = || {
        VolunteerError::based(
            "hours_invalid",
            format!("服务时间请按小时填写，以 {step} 分钟为一档，例如 2 或 2.5"),
            rules().record.hours_cite.as_str(),
        )
    };
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    if !(0..=48).contains(&whole) || !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 {
        return Err(bad());
    }
    let frac_minutes = match frac.trim_end_matches('0') {
        "" => 0,
        "5" => 30,
        "25" => 15,
        "75" => 45,
        _ => return Err(bad()),
    };
    let minutes = whole * 60 + frac_minutes;
    if minutes % step != 0 {
        return Err(bad());
    }
    Ok(minutes)
}

/// `2.5` for 150 minutes.
pub fn format_hours(minutes: i64) -> String {
    if minutes % 60 == 0 {
        format!("{}", minutes / 60)
    } else {
        let s = format!("{:.2}", minutes as f64 / 60.0);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Hours recorded for one attendee may not exceed the activity's length.
pub fn check_hours(minutes: i64, starts_at: i64, ends_at: i64) -> Result<(), VolunteerError> {
    let length = (ends_at - starts_at).max(0) / 60_000;
    if minutes < 0 {
        return Err(VolunteerError::new("hours_invalid", "服务时间不能为负数"));
    }
    if minutes > length {
        return Err(VolunteerError::based(
            "hours_exceed_activity",
            format!(
                "记录的服务时间 {} 小时超过了活动时长 {} 小时：服务时间是实际付出的时间，不能多于活动本身",
                format_hours(minutes),
                format_hours(length)
            ),
            rules().record.hours_cite.as_str(),
        ));
    }
    Ok(())
}

/// Hours can be recorded only once the activity has started.
pub fn check_recordable(starts_at: i64, now: i64) -> Result<(), VolunteerError> {
    if now < starts_at {
        return Err(VolunteerError::new(
            "activity_not_started",
            "活动还没有开始，开始后才能记录到场和服务时间",
        ));
    }
    Ok(())
}

/// The last day to record an activity that ended on `ended_on`: 10 working days later.
pub fn record_due(ended_on: Date, cal: &WorkCalendar) -> Date {
    add_working_days(ended_on, rules().record.deadline_working_days, cal)
}

/// Whether a record made on `recorded_on` is late (it is still recorded: the rule binds the
/// organiser; refusing the record would only lose the volunteer's hours).
pub fn is_late(ended_on: Date, recorded_on: Date, cal: &WorkCalendar) -> bool {
    recorded_on > record_due(ended_on, cal)
}

/// The warning shown for a late record: the deadline binds the service time and the evaluation
/// alike (办法第十一条“志愿服务情况和评价情况”).
pub fn late_warning(due: Date) -> String {
    let r = &rules().record;
    format!(
        "已超过服务时间和评价的记录期限（{due}，活动结束后 {} 个工作日内，{}）。照常记录，首次记录的标为“逾期记录”，首次评价的标为“逾期评价”",
        r.deadline_working_days, r.cite
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn hours_come_in_half_hour_steps() {
        assert_eq!(parse_hours("2").unwrap(), 120);
        assert_eq!(parse_hours("2.5").unwrap(), 150);
        assert_eq!(parse_hours("２．５").unwrap(), 150);
        assert_eq!(parse_hours("１.５").unwrap(), 90);
        assert_eq!(parse_hours("3小时").unwrap(), 180);
        assert_eq!(parse_hours("").unwrap(), 0);
        assert_eq!(parse_hours(".5").unwrap(), 30);
        for bad in ["2.25", "2.3", "abc", "-1", ".", "49"] {
            assert_eq!(parse_hours(bad).unwrap_err().code, "hours_invalid", "{bad}");
        }
        assert_eq!(format_hours(150), "2.5");
        assert_eq!(format_hours(120), "2");
    }

    #[test]
    fn hours_never_exceed_the_activity() {
        let start = 0;
        let end = 150 * 60_000;
        assert!(check_hours(150, start, end).is_ok());
        assert!(check_hours(0, start, end).is_ok());
        let e = check_hours(180, start, end).unwrap_err();
        assert_eq!(e.code, "hours_exceed_activity");
        assert!(e.message().contains("第七条"));
        assert!(e.message().contains(&rules().record.hours_cite));
        assert_eq!(
            check_recordable(10, 5).unwrap_err().code,
            "activity_not_started"
        );
        assert!(check_recordable(10, 10).is_ok());
    }

    #[test]
    fn records_are_due_ten_working_days_after_the_end() {
        let cal = WorkCalendar::weekends_only();
        // Friday 2026-12-04 + 10 working days = Friday 2026-12-18.
        assert_eq!(
            record_due(date!(2026 - 12 - 04), &cal),
            date!(2026 - 12 - 18)
        );
        assert!(!is_late(date!(2026 - 12 - 04), date!(2026 - 12 - 18), &cal));
        assert!(is_late(date!(2026 - 12 - 04), date!(2026 - 12 - 19), &cal));
        let w = late_warning(date!(2026 - 12 - 18));
        assert!(w.contains("第十一条"), "{w}");
        assert!(
            w.contains(&rules().record.cite) && w.contains("10 个工作日"),
            "{w}"
        );
        assert!(
            w.contains("服务时间和评价") && w.contains("逾期记录") && w.contains("逾期评价"),
            "{w}"
        );
    }
}
