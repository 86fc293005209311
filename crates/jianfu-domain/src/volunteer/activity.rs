//! 志愿服务活动：社区（或其指定的社会组织）发布时间、地点、名额和所需；报名和取消只在活动开始前；
//! 名额至少 1 个。状态由时间和是否取消读出，不另存。

use super::VolunteerError;
use super::rules::rules;
use time::{Date, PrimitiveDateTime, Time, UtcOffset};

/// What an organiser posts, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityTimes {
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
}

/// Where an activity is, as read from its times and whether it was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the start: sign-ups and cancellations open.
    Open,
    UnderWay,
    Ended,
    Cancelled,
}

impl Phase {
    pub fn of(starts_at: i64, ends_at: i64, cancelled: bool, now: i64) -> Phase {
        if cancelled {
            Phase::Cancelled
        } else if now < starts_at {
            Phase::Open
        } else if now < ends_at {
            Phase::UnderWay
        } else {
            Phase::Ended
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Open => "open",
            Phase::UnderWay => "under_way",
            Phase::Ended => "ended",
            Phase::Cancelled => "cancelled",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            Phase::Open => "报名中",
            Phase::UnderWay => "进行中",
            Phase::Ended => "已结束",
            Phase::Cancelled => "已取消",
        }
    }
}

/// Reads exactly `2026-12-05 09:00` or `2026-12-05T09:00` (Beijing time, as a person types it or
/// a `datetime-local` field sends it) as epoch milliseconds. Anything else (seconds, a time
/// zone, a missing leading zero, trailing text) is `None`: a time we would read differently from
/// what was meant is refused, not guessed.
pub fn parse_beijing_datetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let shape = b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ' || *c == b'T',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let date = crate::assignment::working_days::parse_date(&s[..10])?;
    let h: u8 = s[11..13].parse().ok()?;
    let m: u8 = s[14..16].parse().ok()?;
    let time = Time::from_hms(h, m, 0).ok()?;
    let offset = UtcOffset::from_hms(8, 0, 0).ok()?;
    let at = PrimitiveDateTime::new(date, time).assume_offset(offset);
    Some((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `2026-12-05T09:00` in Beijing time, for a `datetime-local` field.
pub fn format_for_input(ms: i64) -> String {
    crate::clock::format_beijing(ms)
        .chars()
        .take(16)
        .collect::<String>()
        .replace(' ', "T")
}

/// The Beijing date an activity ends on.
pub fn end_date(ends_at: i64) -> Date {
    crate::clock::beijing_date(ends_at)
}

/// Checks an activity's times and places: it starts in the future, ends after it starts, lasts at
/// most `rules().activity.max_length_hours`; at least one place, at most
/// `rules().activity.max_capacity` (both 本区设定, in the data file).
pub fn check_activity(
    starts: &str,
    ends: &str,
    capacity: &str,
    now: i64,
) -> Result<ActivityTimes, VolunteerError> {
    let starts_at = parse_beijing_datetime(starts).ok_or_else(|| {
        VolunteerError::new("start_invalid", "请填写开始时间，例如 2026-12-05 09:00")
    })?;
    let ends_at = parse_beijing_datetime(ends).ok_or_else(|| {
        VolunteerError::new("end_invalid", "请填写结束时间，例如 2026-12-05 11:30")
    })?;
    if starts_at <= now {
        return Err(VolunteerError::new(
            "start_in_past",
            "开始时间已过，请填写今后的时间",
        ));
    }
    if ends_at <= starts_at {
        return Err(VolunteerError::new(
            "end_before_start",
            "结束时间须晚于开始时间",
        ));
    }
    let limits = &rules().activity;
    if ends_at - starts_at > limits.max_length_ms() {
        return Err(VolunteerError::based(
            "activity_too_long",
            format!(
                "一次活动不超过 {} 小时；连续多天的请按天分别发布",
                limits.max_length_hours
            ),
            limits.cite.as_str(),
        ));
    }
    let capacity: i64 = crate::text::half_width_text(capacity.trim())
        .parse()
        .map_err(|_| capacity_error())?;
    if !(1..=limits.max_capacity).contains(&capacity) {
        return Err(capacity_error());
    }
    Ok(ActivityTimes {
        starts_at,
        ends_at,
        capacity,
    })
}

fn capacity_error() -> VolunteerError {
    let limits = &rules().activity;
    VolunteerError::based(
        "capacity_invalid",
        format!("名额须为 1 到 {} 之间的整数", limits.max_capacity),
        limits.cite.as_str(),
    )
}

/// Sign-up and cancellation are open until the activity starts (after that the organiser records
/// who came).
pub fn check_sign_up_open(phase: Phase) -> Result<(), VolunteerError> {
    match phase {
        Phase::Open => Ok(()),
        Phase::Cancelled => Err(VolunteerError::new(
            "activity_cancelled",
            "这项活动已取消，不能报名或取消报名",
        )),
        Phase::UnderWay | Phase::Ended => Err(VolunteerError::new(
            "activity_started",
            "活动已经开始，报名和取消报名都已截止；如有变化请直接联系组织者",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        parse_beijing_datetime("2026-11-28 09:00").unwrap()
    }

    #[test]
    fn times_are_beijing_time() {
        let ms = parse_beijing_datetime("2026-11-28T09:00").unwrap();
        assert_eq!(
            crate::clock::format_beijing(ms)
                .chars()
                .take(16)
                .collect::<String>(),
            "2026-11-28 09:00"
        );
        assert_eq!(format_for_input(ms), "2026-11-28T09:00");
        assert!(parse_beijing_datetime("2026-11-28").is_none());
        assert!(parse_beijing_datetime("2026-11-28 25:00").is_none());
        assert_eq!(parse_beijing_datetime(" 2026-11-28 09:00 "), Some(ms));
    }

    #[test]
    fn only_minutes_are_read_and_anything_more_is_refused() {
        // Seconds, extra parts, a zone, a missing zero: refused rather than silently cut off.
        for bad in [
            "2026-11-28 09:00:30",
            "2026-11-28T09:00:00",
            "2026-11-28 09:00:",
            "2026-11-28 09:00 extra",
            "2026-11-28 09:00+08:00",
            "2026-11-28 9:00",
            "2026-11-28  09:00",
            "2026-11-28 09:0a",
            "2026/11/28 09:00",
            "2026-11-28X09:00",
        ] {
            assert!(parse_beijing_datetime(bad).is_none(), "{bad}");
            assert_eq!(
                check_activity(bad, "2026-12-05 11:30", "3", now())
                    .unwrap_err()
                    .code,
                "start_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn an_activity_needs_a_future_window_and_at_least_one_place() {
        let ok = check_activity("2026-12-05 09:00", "2026-12-05 11:30", "10", now()).unwrap();
        assert_eq!(ok.ends_at - ok.starts_at, 150 * 60_000);
        let code = |s: &str, e: &str, c: &str| check_activity(s, e, c, now()).unwrap_err().code;
        assert_eq!(
            code("2026-11-27 09:00", "2026-11-27 10:00", "3"),
            "start_in_past"
        );
        assert_eq!(
            code("2026-12-05 09:00", "2026-12-05 09:00", "3"),
            "end_before_start"
        );
        assert_eq!(
            code("2026-12-05 09:00", "2026-12-07 09:00", "3"),
            "activity_too_long"
        );
        assert_eq!(
            code("2026-12-05 09:00", "2026-12-05 10:00", "0"),
            "capacity_invalid"
        );
        assert_eq!(
            code("2026-12-05 09:00", "2026-12-05 10:00", "501"),
            "capacity_invalid"
        );
        // The limits come from the data file, and say they are the district's own setting.
        let e = check_activity("2026-12-05 09:00", "2026-12-05 10:00", "501", now()).unwrap_err();
        assert!(e.message().contains("本区设定"), "{}", e.message());
        let e = check_activity("2026-12-05 09:00", "2026-12-07 09:00", "3", now()).unwrap_err();
        assert!(
            e.message().contains(&format!(
                "不超过 {} 小时",
                rules().activity.max_length_hours
            )) && e.message().contains(&rules().activity.cite),
            "{}",
            e.message()
        );
        assert_eq!(
            code("2026-12-05 09:00", "2026-12-05 10:00", "三"),
            "capacity_invalid"
        );
        assert_eq!(code("", "2026-12-05 10:00", "3"), "start_invalid");
        // Full-width digits are what a phone keyboard may type.
        assert_eq!(
            check_activity("2026-12-05 09:00", "2026-12-05 10:00", "１２", now())
                .unwrap()
                .capacity,
            12
        );
    }

    #[test]
    fn sign_up_and_cancel_only_before_the_start() {
        let (s, e) = (1_000, 2_000);
        assert_eq!(Phase::of(s, e, false, 999), Phase::Open);
        assert!(check_sign_up_open(Phase::of(s, e, false, 999)).is_ok());
        assert_eq!(
            check_sign_up_open(Phase::of(s, e, false, 1_000))
                .unwrap_err()
                .code,
            "activity_started"
        );
        assert_eq!(
            check_sign_up_open(Phase::of(s, e, false, 5_000))
                .unwrap_err()
                .code,
            "activity_started"
        );
        assert_eq!(
            check_sign_up_open(Phase::of(s, e, true, 10))
                .unwrap_err()
                .code,
            "activity_cancelled"
        );
        assert_eq!(Phase::of(s, e, false, 1_500), Phase::UnderWay);
        assert_eq!(Phase::of(s, e, false, 2_000), Phase::Ended);
    }
}
